//! The kiosk at work: binds the app core to the window. Data for the home, browse, hotline and
//! guide pages comes from the live data version; searches go to the worker's search thread and
//! come back through the event loop (answers to an older query are dropped); a procedure opens
//! from a result, a list, a typed code or a tile; usage is recorded; a refresh swaps the data in
//! place without disturbing the citizen's screen.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, SharedString};

use super::shell::{Shell, ShellOptions};
use super::{
    BrowseAdapter, BrowseTab, GuidesAdapter, HomeAdapter, HotlinesAdapter, Kiosk as KioskGlobal,
    MainWindow, Page, RatingAdapter, ResultKind, SearchAdapter, StaffAdapter, UiError,
    counter_items, field_item, guide_item, hotline_item, life_event_item, model, procedure_items,
    qr_image,
};
use crate::app::idle::IdlePolicy;
use crate::app::kiosk::Kiosk;
use crate::app::kiosk::{Origin, Stage};
use crate::app::refresh::{NetworkOutcome, UsbBundle};
use crate::app::search::SearchRequest;
use crate::app::usage::Recorder;
use crate::app::worker::{Command, Event, Worker};
use crate::domain::Level;
use crate::store::ListFilter;

/// How many procedures the home page shows as "most used".
const POPULAR: usize = 9;
/// How many results the search page lists at first (the count says how many there are;
/// "Xem thêm kết quả" adds [`MORE_RESULTS`] at a time). Every keystroke lays the list out again,
/// so it starts at what a screen shows.
pub const RESULTS: usize = 10;
/// How many more each "Xem thêm kết quả" shows.
pub const MORE_RESULTS: usize = 20;
/// The longest list "Xem thêm" grows to.
const MAX_RESULTS: usize = 200;
/// How many fields the home page lists (the browse page has them all).
const HOME_FIELDS: usize = 9;

/// What the kiosk starts with.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub fullscreen: bool,
}

/// Why [`run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunExit {
    /// The window was closed.
    Closed,
    /// Staff asked for a restart on the staff screen (the caller starts the kiosk again).
    Restart,
}

/// The search screen's state that is not in the window: the filters, how long the list is and
/// the newest generation.
#[derive(Debug)]
struct SearchState {
    generation: u64,
    field: Option<String>,
    level: Option<Level>,
    online_only: bool,
    limit: usize,
}

impl Default for SearchState {
    fn default() -> Self {
        SearchState {
            generation: 0,
            field: None,
            level: None,
            online_only: false,
            limit: RESULTS,
        }
    }
}

thread_local! {
    /// The running kiosk's context, for worker events arriving through the event loop.
    static CTX: RefCell<Option<Rc<Ctx>>> = const { RefCell::new(None) };
}

/// Everything the callbacks share (UI thread only).
struct Ctx {
    kiosk: Arc<Kiosk>,
    recorder: Arc<Recorder>,
    window: slint::Weak<MainWindow>,
    shell: Shell,
    worker: RefCell<Option<Worker>>,
    search: RefCell<SearchState>,
    /// The bundles on USB sticks as the watch thread last reported them.
    usb: RefCell<Vec<UsbBundle>>,
    /// A refresh, rollback or network check started from the staff screen is running; its
    /// outcome goes to the staff screen (scheduled checks only update the status).
    staff_job: Cell<bool>,
    /// The procedure the visit looked at last (a rating is attached to it).
    last_code: RefCell<Option<String>>,
    exit: Cell<RunExit>,
}

impl Ctx {
    fn send(&self, cmd: Command) {
        if let Some(w) = self.worker.borrow().as_ref() {
            w.send(cmd);
        }
    }

    fn request(&self, text: &str) -> SearchRequest {
        let st = self.search.borrow();
        SearchRequest {
            text: text.to_string(),
            field: st.field.clone(),
            level: st.level,
            online_only: st.online_only,
            limit: st.limit,
        }
    }

