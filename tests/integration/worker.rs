//! The background threads: searches off the caller's thread with stale generations dropped, and
//! USB sticks noticed when they appear.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use motcua::app::kiosk::Kiosk;
use motcua::app::search::SearchRequest;
use motcua::app::usage::Recorder;
use motcua::app::worker::{Command, Event, Worker};
use motcua::config::Config;

use super::common::*;

#[test]
fn queued_searches_only_run_the_newest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = Arc::new(small_kiosk(&tmp.path().join("data")));
    let (tx, rx) = mpsc::channel();
    let w = Worker::spawn(k, move |e| {
        let _ = tx.send(e);
    });
    let typed = ["k", "kh", "kha", "khai", "khai s", "khai si", "khai sinh"];
    for (i, t) in typed.iter().enumerate() {
        w.send(Command::Search {
            generation: i as u64 + 1,
            request: SearchRequest {
                text: t.to_string(),
                ..Default::default()
            },
        });
    }
    let mut last = 0;
    let mut seen = 0;
    loop {
        let Ok(Event::SearchDone { generation, result }) = rx.recv_timeout(Duration::from_secs(60))
        else {
            panic!("no search result");
        };
        assert!(generation > last, "results arrive newest-last");
        last = generation;
        seen += 1;
        if generation == typed.len() as u64 {
            let out = result.expect("search");
            assert_eq!(out.request.text, "khai sinh");
            let top = &out.results.procedures[0];
            assert!(
                motcua::domain::text::fold(&top.name).contains("khai sinh"),
                "{}",
                top.name
            );
            break;
        }
    }
    assert!(seen <= typed.len());
}

#[test]
fn a_usb_stick_with_a_bundle_is_noticed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(small_kiosk(&tmp.path().join("data")));
    let media = tmp.path().join("media");
    std::fs::create_dir_all(&media).expect("mkdir");
    let mut cfg = Config::default();
    cfg.updates.usb_mount_roots = vec![media.display().to_string()];
    let k = Arc::new(Kiosk::open(&tmp.path().join("data"), cfg).expect("open"));
    let (tx, rx) = mpsc::channel();
    let _w = Worker::spawn_with_watch(k, Arc::new(Recorder::new(false)), move |e| {
        let _ = tx.send(e);
    });
    let wait_usb = |rx: &mpsc::Receiver<Event>| loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Event::UsbBundles(b)) => return b,
            Ok(_) => continue,
            Err(e) => panic!("no USB event: {e}"),
        }
    };
    assert!(wait_usb(&rx).is_empty(), "nothing at first");

    // "Insert" a stick: a folder under the mount root with motcua/<bundle>.
    let keys = Keys::new();
    let built = build_from(&small_inputs(), 7);
    write_signed_dir(&built, &media.join("KINGSTON/motcua/bundle-7"), &keys);
    let found = wait_usb(&rx);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].version, Some(7));
    assert!(found[0].problem.is_none());

    // "Remove" it.
    std::fs::remove_dir_all(media.join("KINGSTON")).expect("rm");
    assert!(wait_usb(&rx).is_empty());
}
