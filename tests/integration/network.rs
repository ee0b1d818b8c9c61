//! Network refresh against a real HTTP server on 127.0.0.1: conditional requests, the size cap,
//! a download interrupted half-way and resumed, and no network at all.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use motcua::app::kiosk::Kiosk;
use motcua::app::refresh::NetworkOutcome;

use super::common::*;

/// How the server behaves for the next requests.
#[derive(Clone)]
struct Script {
    body: Vec<u8>,
    etag: String,
    /// Cut the first full download after this many bytes.
    cut_first_at: Option<usize>,
}

type Headers = Vec<(String, String)>;
type RequestLog = Arc<Mutex<Vec<Headers>>>;

struct Server {
    url: String,
    requests: RequestLog,
    script: Arc<Mutex<Script>>,
    _thread: std::thread::JoinHandle<()>,
}

/// A minimal HTTP/1.1 server on loopback, written on raw sockets so it can do what real networks
/// do, such as closing the connection half-way through a body.
fn serve(script: Script) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/bundle.zip", listener.local_addr().expect("addr"));
    let requests: RequestLog = Arc::default();
    let script = Arc::new(Mutex::new(script));
    let (req_log, sc) = (requests.clone(), script.clone());
    let full_sent = Arc::new(AtomicUsize::new(0));
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
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
            req_log.lock().expect("lock").push(headers.clone());
            let s = sc.lock().expect("lock").clone();
            let get = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let mut respond = |status: &str, extra: String, body: &[u8], send: usize| {
                let head = format!(
                    "HTTP/1.1 {status}\r\nETag: {}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                    s.etag,
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body[..send.min(body.len())]);
                let _ = stream.flush();
                // Dropping the stream closes the connection, mid-body when send < len.
            };
            if get("if-none-match").as_deref() == Some(s.etag.as_str()) {
                respond("304 Not Modified", String::new(), &[], 0);
                continue;
            }
            if let Some(range) = get("range")
                && get("if-range").as_deref() == Some(s.etag.as_str())
            {
                let from: usize = range
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse()
                    .expect("range");
                let rest = &s.body[from..];
                let cr = format!(
                    "Content-Range: bytes {}-{}/{}\r\n",
                    from,
                    s.body.len() - 1,
                    s.body.len()
                );
                respond("206 Partial Content", cr, rest, rest.len());
                continue;
            }
            let n = full_sent.fetch_add(1, Ordering::SeqCst);
            let send = match s.cut_first_at {
                Some(cut) if n == 0 => cut,
                _ => s.body.len(),
            };
            respond("200 OK", String::new(), &s.body, send);
        }
    });
    Server {
        url,
        requests,
        script,
        _thread: thread,
    }
}

fn zip_bundle(version: u64, keys: &Keys, dir: &std::path::Path) -> Vec<u8> {
    let built = build_from(&small_inputs(), version);
    let p = dir.join(format!("v{version}.zip"));
    built
        .write_zip(&p, Some(&keys.sign(&built.manifest_bytes)))
        .expect("zip");
    std::fs::read(&p).expect("read zip")
}

fn kiosk(tmp: &std::path::Path, url: &str, keys: &Keys, max_mb: u64) -> Kiosk {
    let mut cfg = config_trusting(keys);
    cfg.updates.network_url = url.to_string();
    cfg.updates.max_bundle_mb = max_mb;
    cfg.updates.timeout_seconds = 10;
    let built = build_from(&small_inputs(), 1);
    let raw = motcua::bundle::RawBundle {
        path: "seed".into(),
        manifest: built.manifest_bytes.clone(),
        signature: None,
        files: built.files.iter().cloned().collect(),
    };
    Kiosk::open_with_seed(&tmp.join("data"), cfg, move || raw).expect("open")
}