    /// Sends the query on screen (with the filters) to the search thread.
    fn search_now(&self, w: &MainWindow) {
        let text = w.global::<SearchAdapter>().get_query().to_string();
        let a = w.global::<SearchAdapter>();
        if text.trim().is_empty() {
            a.set_busy(false);
            a.set_results(model(Vec::new()));
            a.set_result_count(0);
            a.set_hotlines(model(Vec::new()));
            a.set_guides(model(Vec::new()));
            a.set_relaxed_typo(false);
            a.set_relaxed_filters(false);
            a.set_relaxed_any_word(false);
            return;
        }
        self.recorder.touch(&self.kiosk);
        let generation = {
            let mut st = self.search.borrow_mut();
            st.generation += 1;
            st.generation
        };
        let request = self.request(&text);
        if self.worker.borrow().is_some() {
            a.set_busy(true);
            self.send(Command::Search {
                generation,
                request,
            });
        } else {
            // No worker (screenshots, tests, benchmarks): search here and show it at once.
            let result = self
                .kiosk
                .search(&request)
                .map(Arc::new)
                .map_err(|e| e.to_string());
            handle(self, w, Event::SearchDone { generation, result });
        }
    }

    fn open_procedure(&self, code: &str) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        match self.kiosk.procedure_view(code) {
            Ok(Some(view)) => {
                let qr = match crate::qr::encode(&view.link.url) {
                    Ok(m) => qr_image(m.size, &m.modules, 1),
                    Err(e) => {
                        tracing::error!("{e}");
                        slint::Image::default()
                    }
                };
                super::show_procedure(&w, &view, qr);
                self.recorder.viewed(&self.kiosk, code);
                *self.last_code.borrow_mut() = Some(code.to_string());
                self.shell.navigate(Page::Procedure);
            }
            Ok(None) => tracing::warn!("procedure {code} is not in the data"),
            Err(e) => tracing::error!("opening {code}: {e}"),
        }
    }

    fn open_list(&self, tab: BrowseTab, key: &str) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let (filter, label) = match tab {
            BrowseTab::LifeEvents => {
                let label = self
                    .kiosk
                    .life_events()
                    .into_iter()
                    .find(|e| e.slug == key)
                    .map(|e| e.label)
                    .unwrap_or_else(|| key.to_string());
                (
                    ListFilter {
                        life_event: Some(key.to_string()),
                        ..Default::default()
                    },
                    label,
                )
            }
            _ => (
                ListFilter {
                    field: Some(key.to_string()),
                    ..Default::default()
                },
                key.to_string(),
            ),
        };
        match self.kiosk.list(&filter) {
            Ok(rows) => {
                let b = w.global::<BrowseAdapter>();
                b.set_tab(tab);
                b.set_selected_key(SharedString::from(key));
                b.set_selected_label(SharedString::from(label.as_str()));
                b.set_selected_count(i32::try_from(rows.len()).unwrap_or(i32::MAX));
                b.set_procedures(procedure_items(&rows));
                self.recorder.touch(&self.kiosk);
                self.shell.navigate(Page::Browse);
            }
            Err(e) => tracing::error!("listing {key}: {e}"),
        }
    }

    fn open_guide(&self, id: &str) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let Some(g) = self.kiosk.guides().into_iter().find(|g| g.id == id) else {
            return;
        };
        let qr = crate::qr::encode(&g.link)
            .map(|m| qr_image(m.size, &m.modules, 1))
            .unwrap_or_default();
        super::show_guide(&w, &g, qr);
        self.recorder.touch(&self.kiosk);
        self.shell.navigate(Page::Guide);
    }

    /// Refills the unlocked staff screen (after unlocking and after every job).
    fn show_staff(&self, w: &MainWindow) {
        if !w.global::<StaffAdapter>().get_unlocked() {
            return;
        }
        let usb = self.usb.borrow().clone();
        match self.kiosk.staff_status(usb) {
            Ok(st) => super::staff::show_staff_status(w, &st),
            Err(e) => tracing::error!("staff screen: {e}"),
        }
    }

    /// Starts a staff job on the task thread, or runs it here when there is no worker
    /// (tests): the outcome arrives as the same events either way.
    fn staff_command(&self, w: &MainWindow, cmd: Command) {
        self.staff_job.set(true);
        match &cmd {
            Command::CheckNetwork => super::staff::show_network_check(w),
            _ => super::staff::show_progress(w, Stage::Reading),
        }
        if self.worker.borrow().is_some() {
            self.send(cmd);
        } else {
            crate::app::worker::perform(&self.kiosk, cmd, &|e| handle(self, w, e));
        }
    }

    /// Writes the statistics to the first USB stick found.
    fn export_stats(&self, w: &MainWindow) {
        match self.kiosk.export_stats_to_usb() {
            Ok(Some(dir)) => {
                super::staff::show_outcome(w, ResultKind::Exported, &dir.display().to_string())
            }
            Ok(None) => super::staff::show_outcome(w, ResultKind::NoUsb, ""),
            Err(e) => super::staff::show_result(w, false, &e.to_string()),
        }
    }
}

