//! Starting on a damaged data directory (issue 10, item 14): the kiosk serves what it has and
//! deletes nothing. A read-only directory is served read-only, garbage in `CURRENT` falls back to
//! the newest complete version, a full disk still starts, and a directory that cannot be used at
//! all gets one recovery folder, not one more per boot.

use std::path::{Path, PathBuf};
use std::process::Command;

use motcua::app::kiosk::{Kiosk, Origin};
use motcua::app::search::SearchRequest;
use motcua::config::Config;
use motcua::store::{RefreshOutcome, RefreshSource};

use super::common::*;
use super::tmpfs;

fn versions(data: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data.join("versions"))
        .expect("versions")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A data directory at version 2 (version 1 before it), the key that signed version 2.
fn two_versions(data: &Path, scratch: &Path) {
    let keys = Keys::new();
    drop(small_kiosk(data));
    let k = Kiosk::open(data, config_trusting(&keys)).expect("open");
    let b = write_signed_dir(&build_from(&small_inputs(), 2), &scratch.join("v2"), &keys);
    k.apply_bundle(&b, &[], Origin::Cli, &mut |_| {})
        .expect("version 2");
}

/// In the child of `tmpfs::run_inside(test, …)`: its tmpfs, and a data directory there at
/// version 2. `None` in the parent.
fn two_versions_on_a_tmpfs(test: &str) -> Option<(tmpfs::Mounted, PathBuf)> {
    let fs = tmpfs::run_inside(test, "128m", "disk")?;
    let data = fs.mount.join("data");
    two_versions(&data, &fs.root);
    Some((fs, data))
}

/// `motcua stats --json` succeeds on `data` and reports version 2.
fn stats_show_version_2(data: &Path, what: &str) {
    let out = motcua_in(data, &["stats", "--json"]);
    assert!(
        out.status.success(),
        "stats on {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
    assert_eq!(v["data_version"], 2, "stats on {what}");
}

/// The kiosk serves its data: a procedure opens and a search over its name finds it.
fn serves(k: &Kiosk, what: &str) {
    let p = k
        .procedure("1.001193")
        .expect("store")
        .unwrap_or_else(|| panic!("{what}: 1.001193 in the store"));
    let found = k
        .search(&SearchRequest {
            text: p.name.clone(),
            ..SearchRequest::default()
        })
        .unwrap_or_else(|e| panic!("{what}: search: {e}"));
    assert!(
        found
            .results
            .procedures
            .iter()
            .any(|h| h.code == "1.001193"),
        "{what}: searching {:?} finds it",
        p.name
    );
}

/// Garbage in `CURRENT` used to reseed the built-in data over the installed versions, and the
/// install that followed pruned them. The kiosk now serves the newest complete version (not the
/// older one `PREVIOUS` names: `CURRENT` was most likely the newest), points `CURRENT` at it
/// again and deletes nothing; the same with garbage in both pointers.
#[test]
fn garbage_in_current_falls_back_to_the_newest_complete_version() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    two_versions(&data, tmp.path());
    let before = versions(&data);
    assert_eq!(before.len(), 2, "{before:?}");
    let previous = std::fs::read_to_string(data.join("PREVIOUS")).expect("PREVIOUS");
    assert!(previous.starts_with("v1-"), "{previous:?}");
    for (case, previous_pointer) in [
        ("PREVIOUS intact", previous.as_bytes()),
        ("PREVIOUS empty too", b"".as_slice()),
    ] {
        std::fs::write(data.join("CURRENT"), b"\x00\xff../../etc garbage").expect("write");
        std::fs::write(data.join("PREVIOUS"), previous_pointer).expect("write");

        let k = Kiosk::open_with_seed(&data, Config::default(), || {
            panic!("the built-in data must not be seeded while a complete version is installed")
        })
        .expect("open");
        assert_eq!(
            k.live().meta.version,
            2,
            "{case}: the newest complete version"
        );
        assert!(k.procedure("1.001193").expect("store").is_some(), "{case}");
        drop(k);
        assert_eq!(versions(&data), before, "{case}: nothing deleted");
        let current = std::fs::read_to_string(data.join("CURRENT")).expect("CURRENT");
        assert!(
            current.starts_with("v2-") && before.contains(&current),
            "{case}: CURRENT repaired: {current:?}"
        );
    }
}

