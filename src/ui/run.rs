//! The kiosk at work: [`attach`] binds the app core to a window (fills the data pages, installs
//! the shell and every page's callbacks); [`run`] adds the worker threads, whose events come
//! back through the event loop, and runs until the window closes or staff ask for a restart.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use slint::ComponentHandle;

use super::context::{Ctx, handle};
use super::pages;
use super::shell::{Shell, ShellOptions};
use super::{Kiosk as KioskGlobal, MainWindow, Page, UiError};
use crate::app::kiosk::Kiosk;
use crate::app::screen::ShellSettings;
use crate::app::screen::search::SearchSession;
use crate::app::usage::{Note, Recorder};
use crate::app::worker::{Event, Worker};

pub use super::screenshot::{SHOT_PAGES, ShotOptions, screenshot};

/// What the kiosk starts with.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub fullscreen: bool,
    /// The renderer [`super::session::select_renderer`] installed, for the session record.
    pub renderer: crate::app::session::RendererChoice,
}

/// Why [`run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunExit {
    /// The window was closed.
    Closed,
    /// Staff asked for a restart on the staff screen (the caller starts the kiosk again).
    Restart,
}

thread_local! {
    /// The running kiosk's context, for worker events arriving through the event loop.
    static CTX: RefCell<Option<Rc<Ctx>>> = const { RefCell::new(None) };
}

/// The shell options for the office's settings.
pub fn shell_options(s: &ShellSettings) -> ShellOptions {
    ShellOptions {
        idle: s.idle,
        language: s.language.clone(),
        large_text: s.large_text,
        high_contrast: s.high_contrast,
        telex: true,
        now: Rc::new(Instant::now),
        show_clock: true,
    }
}

/// A kiosk bound to a window. Without [`run`]'s worker threads, searches and office work run
/// synchronously on the calling thread (tests, screenshots and benchmarks drive it this way).
#[derive(Clone)]
pub struct Attached {
    pub(super) ctx: Rc<Ctx>,
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
        pages::procedure::open(&self.ctx, code);
    }

    /// Opens a field's or a life event's list on the browse page.
    pub fn open_group(&self, key: &str) {
        pages::browse::open(&self.ctx, self.ctx.kiosk.group_kind(key), key);
    }

    pub fn open_guide(&self, id: &str) {
        pages::guides::open(&self.ctx, id);
    }

    /// Sends the query on screen to the search (the shell does this after every key).
    pub fn search_now(&self) {
        if let Some(w) = self.ctx.window.upgrade() {
            pages::search::search_now(&self.ctx, &w);
        }
    }

    pub fn kiosk(&self) -> &Arc<Kiosk> {
        &self.ctx.kiosk
    }

    /// Starts the kiosk's voice and receipt printer as configured; their events go to `sink`
    /// (the kiosk hands them to the event loop; tests give them back with [`Attached::deliver`]).
    pub fn start_media(&self, sink: impl Fn(Event) + Send + Sync + 'static) {
        if let Some(w) = self.ctx.window.upgrade() {
            pages::aloud::start(&self.ctx, &w, Arc::new(sink));
        }
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
        search: RefCell::new(SearchSession::default()),
        list: RefCell::new(None),
        usb: RefCell::new(Vec::new()),
        staff_job: Cell::new(false),
        last_code: RefCell::new(None),
        media: RefCell::new(pages::aloud::Media::default()),
        exit: Cell::new(RunExit::Closed),
    });
    pages::home::show_data(w, &kiosk);
    // The search page starts as an empty query leaves it, never with the layout's sample rows.
    pages::search::clear(w);
    bind(w, &ctx);
    Attached { ctx }
}

/// Opens the window and runs the kiosk until the window closes or staff ask for a restart.
pub fn run(kiosk: Arc<Kiosk>, opts: RunOptions) -> Result<RunExit, UiError> {
    let w = MainWindow::new().map_err(UiError::Create)?;
    let recorder = Arc::new(Recorder::new(kiosk.config().statistics.enabled));
    let options = shell_options(&kiosk.shell_settings());
    let ctx = attach(&w, kiosk.clone(), options, recorder.clone()).ctx;

    // Worker events come back on the UI thread through the event loop (no polling: an idle
    // kiosk does no work); the window may be gone by then.
    CTX.with(|c| *c.borrow_mut() = Some(ctx.clone()));
    let weak = w.as_weak();
    let to_window = move |e: Event| {
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
    };
    pages::aloud::start(&ctx, &w, Arc::new(to_window.clone()));
    let worker = Worker::spawn_with_watch(kiosk, recorder.clone(), to_window);
    *ctx.worker.borrow_mut() = Some(worker);

    let output = if opts.fullscreen {
        w.window().set_fullscreen(true);
        super::session::output_size()
    } else {
        None
    };
    let _session = super::session::install(&w, &ctx.kiosk, &opts.renderer, output);
    let _hours = super::closed::install(
        &w,
        &ctx.kiosk,
        ctx.shell.clone(),
        Rc::new(|| chrono::Local::now().naive_local()),
    );
    let res = w.run().map_err(UiError::Create);
    // Stop the threads (they finish what is queued, usage records included) before the window
    // goes, then close the visit.
    ctx.worker.borrow_mut().take();
    pages::aloud::shut_down(&ctx);
    recorder.end_visit(&ctx.kiosk);
    CTX.with(|c| c.borrow_mut().take());
    res.map(|()| ctx.exit.get())
}

fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    let k = w.global::<KioskGlobal>();
    let c = ctx.clone();
    k.on_open_procedure(move |code| pages::procedure::open(&c, &code));
    let c = ctx.clone();
    k.on_open_procedure_at(move |code, section| pages::procedure::open_at(&c, &code, &section));
    let c = ctx.clone();
    k.on_open_field(move |name| {
        pages::browse::open(&c, crate::app::screen::GroupKind::Field, &name)
    });
    let c = ctx.clone();
    k.on_open_life_event(move |slug| {
        pages::browse::open(&c, crate::app::screen::GroupKind::LifeEvent, &slug)
    });
    let c = ctx.clone();
    k.on_open_guide(move |id| pages::guides::open(&c, &id));

    let c = ctx.clone();
    k.on_staff_requested(move || c.shell.navigate(Page::Staff));
    let c = ctx.clone();
    k.on_finish_visit(move || {
        // The visit is over: clear it for the next person, then offer the rating.
        let code = c.last_code.borrow().clone();
        c.shell.finish();
        *c.last_code.borrow_mut() = code;
        if let Some(w) = c.window.upgrade() {
            pages::rating::show_rating(&w);
        }
        c.shell.navigate(Page::Rating);
    });
    pages::search::bind(w, ctx);
    pages::procedure::bind(w);
    pages::browse::bind(w, ctx);
    pages::staff::bind(w, ctx);
    pages::rating::bind(w, ctx);
    pages::help::bind(w, ctx);
    pages::aloud::bind(w, ctx);

    let c = ctx.clone();
    ctx.shell.on_home(move |w| {
        pages::aloud::stop(&c);
        c.search.borrow_mut().clear();
        pages::browse::reset(&c, w);
    });
    let c = ctx.clone();
    ctx.shell.on_reset(move |w| {
        pages::aloud::reset(&c);
        c.note(Note::EndVisit);
        c.last_code.borrow_mut().take();
        c.search.borrow_mut().clear();
        c.list.borrow_mut().take();
        pages::browse::reset(&c, w);
        pages::home::refresh_fields(w, &c.kiosk);
    });
}
