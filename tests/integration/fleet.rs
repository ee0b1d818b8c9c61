//! The fleet's inputs on real kiosks: the heartbeat's counters, identity, limits and failure
//! counts; the usage export's manifest; and the fleet report's refusal to merge an export that is
//! damaged, unknown or incomplete.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use motcua::app::kiosk::Kiosk;
use motcua::app::usage::{self, Rating, Recorder};
use motcua::app::worker::Worker;
use motcua::config::Config;

use super::common::*;

/// The heartbeat as (series → value), checked by the strict parser of the office tests.
fn beat(k: &Kiosk) -> std::collections::BTreeMap<String, f64> {
    let text = usage::heartbeat_text(k, 5, chrono::Local::now()).expect("heartbeat");
    super::office::parse_prometheus(&text)
}

fn open(data: &Path, cfg: Config) -> Kiosk {
    drop(small_kiosk(data));
    Kiosk::open(data, cfg).expect("open")
}

#[test]
fn heartbeat_counters_never_go_down_when_old_records_are_deleted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    let db = k.kiosk_db();
    // Two years ago (past the 365-day retention) and today.
    let old = (chrono::Local::now() - chrono::Duration::days(730))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let id = db.start_session(&old).expect("session");
    db.end_session(id, &old).expect("end");
    db.record_search(&old, "giay phep xay dung", 0)
        .expect("search");
    db.record_rating(&old, 1, None, None).expect("rating");
    let rec = Recorder::new(true);
    rec.touch(&k);
    rec.query_typed("khai sinh", 12);
    rec.viewed(&k, "1.001193");
    rec.rated(&k, Rating::Satisfied, None, Some("1.001193"));
    rec.end_visit(&k);

    let before = beat(&k);
    assert_eq!(before["motcua_sessions_total"], 2.0);
    assert_eq!(before["motcua_searches_total"], 2.0);
    assert_eq!(before["motcua_zero_result_searches_total"], 1.0);
    assert_eq!(before["motcua_ratings_total{level=\"1\"}"], 1.0);
    assert_eq!(
        before["motcua_sessions_today"], 1.0,
        "the old visit is not today's"
    );

    assert_eq!(rec.prune(&k).expect("prune"), 3, "session, search, rating");
    assert_eq!(
        db.usage("").expect("usage").sessions,
        1,
        "the old visit is gone"
    );
    let after = beat(&k);
    for series in [
        "motcua_sessions_total",
        "motcua_searches_total",
        "motcua_zero_result_searches_total",
        "motcua_procedure_views_total",
        "motcua_ratings_total{level=\"1\"}",
        "motcua_ratings_total{level=\"3\"}",
    ] {
        assert_eq!(after[series], before[series], "{series} went down");
    }
    // A new record still counts on top.
    rec.touch(&k);
    rec.end_visit(&k);
    assert_eq!(beat(&k)["motcua_sessions_total"], 3.0);
}

