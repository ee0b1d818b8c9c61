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
