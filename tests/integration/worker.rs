//! The background threads: searches off the caller's thread with stale generations dropped, PIN
//! checks on their own thread, USB sticks noticed when they appear, a watch thread that outlives
//! extreme settings.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motcua::app::kiosk::Kiosk;
use motcua::app::refresh::UsbBundle;
use motcua::app::search::SearchRequest;
use motcua::app::staff::{Pin, PinCheck};
use motcua::app::usage::{Note, Recorder};
use motcua::app::worker::{Command, Event, Worker};
use motcua::config::Config;

use super::common::*;

/// Holds the search thread inside the sink while more requests queue up behind it: when it is
/// let go, only the newest of the queued requests may run. A worker that ran them all (or in
/// any other order) fails here.
#[test]
fn queued_searches_only_run_the_newest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = Arc::new(small_kiosk(&tmp.path().join("data")));
    let (tx, rx) = mpsc::channel();
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let held = Mutex::new((entered_tx, gate_rx));
    let w = Worker::spawn(k, Arc::new(Recorder::new(false)), move |e| {
        if let Event::SearchDone { generation: 1, .. } = &e {
            let h = held.lock().expect("lock");
            let _ = h.0.send(());
            let _ = h.1.recv_timeout(Duration::from_secs(60));
        }
        let _ = tx.send(e);
    });
    let typed = ["k", "kh", "kha", "khai", "khai s", "khai si", "khai sinh"];
    let send = |i: usize| {
        w.send(Command::Search {
            generation: i as u64 + 1,
            request: SearchRequest {
                text: typed[i].to_string(),
                ..Default::default()
            },
        })
    };
    send(0);
    entered_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the first search ran");
    for i in 1..typed.len() {
        send(i);
    }
    gate_tx.send(()).expect("open the gate");
    let mut ran = Vec::new();
    let mut newest = None;
    while newest.is_none() {
        let Ok(Event::SearchDone { generation, result }) = rx.recv_timeout(Duration::from_secs(60))
        else {
            panic!("no search result after {ran:?}");
        };
        ran.push(generation);
        if generation == typed.len() as u64 {
            newest = Some(result.expect("search"));
        }
    }
    assert_eq!(ran, [1, typed.len() as u64], "stale searches ran");
    let out = newest.expect("newest");
    assert_eq!(out.request.text, "khai sinh");
    let top = &out.rows[0].row;
    assert!(
        motcua::domain::text::fold(&top.name).contains("khai sinh"),
        "{}",
        top.name
    );
    // Nothing else was waiting.
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}

/// A PIN is checked on its own thread: not on the caller's (the UI thread), and not behind a
/// network download that holds the task thread.
#[test]
fn a_pin_is_checked_off_the_callers_thread_even_during_a_download() {
    // A bundle server that sends its headers and then nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/bundle.zip", listener.local_addr().expect("addr"));
    let (hang_up, hung) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            use std::io::{Read, Write};
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
            // Until the test is done with it (or the client's 20 s stall timeout).
            let _ = hung.recv_timeout(Duration::from_secs(30));
        }
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(small_kiosk(&tmp.path().join("data")));
    let mut cfg = Config::default();
    cfg.staff.pin_hash = motcua::app::staff::hash_pin("2468").expect("hash");
    cfg.updates.network_url = url;
    cfg.updates.timeout_seconds = 20;
    let k = Arc::new(Kiosk::open(&tmp.path().join("data"), cfg).expect("open"));
    let (tx, rx) = mpsc::channel();
    let w = Worker::spawn(k, Arc::new(Recorder::new(false)), move |e| {
        let thread = std::thread::current()
            .name()
            .unwrap_or_default()
            .to_string();
        let _ = tx.send((thread, e));
    });
    w.send(Command::CheckNetwork);
    // The download has started (its first progress would come only after it).
    std::thread::sleep(Duration::from_millis(300));
    w.send(Command::CheckPin(Pin::new("2468")));
    loop {
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok((thread, Event::PinChecked(answer))) => {
                assert_eq!(answer, PinCheck::Granted);
                assert_eq!(thread, "motcua-pin");
                break;
            }
            Ok((_, Event::NetworkChecked { result })) => {
                panic!("the PIN waited for the download: {result:?}")
            }
            Ok(_) => continue,
            Err(e) => panic!("no PIN answer: {e}"),
        }
    }
    let _ = hang_up.send(());
    drop(w);
    let _ = server.join();
}

/// A kiosk on the small real dataset in `tmp/data` that looks for USB sticks only under its own
/// empty `tmp/media` (returned), with `edit` applied to its configuration.
fn kiosk_with_media(tmp: &Path, edit: impl FnOnce(&mut Config)) -> (Arc<Kiosk>, PathBuf) {
    drop(small_kiosk(&tmp.join("data")));
    let media = tmp.join("media");
    std::fs::create_dir_all(&media).expect("mkdir");
    let mut cfg = Config::default();
    cfg.updates.usb_mount_roots = vec![media.display().to_string()];
    edit(&mut cfg);
    let k = Kiosk::open(&tmp.join("data"), cfg).expect("open");
    (Arc::new(k), media)
}