/// Rolling back to a previous version that cannot be opened used to switch `CURRENT` first and
/// fail after, leaving the pointer on broken data and nothing in the refresh history. The
/// previous version is now opened before the switch; the failure is recorded with its reason.
#[test]
fn a_rollback_to_a_damaged_version_changes_nothing_and_is_recorded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    two_versions(&data, tmp.path());
    let current = std::fs::read_to_string(data.join("CURRENT")).expect("CURRENT");
    let previous = std::fs::read_to_string(data.join("PREVIOUS")).expect("PREVIOUS");
    std::fs::write(
        data.join("versions").join(&previous).join("content.sqlite"),
        b"not a database",
    )
    .expect("damage");

    let k = Kiosk::open(&data, Config::default()).expect("open");
    assert!(k.rollback().is_err(), "a damaged previous version");
    assert_eq!(k.live().meta.version, 2, "still serving version 2");
    let after = std::fs::read_to_string(data.join("CURRENT")).expect("CURRENT");
    assert_eq!(after, current, "CURRENT untouched");
    let last = k.kiosk_db().refresh_log(1).expect("history");
    let last = last.first().expect("the failed rollback is recorded");
    assert_eq!(last.source, RefreshSource::Rollback);
    assert_eq!(last.outcome, RefreshOutcome::Failed);
    assert!(last.message.contains("content.sqlite"), "{}", last.message);
}

/// Every boot on a directory that cannot be used seeded another `recovery-<time>` folder (tens
/// of MB each). The kiosk window now reuses one recovery folder.
#[test]
fn a_broken_directory_gets_one_recovery_folder_across_boots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("data");
    // `versions` must be a folder: a file there makes the directory unusable.
    std::fs::write(data.join("versions"), b"not a folder").expect("write");
    let recoveries = || {
        std::fs::read_dir(&data)
            .expect("data")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("recovery"))
            .count()
    };
    for boot in 1..=2 {
        let k = Kiosk::open_for_window(&data, None).expect("the window always starts");
        assert!(k.procedure("1.001193").expect("store").is_some());
        drop(k);
        assert_eq!(recoveries(), 1, "boot {boot}");
        // Boots are seconds apart in life; the folder name must not depend on it.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert_eq!(
        std::fs::read(data.join("versions")).expect("kept"),
        b"not a folder",
        "the broken directory is kept for inspection"
    );
}

/// A read-only data directory (a file system remounted read-only after an error) used to stop
/// even `motcua stats`. It is served read-only: the data it has, nothing written.
#[test]
fn a_read_only_data_directory_is_served_read_only() {
    let Some((fs, data)) =
        two_versions_on_a_tmpfs("recovery::a_read_only_data_directory_is_served_read_only")
    else {
        return;
    };
    let remount = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&fs.mount)
        .status()
        .expect("mount (util-linux)");
    assert!(remount.success(), "remount read-only");
    assert!(
        std::fs::write(data.join("probe"), b"x").is_err(),
        "read-only"
    );

    stats_show_version_2(&data, "a read-only directory");
    let k = Kiosk::open(&data, Config::default()).expect("open read-only");
    assert_eq!(k.live().meta.version, 2);
    serves(&k, "read-only");
    drop(k);
    let window = Kiosk::open_for_window(&data, None).expect("the window starts");
    assert_eq!(
        window.live().meta.version,
        2,
        "the data it has, not a recovery copy"
    );
    serves(&window, "read-only window");
}

/// With 0 bytes free the kiosk did not start at all. It must start and serve the data it has.
#[test]
fn a_full_disk_still_starts_on_the_data_it_has() {
    let Some((fs, data)) =
        two_versions_on_a_tmpfs("recovery::a_full_disk_still_starts_on_the_data_it_has")
    else {
        return;
    };
    let _filler = tmpfs::fill(&fs.mount);

    stats_show_version_2(&data, "a full disk");
    let window = Kiosk::open_for_window(&data, None).expect("the window starts");
    assert_eq!(
        window.live().meta.version,
        2,
        "the data it has, not a recovery copy"
    );
    serves(&window, "full disk");
    assert!(
        !data.join("recovery").exists(),
        "no recovery copy on a full disk"
    );
}