/// Fills the pages that show the data itself (at start and after every refresh).
pub fn show_data(w: &MainWindow, kiosk: &Kiosk) {
    let cfg = kiosk.config();
    let k = w.global::<KioskGlobal>();
    k.set_office_name(SharedString::from(cfg.office.name.as_str()));
    k.set_office_address(SharedString::from(cfg.office.address.as_str()));
    k.set_opening_hours(SharedString::from(cfg.office.opening_hours.as_str()));

    let home = w.global::<HomeAdapter>();
    match kiosk.featured(POPULAR) {
        Ok(rows) => home.set_popular(procedure_items(&rows)),
        Err(e) => tracing::error!("most used procedures: {e}"),
    }
    let events = kiosk.life_events();
    let event_items: Vec<_> = events.iter().map(life_event_item).collect();
    home.set_life_events(model(event_items.clone()));
    let fields = kiosk.fields();
    home.set_fields(model(
        fields.iter().take(HOME_FIELDS).map(field_item).collect(),
    ));
    home.set_field_total(i32::try_from(fields.len()).unwrap_or(i32::MAX));
    let lookup = cfg.portal.lookup_url.as_str();
    home.set_lookup_url(SharedString::from(lookup));
    if let Ok(m) = crate::qr::encode(lookup) {
        home.set_lookup_qr(qr_image(m.size, &m.modules, 1));
    }

    let browse = w.global::<BrowseAdapter>();
    browse.set_fields(model(fields.iter().map(field_item).collect()));
    browse.set_life_events(model(event_items));
    let h = w.global::<HotlinesAdapter>();
    h.set_hotlines(model(kiosk.hotlines().iter().map(hotline_item).collect()));
    h.set_counters(counter_items(&cfg.counters, &fields));
    w.global::<StaffAdapter>()
        .set_usb_folder(SharedString::from(cfg.updates.usb_folder.as_str()));
    w.global::<GuidesAdapter>()
        .set_guides(model(kiosk.guides().iter().map(guide_item).collect()));
}