#[test]
fn pull_then_not_modified_then_offline() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let body = zip_bundle(2, &keys, tmp.path());
    let server = serve(Script {
        body,
        etag: "\"v2\"".into(),
        cut_first_at: None,
    });
    let k = kiosk(tmp.path(), &server.url, &keys, 200);

    assert_eq!(
        k.check_network(&mut |_| {}).expect("pull"),
        NetworkOutcome::Applied { version: 2 }
    );
    assert_eq!(k.live().meta.version, 2);

    // The second check sends the ETag back and gets 304: nothing downloaded.
    assert_eq!(
        k.check_network(&mut |_| {}).expect("check"),
        NetworkOutcome::NotModified
    );
    let reqs = server.requests.lock().expect("lock").clone();
    assert!(
        reqs[1]
            .iter()
            .any(|(n, v)| n == "if-none-match" && v == "\"v2\""),
        "{reqs:?}"
    );
    let ok_at = k.network_status().last_success.expect("success recorded");

    // No network: the server is gone (a closed port on loopback).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    drop(k);
    let mut cfg = config_trusting(&keys);
    cfg.updates.network_url = format!("http://127.0.0.1:{closed}/bundle.zip");
    cfg.updates.timeout_seconds = 5;
    let k = Kiosk::open(&tmp.path().join("data"), cfg).expect("reopen");
    let err = k.check_network(&mut |_| {}).expect_err("offline");
    assert!(err.to_string().contains("cannot reach"), "{err}");
    assert_eq!(k.live().meta.version, 2, "data stays");
    let st = k.network_status();
    assert_eq!(st.last_success.as_deref(), Some(ok_at.as_str()));
    assert!(st.last_error.is_some());
}

#[test]
fn an_interrupted_download_resumes_with_a_range_request() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let body = zip_bundle(3, &keys, tmp.path());
    let half = body.len() / 2;
    let server = serve(Script {
        body: body.clone(),
        etag: "\"v3\"".into(),
        cut_first_at: Some(half),
    });
    let k = kiosk(tmp.path(), &server.url, &keys, 200);
    let err = k.check_network(&mut |_| {}).expect_err("cut");
    assert!(err.to_string().contains("interrupted"), "{err}");
    assert_eq!(k.live().meta.version, 1);
    let part = tmp.path().join("data/inbox/download.part");
    let have = std::fs::metadata(&part).expect("partial kept").len() as usize;
    assert!(have > 0 && have <= half, "{have}");

    assert_eq!(
        k.check_network(&mut |_| {}).expect("resume"),
        NetworkOutcome::Applied { version: 3 }
    );
    let reqs = server.requests.lock().expect("lock").clone();
    let last = reqs.last().expect("requests");
    assert!(
        last.iter()
            .any(|(n, v)| n == "range" && *v == format!("bytes={have}-")),
        "{last:?}"
    );
    assert!(!part.exists());
    let _ = &server.script;
}

#[test]
fn a_download_over_the_cap_is_stopped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    // 3 MB of incompressible bytes served as the "bundle".
    let body: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let server = serve(Script {
        body,
        etag: "\"big\"".into(),
        cut_first_at: None,
    });
    let k = kiosk(tmp.path(), &server.url, &keys, 1);
    let err = k.check_network(&mut |_| {}).expect_err("too large");
    assert!(
        err.to_string().contains("larger than the 1 MB limit"),
        "{err}"
    );
    assert_eq!(k.live().meta.version, 1);
    assert!(!tmp.path().join("data/inbox/download.part").exists());
}

/// Gives back `bytes` of a full file system by shortening the filler.
fn free(filler: &std::path::Path, bytes: u64) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(filler)
        .expect("filler");
    let len = f.metadata().expect("filler size").len();
    f.set_len(len.saturating_sub(bytes))
        .expect("shorten filler");
}

/// A kiosk at version 1 on a 128 MB tmpfs of the test's own (see `tmpfs::run_inside`; `None` in
/// the parent), its network source a loopback server offering a signed version-2 bundle, and the
/// disk full but for `room(the bundle's size)` bytes.
struct FullDisk {
    fs: super::tmpfs::Mounted,
    server: Server,
    kiosk: Kiosk,
    filler: std::path::PathBuf,
}

