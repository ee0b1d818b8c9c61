//! "Đọc to" and "In danh sách giấy tờ" in the kiosk window (Slint's testing backend) with the
//! real parts behind them: espeak-ng speaking through aplay into an ALSA file device, and a
//! receipt printer on loopback. The voice's and printer's events reach the window as the event
//! loop would hand them over. Measures the time from the tap to the first sound for 1.001193.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, LogicalSize};

use motcua::app::kiosk::Kiosk;
use motcua::app::read_aloud::{SpeechEvent, VoiceEvent};
use motcua::app::worker::Event;
use motcua::config::Config;
use motcua::ui::run::{Attached, attach, shell_options};
use motcua::ui::{AloudAdapter, Kiosk as KioskGlobal, MainWindow, Page, PrintNote};

use crate::common::file_len;
use crate::print::{Cmd, FakePrinter, PAPER_OUT, READY, commands, decode, qr_text};
use crate::support::require;

struct Window {
    w: MainWindow,
    a: Attached,
    events: mpsc::Receiver<Event>,
    /// The voice's probe has answered (available or not).
    probed: std::cell::Cell<bool>,
    /// The speaker's own measure of the last reading: from the request to the first samples
    /// handed to the sound device.
    started: std::cell::Cell<Option<Duration>>,
    _dir: tempfile::TempDir,
}

/// ALSA's file plugin: what is played lands in `path` as raw samples.
fn file_device(path: &Path) -> String {
    format!("file:FILE={},FORMAT=raw", path.display())
}

/// A kiosk window on the built-in data whose voice plays on ALSA `device` and whose printer is
/// `printer` (a `tcp://` target).
fn window(device: &str, printer: &str, volume: u8) -> Window {
    require("espeak-ng", "espeak-ng");
    require("aplay", "alsa-utils");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::default();
    cfg.speech.device = device.to_string();
    cfg.speech.volume = volume;
    cfg.printer.target = printer.to_string();
    cfg.printer.paper_mm = 58;
    cfg.printer.timeout_seconds = 5;
    let kiosk = std::sync::Arc::new(Kiosk::open(dir.path(), cfg).expect("open the kiosk"));
    i_slint_backend_testing::init_no_event_loop();
    let w = MainWindow::new().expect("window");
    w.window().set_size(LogicalSize::new(1920.0, 1080.0));
    w.show().expect("show");
    let recorder = std::sync::Arc::new(motcua::app::usage::Recorder::new(false));
    let a = attach(
        &w,
        kiosk.clone(),
        shell_options(&kiosk.shell_settings()),
        recorder,
    );
    let (tx, events) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    a.start_media(move |e| {
        if let Ok(t) = tx.lock() {
            // The test may be over (receiver gone): nothing to report then.
            let _ = t.send(e);
        }
    });
    Window {
        w,
        a,
        events,
        probed: std::cell::Cell::new(false),
        started: std::cell::Cell::new(None),
        _dir: dir,
    }
}

impl Window {
    /// Hands every event that arrived to the window, as the event loop would.
    fn pump(&self) {
        while let Ok(e) = self.events.try_recv() {
            match &e {
                Event::Voice(VoiceEvent::Availability(_)) => self.probed.set(true),
                Event::Voice(VoiceEvent::Speech(SpeechEvent::Started { latency, .. })) => {
                    self.started.set(Some(*latency))
                }
                _ => {}
            }
            self.a.deliver(e);
        }
        i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
    }

    /// Pumps until `f` holds, failing after `limit`.
    fn until(&self, what: &str, limit: Duration, f: impl Fn(&Window) -> bool) {
        let end = Instant::now() + limit;
        loop {
            self.pump();
            if f(self) {
                return;
            }
            assert!(
                Instant::now() < end,
                "timed out after {limit:?} waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The heartbeat's metrics as the kiosk would write them now.
    fn heartbeat(&self) -> String {
        motcua::app::usage::heartbeat_text(self.a.kiosk(), 0, chrono::Local::now())
            .expect("heartbeat")
    }

    fn adapter(&self) -> AloudAdapter<'_> {
        self.w.global::<AloudAdapter>()
    }

    fn button(&self, label: &str) -> Option<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.w, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
    }

    fn tap(&self, label: &str) {
        self.button(label)
            .unwrap_or_else(|| panic!("a button labelled {label:?}"))
            .mock_single_click(PointerEventButton::Left);
    }
}

#[test]
fn reading_aloud_and_printing_from_the_procedure_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio = dir.path().join("played.raw");
    let printer = FakePrinter::start(READY);
    let k = window(&file_device(&audio), &printer.url(), 60);
    k.until(
        "the engine and device probe",
        Duration::from_secs(30),
        |k| k.adapter().get_speech_available() && k.adapter().get_printer_ready(),
    );
    let beat = k.heartbeat();
    for line in ["motcua_speech_available 1", "motcua_printer_ready 1"] {
        assert!(beat.contains(line), "`{line}` in the heartbeat:\n{beat}");
    }
    k.a.open_procedure("1.001193");
    assert_eq!(k.w.global::<KioskGlobal>().get_page(), Page::Procedure);

