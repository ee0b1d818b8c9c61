//! Shared by the window tests: a shown 1920×1080 window under Slint's testing backend whose idle
//! clock is the backend's mock time, the small real dataset (the portal's 502 API records plus
//! motcua's curated files) as a bundle built once per version, kiosks on it (opened once for the
//! tests that only read them, or fresh with a configuration), the whole built-in data opened
//! once, windows attached to them, the office's counter 3 of the tests' configurations, and
//! finding and tapping elements by their accessible label.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, LogicalSize};

use motcua::app::idle::IdlePolicy;
use motcua::app::kiosk::Kiosk;
use motcua::app::usage::Recorder;
use motcua::bundle::{self, RawBundle};
use motcua::config::{Config, Counter};
use motcua::ui::run::{Attached, attach};
use motcua::ui::shell::ShellOptions;
use motcua::ui::{MainWindow, Page, SearchAdapter};

#[path = "../support/corpus.rs"]
pub mod corpus;

/// The small real dataset as bundle `version` (in memory, unsigned), built once per version.
pub fn small_bundle(version: u64) -> bundle::Built {
    static BUILT: OnceLock<Mutex<HashMap<u64, bundle::Built>>> = OnceLock::new();
    let cache = BUILT.get_or_init(Mutex::default);
    if let Some(b) = cache.lock().expect("bundle cache").get(&version) {
        return b.clone();
    }
    let b = build_small_bundle(version);
    cache
        .lock()
        .expect("bundle cache")
        .insert(version, b.clone());
    b
}

fn build_small_bundle(version: u64) -> bundle::Built {
    let (ds, report) =
        motcua::bundle::read_sources(&corpus::small_inputs(), &mut ()).expect("sources");
    corpus::bundle_of(&ds, &report, version, chrono::Utc::now())
}

/// `built` as the seed a fresh data directory starts from.
pub fn seed(built: bundle::Built) -> RawBundle {
    RawBundle {
        path: "seed".into(),
        manifest: built.manifest_bytes,
        signature: None,
        files: built.files.into_iter().collect(),
    }
}

/// A shown landscape window under the testing backend (one per test thread).
pub fn window() -> MainWindow {
    i_slint_backend_testing::init_no_event_loop();
    let w = MainWindow::new().expect("window");
    w.window().set_size(LogicalSize::new(1920.0, 1080.0));
    w.show().expect("show");
    w
}

/// Shell options with a 90 s idle timeout and a 30 s warning measured on the backend's mock
/// time, and no wall clock in the header.
pub fn mock_clock() -> ShellOptions {
    let start = Instant::now();
    ShellOptions {
        idle: IdlePolicy::new(Duration::from_secs(90), Duration::from_secs(30)),
        now: Rc::new(move || {
            start + Duration::from_millis(i_slint_backend_testing::get_mocked_time())
        }),
        show_clock: false,
        ..ShellOptions::default()
    }
}

/// A window attached to `kiosk` on the mock clock; `recording`: usage is recorded.
pub fn attached_window(kiosk: Arc<Kiosk>, recording: bool) -> (MainWindow, Attached) {
    attached_window_with(kiosk, mock_clock(), recording)
}

/// A window attached to `kiosk` with `options` (on the mock clock: [`mock_clock`] changed).
pub fn attached_window_with(
    kiosk: Arc<Kiosk>,
    options: ShellOptions,
    recording: bool,
) -> (MainWindow, Attached) {
    let w = window();
    let a = attach(&w, kiosk, options, Arc::new(Recorder::new(recording)));
    (w, a)
}

/// A window attached to [`shared_kiosk`], recording nothing.
pub fn shared_window() -> (MainWindow, Attached) {
    attached_window(shared_kiosk(), false)
}

/// A kiosk with `cfg` on the small real dataset under `dir`, and a window attached to it.
pub fn kiosk_window(
    dir: &Path,
    cfg: Config,
    recording: bool,
) -> (Arc<Kiosk>, MainWindow, Attached) {
    let kiosk = small_kiosk(dir, cfg);
    let (window, attached) = attached_window(kiosk.clone(), recording);
    (kiosk, window, attached)
}

/// A kiosk with `cfg` whose data directory `data` under `dir` starts from `built`.
pub fn seeded_kiosk(dir: &Path, cfg: Config, built: impl FnOnce() -> bundle::Built) -> Arc<Kiosk> {
    Arc::new(Kiosk::open_with_seed(&dir.join("data"), cfg, || seed(built())).expect("kiosk"))
}

/// A kiosk with `cfg` on the small real dataset, its data directory `data` under `dir`.
pub fn small_kiosk(dir: &Path, cfg: Config) -> Arc<Kiosk> {
    seeded_kiosk(dir, cfg, || small_bundle(1))
}

/// A kiosk opened once, in a temporary folder of its own, for the tests that share it.
pub struct KioskOnce(OnceLock<(tempfile::TempDir, Arc<Kiosk>)>);

impl KioskOnce {
    pub const fn new() -> KioskOnce {
        KioskOnce(OnceLock::new())
    }

    /// The kiosk, opened by `open` in the folder the first time.
    pub fn get(&self, open: impl FnOnce(&Path) -> Arc<Kiosk>) -> Arc<Kiosk> {
        self.0
            .get_or_init(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                let kiosk = open(dir.path());
                (dir, kiosk)
            })
            .1
            .clone()
    }
}

/// A kiosk on the small real dataset, opened once for the tests that only read it.
pub fn shared_kiosk() -> Arc<Kiosk> {
    static KIOSK: KioskOnce = KioskOnce::new();
    KIOSK.get(|dir| small_kiosk(dir, Config::default()))
}

/// A kiosk on the whole built-in data (286 fields: the browse page's index has work to do; what
/// a kiosk serves out of the box), opened once.
pub fn built_in_kiosk() -> Arc<Kiosk> {
    static KIOSK: KioskOnce = KioskOnce::new();
    KIOSK.get(|dir| Arc::new(Kiosk::open(dir, Config::default()).expect("the built-in data")))
}

/// A second kiosk with `cfg` on [`built_in_kiosk`]'s data directory (already seeded: it only
/// opens the version there).
pub fn built_in_kiosk_with(cfg: Config) -> Arc<Kiosk> {
    let dir = built_in_kiosk().data_dir().root().to_path_buf();
    Arc::new(Kiosk::open(&dir, cfg).expect("the built-in data again"))
}

/// The office's counter 3 ("Tư pháp – Hộ tịch" on Tầng 1), taking `fields`.
pub fn counter_3(fields: &[&str]) -> Counter {
    Counter {
        number: 3,
        location: "Tầng 1".into(),
        label: "Tư pháp – Hộ tịch".into(),
        fields: fields.iter().map(|f| f.to_string()).collect(),
    }
}

/// Searches for `text` on the search page, at once (no typing delay).
pub fn search(w: &MainWindow, a: &Attached, text: &str) {
    a.shell().navigate(Page::Search);
    w.global::<SearchAdapter>()
        .set_query(slint::SharedString::from(text));
    a.search_now();
    settle();
}

/// The one button with this accessible label (texts inside it carry no role).
pub fn button(window: &MainWindow, label: &str) -> ElementHandle {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(found.len(), 1, "one button labelled {label:?}");
    found.into_iter().next().expect("a button")
}

pub fn click(window: &MainWindow, label: &str) {
    button(window, label).mock_single_click(PointerEventButton::Left);
}

pub fn has_label(window: &MainWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .next()
        .is_some()
}

/// Runs the change handlers and timers that the event loop would run right away.
pub fn settle() {
    i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
}
