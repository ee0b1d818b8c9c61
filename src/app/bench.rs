//! Benchmarks run from the command line (`motcua bench`), always against a peer measured in the
//! same run: the search engine typed key by key versus SQLite FTS5 on the same procedures, with
//! index size, open time and memory.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::AppError;
use super::kiosk::Kiosk;
use crate::search;
pub use crate::search::Latency;
use crate::store::Fts5Peer;

#[derive(Debug, Clone, Serialize)]
pub struct SearchBench {
    pub queries: usize,
    pub keystrokes: usize,
    pub procedures: usize,
    pub motcua: Latency,
    pub fts5: Latency,
    /// FTS5 p99 divided by motcua p99: how many times faster motcua is at p99.
    pub p99_ratio: f64,
    pub p50_ratio: f64,
    pub index_bytes: u64,
    pub index_open_us: u64,
    pub fts5_build_ms: u64,
    /// Peak resident memory of this process after both runs, in kB (VmHWM).
    pub peak_rss_kb: Option<u64>,
    pub rss_kb: Option<u64>,
}

/// A value from `/proc/self/status` in kB.
pub fn proc_status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn percentiles(samples: &[u64]) -> Latency {
    Latency::from_samples(samples)
}

/// Types every query key by key on the live index and on an FTS5 table built from the same
/// procedures. Three measured rounds after a warm-up each; the best round by p99 is kept for
/// each engine.
pub fn search_bench(kiosk: &Kiosk, queries: &[String]) -> Result<SearchBench, AppError> {
    let live = kiosk.live();
    let ours = search::keystroke_bench(&live.index, queries)?;
    let procedures = live.content.procedures()?;
    let t = Instant::now();
    let peer = Fts5Peer::build(&procedures)?;
    let fts5_build_ms = t.elapsed().as_millis() as u64;
    let prefixes = search::keystroke_prefixes(queries);
    let mut best: Option<Latency> = None;
    for round in 0..4 {
        let mut samples = Vec::with_capacity(prefixes.len());
        for p in &prefixes {
            let t = Instant::now();
            let r = peer.search(p, 30)?;
            samples.push(t.elapsed().as_micros() as u64);
            std::hint::black_box(r);
        }
        if round == 0 {
            continue;
        }
        let l = percentiles(&samples);
        if best.is_none_or(|b| l.p99_us < b.p99_us) {
            best = Some(l);
        }
    }
    let fts5 = best.unwrap_or_default();
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(SearchBench {
        queries: queries.len(),
        keystrokes: prefixes.len(),
        procedures: procedures.len(),
        p99_ratio: ratio(fts5.p99_us, ours.keystroke.p99_us),
        p50_ratio: ratio(fts5.p50_us, ours.keystroke.p50_us),
        motcua: ours.keystroke,
        fts5,
        index_bytes: ours.index_bytes,
        index_open_us: ours.open_us,
        fts5_build_ms,
        peak_rss_kb: proc_status_kb("VmHWM:"),
        rss_kb: proc_status_kb("VmRSS:"),
    })
}

impl SearchBench {
    pub fn table(&self) -> String {
        let row = |name: &str, l: &Latency| {
            format!(
                "{name:<22} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   mean {:>8.3} ms\n",
                l.p50_us as f64 / 1000.0,
                l.p99_us as f64 / 1000.0,
                l.max_us as f64 / 1000.0,
                l.mean_us as f64 / 1000.0
            )
        };
        let mut s = format!(
            "{} queries typed key by key = {} keystrokes over {} procedures\n",
            self.queries, self.keystrokes, self.procedures
        );
        s.push_str(&row("motcua (tantivy)", &self.motcua));
        s.push_str(&row("SQLite FTS5 unicode61", &self.fts5));
        s.push_str(&format!(
            "motcua is {:.1}x faster at p99, {:.1}x at p50\n",
            self.p99_ratio, self.p50_ratio
        ));
        s.push_str(&format!(
            "index {:.1} MB on disk, opened in {:.1} ms; FTS5 table built in {} ms\n",
            self.index_bytes as f64 / 1e6,
            self.index_open_us as f64 / 1000.0,
            self.fts5_build_ms
        ));
        if let (Some(p), Some(r)) = (self.peak_rss_kb, self.rss_kb) {
            s.push_str(&format!(
                "memory: peak RSS {:.0} MB, now {:.0} MB (both engines loaded)\n",
                p as f64 / 1024.0,
                r as f64 / 1024.0
            ));
        }
        s
    }
}

/// What `motcua bench --ui` measures (the window's side is `ui::bench`).
#[derive(Debug, Clone, Serialize)]
pub struct UiBench {
    pub size: (u32, u32),
    /// Opening the seeded data directory, building the window, filling the home page, first frame.
    pub startup_ms: f64,
    pub startup_open_data_ms: f64,
    /// Peer: an empty kiosk window's first frame, same process, same renderer.
    pub bare_window_ms: f64,
    /// Key pressed → query composed → search → results model → frame drawn.
    pub keystroke: Latency,
    /// The part of `keystroke` before drawing: search and results model.
    pub keystroke_before_draw: Latency,
    /// The search alone for the same keystrokes (measured separately, same requests).
    pub search_only: Latency,
    /// Peer: key pressed → field redrawn, without searching.
    pub redraw_only: Latency,
    pub keystrokes: usize,
    /// Frames drawn during the idle period (the clock changes once a minute).
    pub idle_redraws: u32,
    pub idle_seconds: f64,
    /// CPU time used during the idle period, as a share of one core.
    pub idle_cpu_percent: f64,
}

pub fn cpu_time() -> Option<Duration> {
    // utime + stime in clock ticks (fields 14 and 15 of /proc/self/stat).
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

impl UiBench {
    pub fn table(&self) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        format!(
            "window {}x{}, software renderer (headless, partial redraws)\n\
             start-up to first frame   {:>8.1} ms (opening the data {:.1} ms)   bare window peer {:.1} ms   ratio {:.2}\n\
             keystroke to frame        p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   ({} keystrokes)\n\
             \x20 of which search+model p50 {:>6.2} ms   p99 {:>6.2} ms   (search alone p50 {:.2} ms, p99 {:.2} ms)\n\
             redraw-only peer          p50 {:>6.2} ms   p99 {:>6.2} ms   ratio at p99 {:.2}\n\
             idle {:.0} s: {} redraws, {:.2}% of one core\n",
            self.size.0,
            self.size.1,
            self.startup_ms,
            self.startup_open_data_ms,
            self.bare_window_ms,
            self.startup_ms / self.bare_window_ms.max(0.001),
            ms(self.keystroke.p50_us),
            ms(self.keystroke.p99_us),
            ms(self.keystroke.max_us),
            self.keystrokes,
            ms(self.keystroke_before_draw.p50_us),
            ms(self.keystroke_before_draw.p99_us),
            ms(self.search_only.p50_us),
            ms(self.search_only.p99_us),
            ms(self.redraw_only.p50_us),
            ms(self.redraw_only.p99_us),
            self.keystroke.p99_us as f64 / self.redraw_only.p99_us.max(1) as f64,
            self.idle_seconds,
            self.idle_redraws,
            self.idle_cpu_percent,
        )
    }
}