    // The tap: reading starts and the first sound reaches the device.
    let _ = std::fs::remove_file(&audio);
    let tapped = Instant::now();
    k.tap("Đọc to");
    assert!(k.adapter().get_speaking());
    k.until("the first sound", Duration::from_secs(20), |k| {
        k.started.get().is_some() && file_len(&audio) > 0
    });
    let in_file = tapped.elapsed();
    eprintln!(
        "read-aloud of 1.001193: first samples to the device {} ms after the tap; in the ALSA \
         file device's output after {} ms",
        k.started.get().unwrap_or_default().as_millis(),
        in_file.as_millis()
    );

    // The speech controls do not stop it; the volume goes up in steps.
    assert_eq!(k.adapter().get_volume(), 60);
    k.tap("To tiếng");
    k.pump();
    assert!(
        k.adapter().get_speaking(),
        "the volume button keeps reading"
    );
    assert!(k.adapter().get_volume() > 60);

    // A tap anywhere else stops it at once: here the print button, which also prints.
    k.tap("In danh sách giấy tờ");
    k.pump();
    assert!(!k.adapter().get_speaking(), "another tap stops the reading");
    let at_stop = file_len(&audio);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        file_len(&audio),
        at_stop,
        "nothing is played after the stop"
    );
    k.until("the receipt", Duration::from_secs(20), |k| {
        !k.adapter().get_printing()
    });
    assert_eq!(k.adapter().get_print_note(), PrintNote::Printed);
    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 2, "the check at start, then the receipt");
    let receipt = decode(&jobs[1]);
    assert_eq!(receipt.width, 384, "58 mm paper");
    let link =
        k.a.kiosk()
            .procedure_view("1.001193")
            .expect("view")
            .expect("1.001193")
            .link
            .url;
    assert_eq!(qr_text(&receipt), link);
    eprintln!(
        "receipt for 1.001193 on 58 mm paper: {:.0} mm",
        receipt.length_mm()
    );

    // The end of the visit stops reading and puts the volume back.
    k.tap("Đọc to");
    k.until("the second reading", Duration::from_secs(20), |k| {
        k.adapter().get_speaking()
    });
    k.tap("To tiếng");
    k.pump();
    k.a.shell().reset();
    k.pump();
    assert!(!k.adapter().get_speaking());
    assert_eq!(k.adapter().get_volume(), 60, "the office's volume is back");
    assert_eq!(k.adapter().get_print_note(), PrintNote::None);

    // Going home stops it too.
    k.a.open_procedure("1.001193");
    k.tap("Đọc to");
    k.tap("Trang đầu");
    k.pump();
    assert!(!k.adapter().get_speaking());
}

#[test]
fn no_sound_device_hides_read_aloud_and_paper_out_disables_printing() {
    let printer = FakePrinter::start(PAPER_OUT);
    // A sound card this machine does not have.
    let k = window("hw:CARD=motcuaNoSuchCard", &printer.url(), 80);
    k.until(
        "the engine and device probe",
        Duration::from_secs(30),
        |k| k.probed.get() && k.adapter().get_print_note() != PrintNote::None,
    );
    k.a.open_procedure("1.001193");
    assert!(!k.adapter().get_speech_available());
    assert!(
        k.button("Đọc to").is_none(),
        "no read-aloud without a sound device"
    );
    assert!(k.adapter().get_printer_configured());
    assert!(!k.adapter().get_printer_ready());
    assert_eq!(k.adapter().get_print_note(), PrintNote::PaperOut);
    let beat = k.heartbeat();
    for line in [
        "motcua_speech_available 0",
        "motcua_printer_ready 0",
        "motcua_printer_paper_out 1",
    ] {
        assert!(beat.contains(line), "`{line}` in the heartbeat:\n{beat}");
    }
    // The button is there but does nothing: nothing reaches the printer but status queries.
    k.tap("In danh sách giấy tờ");
    k.pump();
    assert!(!k.adapter().get_printing());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        printer
            .jobs()
            .iter()
            .all(|j| !commands(j).iter().any(|c| matches!(c, Cmd::Raster { .. }))),
        "nothing printed while out of paper"
    );
}
