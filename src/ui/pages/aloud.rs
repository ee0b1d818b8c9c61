//! "Đọc to" and "In danh sách giấy tờ" in the window: the kiosk's `Voice` and receipt `Printer`
//! (from `app`, each on its own thread) bound to `AloudAdapter`. Reading stops at once when the
//! visitor touches anything but the speech controls, goes home, or the visit ends (which also
//! puts the volume back); while it reads, the visit does not time out. The buttons show only
//! what works here: no working sound device hides "Đọc to", and a printer out of paper or
//! offline disables "In danh sách giấy tờ" with a calm line.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};

use super::super::context::Ctx;
use super::super::{AloudAdapter, MainWindow, PrintNote, ProcedureAdapter, SearchAdapter};
use crate::app::kiosk::Kiosk;
use crate::app::read_aloud::SpeechEvent;
use crate::app::read_aloud::{self, Availability, Voice, VoiceEvent};
use crate::app::receipt::{Printer, PrinterEvent, PrinterState, Setup};
use crate::app::usage::{self, Devices};
use crate::app::worker::Event;

/// How many result names "Đọc to" reads on the search page.
const RESULTS_READ: usize = 5;

/// The voice and the printer of a running kiosk (none in screenshots and benchmarks).
#[derive(Default)]
pub struct Media {
    voice: Option<Voice>,
    printer: Option<Printer>,
    /// The id of what is being read, while it is.
    speaking: Cell<Option<u64>>,
    /// A tap arrived while reading: it stops the reading unless it was on the speech controls.
    stop_pending: Cell<bool>,
    /// Keeps the visit alive while reading.
    keep_alive: RefCell<Option<Timer>>,
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media")
            .field("voice", &self.voice)
            .field("printer", &self.printer)
            .finish_non_exhaustive()
    }
}

/// Starts the voice and, when one is configured, the printer; their reports come back as
/// `Event::Voice` / `Event::Printer` through `sink` (the event loop in the kiosk, the test's
/// channel in tests) and go to [`handle`].
pub fn start(ctx: &Ctx, w: &MainWindow, sink: Arc<dyn Fn(Event) + Send + Sync>) {
    let cfg = ctx.kiosk.config();
    // The heartbeat's view of the devices starts unknown; each state is recorded (on the voice's
    // or the printer's thread) before the window hears of it.
    let record = |k: &Kiosk, change: &dyn Fn(&mut Devices)| {
        if let Err(e) = usage::record_devices(k, change) {
            tracing::warn!("recording the devices' state: {e}");
        }
    };
    record(&ctx.kiosk, &|d| *d = Devices::default());
    let (s, k) = (sink.clone(), ctx.kiosk.clone());
    let voice = Voice::start(&cfg.speech, move |e| {
        if let VoiceEvent::Availability(av) = &e {
            let state = match av {
                Availability::Available => Some("available"),
                Availability::Disabled => Some("disabled"),
                Availability::Missing(_) => Some("missing"),
                Availability::Unknown => None,
            };
            record(&k, &|d| d.speech = state.map(str::to_string));
        }
        s(Event::Voice(e))
    });
    let a = w.global::<AloudAdapter>();
    a.set_volume(i32::from(voice.volume()));
    let printer = match Setup::from_config(&cfg.printer) {
        Ok(Some(setup)) => {
            a.set_printer_configured(true);
            let (s, k) = (sink, ctx.kiosk.clone());
            Some(Printer::start(setup, move |e| {
                if let PrinterEvent::State(state) = &e {
                    let name = match state {
                        PrinterState::Ready => "ready",
                        PrinterState::PaperOut => "paper_out",
                        PrinterState::Unavailable(_) | PrinterState::Unknown => "unavailable",
                    };
                    record(&k, &|d| d.printer = Some(name.to_string()));
                }
                s(Event::Printer(e))
            }))
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!("printer: {e}; the print button stays hidden");
            None
        }
    };
    let mut m = ctx.media.borrow_mut();
    m.voice = Some(voice);
    m.printer = printer;
}

