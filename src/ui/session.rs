//! The window's side of the appliance session: picks the renderer before the first window
//! exists (software whenever the GPU libraries are missing, so the kiosk never panics for want of
//! one), tells the service manager READY once the first frame is drawn, pings its watchdog from
//! the event loop (a hung UI thread stops the pings and systemd restarts the kiosk), and records
//! the start for the heartbeat and `motcua doctor`.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use slint::winit_030::{EventResult, WinitWindowAccessor, winit};
use slint::{ComponentHandle, Timer, TimerMode};

use super::{MainWindow, fit};
use crate::app::kiosk::Kiosk;
use crate::app::session::{self, Notifier, Renderer, RendererChoice, SessionRecord};

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Call first thing in `main`: the first-frame time is measured from here.
pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

/// Chooses the renderer and installs Slint's winit backend with it. `SLINT_BACKEND`, when set,
/// wins (Slint reads it itself). Must run before the first window is created.
pub fn select_renderer(requested: &str) -> RendererChoice {
    if let Ok(b) = std::env::var("SLINT_BACKEND") {
        let renderer = if b.contains("software") {
            Renderer::Software
        } else {
            Renderer::Gpu
        };
        return RendererChoice {
            renderer,
            reason: format!("SLINT_BACKEND={b}"),
        };
    }
    let mut choice = session::choose_renderer(requested);
    let selected = slint::BackendSelector::new()
        .backend_name("winit".into())
        .renderer_name(choice.renderer.slint_name().into())
        .select();
    if let Err(e) = selected {
        // The GPU renderer could not even be set up: software needs nothing.
        tracing::warn!("renderer {}: {e}; using software", choice.renderer.as_str());
        let _ = slint::BackendSelector::new()
            .backend_name("winit".into())
            .renderer_name("software".into())
            .select();
        choice = RendererChoice {
            renderer: Renderer::Software,
            reason: format!("{} could not start: {e}", choice.reason),
        };
    }
    tracing::info!("renderer: {} ({})", choice.renderer.as_str(), choice.reason);
    choice
}

/// Lays the window out for `target` (the surface's size when `None`) at the scale that size
/// calls for: before the first frame and after every configure. Slint may keep its own size after
/// a configure (seen once on a 1280×720 output: the surface 1280×720, the layout 1920×1080), so
/// the size is taken from the surface, and the scale is set right away rather than left to the
/// size's change handlers (which run during the next frame, see [`fit::apply`]).
fn follow_surface(w: &MainWindow, target: Option<slint::PhysicalSize>) {
    let Some(surface) = w.window().with_winit_window(|ww| ww.inner_size()) else {
        return;
    };
    let surface = target.unwrap_or(slint::PhysicalSize::new(surface.width, surface.height));
    if surface.width == 0 || surface.height == 0 {
        return;
    }
    // The scale first: a new scale makes the window ask for its logical size at the platform's
    // scale (1 under cage), a size the surface does not have; the surface's size is then
    // given back.
    let before = w.window().scale_factor();
    fit::apply_for(w, surface);
    let after = w.window().scale_factor();
    let laid_out = w.window().size();
    if laid_out != surface {
        tracing::info!(
            "window {}×{} laid out for {}×{}: following the surface",
            surface.width,
            surface.height,
            laid_out.width,
            laid_out.height
        );
        w.window().set_size(surface);
    }
    if (before - after).abs() > 0.001 {
        tracing::info!(
            "window {}×{}: scale {before} → {after}",
            surface.width,
            surface.height
        );
    }
}

/// The size of the one output the full-screen window will fill, asked of the compositor before
/// the window exists (see [`super::output`]): [`install`] gives it to the window before its first
/// frame, which cage 0.1.4 would otherwise see drawn at the size the window chose itself.
pub fn output_size() -> Option<slint::PhysicalSize> {
    let (width, height) = super::output::single_output_size()?;
    tracing::info!("output {width}×{height}: the first frame is drawn at that size");
    Some(slint::PhysicalSize::new(width, height))
}