fn on_a_full_disk(test: &str, room: fn(u64) -> u64) -> Option<FullDisk> {
    let fs = super::tmpfs::run_inside(test, "128m", "disk")?;
    let keys = Keys::new();
    let body = zip_bundle(2, &keys, &fs.root);
    let size = body.len() as u64;
    let server = serve(Script {
        body,
        etag: "\"v2\"".into(),
        cut_first_at: None,
    });
    let kiosk = kiosk(&fs.mount, &server.url, &keys, 200);
    let filler = super::tmpfs::fill(&fs.mount);
    free(&filler, room(size));
    Some(FullDisk {
        fs,
        server,
        kiosk,
        filler,
    })
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Issue 10, items 9, 10 and 8: the bundle downloads, but the disk fills while it is installed.
/// That is a passing failure: the server's validators must not be stored, or the next check
/// hears "up to date" (304) while the old data is served. The half-built version and the
/// downloaded file are gone at once, and the refresh history says what failed.
#[test]
fn a_refresh_that_fails_on_a_full_disk_is_retried_with_the_same_file() {
    // Room for the download, not for the new version's store and index.
    let Some(FullDisk {
        fs,
        server,
        kiosk: k,
        filler,
    }) = on_a_full_disk(
        "network::a_refresh_that_fails_on_a_full_disk_is_retried_with_the_same_file",
        |bundle| bundle + 256 * 1024,
    )
    else {
        return;
    };

    let err = k.check_network(&mut |_| {}).expect_err("the disk is full");
    assert_eq!(k.live().meta.version, 1, "the old data is served");
    let data = fs.mount.join("data");
    assert_eq!(
        entries(&data.join("staging")),
        Vec::<String>::new(),
        "{err}"
    );
    assert_eq!(entries(&data.join("inbox")), Vec::<String>::new(), "{err}");
    let last = &k.kiosk_db().refresh_log(1).expect("history")[0];
    assert_eq!(
        last.outcome,
        motcua::store::RefreshOutcome::Failed,
        "{last:?}"
    );
    assert_eq!(last.source, motcua::store::RefreshSource::Network);
    assert!(last.message.contains("full"), "{last:?}");

    std::fs::remove_file(&filler).expect("free the disk");
    assert_eq!(
        k.check_network(&mut |_| {}).expect("retried"),
        NetworkOutcome::Applied { version: 2 }
    );
    let reqs = server.requests.lock().expect("lock").clone();
    assert!(
        !reqs[1].iter().any(|(n, _)| n == "if-none-match"),
        "the validators of a file that was never applied were sent: {reqs:?}"
    );
    // Applied now: the next check is conditional.
    assert_eq!(
        k.check_network(&mut |_| {}).expect("check"),
        NetworkOutcome::NotModified
    );
}

/// Issue 10, item 8: a download cut off by a full disk leaves nothing behind (a partial file
/// there would only fill the disk again), and the failure is in the refresh history.
#[test]
fn a_download_that_fills_the_disk_leaves_nothing_in_the_inbox() {
    let Some(FullDisk {
        fs,
        server: _server,
        kiosk: k,
        filler: _filler,
    }) = on_a_full_disk(
        "network::a_download_that_fills_the_disk_leaves_nothing_in_the_inbox",
        |bundle| bundle / 4,
    )
    else {
        return;
    };

    let err = k.check_network(&mut |_| {}).expect_err("the disk is full");
    assert!(err.to_string().contains("No space left"), "{err}");
    assert_eq!(
        entries(&fs.mount.join("data/inbox")),
        Vec::<String>::new(),
        "the partial download stayed"
    );
    let last = &k.kiosk_db().refresh_log(1).expect("history")[0];
    assert_eq!(
        last.outcome,
        motcua::store::RefreshOutcome::Failed,
        "{last:?}"
    );
    assert!(last.message.contains("No space left"), "{last:?}");
    assert_eq!(k.live().meta.version, 1);
}

/// Issue 10, item 8: what a killed kiosk left in `inbox/` (a downloaded bundle it was applying,
/// a partial whose server validator is unknown) is deleted at the next start; a partial the
/// configured source can still resume is kept.
#[test]
fn leftovers_in_the_inbox_are_deleted_at_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let url = "http://127.0.0.1:9/bundle.zip";
    drop(kiosk(tmp.path(), url, &keys, 200));
    let inbox = tmp.path().join("data/inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    std::fs::write(inbox.join("network-20261130T101010.zip"), vec![7u8; 4096]).expect("write");
    std::fs::write(inbox.join("download.part"), vec![7u8; 4096]).expect("write");
    std::fs::write(
        inbox.join("download.part.json"),
        format!(r#"{{"url":"{url}","validator":null,"state":{{}}}}"#),
    )
    .expect("write");
    drop(kiosk(tmp.path(), url, &keys, 200));
    assert_eq!(entries(&inbox), Vec::<String>::new());

    // A partial with its server's validator is what the next check resumes: it stays.
    std::fs::write(inbox.join("download.part"), vec![7u8; 4096]).expect("write");
    std::fs::write(
        inbox.join("download.part.json"),
        format!(r#"{{"url":"{url}","validator":"\"v9\"","state":{{"etag":"\"v9\""}}}}"#),
    )
    .expect("write");
    std::fs::write(inbox.join("network-20261130T111111.zip"), b"left").expect("write");
    drop(kiosk(tmp.path(), url, &keys, 200));
    assert_eq!(entries(&inbox), ["download.part", "download.part.json"]);
}
