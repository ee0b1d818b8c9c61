//! One data directory, several processes (issue 10, item 7): the kiosk window and `motcua import`,
//! `stats` or `rollback` beside it. Writers exclude each other through the lock file; readers
//! leave a writer's work alone; the running kiosk serves what another process installed.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use motcua::app::datadir::DataDir;
use motcua::app::kiosk::{Kiosk, Origin};
use motcua::app::usage::Recorder;
use motcua::app::worker::{Event, Worker};
use motcua::config::Config;

use super::common::*;

/// `motcua stats` used to delete every staging folder when it opened the data directory, under
/// an import still writing there. A reader must leave a writer's staging folder alone; the next
/// writer (with the lock) cleans up what a dead one left.
#[test]
fn a_reader_leaves_the_staging_folder_of_a_running_import_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    drop(small_kiosk(&data));
    let dd = DataDir::open(&data).expect("open");
    let lock = dd.lock().expect("writer lock");
    let staging = dd.new_staging(&lock, "v2-import").expect("staging");
    std::fs::write(staging.join("content.sqlite"), b"half written").expect("write");

    let out = motcua_in(&data, &["stats", "--json"]);
    assert!(
        out.status.success(),
        "stats: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        staging.join("content.sqlite").is_file(),
        "`motcua stats` deleted the staging folder of an import at work"
    );

    // The import died (its lock goes with it): the next writer cleans its leftovers.
    drop(lock);
    DataDir::open(&data).expect("reopen");
    assert!(!staging.exists(), "a dead import's staging folder was kept");
}

/// Two kiosks on one directory, each with its own view of the live version: the second one
/// verifies a version-2 bundle against the version 1 it still serves, while the first has
/// already installed version 3. Under the lock the second sees version 3 on disk and refuses;
/// before the lock, version 2 went live after version 3.
#[test]
fn two_imports_never_leave_an_older_version_live_after_a_newer_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let keys = Keys::new();
    drop(small_kiosk(&data));
    let first = Kiosk::open(&data, config_trusting(&keys)).expect("first kiosk");
    let second = Kiosk::open(&data, config_trusting(&keys)).expect("second kiosk");
    let v3 = write_signed_dir(
        &build_from(&small_inputs(), 3),
        &tmp.path().join("v3"),
        &keys,
    );
    let v2 = write_signed_dir(
        &build_from(&small_inputs(), 2),
        &tmp.path().join("v2"),
        &keys,
    );
    first
        .apply_bundle(&v3, &[], Origin::Cli, &mut |_| {})
        .expect("version 3 applies");
    assert_eq!(
        second.live().meta.version,
        1,
        "the second kiosk's view is stale"
    );
    let err = second
        .apply_bundle(&v2, &[], Origin::Cli, &mut |_| {})
        .expect_err("version 2 must not replace version 3")
        .to_string();
    assert!(
        err.contains("not newer than the installed version 3"),
        "{err}"
    );
    assert_eq!(
        second.live().meta.version,
        3,
        "the second kiosk follows the disk"
    );
    let reopened = Kiosk::open(&data, Config::default()).expect("reopen");
    assert_eq!(reopened.live().meta.version, 3);
}

/// The kiosk window (its watch thread) notices a version that `motcua import` installed from
/// another process, serves it and tells the window to refill its pages; and again when
/// `motcua rollback` goes back.
#[test]
fn the_running_kiosk_serves_a_version_another_process_installed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let keys = Keys::new();
    let kiosk = Arc::new(small_kiosk(&data));
    let (tx, rx) = mpsc::channel();
    let _watch =
        Worker::spawn_with_watch(kiosk.clone(), Arc::new(Recorder::new(false)), move |e| {
            if let Event::ApplyDone { result } = e {
                let _ = tx.send(result);
            }
        });
    let bundle = write_signed_dir(
        &build_from(&small_inputs(), 2),
        &tmp.path().join("v2"),
        &keys,
    );
    let wait_for = |version: u64| match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(meta)) => assert_eq!(meta.version, version, "the kiosk served another version"),
        other => panic!("the running kiosk never served version {version}: {other:?}"),
    };

    let key = keys.public_path();
    let out = motcua_in(
        &data,
        &[
            "import",
            bundle.to_str().expect("utf-8"),
            "--key",
            key.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "import: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(2);
    assert_eq!(kiosk.live().meta.version, 2);

    let out = motcua_in(&data, &["rollback"]);
    assert!(
        out.status.success(),
        "rollback: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(1);
    assert_eq!(kiosk.live().meta.version, 1);
}