/// Answers every request with `status` and no body; counts requests.
fn answer_always(status: &'static str) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/bundle.zip", listener.local_addr().expect("addr"));
    let thread = std::thread::spawn(move || {
        // One request is all the test sends.
        if let Some(Ok(mut stream)) = listener.incoming().next() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, thread)
}

#[test]
fn heartbeat_says_who_the_kiosk_is_its_limits_its_failures_and_its_starts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    // Nothing listens on a port just released: every check fails to connect.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/bundle.zip", l.local_addr().expect("addr"))
    };
    let mut cfg = Config::default();
    cfg.office.name = "UBND xã \"Tân Cương\"\\A".into();
    cfg.office.province = "Tỉnh Thái Nguyên".into();
    cfg.office.level = "commune".into();
    cfg.updates.stale_after_days = 30;
    cfg.updates.network_url = closed;
    cfg.updates.timeout_seconds = 2;
    let k = open(&data, cfg.clone());
    let m = beat(&k);
    assert_eq!(m["motcua_data_max_age_seconds"], 30.0 * 86400.0);
    assert_eq!(m["motcua_data_stale"], 0.0, "the built-in data is fresh");
    // 31 days after the data was published it is past the 30-day limit.
    let published = k
        .data_age(chrono::Utc::now())
        .published
        .expect("the built-in data says when it was published");
    let later =
        usage::heartbeat_text(&k, 5, published + chrono::Duration::days(31)).expect("heartbeat");
    let later = super::office::parse_prometheus(&later);
    assert_eq!(later["motcua_data_stale"], 1.0);
    assert_eq!(m["motcua_refresh_consecutive_failures"], 0.0);
    assert_eq!(m["motcua_starts_total"], 0.0);
    let id = usage::kiosk_id(&k).expect("id");
    assert_eq!(id.len(), 16);
    assert_eq!(usage::kiosk_id(&k).expect("id"), id, "kept");
    let info = format!(
        "motcua_kiosk_info{{kiosk_id=\"{id}\",office=\"UBND xã \\\"Tân Cương\\\"\\\\A\",\
         province=\"Tỉnh Thái Nguyên\",level=\"commune\",version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(m.get(&info), Some(&1.0), "{m:?}");

    for n in 1..=2 {
        assert!(k.check_network(&mut |_| {}).is_err());
        assert_eq!(
            beat(&k)["motcua_refresh_consecutive_failures"],
            f64::from(n)
        );
    }
    // A source that answers "not modified" is a success: the run of failures ends.
    drop(k);
    let (url, server) = answer_always("304 Not Modified");
    cfg.updates.network_url = url;
    let k = Arc::new(Kiosk::open(&data, cfg).expect("open"));
    k.check_network(&mut |_| {}).expect("not modified");
    server.join().expect("server");
    assert_eq!(beat(&k)["motcua_refresh_consecutive_failures"], 0.0);

    // Each start of the kiosk's worker counts, and the worker writes the heartbeat where the
    // configuration says: `metrics/motcua.prom` inside the data directory.
    let prom = data.join("metrics/motcua.prom");
    for starts in 1..=2 {
        let _ = std::fs::remove_file(&prom);
        let w = Worker::spawn_with_watch(k.clone(), Arc::new(Recorder::new(true)), |_| {});
        let deadline = Instant::now() + Duration::from_secs(30);
        while !prom.exists() {
            assert!(
                Instant::now() < deadline,
                "no heartbeat file at {}",
                prom.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(w);
        let m = super::office::parse_prometheus(&std::fs::read_to_string(&prom).expect("read"));
        assert_eq!(m["motcua_starts_total"], f64::from(starts));
    }
    assert_eq!(usage::heartbeat_path(&k), Some(prom.clone()));
    let names: Vec<_> = std::fs::read_dir(prom.parent().expect("dir"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("motcua.prom")],
        "no temp file left"
    );
}

/// A kiosk with a few visits recorded through the app core.
fn kiosk_with_visits(data: &Path, office: &str) -> Kiosk {
    let mut cfg = Config::default();
    cfg.office.name = office.into();
    let k = open(data, cfg);
    let rec = Recorder::new(true);
    for (q, n, rating) in [
        ("khai sinh", 12, Some(Rating::VerySatisfied)),
        ("zxqv", 0, Some(Rating::Dissatisfied)),
        ("zxqv", 0, None),
    ] {
        rec.touch(&k);
        rec.query_typed(q, n);
        if n > 0 {
            rec.viewed(&k, "1.001193");
        }
        if let Some(r) = rating {
            rec.rated(
                &k,
                r,
                Some("Không tìm thấy thủ tục"),
                (n > 0).then_some("1.001193"),
            );
        }
        rec.end_visit(&k);
    }
    k
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

fn manifest_in(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a manifest")
}

#[test]
fn an_export_is_merged_whole_or_skipped_with_its_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = kiosk_with_visits(&tmp.path().join("data"), "UBND phường Phan Đình Phùng");
    let usb = tmp.path().join("usb");

    // The manifest names its files, their sizes and hashes, the kiosk and its data.
    let files = usage::export_csv(&k, &usb.join("first")).expect("export");
    assert_eq!(files.len(), 3);
    let m: usage::ExportManifest =
        serde_json::from_slice(&std::fs::read(&files[2]).expect("read")).expect("manifest");
    assert_eq!(m.format, usage::EXPORT_FORMAT);
    assert_eq!(m.format_version, 1);
    assert_eq!(m.kiosk.office, "UBND phường Phan Đình Phùng");
    assert_eq!(m.kiosk.id, usage::kiosk_id(&k).expect("id"));
    assert_eq!(m.data.version, 1);
    assert_eq!(
        m.files[0].rows,
        3 + 3 + 1 + 2,
        "sessions, searches, view, ratings"
    );
    assert!(files.iter().all(|f| {
        f.file_name()
            .expect("name")
            .to_string_lossy()
            .contains(&m.kiosk.id[..8])
    }));

    // One more visit, then a second export into the same folder: the two overlap, and the
    // merge counts each record once.
    let rec = Recorder::new(true);
    rec.touch(&k);
    rec.query_typed("zxqv", 0);
    rec.end_visit(&k);
    std::thread::sleep(Duration::from_millis(1100)); // a new file name (seconds)
    usage::export_csv(&k, &usb.join("first")).expect("export again");

    let expect_clean = |fleet: &motcua::fleet::Fleet| {
        assert_eq!(fleet.kiosks.len(), 1);
        let ku = &fleet.kiosks[0];
        assert_eq!(ku.visits, 4);
        assert_eq!(ku.searches, 4);
        assert_eq!(ku.zero_result_searches, 3);
        assert_eq!(ku.views, 1);
        assert_eq!(ku.ratings, [1, 0, 0, 1]);
        assert_eq!(fleet.zero_result[0].query, "zxqv");
        assert_eq!(fleet.zero_result[0].count, 3);
        assert_eq!(
            fleet.ratings_by_procedure,
            vec![("1.001193".to_string(), [0, 0, 0, 1])]
        );
    };
    let fleet = motcua::fleet::build(std::slice::from_ref(&usb)).expect("report");
    assert_eq!(fleet.exports_read, 2);
    assert!(fleet.skipped.is_empty(), "{:?}", fleet.skipped);
    expect_clean(&fleet);

    // Damaged copies of the first export, each in its own folder.
    let first = usb.join("first-only");
    std::fs::create_dir_all(&first).expect("mkdir");
    for f in &files {
        std::fs::copy(f, first.join(f.file_name().expect("name"))).expect("copy");
    }
    let damage = |name: &str, change: &dyn Fn(&Path, &mut usage::ExportManifest)| {
        let dir = tmp.path().join("bad").join(name);
        copy_dir(&first, &dir);
        let mp = manifest_in(&dir);
        let mut m: usage::ExportManifest =
            serde_json::from_slice(&std::fs::read(&mp).expect("read")).expect("manifest");
        change(&dir, &mut m);
        std::fs::write(&mp, serde_json::to_vec(&m).expect("json")).expect("write");
        dir
    };
    let events = |dir: &Path, m: &usage::ExportManifest| dir.join(&m.files[0].name);
    let truncated = damage("truncated", &|dir, m| {
        let p = events(dir, m);
        let bytes = std::fs::read(&p).expect("read");
        std::fs::write(&p, &bytes[..bytes.len() - 20]).expect("cut");
    });
    let edited = damage("edited", &|dir, m| {
        let p = events(dir, m);
        let text = std::fs::read_to_string(&p)
            .expect("read")
            .replace("zxqv", "zxqw");
        std::fs::write(&p, text).expect("edit");
    });
    let newer = damage("newer", &|_, m| m.format_version = 2);
    let foreign = damage("foreign", &|_, m| m.format = "something-else".into());
    let escaping = damage("escaping", &|_, m| {
        m.files[0].name = "../../etc/passwd".into()
    });
    // A row that does not parse, with a manifest that matches the damaged file: the row is
    // the only problem.
    let bad_row = damage("bad-row", &|dir, m| {
        let p = events(dir, m);
        let mut text = std::fs::read_to_string(&p).expect("read");
        text.push_str("rating,2026-11-30T08:00:00+07:00,,7,\n");
        std::fs::write(&p, &text).expect("edit");
        m.files[0].bytes = text.len() as u64;
        m.files[0].sha256 = motcua::bundle::package::sha256_hex(text.as_bytes());
        m.files[0].rows += 1;
    });
    let orphan = tmp.path().join("bad/orphan");
    std::fs::create_dir_all(&orphan).expect("mkdir");
    std::fs::copy(&files[0], orphan.join(files[0].file_name().expect("name"))).expect("copy");

    let mut inputs = vec![usb.clone()];
    inputs.push(tmp.path().join("bad"));
    let fleet = motcua::fleet::build(&inputs).expect("report");
    expect_clean(&fleet);
    let reason = |dir: &Path| -> String {
        fleet
            .skipped
            .iter()
            .find(|s| {
                s.path
                    .starts_with(std::fs::canonicalize(dir).expect("canon"))
            })
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| panic!("{} not skipped: {:?}", dir.display(), fleet.skipped))
    };
    assert!(
        reason(&truncated).contains("truncated"),
        "{}",
        reason(&truncated)
    );
    assert!(reason(&edited).contains("SHA-256"), "{}", reason(&edited));
    assert!(reason(&newer).contains("format version 2 is not supported"));
    assert!(reason(&foreign).contains("not a motcua usage export"));
    assert!(reason(&escaping).contains("not a plain file name"));
    assert!(
        reason(&bad_row).contains("line 11") && reason(&bad_row).contains("up to 4"),
        "{}",
        reason(&bad_row)
    );
    assert!(reason(&orphan).contains("no export manifest"));
    assert_eq!(fleet.skipped.len(), 7, "{:?}", fleet.skipped);
    // The first export's copy in `first-only` is good and adds nothing new.
    assert_eq!(fleet.exports_read, 3);

    // The report says what was skipped; citizen text is escaped.
    let html = motcua::fleet::render(&fleet, &|_| None, "2026-11-30T10:00:00+07:00");
    assert!(html.contains("Bỏ qua 7 bản xuất không đọc được"));
    assert!(html.contains("format version 2 is not supported"));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));

    assert!(matches!(
        motcua::fleet::build(&[tmp.path().join("data")]),
        Err(motcua::fleet::FleetError::NothingFound(_))
    ));
}