/// Keeps the session's timers alive as long as the window runs.
pub struct SessionHooks {
    _timers: Vec<Timer>,
}

/// Installs READY-after-first-frame, the watchdog pings and the test freeze hook (which stops the
/// UI thread some time after the first frame) on the window.
pub fn install(
    w: &MainWindow,
    kiosk: &Kiosk,
    choice: &RendererChoice,
    output: Option<slint::PhysicalSize>,
) -> SessionHooks {
    let notifier = Notifier::from_env();
    let mut timers = Vec::new();

    // READY once the first frame is on the screen: the redraw hook runs before Slint draws, the
    // zero timer after it has drawn.
    let first = Rc::new(Cell::new(false));
    let data_dir = kiosk.data_dir().root().to_path_buf();
    let fallback = std::env::var_os(session::FALLBACK_ENV).is_some();
    let choice = choice.clone();
    let freeze_after = std::env::var(session::FREEZE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let n = notifier.clone();
    let weak = w.as_weak();
    let follow = w.as_weak();
    w.window().on_winit_window_event(move |_, event| {
        if matches!(event, winit::event::WindowEvent::Resized(_)) {
            // After this event has been handled: the window takes the size the compositor gave
            // and the scale for it.
            let follow = follow.clone();
            Timer::single_shot(Duration::ZERO, move || {
                if let Some(w) = follow.upgrade() {
                    follow_surface(&w, None);
                }
            });
        }
        if matches!(event, winit::event::WindowEvent::RedrawRequested) && !first.replace(true) {
            // Before the first frame is drawn: its layout is the one for the output's size (or
            // the surface's) at the scale that size calls for. (The window was created at the
            // platform's scale, and a size set before it existed would have been turned by the
            // size's change handlers into a logical size at another scale.)
            if let Some(w) = follow.upgrade() {
                follow_surface(&w, output);
            }
            let n = n.clone();
            let weak = weak.clone();
            let data_dir = data_dir.clone();
            let choice = choice.clone();
            Timer::single_shot(Duration::ZERO, move || {
                let size = weak
                    .upgrade()
                    .map(|w| w.window().size())
                    .unwrap_or_default();
                let ms = PROCESS_START
                    .get()
                    .map(|t| t.elapsed().as_millis() as u64)
                    .unwrap_or(0);
                let status = format!(
                    "first frame {}×{} after {ms} ms, {} renderer",
                    size.width,
                    size.height,
                    choice.renderer.as_str()
                );
                tracing::info!("{status}");
                n.ready(&status);
                let previous = session::read_record(&data_dir).unwrap_or_default();
                let record = SessionRecord {
                    renderer: choice.renderer.as_str().into(),
                    renderer_reason: choice.reason.clone(),
                    fallback,
                    starts: previous.starts + 1,
                    last_start: chrono::Utc::now().to_rfc3339(),
                    width: size.width,
                    height: size.height,
                    first_frame_ms: ms,
                };
                if let Err(e) = session::write_record(&data_dir, &record) {
                    tracing::warn!("session record: {e}");
                }
                if let Some(ms) = freeze_after {
                    tracing::warn!(
                        "test hook: the UI thread freezes {ms} ms after the first frame"
                    );
                    Timer::single_shot(Duration::from_millis(ms), || {
                        tracing::warn!("test hook: UI thread frozen");
                        loop {
                            std::thread::sleep(Duration::from_secs(3600));
                        }
                    });
                }
            });
        }
        EventResult::Propagate
    });

    if let Some(every) = notifier.ping_every() {
        let t = Timer::default();
        let n = notifier.clone();
        t.start(TimerMode::Repeated, every, move || n.ping());
        timers.push(t);
        tracing::info!("watchdog: pinging every {} ms", every.as_millis());
    }

    SessionHooks { _timers: timers }
}