fn handle(ctx: &Ctx, w: &MainWindow, ev: Event) {
    match ev {
        Event::SearchDone { generation, result } => {
            if generation != ctx.search.borrow().generation {
                return;
            }
            w.global::<SearchAdapter>().set_busy(false);
            match result {
                Ok(outcome) => {
                    if super::search::show_search(w, &outcome) {
                        ctx.recorder
                            .query_typed(&outcome.request.text, outcome.results.total as u64);
                        // A procedure code typed in full opens the procedure directly.
                        let code = crate::domain::normalize_code_query(&outcome.request.text);
                        if let (Some(code), Some(first)) =
                            (code, outcome.results.procedures.first())
                            && first.exact_code
                            && first.code == code
                        {
                            ctx.open_procedure(&code);
                        }
                    }
                }
                Err(e) => tracing::error!("search failed: {e}"),
            }
        }
        Event::ApplyDone { result: Ok(meta) } => {
            tracing::info!("data version {} is live", meta.version);
            show_data(w, &ctx.kiosk);
            if ctx.staff_job.replace(false) {
                super::staff::show_applied(w, meta.version, "");
            }
            ctx.show_staff(w);
        }
        Event::ApplyDone { result: Err(e) } => {
            tracing::warn!("refresh refused: {e}");
            if ctx.staff_job.replace(false) {
                super::staff::show_result(w, false, &e);
            }
            ctx.show_staff(w);
        }
        Event::Progress { stage, .. } => {
            if ctx.staff_job.get() {
                super::staff::show_progress(w, stage);
            }
        }
        Event::NetworkChecked { result } => {
            // A new version also sends `ApplyDone`, which reports it.
            if !matches!(result, Ok(NetworkOutcome::Applied { .. })) && ctx.staff_job.replace(false)
            {
                match &result {
                    Ok(NetworkOutcome::NotModified) => {
                        super::staff::show_outcome(w, ResultKind::UpToDate, "")
                    }
                    Ok(NetworkOutcome::Disabled) => super::staff::show_result(
                        w,
                        false,
                        "updates.network_url is empty in kiosk.toml",
                    ),
                    Ok(NetworkOutcome::Applied { .. }) => {}
                    Err(e) => super::staff::show_result(w, false, e),
                }
            }
            ctx.show_staff(w);
        }
        Event::PinChecked(answer) => {
            super::staff::show_pin_result(w, &answer);
            ctx.show_staff(w);
        }
        Event::UsbBundles(found) => {
            *ctx.usb.borrow_mut() = found;
            if w.global::<StaffAdapter>().get_unlocked() {
                super::staff::show_usb(w, &ctx.usb.borrow());
            }
        }
    }
}

/// The shell options a kiosk configuration asks for.
pub fn shell_options(cfg: &crate::config::Config) -> ShellOptions {
    ShellOptions {
        idle: IdlePolicy::new(
            Duration::from_secs(cfg.idle.timeout_seconds),
            Duration::from_secs(cfg.idle.warning_seconds),
        ),
        language: cfg.display.language.clone(),
        large_text: cfg.display.large_text,
        high_contrast: cfg.display.high_contrast,
        telex: true,
        now: Rc::new(Instant::now),
        show_clock: true,
    }
}

/// A kiosk bound to a window. Without [`run`]'s worker threads, searches run synchronously on
/// the calling thread (tests, screenshots and benchmarks drive it this way).
#[derive(Clone)]
pub struct Attached {
    ctx: Rc<Ctx>,
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attached").finish_non_exhaustive()
    }
}

impl Attached {
    pub fn shell(&self) -> &Shell {
        &self.ctx.shell
    }

    pub fn open_procedure(&self, code: &str) {
        self.ctx.open_procedure(code);
    }

    /// Opens a field's or a life event's list on the browse page.
    pub fn open_group(&self, key: &str) {
        let is_event = self.ctx.kiosk.life_events().iter().any(|e| e.slug == key);
        let tab = if is_event {
            BrowseTab::LifeEvents
        } else {
            BrowseTab::Fields
        };
        self.ctx.open_list(tab, key);
    }

    pub fn open_guide(&self, id: &str) {
        self.ctx.open_guide(id);
    }

    /// Hands the window an event as the worker threads would (a USB stick found, a refresh
    /// finished); tests and tools without a worker drive it this way.
    pub fn deliver(&self, event: Event) {
        if let Some(w) = self.ctx.window.upgrade() {
            handle(&self.ctx, &w, event);
        }
    }
}

