//! Benchmarks of the kiosk window (`motcua bench --ui`), headless with the software renderer so
//! they run anywhere: start-up to the first frame on an already-seeded data directory, keystroke
//! to results drawn, and redraws while idle. Each is reported beside a peer measured in the same
//! run: a bare window's first frame, and a keystroke that only redraws the field. The idle
//! countdown (defect 7 of issue 11) and the invitation screen are measured beside their peer, a
//! header label that changes once a second. Frames are drawn the way the kiosk's software renderer draws them: into a
//! buffer kept between frames, repainting only the regions that changed (a GPU renderer is
//! faster still).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, SharedString};

use super::run::{attach, shell_options};
use super::{Kiosk as KioskGlobal, MainWindow, Page, SearchAdapter, UiError};
use crate::app::bench::{Latency, UiBench, Watched, cpu_time};
use crate::app::kiosk::Kiosk;
use crate::app::screen::search::RESULTS;
use crate::app::usage::Recorder;

/// Shows `w` at `size` (once) and draws what changed.
pub(super) fn frame(w: &MainWindow, size: (u32, u32)) -> Result<(), UiError> {
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
    let mut opts = shell_options(&kiosk.shell_settings());
    opts.show_clock = true;
    // The shell's clock runs ahead by `skip` when the countdown is measured, so the warning
    // shows at once and then counts down in real time.
    let skip = Rc::new(Cell::new(Duration::ZERO));
    let ahead = skip.clone();
    opts.now = Rc::new(move || Instant::now() + ahead.get());
    // The invitation screen is measured even where the office switched it off.
    if opts.idle.attract.is_none() {
        opts.idle = opts.idle.with_attract(Duration::from_secs(60));
    }
    let policy = opts.idle;
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
                limit: RESULTS,
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
    let idle_watch = watch(idle, || {});

    // The peer of the countdown: a header label (the office's name with a number) changing
    // once a second, on the same page the countdown covers.
    let popular = kiosk
        .home_view()
        .map_err(|e| UiError::Platform(e.to_string()))?;
    if let Some(p) = popular.popular.first() {
        attached.open_procedure(&p.code);
    }
    frame(&w, size)?;
    let k = w.global::<KioskGlobal>();
    let office = k.get_office_name();
    let mut n = 0;
    let label_watch = watch(idle, || {
        n += 1;
        k.set_office_name(SharedString::from(format!("{office} {n}")));
    });
    k.set_office_name(office);
    // The countdown over that page: the visitor left it `timeout` ago.
    attached.shell().touch();
    skip.set(policy.timeout);
    attached.shell().tick();
    let countdown_watch = watch(idle, || {});
    let countdown_shown = k.get_idle_warning();
    attached.shell().touch();
    skip.set(Duration::ZERO);

    // The invitation screen: the start screen left untouched for `attract`.
    attached.shell().home();
    attached.shell().touch();
    skip.set(policy.attract.unwrap_or_default());
    attached.shell().tick();
    let attract_watch = watch(idle, || {});
    let attract_shown = k.get_attract();
    attached.shell().touch();
    skip.set(Duration::ZERO);

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
        idle: idle_watch,
        label: label_watch,
        countdown: countdown_watch,
        countdown_shown,
        attract: attract_watch,
        attract_shown,
    })
}

/// Watches the window for `period`: the event loop's timers run every 100 ms (as often as a
/// 1-s timer needs), `each_second` runs once a second, and every frame that needs drawing is
/// drawn and counted with the area it repainted.
fn watch(period: Duration, mut each_second: impl FnMut()) -> Watched {
    super::screenshot::draw_if_needed();
    let cpu0 = cpu_time();
    let t = Instant::now();
    let mut redraws = 0;
    let mut pixels = 0u64;
    let mut next_second = Duration::from_secs(1);
    while t.elapsed() < period {
        std::thread::sleep(Duration::from_millis(100));
        if t.elapsed() >= next_second {
            next_second += Duration::from_secs(1);
            each_second();
        }
        slint::platform::update_timers_and_animations();
        if super::screenshot::draw_if_needed() {
            redraws += 1;
            pixels += super::screenshot::last_repainted_pixels();
        }
    }
    let seconds = t.elapsed().as_secs_f64();
    Watched {
        seconds,
        redraws,
        repainted_pixels: pixels,
        cpu_percent: match (cpu0, cpu_time()) {
            (Some(a), Some(b)) => (b - a).as_secs_f64() / seconds * 100.0,
            _ => f64::NAN,
        },
    }
}
