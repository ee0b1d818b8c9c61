//! Shared by the system tests: finding the external programs, free loopback ports, child
//! processes that die with the test, a plain HTTP/1.0 GET, polling with a deadline, and kiosks
//! on the small real dataset (the portal's 502 API records plus motcua's curated files).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use motcua::app::kiosk::Kiosk;
use motcua::bundle::{self, sign};
use motcua::config::Config;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_motcua")
}

/// The path of `program`, or a failure that names the Debian package that provides it.
pub fn require(program: &str, package: &str) -> PathBuf {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/bin", "/usr/sbin"])
    {
        let p = Path::new(dir).join(program);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "`{program}` is not installed: install the Debian package `{package}` \
         (scripts/install-deps.sh installs everything the tests need)"
    );
}

/// A port nothing listens on now (the OS picks it; the program binds it right after). The OS
/// hands a just-released port out again, so ports already given to a program of this test run
/// are never given twice.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    // Hold every candidate until one is new, so the OS cannot offer the same one again.
    let mut held = Vec::new();
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let port = l.local_addr().expect("address").port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
        held.push(l);
    }
}

/// A child process killed when the test ends, however it ends; its output goes to a log file
/// that failures quote.
pub struct Proc {
    pub name: String,
    child: std::cell::RefCell<Child>,
    log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command, log_dir: &Path) -> Proc {
        let log = log_dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Proc {
            name: name.into(),
            child: std::cell::RefCell::new(child),
            log,
        }
    }

    /// The last lines of its output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Fails the test with the program's output if it has exited.
    pub fn assert_running(&self) {
        let status = self.child.borrow_mut().try_wait();
        if let Ok(Some(status)) = status {
            panic!("{} exited ({status}):\n{}", self.name, self.log_tail());
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let child = self.child.get_mut();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// GET `path` from 127.0.0.1:`port`; (status, body).
pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_string()))
}

/// Percent-encodes a query-string value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Calls `f` every 250 ms until it gives a value or `limit` passes; `what` names the wait in the
/// failure, and `context` adds what the test knows then (logs).
pub fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut f: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out after {limit:?} waiting for {what}\n{}",
                context()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[path = "../support/corpus.rs"]
mod corpus;
pub use corpus::{corpus_file, data_src};

/// The small real dataset, read once per test run.
fn dataset() -> &'static (motcua::domain::Dataset, motcua::bundle::ImportReport) {
    static DS: OnceLock<(motcua::domain::Dataset, motcua::bundle::ImportReport)> = OnceLock::new();
    DS.get_or_init(|| {
        motcua::bundle::read_sources(&corpus::small_inputs(), &mut ())
            .expect("read the small real dataset")
    })
}

/// The small dataset as bundle `version`, made at `created`.
pub fn bundle(version: u64, created: chrono::DateTime<chrono::Utc>) -> bundle::Built {
    let (ds, report) = dataset();
    corpus::bundle_of(ds, report, version, created)
}

/// A kiosk on a fresh data dir seeded with the small dataset as version 1.
pub fn kiosk(data_dir: &Path, cfg: Config) -> Kiosk {
    let built = bundle(1, chrono::Utc::now());
    let raw = bundle::RawBundle {
        path: PathBuf::from("small"),
        manifest: built.manifest_bytes.clone(),
        signature: None,
        files: built.files.iter().cloned().collect(),
    };
    Kiosk::open_with_seed(data_dir, cfg, move || raw).expect("open kiosk")
}

/// A key pair, and `built` written as a bundle folder under `dir` signed with it.
pub fn signed_bundle(built: &bundle::Built, dir: &Path) -> sign::PublicKey {
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).expect("mkdir");
    let public = sign::keygen(&keys.join("k.pub"), &keys.join("k.key")).expect("keygen");
    let sk = sign::read_secret_key(&keys.join("k.key"), None).expect("secret key");
    let out = dir.join("bundle");
    built.write_dir(&out).expect("write bundle");
    std::fs::write(
        out.join(bundle::SIGNATURE),
        sign::sign(&sk, &built.manifest_bytes, "test").expect("sign"),
    )
    .expect("write signature");
    public
}
