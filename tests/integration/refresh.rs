//! Staff refresh threats, each with a real signed bundle: every one is refused with a message
//! that says what is wrong, and the kiosk keeps serving the data it had.

use std::io::Write;
use std::path::{Path, PathBuf};

use motcua::app::kiosk::{Kiosk, Origin};
use motcua::bundle::Built;
use motcua::config::Config;

use super::common::*;

/// A kiosk on the small real dataset (version 1), the key it trusts, and a good version-2 bundle.
struct Fixture {
    tmp: tempfile::TempDir,
    kiosk: Kiosk,
    keys: Keys,
    good: Built,
}

fn fixture_with(config: Config) -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let mut config = config;
    config.updates.trusted_keys = vec![motcua::bundle::sign::public_key_line(&keys.public)];
    let built = build_from(&small_inputs(), 1);
    let raw = motcua::bundle::RawBundle {
        path: PathBuf::from("seed"),
        manifest: built.manifest_bytes.clone(),
        signature: None,
        files: built.files.iter().cloned().collect(),
    };
    let kiosk = Kiosk::open_with_seed(&tmp.path().join("data"), config, move || raw).expect("open");
    let good = build_from(&small_inputs(), 2);
    Fixture {
        tmp,
        kiosk,
        keys,
        good,
    }
}

fn fixture() -> Fixture {
    fixture_with(Config::default())
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Applies, expects a refusal containing `expect`, and checks nothing changed.
    fn refused(&self, bundle: &Path, expect: &str) -> String {
        let before = self.kiosk.live().meta.clone();
        let current = std::fs::read_to_string(self.path("data/CURRENT")).expect("CURRENT");
        let err = self
            .kiosk
            .apply_bundle(bundle, &[], Origin::Usb, &mut |_| {})
            .expect_err("must be refused")
            .to_string();
        assert!(
            err.to_lowercase().contains(&expect.to_lowercase()),
            "expected `{expect}` in: {err}"
        );
        assert_eq!(self.kiosk.live().meta, before, "live data changed");
        assert_eq!(
            std::fs::read_to_string(self.path("data/CURRENT")).expect("CURRENT"),
            current
        );
        assert!(self.kiosk.procedure("1.001193").expect("store").is_some());
        let log = self.kiosk.kiosk_db().refresh_log(1).expect("log");
        assert_eq!(
            log[0].outcome,
            motcua::store::RefreshOutcome::Rejected,
            "{log:?}"
        );
        err
    }

    fn signed_dir(&self, built: &Built, name: &str) -> PathBuf {
        write_signed_dir(built, &self.path(name), &self.keys)
    }
}

fn file_mut<'a>(built: &'a mut Built, name: &str) -> &'a mut Vec<u8> {
    &mut built
        .files
        .iter_mut()
        .find(|(n, _)| n == name)
        .expect("file in bundle")
        .1
}

#[test]
fn the_good_bundle_applies() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "good");
    let m = f
        .kiosk
        .apply_bundle(&dir, &[], Origin::Usb, &mut |_| {})
        .expect("apply");
    assert_eq!(m.version, 2);
    assert_eq!(f.kiosk.live().meta.version, 2);
}

#[test]
fn tampered_content_file() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "b");
    let p = dir.join("hotlines.json");
    let mut s = std::fs::read_to_string(&p).expect("read");
    s = s.replace("1800 1096", "1900 6666");
    std::fs::write(&p, s).expect("write");
    f.refused(&dir, "SHA-256 does not match");
}

#[test]
fn tampered_manifest() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "b");
    let p = dir.join("manifest.json");
    let s = std::fs::read_to_string(&p)
        .expect("read")
        .replace("\"version\": 2", "\"version\": 99");
    std::fs::write(&p, s).expect("write");
    f.refused(&dir, "signature does not match");
}

#[test]
fn bad_signature() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "b");
    std::fs::write(
        dir.join("manifest.json.minisig"),
        "untrusted comment: x\nnot base64 at all\n",
    )
    .expect("write");
    f.refused(&dir, "not a minisign signature");
}

#[test]
fn unknown_key() {
    let f = fixture();
    let stranger = Keys::new();
    let dir = write_signed_dir(&f.good, &f.path("b"), &stranger);
    f.refused(&dir, "not one of the trusted keys");
}

