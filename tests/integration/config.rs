//! `motcua config check` on real configuration files: numbers out of their documented ranges,
//! every type error of a section, retired keys, addresses the kiosk must not contact, and files
//! that are not configuration files at all (a device, a FIFO, something huge).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::common::bin;

/// Runs `motcua config check FILE`, bounded in time.
fn check(file: &Path) -> Output {
    let mut child = Command::new(bin())
        .args(["config", "check"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run motcua");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("`config check {}` did not finish", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn problems(dir: &Path, name: &str, text: &str) -> String {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write config");
    let out = check(&file);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name} must be refused: {out:?}"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn numbers_out_of_their_ranges_are_refused_with_the_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = problems(
        dir.path(),
        "numbers.toml",
        "[statistics]\n\
         retention_days = 1000000000\n\
         heartbeat_every_seconds = 18446744073709551615\n\
         \n\
         [updates]\n\
         check_every_minutes = 18446744073709551615\n\
         timeout_seconds = 0\n\
         max_bundle_mb = 1000000\n\
         \n\
         [idle]\n\
         timeout_seconds = 4000000000\n\
         warning_seconds = 5\n\
         \n\
         [staff]\n\
         max_delay_seconds = 18446744073709551615\n\
         \n\
         [[counters]]\n\
         number = 4294967295\n\
         fields = [\"Hộ tịch\"]\n",
    );
    for (line, key, range) in [
        (2, "statistics.retention_days", "from 1 to 3650"),
        (3, "statistics.heartbeat_every_seconds", "from 1 to 86400"),
        (6, "updates.check_every_minutes", "from 1 to 10080"),
        (7, "updates.timeout_seconds", "from 1 to 600"),
        (8, "updates.max_bundle_mb", "from 1 to 4096"),
        (11, "idle.timeout_seconds", "from 15 to 3600"),
        (12, "idle.warning_seconds", "from 20 to 600"),
        (15, "staff.max_delay_seconds", "from 1 to 600"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("line {line}, `{key}`")) && l.contains(range)),
            "{key} on line {line} ({range}):\n{err}"
        );
    }
    assert!(
        err.contains("counter number 4294967295 is out of range: from 1 to 999"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 9, "{err}");
}

#[test]
fn every_type_error_of_a_section_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = problems(
        dir.path(),
        "types.toml",
        "[updates]\n\
         check_every_minutes = \"often\"\n\
         timeout_seconds = true\n\
         max_bundle_mb = -1\n\
         usb_folder = 7\n\
         \n\
         [[counters]]\n\
         number = \"one\"\n\
         fields = \"Hộ tịch\"\n\
         \n\
         [[counters]]\n\
         number = 2\n\
         fields = [\"Đất đai\"]\n\
         floor = 3\n",
    );
    for line in [2, 3, 4, 5, 8, 9, 14] {
        assert!(
            err.lines().any(|l| l.contains(&format!("line {line},"))),
            "a problem on line {line}:\n{err}"
        );
    }
    assert_eq!(err.lines().count(), 7, "{err}");
}

#[test]
fn retired_staff_keys_say_what_replaced_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = problems(
        dir.path(),
        "staff.toml",
        "[staff]\nmax_attempts = 5\nlockout_minutes = 1000000000000\n",
    );
    for (line, key) in [(2, "staff.max_attempts"), (3, "staff.lockout_minutes")] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("line {line}, `{key}`"))
                    && l.contains("max_delay_seconds")),
            "{key}:\n{err}"
        );
    }
}

#[test]
fn network_addresses_are_parsed_not_matched_by_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (url, why) in [
        ("http://127.0.0.1@other-host/", "user name or password"),
        (
            "http://localhost.evil.example/",
            "plain http is only allowed to this machine",
        ),
        ("https://", "not a valid URL"),
        ("javascript:alert(1)", "not supported"),
    ] {
        let err = problems(
            dir.path(),
            "url.toml",
            &format!("[updates]\nnetwork_url = \"{url}\"\n"),
        );
        assert!(
            err.contains("line 2, `updates.network_url`") && err.contains(why),
            "{url}: {err}"
        );
    }
    for url in [
        "https://dichvucong.gov.vn/bundle.zip",
        "http://127.0.0.1:8080/b.zip",
        "http://[::1]/b.zip",
    ] {
        let file = dir.path().join("ok.toml");
        std::fs::write(&file, format!("[updates]\nnetwork_url = \"{url}\"\n")).expect("write");
        let out = check(&file);
        assert!(out.status.success(), "{url}: {out:?}");
    }
}

#[test]
fn files_that_are_not_configurations_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    // /dev/zero never ends; a FIFO without a writer blocks whoever opens it.
    let fifo = dir.path().join("kiosk.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    for (file, why) in [
        (Path::new("/dev/zero"), "not a regular file"),
        (fifo.as_path(), "not a regular file"),
    ] {
        let out = check(file);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(why),
            "{}: {err}",
            file.display()
        );
    }
    // A huge file: refused without reading it all.
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(4 << 30).expect("sparse 4 GB");
    let out = check(&big);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("larger than 1048576 bytes"),
        "{err}"
    );
}