/// A report from the voice or the printer.
pub fn handle(ctx: &Ctx, w: &MainWindow, event: Event) {
    let a = w.global::<AloudAdapter>();
    match event {
        Event::Voice(VoiceEvent::Availability(av)) => {
            a.set_speech_available(av == Availability::Available);
            if let Availability::Missing(why) = av {
                tracing::warn!("read-aloud hidden: {why}");
            }
        }
        Event::Voice(VoiceEvent::Speech(e)) => {
            let current = ctx.media.borrow().speaking.get();
            match e {
                SpeechEvent::Started { id, latency } if current == Some(id) => {
                    tracing::info!(
                        "read-aloud: first sound {} ms after the tap",
                        latency.as_millis()
                    );
                }
                SpeechEvent::Finished { id } | SpeechEvent::Stopped { id }
                    if current == Some(id) =>
                {
                    ended(ctx, w);
                }
                SpeechEvent::Failed { id, message } if current == Some(id) => {
                    tracing::warn!("read-aloud failed: {message}");
                    ended(ctx, w);
                }
                _ => {}
            }
        }
        Event::Printer(PrinterEvent::State(state)) => {
            a.set_printer_ready(state == PrinterState::Ready);
            a.set_print_note(match state {
                PrinterState::PaperOut => PrintNote::PaperOut,
                PrinterState::Unavailable(why) => {
                    tracing::warn!("printer unavailable: {why}");
                    PrintNote::Offline
                }
                PrinterState::Ready | PrinterState::Unknown => PrintNote::None,
            });
        }
        Event::Printer(PrinterEvent::Printed(result)) => {
            a.set_printing(false);
            // A state change that came with the failure already said why (paper, offline).
            if result.is_ok() {
                a.set_print_note(PrintNote::Printed);
            } else if a.get_printer_ready() {
                a.set_print_note(PrintNote::Failed);
            }
        }
        _ => {}
    }
}

/// Binds the adapter's callbacks.
pub fn bind(w: &MainWindow, ctx: &std::rc::Rc<Ctx>) {
    let a = w.global::<AloudAdapter>();
    let c = ctx.clone();
    a.on_read_procedure(move || {
        let Some(w) = c.window.upgrade() else { return };
        let code = w.global::<ProcedureAdapter>().get_code().to_string();
        match c.kiosk.read_aloud_script(&code) {
            Ok(Some(script)) => say(&c, &w, &script),
            Ok(None) => tracing::warn!("read-aloud: {code} is not in the data"),
            Err(e) => tracing::error!("read-aloud {code}: {e}"),
        }
    });
    let c = ctx.clone();
    a.on_read_results(move || {
        let Some(w) = c.window.upgrade() else { return };
        let s = w.global::<SearchAdapter>();
        let results = s.get_results();
        let names: Vec<String> = (0..slint::Model::row_count(&results).min(RESULTS_READ))
            .filter_map(|i| slint::Model::row_data(&results, i))
            .map(|r| r.name.to_string())
            .collect();
        let total = usize::try_from(s.get_result_count()).unwrap_or(0);
        say(&c, &w, &read_aloud::results_script(&names, total));
    });
    let c = ctx.clone();
    a.on_stop_reading(move || stop(&c));
    let c = ctx.clone();
    a.on_volume_up(move || change_volume(&c, true));
    let c = ctx.clone();
    a.on_volume_down(move || change_volume(&c, false));
    let c = ctx.clone();
    a.on_print_checklist(move || print(&c));

    // Any other tap stops the reading. The tap is reported before the button's own action, so
    // the decision waits for the end of this event: the speech controls cancel it.
    let c = ctx.clone();
    ctx.shell.on_tap(move || {
        if c.media.borrow().speaking.get().is_none() {
            return;
        }
        c.media.borrow().stop_pending.set(true);
        let c = c.clone();
        Timer::single_shot(Duration::ZERO, move || {
            if c.media.borrow().stop_pending.replace(false) {
                stop(&c);
            }
        });
    });
}