#[test]
fn unsigned() {
    let f = fixture();
    f.good.write_dir(&f.path("b")).expect("write");
    f.refused(&f.path("b"), "not signed");
}

#[test]
fn version_not_newer_is_a_rollback_attack() {
    let f = fixture();
    let old = build_from(&small_inputs(), 1);
    let dir = f.signed_dir(&old, "b");
    f.refused(&dir, "not newer than the installed version 1");
}

#[test]
fn expired_bundle_is_refused() {
    let f = fixture();
    let mut b = f.good.clone();
    b.manifest.expires = Some(chrono::Utc::now() - chrono::Duration::days(1));
    rehash(&mut b);
    let dir = f.signed_dir(&b, "b");
    f.refused(&dir, "expired");
}

#[test]
fn truncated_file() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "b");
    let p = dir.join("procedures.jsonl");
    let len = std::fs::metadata(&p).expect("meta").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .and_then(|file| file.set_len(len / 2))
        .expect("truncate");
    f.refused(&dir, "truncated or altered");
}

#[test]
fn missing_file() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "b");
    std::fs::remove_file(dir.join("guides.json")).expect("rm");
    f.refused(&dir, "missing");
}

#[test]
fn extra_unlisted_file() {
    let f = fixture();
    let dir = f.signed_dir(&f.good, "b");
    std::fs::write(dir.join("extra.json"), "[]").expect("write");
    f.refused(&dir, "not listed in the manifest");
}

#[test]
fn malformed_json_names_file_and_line() {
    let f = fixture();
    let mut b = f.good.clone();
    let procs = file_mut(&mut b, "procedures.jsonl");
    let text = String::from_utf8(procs.clone()).expect("utf8");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[6] = lines[6][..lines[6].len() - 10].to_string();
    *procs = (lines.join("\n") + "\n").into_bytes();
    rehash(&mut b);
    let dir = f.signed_dir(&b, "b");
    f.refused(&dir, "procedures.jsonl, line 7");
}

/// Writes a zip by hand so its entries can be anything an attacker chooses.
fn zip_with(path: &Path, entries: &[(&str, &[u8])], symlink: Option<(&str, &str)>) {
    let file = std::fs::File::create(path).expect("create");
    let mut z = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        z.start_file(*name, opts).expect("start");
        z.write_all(bytes).expect("write");
    }
    if let Some((name, target)) = symlink {
        z.add_symlink(name, target, opts).expect("symlink");
    }
    z.finish().expect("finish");
}

fn good_entries(f: &Fixture) -> (Vec<(String, Vec<u8>)>, String) {
    let mut v = vec![("manifest.json".to_string(), f.good.manifest_bytes.clone())];
    v.extend(f.good.files.iter().cloned());
    (v, f.keys.sign(&f.good.manifest_bytes))
}

#[test]
fn zip_slip_paths_and_links_are_refused() {
    let f = fixture();
    let (entries, sig) = good_entries(&f);
    for (bad_name, expect) in [
        ("../evil.json", "zip-slip"),
        ("/etc/evil.json", "not a plain file name"),
        ("sub/dir.json", "not a plain file name"),
    ] {
        let mut e: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        e.push(("manifest.json.minisig", sig.as_bytes()));
        e.push((bad_name, b"{}"));
        let p = f.path(&format!("slip-{}.zip", expect.len()));
        zip_with(&p, &e, None);
        let err = f.refused(&p, "");
        assert!(
            err.contains(expect) || err.contains("escapes") || err.contains("plain file name"),
            "{bad_name}: {err}"
        );
        assert!(!f.tmp.path().join("evil.json").exists());
    }
    let mut e: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    e.push(("manifest.json.minisig", sig.as_bytes()));
    let p = f.path("link.zip");
    zip_with(&p, &e, Some(("guides2.json", "/etc/passwd")));
    f.refused(&p, "symbolic link");
    // A link in a bundle directory is refused too.
    let dir = f.signed_dir(&f.good, "linked");
    std::fs::remove_file(dir.join("guides.json")).expect("rm");
    std::os::unix::fs::symlink("/etc/hostname", dir.join("guides.json")).expect("symlink");
    f.refused(&dir, "symbolic link");
}

