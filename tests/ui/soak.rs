//! The soak bench's driver on a short run: real visits through the window code on the small real
//! dataset, a real HTTP server answering the network checks, the usage records stored.

use std::path::Path;

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;
use motcua::ui::soak;

use super::support::{seed, small_bundle};

fn open(dir: &Path, url: Option<&str>) -> Result<Kiosk, String> {
    let mut cfg = Config::default();
    if let Some(url) = url {
        cfg.updates.network_url = url.to_string();
    }
    Kiosk::open_with_seed(dir, cfg, || seed(small_bundle(1))).map_err(|e| e.to_string())
}

#[test]
fn a_short_soak_types_opens_rates_resets_checks_the_network_and_keeps_its_records() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let queries: Vec<String> = motcua::search::read_queries(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/eval/dev.jsonl"),
    )
    .expect("dev queries")
    .into_iter()
    .take(6)
    .collect();
    let mut seen = 0;
    let r = soak::run(
        |url| open(&dir, Some(url)),
        &queries,
        12,
        (1280, 720),
        &mut |_| seen += 1,
    )
    .expect("soak");

    assert_eq!(r.visits, 12);
    // Every character of every query went through the on-screen keyboard.
    let typed: usize = (0..12).map(|i| queries[i % 6].chars().count()).sum();
    assert_eq!(r.keystrokes, typed);
    assert_eq!(r.procedures_opened, 12, "every dev query finds something");
    // One visit in five walks away and the idle reset clears it; the others rate.
    assert_eq!((r.idle_resets, r.ratings), (2, 10));
    // The network check (visit 0) reached the bench's server and got its answer.
    assert_eq!(r.network_checks, 1);
    assert_eq!(r.network_requests_served, 1);
    assert_eq!(r.usb_scans, 2);
    assert_eq!((r.samples.len(), seen), (12, 12));
    let last = r.samples.last().expect("a sample");
    assert!(last.rss_kb > 0 && last.threads > 0 && last.open_files > 0);
    assert!(r.rss_max_kb >= last.rss_kb);

    // The ratings are stored, and the network check succeeded.
    let k = open(&dir, None).expect("reopen");
    let usage = k.kiosk_db().usage("2000-01-01").expect("usage");
    assert_eq!(usage.ratings.iter().sum::<u64>(), 10);
    assert_eq!(usage.ratings, [2, 2, 3, 3]);
    assert!(usage.views >= 12, "views recorded: {}", usage.views);
    let net = k.network_status();
    assert_eq!(net.last_error, None);
    assert!(net.last_success.is_some());
}

#[test]
fn the_slope_is_least_squares() {
    use motcua::app::bench::slope;
    assert_eq!(slope(&[(0.0, 5.0)]), 0.0);
    assert!((slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) - 2.0).abs() < 1e-9);
    assert!((slope(&[(0.0, 2.0), (1.0, 0.0), (2.0, 2.0), (3.0, 0.0)]) + 0.4).abs() < 1e-9);
}
