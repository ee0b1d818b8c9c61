//! The kiosk's one HTTP client (the only user of `ureq` and `url`). Polite and careful: a URL is
//! parsed and checked before anything is sent (`https`, or plain `http` to this machine only);
//! redirects are followed by hand, only on the same host and never from `https` to `http`; every
//! exchange has a stall timeout and a total deadline; every body has a byte cap counted on what
//! arrives, whatever the server declares. Conditional GETs, resumable downloads to a file and
//! JSON POSTs are built on that.

mod download;
mod policy;

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use download::{Fetched, tidy};

/// Sent with every request: who we are and where to read about us, so a server operator who sees
/// the traffic can find the project.
pub const USER_AGENT: &str = concat!(
    "motcua/",
    env!("CARGO_PKG_VERSION"),
    " (one-stop-shop procedure kiosk; +",
    env!("CARGO_PKG_REPOSITORY"),
    ")"
);

/// Redirects followed per request (each one checked).
pub const MAX_REDIRECTS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("`{url}` is not a valid URL: {message}")]
    BadUrl { url: String, message: String },
    #[error(
        "`{url}`: plain http is only allowed to this machine (127.0.0.1, ::1, localhost); use https"
    )]
    PlainHttp { url: String },
    #[error("`{url}`: `{scheme}` is not supported; use https")]
    Scheme { url: String, scheme: String },
    #[error("`{url}`: a user name or password in the address is not accepted")]
    Credentials { url: String },
    #[error("{from}: refused a redirect {why} ({to})")]
    Redirect {
        from: String,
        to: String,
        why: String,
    },
    #[error("{url}: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects { url: String },
    #[error("cannot reach {url}: {message}")]
    Offline { url: String, message: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the download is larger than the {} limit", human_size(*.limit))]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: download interrupted after {got} bytes{}: {cause}", .total.map(|t| format!(" of {t}")).unwrap_or_default())]
    Interrupted {
        url: String,
        got: u64,
        total: Option<u64>,
        cause: String,
    },
    #[error("{url}: the server sent a range that does not continue the partial download ({range})")]
    BadRange { url: String, range: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `1 MB`, `512 KB` or `1000 bytes`: a limit as people set it.
pub fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Checks that `url` is one the kiosk may contact (the configuration checks `network_url` with
/// it), with the reason when not.
pub fn check_url(url: &str) -> Result<(), NetError> {
    policy::parse(url).map(|_| ())
}

/// The validators of a response, sent back so an unchanged resource is not transferred twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting, or waiting for the next bytes, longer than this gives up.
    pub stall: Duration,
    /// The whole exchange, body included, redirects included.
    pub total: Duration,
}

/// A response body read in full (under its cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub validators: Validators,
    pub body: Vec<u8>,
}

/// The answer to a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    NotModified,
    Body(Reply),
}

/// The HTTP client. Cheap to make; holds no connection between calls (the kiosk talks to a
/// server a few times a day).
#[derive(Debug, Clone)]
pub struct Client {
    timeouts: Timeouts,
}

type Response = ureq::http::Response<ureq::Body>;

enum Method<'a> {
    Get,
    PostJson(&'a [u8]),
}

impl Client {
    pub fn new(timeouts: Timeouts) -> Client {
        Client { timeouts }
    }