/// Binds `kiosk` to `w`: fills the data pages, installs the shell and every callback.
pub fn attach(
    w: &MainWindow,
    kiosk: Arc<Kiosk>,
    options: ShellOptions,
    recorder: Arc<Recorder>,
) -> Attached {
    let shell = Shell::install(w, options);
    let ctx = Rc::new(Ctx {
        kiosk: kiosk.clone(),
        recorder,
        window: w.as_weak(),
        shell,
        worker: RefCell::new(None),
        search: RefCell::default(),
        usb: RefCell::new(Vec::new()),
        staff_job: Cell::new(false),
        last_code: RefCell::new(None),
        exit: Cell::new(RunExit::Closed),
    });
    show_data(w, &kiosk);
    bind(w, &ctx);
    Attached { ctx }
}

/// Opens the window and runs the kiosk until the window closes or staff ask for a restart.
pub fn run(kiosk: Arc<Kiosk>, opts: RunOptions) -> Result<RunExit, UiError> {
    let w = MainWindow::new().map_err(UiError::Create)?;
    let cfg = kiosk.config().clone();
    let recorder = Arc::new(Recorder::new(cfg.statistics.enabled));
    let ctx = attach(&w, kiosk.clone(), shell_options(&cfg), recorder.clone()).ctx;

    // Worker events come back on the UI thread through the event loop (no polling: an idle
    // kiosk does no work); the window may be gone by then.
    CTX.with(|c| *c.borrow_mut() = Some(ctx.clone()));
    let weak = w.as_weak();
    let worker = Worker::spawn_with_watch(kiosk, recorder, move |e| {
        let weak = weak.clone();
        let sent = slint::invoke_from_event_loop(move || {
            let Some(w) = weak.upgrade() else { return };
            CTX.with(|c| {
                if let Some(ctx) = c.borrow().as_ref() {
                    handle(ctx, &w, e);
                }
            });
        });
        if sent.is_err() {
            tracing::debug!("event loop gone; worker event dropped");
        }
    });
    *ctx.worker.borrow_mut() = Some(worker);

    if opts.fullscreen {
        w.window().set_fullscreen(true);
    }
    let res = w.run().map_err(UiError::Create);
    // Stop the threads before the window goes.
    ctx.worker.borrow_mut().take();
    ctx.recorder.end_visit(&ctx.kiosk);
    CTX.with(|c| c.borrow_mut().take());
    res.map(|()| ctx.exit.get())
}

fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    let k = w.global::<KioskGlobal>();
    let c = ctx.clone();
    k.on_open_procedure(move |code| c.open_procedure(&code));
    let c = ctx.clone();
    k.on_open_field(move |name| c.open_list(BrowseTab::Fields, &name));
    let c = ctx.clone();
    k.on_open_life_event(move |slug| c.open_list(BrowseTab::LifeEvents, &slug));
    let c = ctx.clone();
    k.on_open_guide(move |id| c.open_guide(&id));

    let c = ctx.clone();
    k.on_staff_requested(move || c.shell.navigate(Page::Staff));
    let c = ctx.clone();
    k.on_finish_visit(move || {
        // The visit is over: clear it for the next person, then offer the rating.
        let code = c.last_code.borrow().clone();
        c.shell.reset();
        *c.last_code.borrow_mut() = code;
        if let Some(w) = c.window.upgrade() {
            super::rating::show_rating(&w);
        }
        c.shell.navigate(Page::Rating);
    });
    bind_staff(w, ctx);
    bind_rating(w, ctx);

    let c = ctx.clone();
    ctx.shell.on_query_changed(move |w, _text| {
        // A new query starts with a short list again.
        c.search.borrow_mut().limit = RESULTS;
        c.search_now(w);
    });
    let c = ctx.clone();
    ctx.shell.on_reset(move |_w| {
        c.recorder.end_visit(&c.kiosk);
        c.last_code.borrow_mut().take();
        let mut st = c.search.borrow_mut();
        // Keep counting generations so an answer still in flight is recognised as stale.
        *st = SearchState {
            generation: st.generation,
            ..Default::default()
        };
    });

    let sa = w.global::<SearchAdapter>();
    let c = ctx.clone();
    sa.on_toggle_field(move |name| {
        {
            let mut st = c.search.borrow_mut();
            st.limit = RESULTS;
            st.field = if st.field.as_deref() == Some(name.as_str()) {
                None
            } else {
                Some(name.to_string())
            };
        }
        if let Some(w) = c.window.upgrade() {
            c.search_now(&w);
        }
    });
    let c = ctx.clone();
    sa.on_toggle_level(move |key| {
        {
            let mut st = c.search.borrow_mut();
            st.limit = RESULTS;
            let level = Level::parse(&key);
            st.level = if st.level == level { None } else { level };
        }
        if let Some(w) = c.window.upgrade() {
            c.search_now(&w);
        }
    });
    let c = ctx.clone();
    sa.on_show_more(move || {
        {
            let mut st = c.search.borrow_mut();
            st.limit = (st.limit + MORE_RESULTS).min(MAX_RESULTS);
        }
        if let Some(w) = c.window.upgrade() {
            c.search_now(&w);
        }
    });
    let c = ctx.clone();
    sa.on_toggle_online(move || {
        {
            let mut st = c.search.borrow_mut();
            st.limit = RESULTS;
            st.online_only = !st.online_only;
        }
        if let Some(w) = c.window.upgrade() {
            c.search_now(&w);
        }
    });
}

