//! The HTTP client (`motcua::net`) against real servers on loopback: URLs that only look local,
//! redirects off the host, what a request says about itself, caps on answers, stalls, conditional
//! requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motcua::net::{Client, Fetched, Got, NetError, Timeouts, USER_AGENT, Validators};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the handler answers: status line, extra headers, body. A body of `None` sends headers
/// only and then stalls until the client gives up.
pub struct Answer {
    pub status: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Answer {
    pub fn ok(body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status: "200 OK",
            headers: Vec::new(),
            body: Some(body.into()),
        }
    }

    pub fn redirect(status: &'static str, to: &str) -> Answer {
        Answer {
            status,
            headers: vec![("Location".into(), to.into())],
            body: Some(Vec::new()),
        }
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Answer + Send + Sync>;

/// A small HTTP/1.1 server on a loopback address, one connection at a time, stopped on drop.
pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(ip: &str, handler: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind((ip, 0)).expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Handler = Arc::new(handler);
        let (log, halt) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                serve_one(stream, &handler, &log, &halt);
            }
        });
        Server {
            base: format!("http://{addr}"),
            seen,
            addr,
            stop,
            thread: Some(thread),
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>, halt: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let seen = Seen {
        method,
        path,
        headers,
        body,
    };
    log.lock().expect("lock").push(seen.clone());
    let answer = handler(&seen);
    let mut head = format!("HTTP/1.1 {}\r\n", answer.status);
    for (k, v) in &answer.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match &answer.body {
        Some(b) => head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            b.len()
        )),
        None => head.push_str("Content-Length: 1000\r\nConnection: close\r\n\r\n"),
    }
    let _ = stream.write_all(head.as_bytes());
    match &answer.body {
        Some(b) => {
            let _ = stream.write_all(b);
        }
        None => {
            // Stall: hold the connection open without a byte until the client leaves.
            let _ = stream.flush();
            let mut sink = [0u8; 1];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
            while !halt.load(Ordering::SeqCst) {
                match stream.read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
        }
    }
    let _ = stream.flush();
}

fn client() -> Client {
    Client::new(Timeouts {
        stall: Duration::from_secs(2),
        total: Duration::from_secs(30),
    })
}

