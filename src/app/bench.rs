//! Benchmarks run from the command line (`motcua bench`), always against a peer measured in the
//! same run: the search engine versus SQLite FTS5 on the same procedures — every query typed key
//! by key, a large varied workload (names, half-typed names, questions, ten-word phrases), the
//! share of real citizen questions that find nothing, and the same keystrokes on a corpus
//! several times the size — with index size, open time and memory.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::AppError;
use super::kiosk::Kiosk;
use crate::domain::Procedure;
pub use crate::search::Latency;
use crate::search::{self, Query, SearchIndex};
use crate::store::Fts5Peer;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct BenchPlan {
    /// Queries typed key by key.
    pub keystroke: Vec<String>,
    /// How many varied queries (0: none).
    pub varied: usize,
    /// Real citizen questions: part of the varied workload, and the zero-result rate.
    pub questions: Vec<String>,
    /// Also type the keystroke queries on a corpus this many times the size (0 or 1: no).
    pub scale: usize,
}

/// FTS5 answers at most this many of the varied queries (one in every few, evenly spread): at
/// its speed the whole workload would take many minutes.
const FTS5_VARIED_SAMPLE: usize = 5_000;
const VARIED_SEED: u64 = 2026;

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
    pub varied: Option<VariedBench>,
    pub questions: Option<ZeroResults>,
    /// Peak resident memory of this process after the runs on the live data, in kB (VmHWM),
    /// before any scaled corpus is built.
    pub peak_rss_kb: Option<u64>,
    pub rss_kb: Option<u64>,
    pub scaled: Option<ScaledBench>,
}

/// The varied workload: each query searched once.
#[derive(Debug, Clone, Serialize)]
pub struct VariedBench {
    pub queries: usize,
    pub motcua: Latency,
    /// Per kind of query.
    pub by_kind: Vec<(String, Latency)>,
    /// FTS5 on an even sample of the same queries.
    pub fts5: Latency,
    pub fts5_queries: usize,
}

/// Real citizen questions that find no procedure at all.
#[derive(Debug, Clone, Serialize)]
pub struct ZeroResults {
    pub questions: usize,
    pub motcua_zero: usize,
    pub fts5_zero: usize,
}

/// The keystroke workload on a corpus `scale` times the size, beside the live one.
#[derive(Debug, Clone, Serialize)]
pub struct ScaledBench {
    pub scale: usize,
    pub procedures: usize,
    pub motcua: Latency,
    pub fts5: Latency,
    pub index_bytes: u64,
    pub index_build_ms: u64,
}

/// A value from `/proc/self/status` in kB.
pub fn proc_status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Every keystroke on FTS5: one warm-up round, then three measured; the best round by p99.
fn fts5_keystrokes(peer: &Fts5Peer, prefixes: &[String]) -> Result<Latency, AppError> {
    let mut best: Option<Latency> = None;
    for round in 0..4 {
        let mut samples = Vec::with_capacity(prefixes.len());
        for p in prefixes {
            let t = Instant::now();
            let r = peer.search(p, 30)?;
            samples.push(t.elapsed().as_micros() as u64);
            std::hint::black_box(r);
        }
        if round == 0 {
            continue;
        }
        let l = Latency::from_samples(&samples);
        if best.is_none_or(|b| l.p99_us < b.p99_us) {
            best = Some(l);
        }
    }
    Ok(best.unwrap_or_default())
}

