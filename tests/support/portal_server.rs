//! A stand-in for the national portal's two public endpoints on 127.0.0.1, serving real corpus
//! records exactly as the portal's API gives them (POST with JSON, 201, `{code, data, message}`),
//! with the catalog paged by `lastId`. It can misbehave the way a public service does: 503s,
//! slow answers, a connection dropped half-way through a body, a malformed record. Written on
//! raw sockets, one thread per connection, so it can do all of that. Shared by the integration
//! tests and `examples/loopback_portal.rs` (for timing a whole sync by hand).

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const CATALOG_PATH: &str = "/api/v1/submitting/formality/list-all-public-formality-by-citizen";
pub const DETAIL_PATH: &str = "/api/v1/configuring/formality/get-formality-by-citizen";

/// What the portal publishes: catalog items and detail answers, each as its exact line.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    pub catalog: Vec<String>,
    /// Catalog UUID → detail answer line.
    pub details: HashMap<String, String>,
}

/// A corpus JSON Lines file, `.zst`-compressed as the repository keeps it or plain.
fn lines(dir: &Path, stem: &str) -> Vec<String> {
    let packed = dir.join(format!("{stem}.jsonl.zst"));
    let path = if packed.is_file() {
        packed
    } else {
        dir.join(format!("{stem}.jsonl"))
    };
    let bytes =
        motcua::bundle::zst::read_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn id_of(line: &str, detail: bool) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let v = if detail { v.get("data")? } else { &v };
    v.get("id")?.as_str().map(str::to_string)
}

impl Fixture {
    /// Where a catalog page after the item `last_id` starts: 0 after none, `None` when the
    /// catalog has no such item.
    fn start_after(&self, last_id: &str) -> Option<usize> {
        if last_id.is_empty() {
            return Some(0);
        }
        self.catalog
            .iter()
            .position(|l| Fixture::item_id(l) == last_id)
            .map(|i| i + 1)
    }

    /// `portal-catalog.jsonl` and `portal-api-details.jsonl` of a corpus folder.
    pub fn from_corpus(dir: &Path) -> Fixture {
        let catalog = lines(dir, "portal-catalog");
        let details = lines(dir, "portal-api-details")
            .into_iter()
            .filter_map(|l| Some((id_of(&l, true)?, l)))
            .collect();
        Fixture { catalog, details }
    }

    pub fn item_id(line: &str) -> String {
        id_of(line, false).expect("catalog item with an id")
    }
}

/// How the server misbehaves. Keys are catalog UUIDs, or `page:N` for the Nth catalog page.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer 503 to the first N requests.
    pub unavailable: HashMap<String, usize>,
    /// Hold the first answer this long.
    pub slow_first: HashMap<String, Duration>,
    /// Hold every answer this long.
    pub slow_always: HashMap<String, Duration>,
    /// Close the connection half-way through the first answer's body.
    pub drop_first: HashSet<String>,
    /// Always answer with this body instead of the record.
    pub malformed: HashMap<String, String>,
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub path: String,
    /// The catalog UUID asked for, or `page:N`.
    pub key: String,
    pub user_agent: String,
}

struct State {
    fixture: Fixture,
    faults: Faults,
    /// Requests so far per key.
    counts: HashMap<String, usize>,
    seen: Vec<Seen>,
}

pub struct PortalServer {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PortalServer {
    pub fn start(fixture: Fixture, faults: Faults) -> PortalServer {
        PortalServer::start_on("127.0.0.1:0", fixture, faults)
    }