#[test]
fn addresses_that_only_look_local_are_refused_before_any_connection() {
    // "other-host": another address on this machine, so a request that goes there is seen.
    let other = Server::start("127.0.0.2", |_| Answer::ok("bundle"));
    let port = other.addr.port();
    let sneaky = [
        format!("http://127.0.0.1@127.0.0.2:{port}/bundle.zip"),
        format!("http://localhost@127.0.0.2:{port}/bundle.zip"),
        "http://localhost.evil.example/bundle.zip".to_string(),
        "http://127.0.0.1.nip.io/bundle.zip".to_string(),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for url in &sneaky {
        let err = client()
            .download(url, dir.path(), "b.zip", &Validators::default(), 1 << 20)
            .expect_err(url);
        assert!(
            matches!(
                err,
                NetError::Credentials { .. } | NetError::PlainHttp { .. }
            ),
            "{url}: {err}"
        );
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    // The real thing on the same address works.
    let got = client()
        .get(
            &format!("{}/bundle.zip", other.base),
            &Validators::default(),
            1024,
        )
        .expect("plain http to this machine");
    assert!(matches!(got, Got::Body(r) if r.body == b"bundle"));
}

#[test]
fn redirects_are_followed_only_on_the_same_host() {
    let other = Server::start("127.0.0.2", |_| Answer::ok("from elsewhere"));
    let elsewhere = format!("{}/bundle.zip", other.base);
    let home = Server::start("127.0.0.1", move |req| match req.path.as_str() {
        "/moved.zip" => Answer::redirect("301 Moved Permanently", "/here/bundle.zip"),
        "/here/bundle.zip" => Answer::ok("the bundle"),
        "/away.zip" => Answer::redirect("302 Found", &elsewhere),
        "/by-name.zip" => Answer::redirect("302 Found", "http://localhost/bundle.zip"),
        "/loop.zip" => Answer::redirect("307 Temporary Redirect", "/loop.zip"),
        _ => Answer {
            status: "404 Not Found",
            headers: Vec::new(),
            body: Some(Vec::new()),
        },
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let get = |path: &str| {
        client().download(
            &format!("{}{path}", home.base),
            dir.path(),
            "b.zip",
            &Validators::default(),
            1 << 20,
        )
    };
    match get("/moved.zip").expect("same host") {
        Fetched::Downloaded { path, .. } => {
            assert_eq!(std::fs::read(path).expect("read"), b"the bundle")
        }
        other => panic!("{other:?}"),
    }
    for path in ["/away.zip", "/by-name.zip"] {
        let err = get(path).expect_err(path);
        assert!(
            matches!(&err, NetError::Redirect { why, .. } if why == "to another host"),
            "{path}: {err}"
        );
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    let err = get("/loop.zip").expect_err("loop");
    assert!(matches!(err, NetError::TooManyRedirects { .. }), "{err}");
    assert!(matches!(
        get("/nothing.zip"),
        Err(NetError::Status { status: 404, .. })
    ));
}

#[test]
fn json_posts_say_who_sends_them_and_answers_are_capped_at_the_limit() {
    let server = Server::start("127.0.0.1", |req| match req.path.as_str() {
        "/echo" => Answer {
            status: "201 Created",
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(req.body.clone()),
        },
        "/again" => Answer::redirect("308 Permanent Redirect", "/echo"),
        "/see-other" => Answer::redirect("303 See Other", "/echo"),
        _ => Answer::ok(vec![b'x'; 600 * 1024]),
    });
    let body = serde_json::json!({"kiosk": "Bộ phận Một cửa", "visits": 12});
    let reply = client()
        .post_json(&format!("{}/echo", server.base), &body, 1 << 20)
        .expect("post");
    assert_eq!(reply.status, 201);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&reply.body).expect("json"),
        body
    );
    let seen = &server.requests()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("user-agent"), Some(USER_AGENT));
    assert!(
        USER_AGENT.starts_with("motcua/") && USER_AGENT.len() > 40,
        "{USER_AGENT}"
    );

    // 307/308 repeat the POST with its body; 303 is not a place to post to.
    let again = client()
        .post_json(&format!("{}/again", server.base), &body, 1 << 20)
        .expect("308");
    assert_eq!(again.body, reply.body);
    assert!(matches!(
        client().post_json(&format!("{}/see-other", server.base), &body, 1 << 20),
        Err(NetError::Status { status: 303, .. })
    ));

    // 600 KB against a 512 KB cap: the message gives the cap, not what was left of it.
    let err = client()
        .post_json(&format!("{}/big", server.base), &body, 512 * 1024)
        .expect_err("over the cap");
    assert!(
        err.to_string().contains("larger than the 512 KB limit"),
        "{err}"
    );
    let err = client()
        .get(
            &format!("{}/big", server.base),
            &Validators::default(),
            512 * 1024,
        )
        .expect_err("over the cap");
    assert!(
        err.to_string().contains("larger than the 512 KB limit"),
        "{err}"
    );
}

#[test]
fn a_server_that_stalls_is_given_up_on() {
    let server = Server::start("127.0.0.1", |_| Answer {
        status: "200 OK",
        headers: Vec::new(),
        body: None,
    });
    let c = Client::new(Timeouts {
        stall: Duration::from_millis(500),
        total: Duration::from_secs(20),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let err = c
        .download(
            &format!("{}/bundle.zip", server.base),
            dir.path(),
            "b.zip",
            &Validators::default(),
            1 << 20,
        )
        .expect_err("stalled");
    assert!(matches!(err, NetError::Interrupted { got: 0, .. }), "{err}");
}

#[test]
fn an_unchanged_resource_is_not_sent_again() {
    let server = Server::start("127.0.0.1", |req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            Answer {
                status: "304 Not Modified",
                headers: Vec::new(),
                body: Some(Vec::new()),
            }
        } else {
            Answer {
                status: "200 OK",
                headers: vec![("ETag".into(), "\"v1\"".into())],
                body: Some(b"feed".to_vec()),
            }
        }
    });
    let url = format!("{}/feed.json", server.base);
    let Got::Body(first) = client()
        .get(&url, &Validators::default(), 1024)
        .expect("get")
    else {
        panic!("a body the first time");
    };
    assert_eq!(first.validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        client().get(&url, &first.validators, 1024).expect("get"),
        Got::NotModified
    );
}