fn bind_staff(w: &MainWindow, ctx: &Rc<Ctx>) {
    let a = w.global::<StaffAdapter>();
    let c = ctx.clone();
    a.on_pin_submit(move |pin| {
        let Some(w) = c.window.upgrade() else { return };
        // argon2 takes tens of milliseconds (more on a slow kiosk): the PIN thread checks it.
        super::staff::show_pin_checking(&w);
        let cmd = Command::CheckPin(crate::app::staff::Pin::new(pin.as_str()));
        if c.worker.borrow().is_some() {
            c.send(cmd);
        } else {
            crate::app::worker::perform(&c.kiosk, cmd, &|e| handle(&c, &w, e));
        }
    });
    // The page also locks itself when any other page is shown; locking here as well means it
    // is locked before the next frame, not at it.
    let c = ctx.clone();
    a.on_cancel(move || {
        if let Some(w) = c.window.upgrade() {
            super::staff::lock(&w);
        }
        c.shell.home();
    });
    let c = ctx.clone();
    a.on_close(move || {
        if let Some(w) = c.window.upgrade() {
            super::staff::lock(&w);
        }
        c.shell.home();
    });
    let c = ctx.clone();
    a.on_apply_usb(move |path| {
        let Some(w) = c.window.upgrade() else { return };
        // Only a bundle the watch thread found can be applied.
        let known = c
            .usb
            .borrow()
            .iter()
            .any(|b| b.path.display().to_string() == path.as_str());
        if !known {
            super::staff::show_result(&w, false, &format!("{path}: no longer on the stick"));
            return;
        }
        c.staff_command(
            &w,
            Command::ApplyBundle {
                path: std::path::PathBuf::from(path.as_str()),
                origin: Origin::Usb,
            },
        );
    });
    let c = ctx.clone();
    a.on_rollback(move || {
        if let Some(w) = c.window.upgrade() {
            c.staff_command(&w, Command::Rollback);
        }
    });
    let c = ctx.clone();
    a.on_check_network(move || {
        if let Some(w) = c.window.upgrade() {
            c.staff_command(&w, Command::CheckNetwork);
        }
    });
    let c = ctx.clone();
    a.on_export_stats(move || {
        if let Some(w) = c.window.upgrade() {
            c.export_stats(&w);
        }
    });
    let c = ctx.clone();
    a.on_restart(move || {
        c.exit.set(RunExit::Restart);
        if let Err(e) = slint::quit_event_loop() {
            tracing::error!("restart: {e}");
        }
    });
}

