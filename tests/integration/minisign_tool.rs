//! Keys and signatures meet the standard `minisign` tool (Debian package `minisign`, installed
//! by `.ci/run`) both ways: a bundle signed by the tool with a key it made is verified and
//! imported by motcua, and a bundle signed by motcua is verified by the tool.

use std::path::Path;
use std::process::Command;

use motcua::bundle::{MANIFEST, SIGNATURE};

use crate::common::{bin, build_from, small_inputs};

/// Newer than the built-in data a fresh data directory is seeded with.
/// Newer than the built-in data (YYYYMMDDNN: today, serial 00), within the version scheme.
fn newer() -> u64 {
    chrono::Utc::now()
        .format("%Y%m%d00")
        .to_string()
        .parse()
        .expect("a date")
}

fn minisign(args: &[&str], dir: &Path) -> std::process::Output {
    let out = Command::new("minisign")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the minisign tool (apt-get install minisign; .ci/run installs it)");
    assert!(
        out.status.success(),
        "minisign {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn motcua(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).output().expect("run motcua")
}

#[test]
fn a_bundle_signed_by_the_minisign_tool_is_verified_and_imported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    // -W: no password, as a test key.
    minisign(&["-G", "-W", "-p", "prov.pub", "-s", "prov.key"], t);
    let bundle = t.join("bundle");
    let newer = newer();
    build_from(&small_inputs(), newer)
        .write_dir(&bundle)
        .expect("write bundle");
    minisign(
        &[
            "-S",
            "-s",
            "prov.key",
            "-m",
            &bundle.join(MANIFEST).display().to_string(),
        ],
        t,
    );
    assert!(
        bundle.join(SIGNATURE).is_file(),
        "the tool writes manifest.json.minisig"
    );

    let key = t.join("prov.pub").display().to_string();
    let b = bundle.display().to_string();
    let out = motcua(&["bundle", "verify", &b, "--key", &key]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let data = t.join("data").display().to_string();
    let out = motcua(&["--data-dir", &data, "import", &b, "--key", &key]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = motcua(&["--data-dir", &data, "stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats json");
    assert_eq!(stats["data_version"], newer);

    // A key the tool made for someone else is refused.
    minisign(&["-G", "-W", "-p", "other.pub", "-s", "other.key"], t);
    let other = t.join("other.pub").display().to_string();
    let out = motcua(&["bundle", "verify", &b, "--key", &other]);
    assert!(!out.status.success());
}

#[test]
fn a_bundle_signed_by_motcua_is_verified_by_the_minisign_tool() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let stem = t.join("prov").display().to_string();
    let out = motcua(&["keygen", "--out", &stem]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundle = t.join("bundle");
    build_from(&small_inputs(), 8)
        .write_dir(&bundle)
        .expect("write bundle");
    let b = bundle.display().to_string();
    let out = motcua(&["bundle", "sign", &b, "--secret-key", &format!("{stem}.key")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    minisign(
        &[
            "-V",
            "-p",
            &format!("{stem}.pub"),
            "-m",
            &bundle.join(MANIFEST).display().to_string(),
        ],
        t,
    );
}
