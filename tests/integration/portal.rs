//! `motcua portal sync` against a portal on 127.0.0.1 that serves the real corpus through the
//! portal's two endpoints, with paging, 503s, slow answers, a dropped connection and malformed
//! records: the mirror is byte for byte what the portal served, a sync killed half-way resumes
//! without fetching again, and a second sync reports what changed between two portal versions.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use motcua::bundle;
use motcua::domain::changes::Part;
use motcua::net::Timeouts;
use motcua::portal::{self, SyncOptions, SyncReport};

use super::common::*;

#[path = "../support/portal_server.rs"]
mod portal_server;
use portal_server::{Faults, Fixture, PortalServer};

fn ids_with_detail(f: &Fixture) -> Vec<String> {
    f.catalog
        .iter()
        .map(|l| Fixture::item_id(l))
        .filter(|id| f.details.contains_key(id))
        .collect()
}

fn mirror_lines(dir: &Path, file: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(file))
        .expect("mirror file")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The detail lines a faithful mirror of `f` holds, in catalog order, without `skip`.
fn expected_details(f: &Fixture, skip: &[&str]) -> Vec<String> {
    f.catalog
        .iter()
        .map(|l| Fixture::item_id(l))
        .filter(|id| !skip.contains(&id.as_str()))
        .filter_map(|id| f.details.get(&id).cloned())
        .collect()
}

fn code_of(f: &Fixture, id: &str) -> String {
    let line = f
        .catalog
        .iter()
        .find(|l| Fixture::item_id(l) == id)
        .expect("item");
    let v: serde_json::Value = serde_json::from_str(line).expect("json");
    v["code"].as_str().expect("code").to_string()
}

