//! The soak bench (`motcua bench --soak N`): N simulated visits through the window code, headless
//! with the software renderer drawing every changed frame as the kiosk does. A visit taps the
//! search field, types a real citizen query key by key on the on-screen keyboard, opens the
//! first result, scrolls it, then either taps "Xong" and rates, or walks away until the idle
//! reset. Every few visits the staff screen's network check runs against a real HTTP server on
//! 127.0.0.1 (started here, answering "nothing new") and the USB sticks are scanned. Every
//! action goes through the same callbacks a tap calls; searches and usage records run on this
//! thread (`Ctx::send` without a worker), so the whole path is measured in one process.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slint::platform::WindowEvent;
use slint::{ComponentHandle, LogicalPosition, Model};

use super::bench::frame;
use super::run::{attach, shell_options};
use super::{Kiosk as KioskGlobal, Page, RatingAdapter, SearchAdapter, StaffAdapter, UiError};
use crate::app::bench::{NothingNewServer, SoakReport, SoakSample};
use crate::app::kiosk::Kiosk;
use crate::app::refresh::UsbCache;
use crate::app::usage::Recorder;
use crate::app::worker::Event;

/// One visit in this many walks away instead of tapping "Xong" (the idle reset clears it).
const WALK_AWAY_EVERY: usize = 5;
/// A network check every this many visits, a USB scan every this many.
const NETWORK_EVERY: usize = 50;
const USB_EVERY: usize = 10;

/// Runs `visits` visits. `open` opens the kiosk with the network source at the given URL (the
/// bench's own server). `progress` is told after every sample.
pub fn run(
    open: impl FnOnce(&str) -> Result<Kiosk, String>,
    queries: &[String],
    visits: usize,
    size: (u32, u32),
    progress: &mut dyn FnMut(&SoakSample),
) -> Result<SoakReport, UiError> {
    if queries.is_empty() {
        return Err(UiError::Platform(
            "the soak bench needs at least one query".into(),
        ));
    }
    super::screenshot::init_headless()?;
    super::screenshot::use_partial_rendering(true);
    let server = NothingNewServer::start()
        .map_err(|e| UiError::Platform(format!("starting the HTTP server on 127.0.0.1: {e}")))?;
    let kiosk = Arc::new(open(&server.url()).map_err(UiError::Platform)?);
    let data_dir = kiosk.data_dir().root().to_path_buf();
    let recorder = Arc::new(Recorder::new(kiosk.config().statistics.enabled));

    let w = super::screenshot::new_window()?;
    // The idle clock is the real clock plus time the bench skips when a visitor walks away.
    let skipped = Rc::new(Cell::new(Duration::ZERO));
    let mut opts = shell_options(&kiosk.shell_settings());
    let s = skipped.clone();
    opts.now = Rc::new(move || Instant::now() + s.get());
    let idle_total = opts.idle.total();
    let attached = attach(&w, kiosk.clone(), opts, recorder.clone());
    frame(&w, size)?;

    let k = w.global::<KioskGlobal>();
    let sa = w.global::<SearchAdapter>();
    let rating = w.global::<RatingAdapter>();
    let staff = w.global::<StaffAdapter>();
    let mut usb_cache = UsbCache::default();
    let every = (visits / 100).max(1);
    let mut report = SoakReport {
        visits,
        seconds: 0.0,
        keystrokes: 0,
        procedures_opened: 0,
        ratings: 0,
        idle_resets: 0,
        network_checks: 0,
        network_requests_served: 0,
        usb_scans: 0,
        warm_up_visits: (visits / 10).max(1).min(visits),
        rss_slope_kb_per_1000: 0.0,
        rss_after_warm_up_kb: 0,
        rss_max_kb: 0,
        samples: Vec::new(),
    };
    let centre = LogicalPosition::new(size.0 as f32 / 3.0, size.1 as f32 / 2.0);
    let start = Instant::now();
    for i in 0..visits {
        let query = &queries[i % queries.len()];
        // Tap the search field, then the keys.
        k.invoke_navigate(Page::Search);
        frame(&w, size)?;
        for c in query.chars() {
            let id = if c == ' ' {
                "space".to_string()
            } else {
                c.to_string()
            };
            sa.invoke_key(id.into());
            report.keystrokes += 1;
            frame(&w, size)?;
        }
        let first = sa.get_results().iter().next().map(|r| r.code.clone());
        if let Some(code) = first {
            k.invoke_open_procedure(code);
            report.procedures_opened += 1;
            frame(&w, size)?;
            for _ in 0..3 {
                w.window().dispatch_event(WindowEvent::PointerScrolled {
                    position: centre,
                    delta_x: 0.0,
                    delta_y: -240.0,
                });
                frame(&w, size)?;
            }
        }
        if i % WALK_AWAY_EVERY == WALK_AWAY_EVERY - 1 {
            // The visitor leaves without "Xong": the countdown runs out and the kiosk resets.
            skipped.set(skipped.get() + idle_total + Duration::from_secs(1));
            attached.shell().tick();
            if k.get_page() != Page::Home || !sa.get_query().is_empty() {
                return Err(UiError::Platform(format!(
                    "visit {i}: the idle reset left page {:?} with query {:?}",
                    k.get_page(),
                    sa.get_query()
                )));
            }
            report.idle_resets += 1;
        } else {
            k.invoke_finish_visit();
            frame(&w, size)?;
            // Levels 1…4 in turn; "Không hài lòng" with a reason.
            let level = (i % 4) as i32 + 1;
            let reason = if level == 1 { "Thiếu thông tin" } else { "" };
            rating.invoke_rate(level, reason.into());
            report.ratings += 1;
            frame(&w, size)?;
            k.invoke_home();
        }
        frame(&w, size)?;
        if i % NETWORK_EVERY == 0 {
            staff.invoke_check_network();
            report.network_checks += 1;
        }
        if i % USB_EVERY == 0 {
            let found = kiosk.usb_bundles_cached(&mut usb_cache);
            attached.deliver(Event::UsbBundles(found));
            report.usb_scans += 1;
        }
        if (i + 1) % every == 0 || i + 1 == visits {
            let s = SoakSample::now(i + 1, &data_dir);
            progress(&s);
            report.samples.push(s);
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    report.network_requests_served = server.served();
    drop(attached);
    Ok(report.summarise())
}