    pub fn start_on(addr: &str, fixture: Fixture, faults: Faults) -> PortalServer {
        let listener = TcpListener::bind(addr).expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            fixture,
            faults,
            counts: HashMap::new(),
            seen: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                std::thread::spawn(move || handle(stream, &st));
            }
        });
        PortalServer {
            url: format!("http://{addr}"),
            state,
            stop,
            addr,
            thread: Some(thread),
        }
    }

    /// Serves another version of the portal from now on (request counts start again).
    pub fn replace(&self, fixture: Fixture, faults: Faults) {
        let mut s = self.state.lock().expect("lock");
        s.fixture = fixture;
        s.faults = faults;
        s.counts.clear();
        s.seen.clear();
    }

    /// Requests so far for a UUID or `page:N`.
    pub fn count(&self, key: &str) -> usize {
        self.state
            .lock()
            .expect("lock")
            .counts
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    pub fn counts(&self) -> HashMap<String, usize> {
        self.state.lock().expect("lock").counts.clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("lock").seen.clone()
    }

    pub fn detail_requests(&self) -> usize {
        self.state
            .lock()
            .expect("lock")
            .seen
            .iter()
            .filter(|s| s.path == DETAIL_PATH)
            .count()
    }
}

impl Drop for PortalServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(stream: &mut TcpStream, status: &str, body: &[u8], cut: bool) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let send = if cut { body.len() / 2 } else { body.len() };
    let _ = stream.write_all(&body[..send]);
    let _ = stream.flush();
    if cut {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

fn handle(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() || request_line.is_empty() {
        return;
    }
    let mut headers: HashMap<String, String> = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "POST" || (path != CATALOG_PATH && path != DETAIL_PATH) {
        respond(&mut stream, "404 Not Found", b"{}", false);
        return;
    }
    let query: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |k: &str| {
        query
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };

    let limit = query
        .get("limit")
        .and_then(|v| v.as_u64())
        .unwrap_or(20)
        .max(1) as usize;

    // Decide the answer under the lock, then send it without holding the lock.
    let (status, answer, delay, cut) = {
        let mut s = state.lock().expect("lock");
        // Where the catalog page asked for starts (`None`: after an id the catalog lacks).
        let catalog_start = (path == CATALOG_PATH).then(|| s.fixture.start_after(&text("lastId")));
        let key = match catalog_start {
            Some(start) => {
                let page = start.map_or(usize::MAX, |i| i / limit);
                format!("page:{}", page.saturating_add(1))
            }
            None => text("id"),
        };
        let n = {
            let c = s.counts.entry(key.clone()).or_insert(0);
            *c += 1;
            *c
        };
        s.seen.push(Seen {
            path: path.to_string(),
            key: key.clone(),
            user_agent: headers.get("user-agent").cloned().unwrap_or_default(),
        });
        let f = &s.faults;
        let delay = f
            .slow_always
            .get(&key)
            .copied()
            .or_else(|| f.slow_first.get(&key).filter(|_| n == 1).copied());
        let cut = n == 1 && f.drop_first.contains(&key);
        if f.unavailable.get(&key).is_some_and(|&k| n <= k) {
            (
                "503 Service Unavailable",
                b"<html>busy</html>".to_vec(),
                delay,
                false,
            )
        } else if let Some(bad) = f.malformed.get(&key) {
            ("201 Created", bad.clone().into_bytes(), delay, cut)
        } else if let Some(start) = catalog_start {
            match start {
                None => (
                    "400 Bad Request",
                    br#"{"code":"BAD_REQUEST","message":"lastId"}"#.to_vec(),
                    delay,
                    false,
                ),
                Some(i) => {
                    let items: Vec<&String> =
                        s.fixture.catalog.iter().skip(i).take(limit).collect();
                    let last = items
                        .last()
                        .map(|l| Fixture::item_id(l))
                        .unwrap_or_default();
                    let joined = items
                        .iter()
                        .map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join(",");
                    let body = format!(
                        r#"{{"code":"OK","message":"OK","data":{{"items":[{joined}],"lastId":{}}}}}"#,
                        serde_json::Value::String(last)
                    );
                    ("201 Created", body.into_bytes(), delay, cut)
                }
            }
        } else {
            match s.fixture.details.get(&key) {
                Some(line) => ("201 Created", line.clone().into_bytes(), delay, cut),
                None => (
                    "404 Not Found",
                    br#"{"code":"NOT_FOUND","message":"Not Found","data":null}"#.to_vec(),
                    delay,
                    false,
                ),
            }
        }
    };
    if let Some(d) = delay {
        std::thread::sleep(d);
    }
    respond(&mut stream, status, &answer, cut);
}
