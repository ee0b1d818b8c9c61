//! The province feed end to end: `motcua publish` writes the feed folder, nginx (Debian's,
//! started by the test on 127.0.0.1) serves it, and a kiosk data directory polls
//! `latest.json` through its network refresh: first install, no change (nothing downloaded),
//! a new version, an expired `latest.json` refused, a tampered bundle refused. Every request
//! is checked in nginx's own access log.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua::app::kiosk::Kiosk;
use motcua::app::refresh::NetworkOutcome;
use motcua::bundle::{feed, sign};
use motcua::config::Config;

use super::support::{corpus_file, data_src, require};

/// nginx serving `root` on 127.0.0.1, killed when the test ends however it ends.
struct Nginx {
    child: Child,
    port: u16,
    access_log: PathBuf,
    error_log: PathBuf,
}

impl Nginx {
    fn start(root: &Path, work: &Path) -> Nginx {
        let nginx = require("nginx", "nginx-light");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        std::fs::create_dir_all(work.join("temp")).expect("nginx work folder");
        let access_log = work.join("access.log");
        let error_log = work.join("error.log");
        let conf = work.join("nginx.conf");
        let w = work.display();
        std::fs::write(
            &conf,
            format!(
                "daemon off;\nmaster_process off;\npid {w}/nginx.pid;\nerror_log {err} info;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{\n  types {{ application/json json; application/zip zip; }}\n\
                 access_log {acc};\n  client_body_temp_path {w}/temp;\n\
                 proxy_temp_path {w}/temp;\n  fastcgi_temp_path {w}/temp;\n\
                 uwsgi_temp_path {w}/temp;\n  scgi_temp_path {w}/temp;\n\
                 server {{\n    listen 127.0.0.1:{port};\n    root {root};\n  }}\n}}\n",
                err = error_log.display(),
                acc = access_log.display(),
                root = root.display(),
            ),
        )
        .expect("nginx.conf");
        let child = Command::new(nginx)
            .arg("-p")
            .arg(work)
            .arg("-e")
            .arg(&error_log)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut n = Nginx {
            child,
            port,
            access_log,
            error_log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = n.child.try_wait() {
                panic!("nginx exited ({status}):\n{}", n.errors());
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen:\n{}",
                n.errors()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        n
    }

    fn errors(&self) -> String {
        std::fs::read_to_string(&self.error_log).unwrap_or_default()
    }

    /// (request path, status) of every request so far.
    fn requests(&self) -> Vec<(String, u16)> {
        std::fs::read_to_string(&self.access_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let request = l.split('"').nth(1)?;
                let path = request.split_whitespace().nth(1)?.to_string();
                let status = l
                    .split('"')
                    .nth(2)?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()?;
                Some((path, status))
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `motcua publish` of `sources` into `feed` as `version`.
fn publish(sources: &[PathBuf], feed_dir: &Path, key: &Path, version: u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("publish")
        .arg("--from")
        .args(sources)
        .arg("--feed")
        .arg(feed_dir)
        .arg("--sign")
        .arg(key)
        .args(["--version", &version.to_string(), "--json"])
        .output()
        .expect("run motcua publish");
    assert!(
        out.status.success(),
        "motcua publish {version}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The 502 portal detail records, minus the first `skip`, as a plain JSON Lines source.
fn details_source(dir: &Path, skip: usize) -> PathBuf {
    let bytes =
        motcua::bundle::zst::read_file(&corpus_file("portal-api-details")).expect("corpus details");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .skip(skip)
        .collect();
    std::fs::create_dir_all(dir).expect("source folder");
    let path = dir.join("portal-api-details.jsonl");
    std::fs::write(&path, kept.join("\n") + "\n").expect("write source");
    path
}

fn bundle_gets(n: &Nginx) -> usize {
    n.requests()
        .iter()
        .filter(|(p, _)| p.starts_with("/bundles/"))
        .count()
}

#[test]
fn a_kiosk_follows_the_province_feed_served_by_nginx() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let feed_dir = t.join("feed");
    let key = t.join("province.key");
    let public = sign::keygen(&t.join("province.pub"), &key).expect("keygen");
    let curated: Vec<PathBuf> = ["hotlines.json", "guides.json", "life-events.json"]
        .iter()
        .map(|f| data_src().join(f))
        .collect();
    let sources = |details: PathBuf| {
        let mut v = vec![details];
        v.extend(curated.iter().cloned());
        v
    };
    // Today's versions (YYYYMMDDNN): above the built-in data's, so the first is news to the kiosk.
    let today: u64 = chrono::Utc::now()
        .format("%Y%m%d")
        .to_string()
        .parse()
        .expect("date");
    let (v1, v2, v3) = (today * 100 + 1, today * 100 + 2, today * 100 + 3);
    publish(
        &sources(details_source(&t.join("src1"), 3)),
        &feed_dir,
        &key,
        v1,
    );

    let nginx = Nginx::start(&feed_dir, &t.join("nginx"));
    let mut cfg = Config::default();
    cfg.updates.network_url = format!("http://127.0.0.1:{}/latest.json", nginx.port);
    cfg.updates.trusted_keys = vec![sign::public_key_line(&public)];
    cfg.updates.timeout_seconds = 10;
    let kiosk = Kiosk::open(&t.join("kiosk"), cfg).expect("a kiosk on the built-in data");
    let seeded = kiosk.live().meta.version;
    assert!(seeded < v1);
    let check = || kiosk.check_network(&mut |_| {});

    // 1. First install: latest.json, its signature, the bundle.
    assert_eq!(
        check().expect("first install"),
        NetworkOutcome::Applied { version: v1 }
    );
    assert_eq!(kiosk.live().meta.version, v1);
    assert_eq!(bundle_gets(&nginx), 1, "{:?}", nginx.requests());

    // 2. No change: latest.json answers 304 (nginx's ETag); nothing else is fetched.
    let before = nginx.requests().len();
    assert_eq!(check().expect("no change"), NetworkOutcome::NotModified);
    let after = nginx.requests();
    assert_eq!(
        after[before..],
        [("/latest.json".to_string(), 304)],
        "only a conditional latest.json"
    );

    // 3. A new version: three more procedures; the kiosk learns what changed.
    publish(
        &sources(details_source(&t.join("src2"), 0)),
        &feed_dir,
        &key,
        v2,
    );
    assert_eq!(
        check().expect("new version"),
        NetworkOutcome::Applied { version: v2 }
    );
    assert_eq!(bundle_gets(&nginx), 2);
    let changes = kiosk.last_changes().expect("the bundle's change list");
    assert_eq!(changes.from_version, Some(v1));
    assert!((1..=3).contains(&changes.new), "{changes:?}");
    assert!(
        std::fs::read_dir(feed_dir.join("bundles"))
            .expect("bundles")
            .count()
            >= 2
    );

    // 4. An expired latest.json, signed by the province's own key, is refused unread.
    let latest_path = feed_dir.join(feed::LATEST);
    let good_latest = std::fs::read(&latest_path).expect("latest.json");
    let good_sig = std::fs::read(feed_dir.join(feed::LATEST_SIGNATURE)).expect("signature");
    let mut expired: feed::Latest = serde_json::from_slice(&good_latest).expect("latest");
    expired.version = v3;
    expired.expires = chrono::Utc::now() - chrono::Duration::days(1);
    let bytes = serde_json::to_vec_pretty(&expired).expect("json");
    let sk = sign::read_secret_key(&key, None).expect("secret key");
    let sig = sign::sign(&sk, &bytes, "expired").expect("sign");
    std::fs::write(&latest_path, &bytes).expect("write latest.json");
    std::fs::write(feed_dir.join(feed::LATEST_SIGNATURE), sig).expect("write signature");
    let err = check().expect_err("an expired latest.json");
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(kiosk.live().meta.version, v2);
    assert_eq!(bundle_gets(&nginx), 2, "nothing downloaded");
    let status = kiosk.network_status();
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("expired")),
        "{status:?}"
    );
    std::fs::write(&latest_path, &good_latest).expect("restore latest.json");
    std::fs::write(feed_dir.join(feed::LATEST_SIGNATURE), &good_sig).expect("restore sig");

    // 5. A tampered bundle: latest.json is genuine, the zip's bytes were changed in place.
    publish(
        &sources(details_source(&t.join("src3"), 5)),
        &feed_dir,
        &key,
        v3,
    );
    let latest: feed::Latest =
        serde_json::from_slice(&std::fs::read(&latest_path).expect("latest")).expect("latest");
    let zip = feed_dir.join(&latest.bundle.path);
    let mut z = std::fs::read(&zip).expect("zip");
    let mid = z.len() / 2;
    z[mid] ^= 0x55;
    std::fs::write(&zip, &z).expect("tamper");
    let err = check().expect_err("a tampered bundle");
    assert!(err.to_string().contains("SHA-256"), "{err}");
    assert_eq!(kiosk.live().meta.version, v2, "the data stays as it was");
    assert_eq!(bundle_gets(&nginx), 3);
    // The same bad bundle is not fetched again at the next poll.
    assert!(check().is_err());
    assert_eq!(bundle_gets(&nginx), 3, "{:?}", nginx.requests());
    assert!(
        kiosk.procedure_view("1.000001").is_ok(),
        "the kiosk still answers"
    );
    assert!(nginx.errors().lines().all(|l| !l.contains("[emerg]")));
}