fn codes(list: &[motcua::domain::changes::Change]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|c| c.code.clone()).collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Runs `motcua portal sync` against `url` into `out`.
fn sync_command(url: &str, out: &Path, rate: &str) -> Command {
    let mut c = Command::new(bin());
    c.args(["portal", "sync", "--portal", url, "--out"])
        .arg(out)
        .args([
            "--rate",
            rate,
            "--timeout",
            "1",
            "--retry-wait-ms",
            "20",
            "--retries",
            "4",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn portal_sync_mirrors_the_real_corpus_resumes_after_a_kill_and_reports_changes() {
    let corpus = Fixture::from_corpus(&corpus());
    let with_detail = ids_with_detail(&corpus);
    assert!(with_detail.len() > 400, "the corpus has its detail records");
    // Roles, picked among records with a detail (spread through the catalog's order).
    let pick = |i: usize| with_detail[i * with_detail.len() / 12].clone();
    let (new1, new2, new3) = (pick(1), pick(2), pick(3));
    let (a, b, c, e) = (pick(4), pick(5), pick(6), pick(7));
    let m = pick(8); // malformed in the first version
    let d = pick(9); // malformed in the second version
    // Its fee changes in the second version.
    let x = with_detail[10 * with_detail.len() / 12..]
        .iter()
        .find(|id| corpus.details[*id].contains("\"fees\":[{"))
        .expect("a record with a fee")
        .clone();
    let gone_with_detail = pick(11);

    // Version 1: the corpus without three records (new in version 2), one of them malformed.
    let mut v1 = corpus.clone();
    v1.catalog
        .retain(|l| ![&new1, &new2, &new3].contains(&&Fixture::item_id(l)));
    let m_line = corpus.details[&m].clone();
    let mut faults = Faults::default();
    faults.unavailable.insert("page:2".into(), 1);
    faults.unavailable.insert(a.clone(), 2);
    faults
        .slow_first
        .insert(b.clone(), Duration::from_millis(2500));
    faults.drop_first.insert(c.clone());
    faults
        .slow_always
        .insert(e.clone(), Duration::from_millis(300));
    faults
        .malformed
        .insert(m.clone(), m_line[..m_line.len() / 3].to_string());
    let server = PortalServer::start(v1.clone(), faults);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("mirror");

    // First run: killed (SIGKILL) part-way through the details.
    let mut child = sync_command(&server.url, &out, "400")
        .spawn()
        .expect("start motcua portal sync");
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.detail_requests() < 1500 {
        assert!(
            Instant::now() < deadline,
            "the sync did not get going: {} detail requests",
            server.detail_requests()
        );
        if let Some(status) = child.try_wait().expect("poll child") {
            panic!("the sync ended before it was killed: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill the sync");
    child.wait().expect("reap the sync");
    let before = server.counts();
    assert!(
        !out.join(portal::DETAILS_FILE).exists(),
        "no mirror file before a sync completes"
    );

    // Second run: resumes and completes.
    let run = sync_command(&server.url, &out, "0")
        .output()
        .expect("run motcua portal sync");
    assert!(
        run.status.success(),
        "resumed sync failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: SyncReport = serde_json::from_slice(&run.stdout).expect("report JSON");
    assert!(report.resumed && report.first);

    // Nothing settled before the kill was fetched again (at most the two requests in flight).
    let faulted = [&a, &b, &c, &e, &m];
    let counts = server.counts();
    // The server counts across both runs: a record asked for again has a higher count now.
    let again: Vec<&String> = before
        .iter()
        .filter(|(k, _)| !k.starts_with("page:") && !faulted.contains(k))
        .filter(|(k, n)| counts.get(*k).copied().unwrap_or(0) > **n)
        .map(|(k, _)| k)
        .collect();
    assert!(
        again.len() <= 2,
        "{} records fetched again after the resume, e.g. {:?}",
        again.len(),
        again.iter().take(5).collect::<Vec<_>>()
    );
    for id in v1.catalog.iter().map(|l| Fixture::item_id(l)) {
        assert!(
            counts.get(&id).copied().unwrap_or(0) >= 1,
            "{id} was never asked for"
        );
    }
    // Retries cured the 503s, the slow answer and the dropped connection.
    assert!(
        counts.get(&a).copied().unwrap_or(0) >= 3,
        "503 twice, then the answer"
    );
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.user_agent.starts_with("motcua/") && s.user_agent.len() > 40)
    );

    // Byte for byte: the catalog in the portal's order, every detail but the malformed one.
    assert_eq!(mirror_lines(&out, portal::CATALOG_FILE), v1.catalog);
    let details = mirror_lines(&out, portal::DETAILS_FILE);
    assert_eq!(details, expected_details(&v1, &[m.as_str()]));
    for id in [&a, &b, &c, &e] {
        assert!(details.contains(&v1.details[id]), "{id} mirrored");
    }
    let m_code = code_of(&v1, &m);
    assert_eq!(report.malformed.len(), 1, "{:?}", report.malformed);
    assert_eq!(report.malformed[0].id, m);
    assert_eq!(report.malformed[0].code, m_code);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.with_detail, details.len());
    let saved: SyncReport = serde_json::from_slice(
        &std::fs::read(out.join(portal::REPORT_FILE)).expect("sync-report.json"),
    )
    .expect("report file");
    assert_eq!(saved.malformed, report.malformed);
    assert!(
        std::fs::read_dir(out.join(".sync/catalog"))
            .expect("work area")
            .next()
            .is_none(),
        "the finished run leaves no pages behind"
    );

    // The importers take the mirror as it is.
    let (ds, _) =
        bundle::read_sources(std::slice::from_ref(&out), &mut ()).expect("bundle build input");
    // The portal lists one code twice (" 1.014325" and "1.014325"): records merge by code.
    let distinct: std::collections::HashSet<String> = v1
        .catalog
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("item");
            v["code"].as_str().unwrap_or("").trim().to_string()
        })
        .collect();
    assert_eq!(ds.procedures.len(), distinct.len());
    let a_code = code_of(&v1, &a);
    assert!(
        ds.procedures
            .iter()
            .any(|p| p.code == a_code && p.has_detail())
    );

    // Version 2: the three records appear, two go, the malformed one is fixed, another turns
    // malformed (its last good copy stays), one fee changes, and a catalog item turns bad.
    let mut v2 = corpus.clone();
    let gone_plain = v2
        .catalog
        .iter()
        .map(|l| Fixture::item_id(l))
        .find(|id| !v2.details.contains_key(id))
        .expect("a catalog-only record");
    v2.catalog
        .retain(|l| ![&gone_with_detail, &gone_plain].contains(&&Fixture::item_id(l)));
    let mut xv: serde_json::Value = serde_json::from_str(&v2.details[&x]).expect("x json");
    let fee = xv["data"]["executionMethods"]
        .as_array_mut()
        .and_then(|ms| {
            ms.iter_mut()
                .find_map(|m| m["fees"].as_array_mut().filter(|f| !f.is_empty()))
        })
        .map(|fees| &mut fees[0]);
    let f = fee.expect("the record has a fee");
    f["value"] = serde_json::json!(f["value"].as_f64().unwrap_or(0.0) + 15000.0);
    let updated = xv["data"]["updatedAt"].as_i64().unwrap_or(0) + 86_400_000;
    xv["data"]["updatedAt"] = serde_json::json!(updated);
    v2.details
        .insert(x.clone(), serde_json::to_string(&xv).expect("x line"));
    let k_index = v2.catalog.len() / 2;
    let k_id = Fixture::item_id(&v2.catalog[k_index]);
    let k_line = v2.catalog[k_index].clone();
    let k_code = code_of(&v2, &k_id);
    v2.catalog[k_index] = k_line.replace(
        &format!("\"code\":\"{k_code}\""),
        "\"code\":\"không phải mã\"",
    );
    assert_ne!(v2.catalog[k_index], k_line, "the catalog item was altered");
    let d_line_v1 = v1.details[&d].clone();
    let mut faults = Faults::default();
    faults.malformed.insert(
        d.clone(),
        r#"{"code":"OK","message":"OK","data":{"id":1}}"#.into(),
    );
    server.replace(v2.clone(), faults);

    let opts = SyncOptions {
        portal: server.url.clone(),
        per_second: 0.0,
        timeouts: Timeouts {
            stall: Duration::from_secs(2),
            total: Duration::from_secs(8),
        },
        retry_wait: Duration::from_millis(20),
        ..SyncOptions::default()
    };
    let r2 = portal::sync(&out, &opts, &|_| {}).expect("second sync");
    assert!(!r2.first && !r2.resumed);
    let news: Vec<String> = [&new1, &new2, &new3]
        .iter()
        .map(|id| code_of(&corpus, id))
        .collect();
    assert_eq!(codes(&r2.new), sorted(news));
    let gone: Vec<String> = [&gone_with_detail, &gone_plain]
        .iter()
        .map(|id| code_of(&corpus, id))
        .collect();
    assert_eq!(codes(&r2.withdrawn), sorted(gone));
    let x_code = code_of(&v2, &x);
    let by_code: HashMap<&str, &Vec<Part>> = r2
        .changed
        .iter()
        .map(|c| (c.code.as_str(), &c.parts))
        .collect();
    assert_eq!(by_code.get(x_code.as_str()), Some(&&vec![Part::Fees]));
    assert!(
        by_code.contains_key(m_code.as_str()),
        "the fixed record gained its detail"
    );
    assert!(
        !by_code.contains_key(code_of(&v2, &d).as_str()),
        "kept as it was"
    );
    assert_eq!(r2.changed.len(), 2, "{:?}", r2.changed);
    // Only what changed was written; every record was asked for once (the malformed twice).
    assert_eq!(r2.saved, 5, "three new, the fixed one and the changed fee");
    assert_eq!(r2.unchanged + r2.saved + 1, r2.with_detail);
    let counts = server.counts();
    assert_eq!(counts.get(&d).copied(), Some(2));
    assert!(
        counts
            .iter()
            .filter(|(k, _)| !k.starts_with("page:") && *k != &d)
            .all(|(_, n)| *n == 1)
    );
    let mut bad: Vec<&str> = r2.malformed.iter().map(|p| p.id.as_str()).collect();
    bad.sort();
    let mut want = vec![d.as_str(), k_id.as_str()];
    want.sort();
    assert_eq!(bad, want, "{:?}", r2.malformed);
    let catalog = mirror_lines(&out, portal::CATALOG_FILE);
    assert!(
        catalog.contains(&k_line),
        "the bad catalog item's last good copy is kept"
    );
    let details = mirror_lines(&out, portal::DETAILS_FILE);
    assert!(
        details.contains(&d_line_v1),
        "the malformed record's last good copy is kept"
    );
    assert!(details.contains(&v2.details[&x]));
    assert!(!details.contains(&v1.details[&gone_with_detail]));
}