/// The watch thread's next list of USB bundles (it sends one every round).
fn wait_usb(rx: &mpsc::Receiver<Event>) -> Vec<UsbBundle> {
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Event::UsbBundles(b)) => return b,
            Ok(_) => continue,
            Err(e) => panic!("no USB event: the watch thread is gone ({e})"),
        }
    }
}

/// Issue 10 item 4: the largest numbers a configuration can hold (built in code, past the
/// checks `config check` makes) must not kill the watch thread, which also watches for sticks.
#[test]
fn the_watch_thread_survives_the_largest_numbers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (k, media) = kiosk_with_media(tmp.path(), |cfg| {
        cfg.statistics.retention_days = u64::MAX;
        cfg.updates.stale_after_days = u32::MAX;
        cfg.statistics.heartbeat_every_seconds = u64::MAX;
        cfg.statistics.heartbeat_path = tmp.path().join("motcua.prom").display().to_string();
        cfg.updates.check_every_minutes = u64::MAX;
        cfg.updates.network_url = "http://127.0.0.1:9/bundle.zip".into();
    });
    let (tx, rx) = mpsc::channel();
    let _w = Worker::spawn_with_watch(k, Arc::new(Recorder::new(true)), move |e| {
        let _ = tx.send(e);
    });
    assert!(wait_usb(&rx).is_empty());
    // The first round also pruned the statistics and wrote the heartbeat.
    std::fs::create_dir_all(media.join("STICK/motcua")).expect("stick");
    std::fs::write(media.join("STICK/motcua/b.zip"), b"not a zip").expect("file");
    assert_eq!(wait_usb(&rx).len(), 1);
    assert!(tmp.path().join("motcua.prom").exists());
}

#[test]
fn a_usb_stick_with_a_bundle_is_noticed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (k, media) = kiosk_with_media(tmp.path(), |_| {});
    let (tx, rx) = mpsc::channel();
    let _w = Worker::spawn_with_watch(k, Arc::new(Recorder::new(false)), move |e| {
        let _ = tx.send(e);
    });
    assert!(wait_usb(&rx).is_empty(), "nothing at first");

    // "Insert" a stick: a folder under the mount root with motcua/<bundle>.
    let keys = Keys::new();
    let built = build_from(&small_inputs(), 7);
    write_signed_dir(&built, &media.join("KINGSTON/motcua/bundle-7"), &keys);
    let found = wait_usb(&rx);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].version, Some(7));
    assert!(found[0].problem.is_none());

    // The same folder now holds version 8: the watch reads the changed manifest again (it
    // remembers bundles by path, size and modification time, and reads only manifests).
    std::fs::remove_dir_all(media.join("KINGSTON/motcua/bundle-7")).expect("rm");
    let built = build_from(&small_inputs(), 8);
    write_signed_dir(&built, &media.join("KINGSTON/motcua/bundle-7"), &keys);
    let found = wait_usb(&rx);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].version, Some(8));

    // "Remove" it.
    std::fs::remove_dir_all(media.join("KINGSTON")).expect("rm");
    assert!(wait_usb(&rx).is_empty());
}

#[test]
fn office_work_runs_on_the_worker_and_answers_through_events() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (k, _media) = kiosk_with_media(tmp.path(), |_| {});
    let recorder = Arc::new(Recorder::new(true));
    let (tx, rx) = mpsc::channel();
    let w = Worker::spawn(k.clone(), recorder, move |e| {
        let _ = tx.send(e);
    });
    // No PIN configured: the staff screen is disabled, and says so.
    w.send(Command::CheckPin(Pin::new("1234")));
    w.send(Command::Record(Note::Touch));
    w.send(Command::Record(Note::Viewed("1.001193".into())));
    w.send(Command::StaffStatus { usb: Vec::new() });
    w.send(Command::ExportStats);
    let mut pin = None;
    let mut status = None;
    let mut exported = None;
    while pin.is_none() || status.is_none() || exported.is_none() {
        match rx.recv_timeout(Duration::from_secs(60)).expect("an event") {
            Event::PinChecked(a) => pin = Some(a),
            Event::StaffStatus(s) => status = Some(s.expect("status")),
            Event::Exported(e) => exported = Some(e.expect("export")),
            _ => {}
        }
    }
    assert_eq!(pin, Some(PinCheck::Disabled));
    let status = status.expect("status");
    assert_eq!(status.data_version, "1");
    // The view was gathered after the notes (one queue, in order).
    assert_eq!((status.usage.sessions, status.usage.views), (1, 1));
    // No USB stick: nothing to export to.
    assert_eq!(exported, Some(None));
    drop(w);
    let events = k.kiosk_db().usage_events("").expect("events");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "view" && e.subject == "1.001193")
    );
}