/// Runs `plan` on the live index and on FTS5 tables built from the same procedures.
pub fn search_bench(kiosk: &Kiosk, plan: &BenchPlan) -> Result<SearchBench, AppError> {
    let live = kiosk.live();
    let ours = search::keystroke_bench(&live.index, &plan.keystroke)?;
    let procedures = live.content.procedures()?;
    let t = Instant::now();
    let peer = Fts5Peer::build(&procedures)?;
    let fts5_build_ms = t.elapsed().as_millis() as u64;
    let prefixes = search::keystroke_prefixes(&plan.keystroke);
    let fts5 = fts5_keystrokes(&peer, &prefixes)?;
    let varied = if plan.varied > 0 {
        let ds = kiosk.dataset()?;
        Some(varied_bench(&live.index, &peer, &ds, plan)?)
    } else {
        None
    };
    let questions = if plan.questions.is_empty() {
        None
    } else {
        Some(zero_results(&live.index, &peer, &plan.questions)?)
    };
    let peak_rss_kb = proc_status_kb("VmHWM:");
    let rss_kb = proc_status_kb("VmRSS:");
    drop(peer);
    let scaled = if plan.scale > 1 {
        Some(scaled_bench(kiosk, plan)?)
    } else {
        None
    };
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(SearchBench {
        queries: plan.keystroke.len(),
        keystrokes: prefixes.len(),
        procedures: procedures.len(),
        p99_ratio: ratio(fts5.p99_us, ours.keystroke.p99_us),
        p50_ratio: ratio(fts5.p50_us, ours.keystroke.p50_us),
        motcua: ours.keystroke,
        fts5,
        index_bytes: ours.index_bytes,
        index_open_us: ours.open_us,
        fts5_build_ms,
        varied,
        questions,
        peak_rss_kb,
        rss_kb,
        scaled,
    })
}