fn say(ctx: &std::rc::Rc<Ctx>, w: &MainWindow, paragraphs: &[String]) {
    let m = ctx.media.borrow();
    let Some(voice) = &m.voice else { return };
    m.stop_pending.set(false);
    let id = voice.say(paragraphs);
    m.speaking.set(Some(id));
    w.global::<AloudAdapter>().set_speaking(true);
    // Listening is using the kiosk: the idle reset waits while it reads.
    let t = Timer::default();
    let c = ctx.clone();
    t.start(TimerMode::Repeated, Duration::from_secs(1), move || {
        c.shell.touch()
    });
    *m.keep_alive.borrow_mut() = Some(t);
}

/// Silence now ("Dừng đọc", a tap elsewhere, going home).
pub fn stop(ctx: &Ctx) {
    let m = ctx.media.borrow();
    m.stop_pending.set(false);
    if let Some(v) = &m.voice {
        v.stop();
    }
    drop(m);
    if let Some(w) = ctx.window.upgrade() {
        ended(ctx, &w);
    }
}

/// The end of a visit (idle reset, "Xong"): silence, the volume back to the office's level,
/// and no print message left for the next person.
pub fn reset(ctx: &Ctx) {
    stop(ctx);
    let m = ctx.media.borrow();
    if let Some(v) = &m.voice {
        v.reset();
        if let Some(w) = ctx.window.upgrade() {
            let a = w.global::<AloudAdapter>();
            a.set_volume(i32::from(v.volume()));
            if a.get_print_note() == PrintNote::Printed || a.get_print_note() == PrintNote::Failed {
                a.set_print_note(PrintNote::None);
            }
        }
    }
}

fn ended(ctx: &Ctx, w: &MainWindow) {
    let m = ctx.media.borrow();
    m.speaking.set(None);
    m.keep_alive.borrow_mut().take();
    w.global::<AloudAdapter>().set_speaking(false);
}

fn change_volume(ctx: &Ctx, up: bool) {
    let m = ctx.media.borrow();
    // A tap on the speech controls does not stop the reading.
    m.stop_pending.set(false);
    let Some(v) = &m.voice else { return };
    let level = v.change_volume(up);
    if let Some(w) = ctx.window.upgrade() {
        w.global::<AloudAdapter>().set_volume(i32::from(level));
    }
}

fn print(ctx: &Ctx) {
    let Some(w) = ctx.window.upgrade() else {
        return;
    };
    let m = ctx.media.borrow();
    let Some(printer) = &m.printer else { return };
    let code = w.global::<ProcedureAdapter>().get_code().to_string();
    match ctx.kiosk.receipt(&code, chrono::Local::now()) {
        Ok(Some(blocks)) => {
            let a = w.global::<AloudAdapter>();
            a.set_printing(true);
            a.set_print_note(PrintNote::None);
            printer.print(blocks);
        }
        Ok(None) => tracing::warn!("print: {code} is not in the data"),
        Err(e) => tracing::error!("print {code}: {e}"),
    }
}

/// The window is closing: silence, and the voice's and printer's threads end.
pub fn shut_down(ctx: &Ctx) {
    let mut m = ctx.media.borrow_mut();
    if let Some(v) = &m.voice {
        v.stop();
    }
    m.keep_alive.borrow_mut().take();
    m.voice.take();
    m.printer.take();
}

/// For screenshots: the controls as a kiosk shows them when its sound device works
/// (`[speech] enabled`) and its configured printer is ready.
pub fn preview(ctx: &Ctx, w: &MainWindow) {
    let cfg = ctx.kiosk.config();
    let a = w.global::<AloudAdapter>();
    a.set_speech_available(cfg.speech.enabled);
    a.set_volume(i32::from(cfg.speech.volume.min(100)));
    let printer = !cfg.printer.target.trim().is_empty();
    a.set_printer_configured(printer);
    a.set_printer_ready(printer);
}