#[test]
fn a_file_over_the_size_cap() {
    let mut cfg = Config::default();
    cfg.updates.max_bundle_mb = 1;
    let f = fixture_with(cfg);
    // The real procedures file of the small bundle is several MB.
    let dir = f.signed_dir(&f.good, "b");
    assert!(
        std::fs::metadata(dir.join("procedures.jsonl"))
            .expect("meta")
            .len()
            > 1024 * 1024
    );
    f.refused(&dir, "limit");
}

#[test]
fn a_zip_bomb_stops_at_the_cap_whatever_the_header_says() {
    let mut cfg = Config::default();
    cfg.updates.max_bundle_mb = 1;
    let f = fixture_with(cfg);
    // 64 MB of zeros deflate to ~64 KB; the local and central headers are then patched to
    // declare 100 bytes, as a bomb would.
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let p = f.path("bomb.zip");
    zip_with(
        &p,
        &[
            ("manifest.json", &f.good.manifest_bytes),
            ("procedures.jsonl", &zeros),
        ],
        None,
    );
    let mut bytes = std::fs::read(&p).expect("read");
    assert!(
        bytes.len() < 1024 * 1024,
        "the bomb itself is small: {}",
        bytes.len()
    );
    let declared = (64u32 * 1024 * 1024).to_le_bytes();
    let mut patched = 0;
    let mut i = 0;
    while i + 4 <= bytes.len() {
        if bytes[i..i + 4] == declared {
            bytes[i..i + 4].copy_from_slice(&100u32.to_le_bytes());
            patched += 1;
        }
        i += 1;
    }
    assert!(patched >= 2, "patched {patched} size fields");
    std::fs::write(&p, &bytes).expect("write");
    f.refused(&p, "");
}

/// Issue 10, item 10: an import that fails half-way (the disk fills while the new store is
/// written) removes its staging folder at once, not at the next start, and the refresh history
/// records the failure with its reason.
#[test]
fn a_failed_import_cleans_up_at_once_and_is_in_the_history() {
    let Some(fs) = super::tmpfs::run_inside(
        "refresh::a_failed_import_cleans_up_at_once_and_is_in_the_history",
        "128m",
        "disk",
    ) else {
        return;
    };
    let keys = Keys::new();
    let config = config_trusting(&keys);
    let data = fs.mount.join("data");
    drop(small_kiosk(&data));
    let kiosk = Kiosk::open(&data, config).expect("open");
    let bundle = write_signed_dir(&build_from(&small_inputs(), 2), &fs.root.join("v2"), &keys);
    let filler = super::tmpfs::fill(&fs.mount);
    // A little room: the import starts writing, then runs out.
    {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .expect("filler");
        f.set_len(f.metadata().expect("size").len() - 512 * 1024)
            .expect("free");
    }

    let err = kiosk
        .apply_bundle(&bundle, &[], Origin::Cli, &mut |_| {})
        .expect_err("the disk is full")
        .to_string();
    let staging: Vec<_> = std::fs::read_dir(data.join("staging"))
        .expect("staging")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(staging.is_empty(), "left behind: {staging:?} ({err})");
    assert_eq!(kiosk.live().meta.version, 1);
    let last = &kiosk.kiosk_db().refresh_log(1).expect("history")[0];
    assert_eq!(
        last.outcome,
        motcua::store::RefreshOutcome::Failed,
        "{last:?}"
    );
    assert_eq!(last.source, motcua::store::RefreshSource::Cli);
    assert!(last.message.contains("full"), "{last:?}");

    // With room again the same bundle applies.
    std::fs::remove_file(&filler).expect("free the disk");
    let meta = kiosk
        .apply_bundle(&bundle, &[], Origin::Cli, &mut |_| {})
        .expect("applies");
    assert_eq!(meta.version, 2);
}

