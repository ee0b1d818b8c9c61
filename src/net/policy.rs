//! Which addresses the kiosk may contact: a URL is parsed (WHATWG rules, the `url` crate), then
//! must be `https`, or plain `http` to this machine only (tests and local mirrors). User names
//! and passwords in URLs are refused: they would end up in logs and on the staff screen.
//! Redirects stay on the same host and never go from `https` to `http`.

use std::net::IpAddr;

use url::{Host, Url};

use super::NetError;

/// Parses `text` and applies the kiosk's rules for where it may connect.
pub(super) fn parse(text: &str) -> Result<Url, NetError> {
    let url = Url::parse(text.trim()).map_err(|e| NetError::BadUrl {
        url: text.to_string(),
        message: e.to_string(),
    })?;
    allowed(&url)?;
    Ok(url)
}

fn allowed(url: &Url) -> Result<(), NetError> {
    let shown = url.as_str().to_string();
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NetError::Credentials { url: shown });
    }
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(NetError::Scheme {
            url: shown,
            scheme: scheme.to_string(),
        });
    }
    let host = url.host().ok_or_else(|| NetError::BadUrl {
        url: shown.clone(),
        message: "no host".into(),
    })?;
    if scheme == "http" && !is_loopback(&host) {
        return Err(NetError::PlainHttp { url: shown });
    }
    Ok(())
}

/// Loopback by its address, or the name `localhost` itself (RFC 6761); names that merely start
/// with it (`localhost.example`) are ordinary hosts.
pub(super) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
    }
}

/// Whether the host of `url` is this machine.
pub(super) fn url_is_loopback(url: &Url) -> bool {
    url.host().is_some_and(|h| is_loopback(&h))
}

/// Where a redirect from `from` to `location` (a `Location` header, maybe relative) may go.
pub(super) fn redirect(from: &Url, location: &str) -> Result<Url, NetError> {
    let to = from.join(location).map_err(|e| NetError::BadUrl {
        url: location.to_string(),
        message: e.to_string(),
    })?;
    let refuse = |why: &str| NetError::Redirect {
        from: from.as_str().to_string(),
        to: to.as_str().to_string(),
        why: why.to_string(),
    };
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err(refuse("from https to plain http"));
    }
    if !same_host(from, &to) {
        return Err(refuse("to another host"));
    }
    allowed(&to).map_err(|e| refuse(&e.to_string()))?;
    Ok(to)
}

fn same_host(a: &Url, b: &Url) -> bool {
    match (a.host(), b.host()) {
        (Some(Host::Domain(x)), Some(Host::Domain(y))) => x.eq_ignore_ascii_case(y),
        (Some(x), Some(y)) => host_ip(&x).is_some() && host_ip(&x) == host_ip(&y),
        _ => false,
    }
}

fn host_ip(h: &Host<&str>) -> Option<IpAddr> {
    match h {
        Host::Ipv4(ip) => Some(IpAddr::V4(*ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(*ip)),
        Host::Domain(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        parse(s).is_ok()
    }

    #[test]
    fn only_https_or_loopback_http() {
        assert!(ok(
            "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh.html"
        ));
        assert!(ok("http://127.0.0.1:8080/bundle.zip"));
        assert!(ok("http://127.8.9.10/bundle.zip"));
        assert!(ok("http://[::1]:9000/b.zip"));
        assert!(ok("http://LOCALHOST/b.zip"));
        // The two addresses the old prefix check let through.
        assert!(matches!(
            parse("http://127.0.0.1@other-host/"),
            Err(NetError::Credentials { .. })
        ));
        assert!(matches!(
            parse("http://localhost.evil.example/"),
            Err(NetError::PlainHttp { .. })
        ));
        assert!(matches!(
            parse("http://127.0.0.1.nip.io/"),
            Err(NetError::PlainHttp { .. })
        ));
        assert!(matches!(
            parse("https://user:secret@feed.example/"),
            Err(NetError::Credentials { .. })
        ));
        assert!(matches!(
            parse("ftp://feed.example/"),
            Err(NetError::Scheme { .. })
        ));
        assert!(matches!(
            parse("file:///etc/passwd"),
            Err(NetError::Scheme { .. })
        ));
        assert!(matches!(parse("127.0.0.1/x"), Err(NetError::BadUrl { .. })));
        assert!(matches!(parse("https://"), Err(NetError::BadUrl { .. })));
    }

    #[test]
    fn redirects_stay_on_the_host_and_on_https() {
        let from = parse("https://feed.example/a/bundle.zip").expect("url");
        assert_eq!(
            redirect(&from, "../b/bundle.zip")
                .expect("relative")
                .as_str(),
            "https://feed.example/b/bundle.zip"
        );
        assert!(redirect(&from, "https://FEED.example:8443/c.zip").is_ok());
        assert!(redirect(&from, "https://other.example/bundle.zip").is_err());
        assert!(redirect(&from, "http://feed.example/bundle.zip").is_err());
        assert!(redirect(&from, "https://x@feed.example/bundle.zip").is_err());
        let local = parse("http://127.0.0.1:1/a").expect("url");
        assert!(
            redirect(&local, "https://127.0.0.1:2/a").is_ok(),
            "upgrade is fine"
        );
        assert!(
            redirect(&local, "http://localhost:1/a").is_err(),
            "another host name"
        );
    }
}
