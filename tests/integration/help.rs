//! "Gọi cán bộ hỗ trợ" without a window (issue 11, issue 15's help signal): the counter the
//! panel shows, and every press counted and in the heartbeat at once, through the worker's
//! office thread as the kiosk sends it.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use chrono::{DateTime, Utc};

use motcua::app::help::{HelpRequested, HelpView};
use motcua::app::usage::{self, Recorder};
use motcua::app::worker::{Command, Event, Worker};
use motcua::config::{Config, Counter};

use super::common::*;

fn counter(number: u32, location: &str, label: &str) -> Counter {
    Counter {
        number,
        location: location.into(),
        label: label.into(),
        fields: vec!["Hộ tịch".into()],
    }
}

/// The heartbeat's samples by name (with labels).
fn samples(text: &str) -> std::collections::HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

#[test]
fn the_panel_names_the_counter_and_its_place() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config {
        counters: vec![
            counter(1, "Tầng 1", "Đất đai"),
            counter(3, "Tầng 2", "Tư pháp – Hộ tịch"),
        ],
        ..Config::default()
    };
    cfg.help.counter = 3;
    let k = small_kiosk_with(&tmp.path().join("data"), cfg.clone());
    assert_eq!(
        k.help_view(),
        HelpView {
            counter: Some(3),
            place: "Tầng 2 · Tư pháp – Hộ tịch".into(),
            signals: true,
        }
    );
    drop(k);
    // Its own location wins; a counter the list does not know has only that.
    cfg.help.location = "Bàn hướng dẫn, cạnh cửa vào".into();
    cfg.help.counter = 7;
    cfg.help.signal = false;
    let k = motcua::app::kiosk::Kiosk::open(&tmp.path().join("data"), cfg).expect("reopen");
    assert_eq!(
        k.help_view(),
        HelpView {
            counter: Some(7),
            place: "Bàn hướng dẫn, cạnh cửa vào".into(),
            signals: false,
        }
    );
    // No counter configured: the visitor waits at the kiosk.
    let k = motcua::app::kiosk::Kiosk::open(&tmp.path().join("data"), Config::default())
        .expect("reopen");
    assert_eq!(
        k.help_view(),
        HelpView {
            counter: None,
            place: String::new(),
            signals: true,
        }
    );
}

#[test]
fn every_press_is_counted_and_in_the_heartbeat_at_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    assert_eq!(k.help_requests().expect("read"), (0, None));
    let path = usage::heartbeat_path(&k).expect("a heartbeat by default");
    // Present from the start, at 0, so `increase()` sees the first press.
    usage::write_heartbeat(&k, &path, 1).expect("beat");
    let m = samples(&std::fs::read_to_string(&path).expect("heartbeat"));
    assert_eq!(m["motcua_help_requests_total"], 0.0);
    assert_eq!(m["motcua_help_requested_timestamp_seconds"], 0.0);

    let t: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-30T09:15:00+07:00")
        .expect("time")
        .with_timezone(&Utc);
    let r = k.request_help(t, 5).expect("request");
    assert_eq!(
        r,
        HelpRequested {
            total: 1,
            heartbeat: Some(path.clone())
        }
    );
    let m = samples(&std::fs::read_to_string(&path).expect("heartbeat"));
    assert_eq!(m["motcua_help_requests_total"], 1.0);
    assert_eq!(
        m["motcua_help_requested_timestamp_seconds"],
        t.timestamp() as f64
    );
    assert_eq!(m["motcua_uptime_seconds"], 5.0);
    let r = k
        .request_help(t + chrono::Duration::seconds(40), 45)
        .expect("again");
    assert_eq!(r.total, 2);
    assert_eq!(
        k.help_requests().expect("read"),
        (2, Some(t.timestamp() + 40))
    );
}

#[test]
fn an_office_that_does_not_signal_counts_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::default();
    cfg.help.signal = false;
    let k = small_kiosk_with(&tmp.path().join("data"), cfg);
    let r = k.request_help(Utc::now(), 1).expect("request");
    assert_eq!(
        r,
        HelpRequested {
            total: 0,
            heartbeat: None
        }
    );
    assert_eq!(k.help_requests().expect("read"), (0, None));
}

#[test]
fn the_worker_counts_a_press_and_rewrites_the_heartbeat() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::default();
    let beat = tmp.path().join("textfile/motcua.prom");
    cfg.statistics.heartbeat_path = beat.display().to_string();
    let k = Arc::new(small_kiosk_with(&tmp.path().join("data"), cfg));
    let (tx, rx) = mpsc::channel();
    let w = Worker::spawn(k.clone(), Arc::new(Recorder::new(false)), move |e| {
        let _ = tx.send(e);
    });
    w.send(Command::RequestHelp);
    let answer = loop {
        if let Event::HelpRequested(r) = rx.recv_timeout(Duration::from_secs(60)).expect("event") {
            break r.expect("help requested");
        }
    };
    assert_eq!(answer.total, 1);
    assert_eq!(answer.heartbeat.as_deref(), Some(beat.as_path()));
    let m = samples(&std::fs::read_to_string(&beat).expect("heartbeat"));
    assert_eq!(m["motcua_help_requests_total"], 1.0);
    assert!(m["motcua_help_requested_timestamp_seconds"] > 0.0);
}