/// Issue 10, item 12: a zip holding two entries with one name. The zip reader keeps the last,
/// so a forged copy placed first and the genuine one last used to pass every check; whichever
/// copy a checker or a tool reads, such an archive is refused.
#[test]
fn a_zip_with_two_entries_of_one_name_is_refused() {
    let f = fixture();
    let (entries, sig) = good_entries(&f);
    let forged = br#"[{"name":"forged","url":"https://evil.example/"}]"#.to_vec();
    let mut e: Vec<(&str, &[u8])> = vec![("guides.jsoX", forged.as_slice())];
    e.extend(entries.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    e.push(("manifest.json.minisig", sig.as_bytes()));
    let p = f.path("dup.zip");
    zip_with(&p, &e, None);
    // The writer refuses duplicate names: rename the forged entry in its local and central
    // headers (same length, and a CRC covers only the content).
    let mut bytes = std::fs::read(&p).expect("read");
    let mut renamed = 0;
    for i in 0..bytes.len().saturating_sub(11) {
        if &bytes[i..i + 11] == b"guides.jsoX" {
            bytes[i..i + 11].copy_from_slice(b"guides.json");
            renamed += 1;
        }
    }
    assert_eq!(renamed, 2, "local and central header");
    std::fs::write(&p, &bytes).expect("write");
    f.refused(&p, "same name");
}

/// Issue 10, item 13: a FIFO given as the bundle used to block `import` for ever (opening it
/// waits for a writer). Anything that is neither a regular file nor a directory is refused at
/// once; `motcua import` on one ends with the reason.
#[test]
fn a_fifo_as_the_bundle_is_refused_at_once() {
    let f = fixture();
    let fifo = f.path("bundle.zip");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    f.refused(&fifo, "not a regular file or a directory");

    let mut child = std::process::Command::new(bin())
        .env_remove("RUST_LOG")
        .arg("--data-dir")
        .arg(f.path("data"))
        .arg("import")
        .arg(&fifo)
        .arg("--key")
        .arg(f.keys.public_path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run motcua");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("`motcua import FIFO` still waiting after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file or a directory"), "{err}");
}

/// Issue 10, item 17: the messages say what is wrong. A size cap names the limit the staff set
/// (not what was left of it after the files before), the file-count cap names its limit, and a
/// legacy minisign signature is not called a forgery.
#[test]
fn refusals_name_the_limit_and_the_legacy_signature_format() {
    // The files together break a 1.5 MB total although each is under it.
    let mut cfg = Config::default();
    cfg.updates.max_bundle_mb = 1;
    let f = fixture_with(cfg);
    let limits = motcua::bundle::archive::Limits {
        max_file: 3 * 512 * 1024,
        max_total: 3 * 512 * 1024,
        max_entries: 64,
    };
    let dir = f.path("files");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("manifest.json"), b"{}").expect("write");
    for name in ["a.json", "b.json"] {
        std::fs::write(dir.join(name), vec![b' '; 1024 * 1024]).expect("write");
    }
    let err = motcua::bundle::archive::read(&dir, limits)
        .expect_err("over the total")
        .to_string();
    assert!(
        err.contains("together are larger than the 1.5 MB limit"),
        "{err}"
    );
    let one = motcua::bundle::archive::Limits {
        max_total: 64 * 1024 * 1024,
        ..limits
    };
    std::fs::write(dir.join("a.json"), vec![b' '; 2 * 1024 * 1024]).expect("write");
    let err = motcua::bundle::archive::read(&dir, one)
        .expect_err("over the file cap")
        .to_string();
    assert!(err.contains("larger than the 1.5 MB size limit"), "{err}");

    let few = motcua::bundle::archive::Limits {
        max_entries: 3,
        ..one
    };
    std::fs::write(dir.join("a.json"), b"[]").expect("write");
    std::fs::write(dir.join("c.json"), b"[]").expect("write");
    let err = motcua::bundle::archive::read(&dir, few)
        .expect_err("too many")
        .to_string();
    assert!(err.contains("the limit is 3"), "{err}");

    // A legacy (not prehashed) signature made by the minisign tool.
    let f = fixture();
    let signed = f.signed_dir(&f.good, "legacy");
    let out = std::process::Command::new("minisign")
        .args(["-S", "-l", "-s"])
        .arg(f.keys.secret_path())
        .arg("-m")
        .arg(signed.join("manifest.json"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the minisign tool (Debian package minisign, scripts/install-deps.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = f.refused(&signed, "legacy format");
    assert!(!err.contains("forged"), "{err}");
}
