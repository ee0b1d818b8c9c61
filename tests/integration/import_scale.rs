//! Importing at scale: `motcua bench --import` building a signed bundle of the live data and
//! one several times the size, each imported by a child `motcua import` into a fresh data
//! directory, measured in that child.

use super::common::*;

#[test]
fn bench_import_measures_a_child_import_of_the_live_data_and_of_a_scaled_copy() {
    let data = tempfile::tempdir().expect("tempdir");
    let live_procedures = {
        let k = small_kiosk(data.path());
        k.live().content.stats().expect("stats").procedures
    };
    let out = motcua_in(
        data.path(),
        &["bench", "--import", "--scale", "2", "--json"],
    );
    assert!(
        out.status.success(),
        "bench --import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2, "{v}");
    let n = |r: &serde_json::Value, k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
    let (one, two) = (&runs[0], &runs[1]);
    assert_eq!((n(one, "scale"), n(two, "scale")), (1, 2));
    assert_eq!(n(one, "procedures"), live_procedures);
    assert_eq!(n(two, "procedures"), 2 * n(one, "procedures"));
    for r in runs {
        // The child's own figures: a real process reading, verifying, storing and indexing.
        assert!(n(r, "cpu_ms") > 0, "{r}");
        assert!(n(r, "wall_ms") >= n(r, "cpu_ms") / 2, "{r}");
        assert!(n(r, "peak_rss_kb") > 10_000, "{r}");
        assert!(n(r, "bundle_bytes") > 0 && n(r, "version_bytes") > 0, "{r}");
    }
    // Twice the procedures: about twice the content and a larger data version.
    let ratio = n(two, "content_bytes") as f64 / n(one, "content_bytes") as f64;
    assert!((1.8..2.2).contains(&ratio), "content ratio {ratio}");
    assert!(n(two, "version_bytes") > n(one, "version_bytes"));
    // The bench's own data is untouched.
    let k = small_kiosk(data.path());
    assert_eq!(
        k.live().content.stats().expect("stats").procedures,
        live_procedures
    );
}

/// The streamed import reads the procedures twice: once to check every hash before anything is
/// parsed, once to parse them into the new version. A file changed in between (a USB stick
/// written while it is read) is refused at its end, and nothing of it is kept.
#[test]
fn a_procedures_file_changed_after_its_check_is_refused_and_nothing_is_installed() {
    use motcua::bundle::{archive, package};
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let built = build_from(&small_inputs(), 2);
    let dir = write_signed_dir(&built, &tmp.path().join("b"), &keys);
    let mut src = archive::open(&dir, archive::Limits::default()).expect("open");
    let policy = package::Policy {
        trusted_keys: std::slice::from_ref(&keys.public),
        require_signature: true,
        installed_version: Some(1),
        now: chrono::Utc::now(),
    };
    let checked = package::check(&mut src, &policy).expect("the bundle as written passes");
    assert!(
        checked.dataset.procedures.is_empty(),
        "procedures come later"
    );
    assert!(!checked.dataset.hotlines.is_empty());

    // Same size, one procedure's name changed in its last record.
    let file = dir.join("procedures.jsonl");
    let text = std::fs::read_to_string(&file).expect("read");
    let at = text.rfind("\"name\":\"").expect("a name") + "\"name\":\"".len();
    let mut bytes = text.into_bytes();
    bytes[at] = if bytes[at] == b'X' { b'Y' } else { b'X' };
    std::fs::write(&file, &bytes).expect("write");
    let mut seen = 0usize;
    let err = checked
        .procedures(&mut src, &mut |_p| {
            seen += 1;
            Ok::<(), motcua::bundle::BundleError>(())
        })
        .expect_err("a file that changed after its check");
    let msg = err.to_string();
    assert!(msg.contains("changed while it was being read"), "{msg}");
    assert!(msg.contains("procedures.jsonl"), "{msg}");
    assert!(
        seen > 0,
        "the records before the end were read as they came"
    );

    // Through the kiosk the altered file is refused at the check, before anything is built.
    let data = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(data.path());
    let before = k.live().content.stats().expect("stats");
    let versions = std::fs::read_dir(data.path().join("versions"))
        .expect("versions")
        .count();
    let err = k
        .apply_bundle(
            &dir,
            std::slice::from_ref(&keys.public),
            motcua::app::kiosk::Origin::Cli,
            &mut |_| {},
        )
        .expect_err("the altered file");
    assert!(err.to_string().contains("SHA-256"), "{err}");
    assert_eq!(k.live().content.stats().expect("stats"), before);
    assert_eq!(
        std::fs::read_dir(data.path().join("versions"))
            .expect("versions")
            .count(),
        versions
    );
    assert_eq!(
        std::fs::read_dir(data.path().join("staging"))
            .expect("staging")
            .count(),
        0,
        "no half-built version left"
    );
}

/// A bundle streamed from a zip builds the same version as the same bundle in memory: every
/// procedure, in order, with its full record, and the curated files.
#[test]
fn a_streamed_zip_import_stores_every_record_of_the_bundle() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let (ds, _) = dataset(&small_inputs());
    let built = build_from(&small_inputs(), 2);
    let zip = tmp.path().join("b.zip");
    built
        .write_zip(&zip, Some(&keys.sign(&built.manifest_bytes)))
        .expect("zip");
    let k = small_kiosk(&tmp.path().join("data"));
    let mut stages = Vec::new();
    k.apply_bundle(
        &zip,
        std::slice::from_ref(&keys.public),
        motcua::app::kiosk::Origin::Cli,
        &mut |s| stages.push(s),
    )
    .expect("apply");
    let stored = k.dataset().expect("dataset");
    assert_eq!(stored.procedures.len(), ds.procedures.len());
    for (a, b) in stored.procedures.iter().zip(&ds.procedures) {
        assert_eq!(a, b, "{}", b.code);
    }
    assert_eq!(stored.hotlines, ds.hotlines);
    assert_eq!(stored.guides, ds.guides);
    assert_eq!(stored.synonyms, ds.synonyms);
    // The search side was built from the same stream.
    assert_eq!(k.live().index.procedure_count(), ds.procedures.len());
    let r = k
        .live()
        .index
        .search(&motcua::search::Query::new("dang ky khai sinh"))
        .expect("search");
    assert!(!r.procedures.is_empty());
    // The progress bar saw the procedures stored up to the manifest's count.
    let last = stages
        .iter()
        .rev()
        .find_map(|s| match s {
            motcua::app::kiosk::Stage::Storing { done, total } => Some((*done, *total)),
            _ => None,
        })
        .expect("a storing stage");
    assert_eq!(last, (ds.procedures.len(), ds.procedures.len()));
}