fn varied_bench(
    index: &SearchIndex,
    peer: &Fts5Peer,
    ds: &crate::domain::Dataset,
    plan: &BenchPlan,
) -> Result<VariedBench, AppError> {
    let qs = search::varied_queries(ds, &plan.questions, plan.varied, VARIED_SEED);
    // Warm the caches on a slice of the workload first.
    for q in qs.iter().take(2_000) {
        std::hint::black_box(index.search(&Query::new(q.text.clone()))?);
    }
    let mut all = Vec::with_capacity(qs.len());
    let mut kinds: Vec<(&'static str, Vec<u64>)> = Vec::new();
    for q in &qs {
        let t = Instant::now();
        let r = index.search(&Query::new(q.text.clone()))?;
        let us = t.elapsed().as_micros() as u64;
        std::hint::black_box(r);
        all.push(us);
        match kinds.iter_mut().find(|k| k.0 == q.kind) {
            Some(k) => k.1.push(us),
            None => kinds.push((q.kind, vec![us])),
        }
    }
    let every = qs.len().div_ceil(FTS5_VARIED_SAMPLE).max(1);
    let mut peer_samples = Vec::new();
    for q in qs.iter().step_by(every) {
        let t = Instant::now();
        let r = peer.search(&q.text, 30)?;
        peer_samples.push(t.elapsed().as_micros() as u64);
        std::hint::black_box(r);
    }
    Ok(VariedBench {
        queries: qs.len(),
        motcua: Latency::from_samples(&all),
        by_kind: kinds
            .into_iter()
            .map(|(k, s)| (k.to_string(), Latency::from_samples(&s)))
            .collect(),
        fts5: Latency::from_samples(&peer_samples),
        fts5_queries: peer_samples.len(),
    })
}

fn zero_results(
    index: &SearchIndex,
    peer: &Fts5Peer,
    questions: &[String],
) -> Result<ZeroResults, AppError> {
    let mut motcua_zero = 0;
    let mut fts5_zero = 0;
    for q in questions {
        motcua_zero += usize::from(index.search(&Query::new(q.clone()))?.procedures.is_empty());
        fts5_zero += usize::from(peer.search(q, 10)?.is_empty());
    }
    Ok(ZeroResults {
        questions: questions.len(),
        motcua_zero,
        fts5_zero,
    })
}

/// A folder for the scaled index, removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scaled_bench(kiosk: &Kiosk, plan: &BenchPlan) -> Result<ScaledBench, AppError> {
    let big = search::scaled_dataset(&kiosk.dataset()?, plan.scale);
    let dir = ScratchDir(std::env::temp_dir().join(format!(
        "motcua-bench-x{}-{}",
        plan.scale,
        std::process::id()
    )));
    let t = Instant::now();
    let index = SearchIndex::build(&dir.0, &big)?;
    let index_build_ms = t.elapsed().as_millis() as u64;
    let ours = search::keystroke_bench(&index, &plan.keystroke)?;
    let procedures: Vec<Procedure> = big.procedures;
    let peer = Fts5Peer::build(&procedures)?;
    let fts5 = fts5_keystrokes(&peer, &search::keystroke_prefixes(&plan.keystroke))?;
    Ok(ScaledBench {
        scale: plan.scale,
        procedures: procedures.len(),
        motcua: ours.keystroke,
        fts5,
        index_bytes: ours.index_bytes,
        index_build_ms,
    })
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn row(name: &str, l: &Latency) -> String {
    format!(
        "{name:<26} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   mean {:>8.3} ms\n",
        ms(l.p50_us),
        ms(l.p99_us),
        ms(l.max_us),
        ms(l.mean_us)
    )
}

impl SearchBench {
    pub fn table(&self) -> String {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
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
        if let Some(v) = &self.varied {
            s.push_str(&format!(
                "\n{} varied queries, each searched once\n",
                v.queries
            ));
            s.push_str(&row("motcua (tantivy)", &v.motcua));
            for (k, l) in &v.by_kind {
                s.push_str(&row(&format!("  {k}"), l));
            }
            s.push_str(&row(
                &format!("SQLite FTS5 ({} of them)", v.fts5_queries),
                &v.fts5,
            ));
            s.push_str(&format!(
                "motcua is {:.1}x faster at p99\n",
                ratio(v.fts5.p99_us, v.motcua.p99_us)
            ));
        }
        if let Some(z) = &self.questions {
            let pct = |n: usize| 100.0 * n as f64 / z.questions.max(1) as f64;
            s.push_str(&format!(
                "\n{} citizen questions with no procedure found: motcua {} ({:.1} %), FTS5 {} ({:.1} %)\n",
                z.questions,
                z.motcua_zero,
                pct(z.motcua_zero),
                z.fts5_zero,
                pct(z.fts5_zero)
            ));
        }
        if let (Some(p), Some(r)) = (self.peak_rss_kb, self.rss_kb) {
            s.push_str(&format!(
                "memory: peak RSS {:.0} MB, now {:.0} MB (both engines loaded)\n",
                p as f64 / 1024.0,
                r as f64 / 1024.0
            ));
        }
        if let Some(x) = &self.scaled {
            s.push_str(&format!(
                "\nthe same keystrokes, live corpus ({} procedures) and {}x ({} procedures, index {:.1} MB built in {:.1} s)\n",
                self.procedures,
                x.scale,
                x.procedures,
                x.index_bytes as f64 / 1e6,
                x.index_build_ms as f64 / 1000.0
            ));
            s.push_str(&row("motcua 1x", &self.motcua));
            s.push_str(&row(&format!("motcua {}x", x.scale), &x.motcua));
            s.push_str(&row("SQLite FTS5 1x", &self.fts5));
            s.push_str(&row(&format!("SQLite FTS5 {}x", x.scale), &x.fts5));
            s.push_str(&format!(
                "p99 grows {:.2}x for motcua, {:.2}x for FTS5\n",
                ratio(x.motcua.p99_us, self.motcua.p99_us),
                ratio(x.fts5.p99_us, self.fts5.p99_us)
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
    /// The home page untouched (the clock changes once a minute).
    pub idle: Watched,
    /// Peer of the countdown: a procedure page whose header label changes once a second.
    pub label: Watched,
    /// The idle countdown over that procedure page.
    pub countdown: Watched,
    /// Whether the countdown was on screen while watched (the measurement is void otherwise).
    pub countdown_shown: bool,
    /// The invitation screen over the untouched start screen.
    pub attract: Watched,
    pub attract_shown: bool,
}

/// The window watched for a while, nobody touching it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Watched {
    pub seconds: f64,
    /// Frames drawn.
    pub redraws: u32,
    /// Pixels those frames repainted, in all (partial redraws).
    pub repainted_pixels: u64,
    /// CPU time used, as a share of one core.
    pub cpu_percent: f64,
}

impl Watched {
    fn line(&self, what: &str) -> String {
        format!(
            "{what:<26}{:.0} s: {} redraws, {:.0} px repainted a redraw, {:.2}% of one core\n",
            self.seconds,
            self.redraws,
            self.repainted_pixels as f64 / f64::from(self.redraws.max(1)),
            self.cpu_percent
        )
    }
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
        let mut s = format!(
            "window {}x{}, software renderer (headless, partial redraws)\n\
             start-up to first frame   {:>8.1} ms (opening the data {:.1} ms)   bare window peer {:.1} ms   ratio {:.2}\n\
             keystroke to frame        p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   ({} keystrokes)\n\
             \x20 of which search+model p50 {:>6.2} ms   p99 {:>6.2} ms   (search alone p50 {:.2} ms, p99 {:.2} ms)\n\
             redraw-only peer          p50 {:>6.2} ms   p99 {:>6.2} ms   ratio at p99 {:.2}\n",
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
        );
        s.push_str(&self.idle.line("idle (home)"));
        s.push_str(&self.label.line("1-Hz label peer"));
        s.push_str(&self.countdown.line(if self.countdown_shown {
            "idle countdown"
        } else {
            "idle countdown NOT SHOWN"
        }));
        s.push_str(&self.attract.line(if self.attract_shown {
            "invitation screen"
        } else {
            "invitation screen NOT SHOWN"
        }));
        s
    }
}

/// How many entries a `/proc` folder has (`/proc/self/fd`: open files; `/proc/self/task`:
/// threads).
pub fn count_entries(dir: &str) -> Option<usize> {
    Some(std::fs::read_dir(dir).ok()?.count())
}

/// The process as the soak bench sees it after a number of visits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SoakSample {
    pub visits: usize,
    pub rss_kb: u64,
    pub threads: usize,
    pub open_files: usize,
    /// The kiosk database (usage records, refresh history) with its journal, in bytes.
    pub kiosk_db_bytes: u64,
}

impl SoakSample {
    /// Now, after `visits` visits, for the kiosk keeping its data in `data_dir`.
    pub fn now(visits: usize, data_dir: &std::path::Path) -> SoakSample {
        let db = |name: &str| {
            std::fs::metadata(data_dir.join(name))
                .map(|m| m.len())
                .unwrap_or(0)
        };
        SoakSample {
            visits,
            rss_kb: proc_status_kb("VmRSS:").unwrap_or(0),
            threads: count_entries("/proc/self/task").unwrap_or(0),
            open_files: count_entries("/proc/self/fd").unwrap_or(0),
            kiosk_db_bytes: db("kiosk.sqlite") + db("kiosk.sqlite-wal"),
        }
    }
}

/// What `motcua bench --soak N` measured: N simulated visits through the window code.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    pub visits: usize,
    pub seconds: f64,
    pub keystrokes: usize,
    pub procedures_opened: usize,
    pub ratings: usize,
    pub idle_resets: usize,
    pub network_checks: usize,
    /// Requests the bench's own HTTP server answered (one per network check).
    pub network_requests_served: usize,
    pub usb_scans: usize,
    /// Visits before the first sample that counts for the slope.
    pub warm_up_visits: usize,
    /// Least-squares slope of the resident memory after warm-up, in kB per 1,000 visits.
    pub rss_slope_kb_per_1000: f64,
    pub rss_after_warm_up_kb: u64,
    pub rss_max_kb: u64,
    pub samples: Vec<SoakSample>,
}

impl SoakReport {
    /// `samples` in visit order; the slope uses those after `warm_up_visits`.
    pub fn summarise(mut self) -> SoakReport {
        let kept: Vec<&SoakSample> = self
            .samples
            .iter()
            .filter(|s| s.visits >= self.warm_up_visits)
            .collect();
        self.rss_after_warm_up_kb = kept.first().map_or(0, |s| s.rss_kb);
        self.rss_max_kb = kept.iter().map(|s| s.rss_kb).max().unwrap_or(0);
        self.rss_slope_kb_per_1000 = slope(
            &kept
                .iter()
                .map(|s| (s.visits as f64, s.rss_kb as f64))
                .collect::<Vec<_>>(),
        ) * 1000.0;
        self
    }

    fn after_warm_up(&self) -> Option<(&SoakSample, &SoakSample)> {
        let mut kept = self
            .samples
            .iter()
            .filter(|s| s.visits >= self.warm_up_visits);
        let first = kept.next()?;
        Some((first, kept.next_back().unwrap_or(first)))
    }

    pub fn table(&self) -> String {
        let (first, last) = match self.after_warm_up() {
            Some(p) => p,
            None => return format!("{} visits, no sample\n", self.visits),
        };
        format!(
            "{} visits in {:.0} s ({:.1} ms a visit): {} keystrokes, {} procedures opened, {} ratings, {} idle resets\n\
             {} network checks ({} answered by the bench's server on 127.0.0.1), {} USB scans\n\
             resident memory after {} visits of warm-up: {:.1} MB, at the end {:.1} MB, max {:.1} MB\n\
             \x20 slope after warm-up {:+.1} kB per 1,000 visits\n\
             threads {} → {}, open files {} → {}, kiosk database {:.1} kB → {:.1} kB (usage records)\n",
            self.visits,
            self.seconds,
            self.seconds * 1000.0 / self.visits.max(1) as f64,
            self.keystrokes,
            self.procedures_opened,
            self.ratings,
            self.idle_resets,
            self.network_checks,
            self.network_requests_served,
            self.usb_scans,
            self.warm_up_visits,
            first.rss_kb as f64 / 1024.0,
            last.rss_kb as f64 / 1024.0,
            self.rss_max_kb as f64 / 1024.0,
            self.rss_slope_kb_per_1000,
            first.threads,
            last.threads,
            first.open_files,
            last.open_files,
            first.kiosk_db_bytes as f64 / 1024.0,
            last.kiosk_db_bytes as f64 / 1024.0,
        )
    }
}

/// The least-squares slope of `points` (0 for fewer than two distinct x).
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx }
}

/// A feed server with nothing new, on 127.0.0.1, for the soak bench's network checks: every
/// request gets `304 Not Modified` (as nginx answers a kiosk whose ETag is current). It serves
/// on its own thread until dropped.
#[derive(Debug)]
pub struct NothingNewServer {
    addr: std::net::SocketAddr,
    served: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NothingNewServer {
    pub fn start() -> std::io::Result<NothingNewServer> {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, st) = (served.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("soak-http".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if st.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut reader = BufReader::new(&conn);
                    let mut line = String::new();
                    // The request head ends with an empty line.
                    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                        if line == "\r\n" || line == "\n" {
                            break;
                        }
                        line.clear();
                    }
                    let answer =
                        "HTTP/1.1 304 Not Modified\r\nETag: \"soak\"\r\nConnection: close\r\n\r\n";
                    if (&conn).write_all(answer.as_bytes()).is_ok() {
                        s.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })?;
        Ok(NothingNewServer {
            addr,
            served,
            stop,
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/motcua/bundle.zip", self.addr)
    }

    /// Requests answered so far.
    pub fn served(&self) -> usize {
        self.served.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for NothingNewServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept call so the thread sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