    fn agent(&self, url: &url::Url) -> ureq::Agent {
        // A proxy from the environment is for the outside world; this machine is reached
        // directly.
        let proxy = if policy::url_is_loopback(url) {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            // Bytes on the wire are what the caps count, and ranges address them.
            .accept_encoding("identity")
            .proxy(proxy)
            .timeout_global(Some(self.timeouts.total))
            .timeout_resolve(Some(self.timeouts.stall))
            .timeout_connect(Some(self.timeouts.stall))
            .timeout_send_request(Some(self.timeouts.stall))
            .timeout_send_body(Some(self.timeouts.stall))
            .timeout_recv_response(Some(self.timeouts.stall))
            .timeout_per_read(Some(self.timeouts.stall))
            .build()
            .into()
    }

    /// Sends one request, following redirects that keep to the rules. `headers` go with every
    /// hop. Returns the final URL and its response (any status but a redirect).
    fn exchange(
        &self,
        url: &str,
        method: Method<'_>,
        headers: &[(&str, &str)],
    ) -> Result<(url::Url, Response), NetError> {
        let mut at = policy::parse(url)?;
        let agent = self.agent(&at);
        for _ in 0..=MAX_REDIRECTS {
            let offline = |e: ureq::Error| NetError::Offline {
                url: at.as_str().to_string(),
                message: e.to_string(),
            };
            let resp = match method {
                Method::Get => {
                    let mut req = agent.get(at.as_str());
                    for (k, v) in headers {
                        req = req.header(*k, *v);
                    }
                    req.call().map_err(offline)?
                }
                Method::PostJson(body) => {
                    let mut req = agent
                        .post(at.as_str())
                        .header("Content-Type", "application/json");
                    for (k, v) in headers {
                        req = req.header(*k, *v);
                    }
                    req.send(body).map_err(offline)?
                }
            };
            let status = resp.status().as_u16();
            let follow = match method {
                Method::Get => matches!(status, 301 | 302 | 303 | 307 | 308),
                // A POST is only repeated where the server asks for the same method and body.
                Method::PostJson(_) => matches!(status, 307 | 308),
            };
            if !follow {
                return Ok((at, resp));
            }
            let location = header(&resp, "location").ok_or_else(|| NetError::Status {
                url: at.as_str().to_string(),
                status,
            })?;
            at = policy::redirect(&at, &location)?;
        }
        Err(NetError::TooManyRedirects {
            url: url.to_string(),
        })
    }

    /// A GET, conditional on `previous` when it holds validators, with the body read in full
    /// (at most `max_bytes`). Any status but 2xx and 304 is an error.
    pub fn get(&self, url: &str, previous: &Validators, max_bytes: u64) -> Result<Got, NetError> {
        let mut headers = Vec::new();
        if let Some(e) = &previous.etag {
            headers.push(("If-None-Match", e.as_str()));
        }
        if let Some(lm) = &previous.last_modified {
            headers.push(("If-Modified-Since", lm.as_str()));
        }
        let (at, resp) = self.exchange(url, Method::Get, &headers)?;
        if resp.status().as_u16() == 304 {
            return Ok(Got::NotModified);
        }
        read_reply(&at, resp, max_bytes).map(Got::Body)
    }

    /// POSTs `body` as JSON and reads the answer (at most `max_bytes`). Any status but 2xx is
    /// an error.
    pub fn post_json<T: Serialize + ?Sized>(
        &self,
        url: &str,
        body: &T,
        max_bytes: u64,
    ) -> Result<Reply, NetError> {
        let bytes = serde_json::to_vec(body).map_err(|e| NetError::BadUrl {
            url: url.to_string(),
            message: format!("the request body cannot be written as JSON: {e}"),
        })?;
        let (at, resp) = self.exchange(url, Method::PostJson(&bytes), &[])?;
        read_reply(&at, resp, max_bytes)
    }
}

fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn validators(resp: &Response) -> Validators {
    Validators {
        etag: header(resp, "etag"),
        last_modified: header(resp, "last-modified"),
    }
}

fn read_reply(at: &url::Url, resp: Response, max_bytes: u64) -> Result<Reply, NetError> {
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(NetError::Status {
            url: at.as_str().to_string(),
            status,
        });
    }
    let content_type = header(&resp, "content-type");
    let validators = validators(&resp);
    let declared: Option<u64> = header(&resp, "content-length").and_then(|l| l.trim().parse().ok());
    let too_large = || NetError::TooLarge {
        url: at.as_str().to_string(),
        limit: max_bytes,
    };
    if declared.is_some_and(|d| d > max_bytes) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let mut reader = resp
        .into_body()
        .into_reader()
        .take(max_bytes.saturating_add(1));
    reader
        .read_to_end(&mut body)
        .map_err(|e| NetError::Interrupted {
            url: at.as_str().to_string(),
            got: body.len() as u64,
            total: declared,
            cause: e.to_string(),
        })?;
    if body.len() as u64 > max_bytes {
        return Err(too_large());
    }
    if let Some(total) = declared
        && body.len() as u64 != total
    {
        return Err(NetError::Interrupted {
            url: at.as_str().to_string(),
            got: body.len() as u64,
            total: Some(total),
            cause: "the connection closed early".into(),
        });
    }
    Ok(Reply {
        status,
        content_type,
        validators,
        body,
    })
}