fn bind_rating(w: &MainWindow, ctx: &Rc<Ctx>) {
    let r = w.global::<RatingAdapter>();
    let c = ctx.clone();
    r.on_rate(move |level, reason| {
        if let Some((rating, reason)) = super::rating::parse_rating(level, &reason) {
            let code = c.last_code.borrow_mut().take();
            c.recorder.rated(&c.kiosk, rating, reason, code.as_deref());
        }
    });
    let c = ctx.clone();
    r.on_skip(move || {
        c.last_code.borrow_mut().take();
    });
}

/// The pages `motcua screenshot --page` knows.
pub const SHOT_PAGES: [&str; 10] = [
    "home",
    "search",
    "procedure",
    "browse",
    "hotlines",
    "guides",
    "guide",
    "staff-pin",
    "staff",
    "rating",
];

/// Which page a screenshot shows, and with what.
#[derive(Debug, Clone)]
pub struct ShotOptions {
    /// One of [`SHOT_PAGES`].
    pub page: String,
    pub query: Option<String>,
    pub code: Option<String>,
    /// A field name or a life-event slug for the browse page.
    pub group: Option<String>,
    pub size: (u32, u32),
    pub language: Option<String>,
    pub large_text: bool,
    pub high_contrast: bool,
    /// Leave the on-screen keyboard closed on the search page.
    pub keyboard_closed: bool,
}

/// Renders one page of the kiosk on its real data to PNG, headless (software renderer).
pub fn screenshot(kiosk: Arc<Kiosk>, o: &ShotOptions) -> Result<Vec<u8>, UiError> {
    let w = super::screenshot::new_window()?;
    let cfg = kiosk.config().clone();
    let mut options = shell_options(&cfg);
    if let Some(l) = &o.language {
        options.language = l.clone();
    }
    options.large_text |= o.large_text;
    options.high_contrast |= o.high_contrast;
    // Screenshots are not visits.
    let attached = attach(&w, kiosk.clone(), options, Arc::new(Recorder::new(false)));
    let ctx = attached.ctx.clone();
    let shell = ctx.shell.clone();
    match o.page.as_str() {
        "home" => {}
        "search" => {
            let q = o.query.clone().unwrap_or_else(|| "khai sinh".into());
            shell.navigate(Page::Search);
            w.global::<SearchAdapter>()
                .set_query(SharedString::from(q.as_str()));
            w.global::<SearchAdapter>()
                .set_keyboard_open(!o.keyboard_closed);
            ctx.search_now(&w);
        }
        "procedure" => {
            let code = o.code.clone().unwrap_or_else(|| "1.001193".into());
            ctx.open_procedure(&code);
            if w.global::<KioskGlobal>().get_page() != Page::Procedure {
                return Err(UiError::Platform(format!(
                    "no procedure {code} in the data"
                )));
            }
        }
        "browse" => {
            shell.navigate(Page::Browse);
            if let Some(g) = &o.group {
                attached.open_group(g);
            }
        }
        "hotlines" => shell.navigate(Page::Hotlines),
        "guides" => shell.navigate(Page::Guides),
        "guide" => {
            let id = o
                .code
                .clone()
                .or_else(|| kiosk.guides().first().map(|g| g.id.clone()))
                .unwrap_or_default();
            ctx.open_guide(&id);
        }
        "staff-pin" => shell.navigate(Page::Staff),
        "staff" => {
            // As after the right PIN, with the sticks the kiosk can see now.
            shell.navigate(Page::Staff);
            super::staff::show_pin_result(&w, &crate::app::staff::PinCheck::Granted);
            *ctx.usb.borrow_mut() = kiosk.usb_bundles();
            ctx.show_staff(&w);
        }
        "rating" => {
            super::rating::show_rating(&w);
            shell.navigate(Page::Rating);
        }
        other => {
            return Err(UiError::Platform(format!(
                "unknown page `{other}` ({})",
                SHOT_PAGES.join(", ")
            )));
        }
    }
    super::screenshot::render(&w, o.size)
}
