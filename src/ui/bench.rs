//! Benchmarks of the kiosk window (`motcua bench --ui`), headless with the software renderer so
//! they run anywhere: start-up to the first frame on an already-seeded data directory, keystroke
//! to results drawn, and redraws while idle. Each is reported beside a peer measured in the same
//! run: a bare window's first frame, and a keystroke that only redraws the field. Frames are
//! drawn the way the kiosk's software renderer draws them: into a buffer kept between frames,
//! repainting only the regions that changed (a GPU renderer is faster still).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use slint::{ComponentHandle, SharedString};

use super::run::{attach, shell_options};
use super::{MainWindow, Page, SearchAdapter, UiError};
use crate::app::kiosk::Kiosk;
use crate::app::usage::Recorder;
use crate::search::Latency;

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

fn cpu_time() -> Option<Duration> {
    // utime + stime in clock ticks (fields 14 and 15 of /proc/self/stat).
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Shows `w` at `size` (once) and draws what changed.
fn frame(w: &MainWindow, size: (u32, u32)) -> Result<(), UiError> {
    let win = w.window();
    let want = slint::PhysicalSize::new(size.0, size.1);
    if win.size() != want || !win.is_visible() {
        win.set_size(want);
        w.show().map_err(|source| UiError::Render {
            width: size.0,
            height: size.1,
            source,
        })?;
    }
    slint::platform::update_timers_and_animations();
    super::screenshot::draw_if_needed();
    Ok(())
}

/// Runs the three measurements. `open` opens the kiosk (timed as part of start-up).
pub fn run(
    open: impl FnOnce() -> Result<Kiosk, String>,
    queries: &[String],
    size: (u32, u32),
    idle: Duration,
) -> Result<UiBench, UiError> {
    super::screenshot::init_headless()?;
    super::screenshot::use_partial_rendering(true);
    // Peer first: a bare window (fonts loaded, translations selected) to its first frame.
    let t = Instant::now();
    let bare = super::screenshot::new_window()?;
    frame(&bare, size)?;
    let bare_window_ms = t.elapsed().as_secs_f64() * 1000.0;
    drop(bare);

    let t = Instant::now();
    let kiosk = Arc::new(open().map_err(UiError::Platform)?);
    let startup_open_data_ms = t.elapsed().as_secs_f64() * 1000.0;
    let w = super::screenshot::new_window()?;
    let cfg = kiosk.config().clone();
    let mut opts = shell_options(&cfg);
    opts.show_clock = true;
    let attached = attach(&w, kiosk.clone(), opts, Arc::new(Recorder::new(false)));
    frame(&w, size)?;
    let startup_ms = t.elapsed().as_secs_f64() * 1000.0;

    // Keystrokes: every query typed key by key on the search page, each followed by a frame.
    attached.shell().navigate(Page::Search);
    let a = w.global::<SearchAdapter>();
    a.set_keyboard_open(true);
    frame(&w, size)?;
    let mut samples = Vec::new();
    let mut before_draw = Vec::new();
    let mut search_only = Vec::new();
    let mut peer = Vec::new();
    for q in queries {
        attached.shell().set_query("");
        for (i, _) in q
            .char_indices()
            .skip(1)
            .chain(std::iter::once((q.len(), ' ')))
        {
            let prefix = &q[..i];
            if prefix.trim().is_empty() {
                continue;
            }
            // The search alone, as the window asks it (for the breakdown).
            let t = Instant::now();
            let _ = kiosk.search(&crate::app::search::SearchRequest {
                text: prefix.to_string(),
                field: None,
                level: None,
                online_only: false,
                limit: super::run::RESULTS,
            });
            search_only.push(t.elapsed().as_micros() as u64);
            let t = Instant::now();
            attached.shell().set_query(prefix);
            slint::platform::update_timers_and_animations();
            before_draw.push(t.elapsed().as_micros() as u64);
            frame(&w, size)?;
            samples.push(t.elapsed().as_micros() as u64);
        }
        // The peer: the same number of keys, only the field changes.
        let mut text = String::new();
        for c in q.chars() {
            text.push(c);
            let t = Instant::now();
            a.set_query(SharedString::from(text.as_str()));
            frame(&w, size)?;
            peer.push(t.elapsed().as_micros() as u64);
        }
    }
    // Idle on the home page.
    attached.shell().home();
    attached.shell().set_query("");
    frame(&w, size)?;
    super::screenshot::draw_if_needed();
    let cpu0 = cpu_time();
    let t = Instant::now();
    let mut redraws = 0;
    while t.elapsed() < idle {
        std::thread::sleep(Duration::from_millis(100));
        slint::platform::update_timers_and_animations();
        if super::screenshot::draw_if_needed() {
            redraws += 1;
        }
    }
    let idle_seconds = t.elapsed().as_secs_f64();
    let idle_cpu_percent = match (cpu0, cpu_time()) {
        (Some(a), Some(b)) => (b - a).as_secs_f64() / idle_seconds * 100.0,
        _ => f64::NAN,
    };
    Ok(UiBench {
        size,
        startup_ms,
        startup_open_data_ms,
        bare_window_ms,
        keystrokes: samples.len(),
        keystroke: Latency::from_samples(&samples),
        keystroke_before_draw: Latency::from_samples(&before_draw),
        search_only: Latency::from_samples(&search_only),
        redraw_only: Latency::from_samples(&peer),
        idle_redraws: redraws,
        idle_seconds,
        idle_cpu_percent,
    })
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
