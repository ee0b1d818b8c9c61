//! The window's own behaviour, which needs no data: the page history behind "Quay lại" and
//! "Trang đầu", the on-screen keyboard composing the query (`app::keyboard`), the language and
//! display switches, the clock, and the idle countdown and reset (`app::idle`). The app core
//! plugs in with two hooks: the query changed, and the kiosk was reset.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, SharedString, Timer, TimerMode};

use super::{BrowseAdapter, BrowseTab, Kiosk, MainWindow, Page, SearchAdapter, Theme};
use crate::app::idle::{IdlePolicy, IdleState};
use crate::app::keyboard::{Key, apply_key};

/// What the shell starts from and goes back to after an idle reset.
#[derive(Clone)]
pub struct ShellOptions {
    pub idle: IdlePolicy,
    /// "vi" or "en".
    pub language: String,
    pub large_text: bool,
    pub high_contrast: bool,
    /// Telex on the letter keys.
    pub telex: bool,
    /// The time source for the idle policy (a mock in tests).
    pub now: Rc<dyn Fn() -> Instant>,
    /// Show the wall-clock time and date in the header.
    pub show_clock: bool,
}

impl std::fmt::Debug for ShellOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellOptions")
            .field("idle", &self.idle)
            .field("language", &self.language)
            .field("large_text", &self.large_text)
            .field("high_contrast", &self.high_contrast)
            .field("telex", &self.telex)
            .field("show_clock", &self.show_clock)
            .finish_non_exhaustive()
    }
}

impl Default for ShellOptions {
    fn default() -> Self {
        ShellOptions {
            idle: IdlePolicy::default(),
            language: "vi".into(),
            large_text: false,
            high_contrast: false,
            telex: true,
            now: Rc::new(Instant::now),
            show_clock: true,
        }
    }
}

type QueryHook = Rc<dyn Fn(&MainWindow, &str)>;
type ResetHook = Rc<dyn Fn(&MainWindow)>;
type HomeHook = Rc<dyn Fn(&MainWindow)>;
type TapHook = Rc<dyn Fn()>;

struct State {
    options: ShellOptions,
    history: Vec<Page>,
    last_touch: Instant,
    /// The last touch by a person (or read-aloud listened to): the shell's own restarts of the
    /// countdown (an untouched home page, the reset) leave it, so the opening hours can tell an
    /// empty kiosk from a visit.
    last_visitor: Instant,
    /// The last touch or visit's reset: the untouched start screen's invitation counts from it.
    quiet_since: Instant,
    on_query: Option<QueryHook>,
    on_reset: Option<ResetHook>,
    on_home: Option<HomeHook>,
    on_tap: Option<TapHook>,
}

/// The installed shell. Keep it alive as long as the window (it owns the one-second timer).
/// Cloning shares it.
#[derive(Clone)]
pub struct Shell {
    window: slint::Weak<MainWindow>,
    state: Rc<RefCell<State>>,
    timer: Rc<Timer>,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell").finish_non_exhaustive()
    }
}

impl Shell {
    /// Binds the shell callbacks of `window` and starts the one-second timer.
    pub fn install(window: &MainWindow, options: ShellOptions) -> Shell {
        let now = (options.now)();
        let shell = Shell {
            window: window.as_weak(),
            state: Rc::new(RefCell::new(State {
                options,
                history: Vec::new(),
                last_touch: now,
                last_visitor: now,
                quiet_since: now,
                on_query: None,
                on_reset: None,
                on_home: None,
                on_tap: None,
            })),
            timer: Rc::new(Timer::default()),
        };
        shell.apply_defaults(window, false);
        shell.bind(window);
        let tick = shell.clone();
        shell
            .timer
            .start(TimerMode::Repeated, Duration::from_secs(1), move || {
                tick.tick()
            });
        shell.tick();
        shell
    }

    /// Called with the new query after every key (run the search here, off the UI thread).
    pub fn on_query_changed(&self, hook: impl Fn(&MainWindow, &str) + 'static) {
        self.state.borrow_mut().on_query = Some(Rc::new(hook));
    }

    /// Called after an idle reset put the window back to its start (reload the home page data,
    /// count a session, …).
    pub fn on_reset(&self, hook: impl Fn(&MainWindow) + 'static) {
        self.state.borrow_mut().on_reset = Some(Rc::new(hook));
    }

    /// Called when someone goes home ("Trang đầu", or the rating's end), after the query was
    /// cleared (forget the search filters, …).
    pub fn on_home(&self, hook: impl Fn(&MainWindow) + 'static) {
        self.state.borrow_mut().on_home = Some(Rc::new(hook));
    }

    /// Called on every tap on a control, before the control's own action (read-aloud stops
    /// unless the tap was on its own controls).
    pub fn on_tap(&self, hook: impl Fn() + 'static) {
        self.state.borrow_mut().on_tap = Some(Rc::new(hook));
    }

    /// Shows `page`, remembering the current one for "Quay lại".
    pub fn navigate(&self, page: Page) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let k = w.global::<Kiosk>();
        let current = k.get_page();
        if current != page {
            let mut st = self.state.borrow_mut();
            st.history.push(current);
            // A long wander does not need a long memory.
            if st.history.len() > 32 {
                st.history.remove(0);
            }
        }
        k.set_page(page);
        if page == Page::Search {
            w.global::<SearchAdapter>().set_keyboard_open(true);
        }
    }

    pub fn back(&self) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let previous = self.state.borrow_mut().history.pop();
        self.leave_rating(&w);
        w.global::<Kiosk>().set_page(previous.unwrap_or(Page::Home));
    }

    /// "Trang đầu": the home page with nothing of the search left (the next person may be
    /// someone else), and no history.
    pub fn home(&self) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        self.state.borrow_mut().history.clear();
        self.leave_rating(&w);
        w.global::<Kiosk>().set_page(Page::Home);
        let sa = w.global::<SearchAdapter>();
        sa.set_query(SharedString::new());
        sa.set_keyboard_open(true);
        let hook = self.state.borrow().on_home.clone();
        if let Some(h) = hook {
            h(&w);
        }
        self.query_changed(&w, "");
    }

    /// The rating ends the visit that "Xong" began: the office's language and display come back
    /// once the visitor has answered in theirs.
    fn leave_rating(&self, w: &MainWindow) {
        if w.global::<Kiosk>().get_page() == Page::Rating {
            self.restore_display(w);
        }
    }

    /// How long since someone last used the kiosk, on the shell's clock.
    pub fn idle_for(&self) -> std::time::Duration {
        let st = self.state.borrow();
        (st.options.now)().saturating_duration_since(st.last_visitor)
    }

    /// Someone touched the screen (the invitation screen gives way to the start screen).
    pub fn touch(&self) {
        let now = (self.state.borrow().options.now)();
        {
            let mut st = self.state.borrow_mut();
            st.last_visitor = now;
            st.quiet_since = now;
        }
        self.restart_countdown();
        if let Some(w) = self.window.upgrade() {
            w.global::<Kiosk>().set_attract(false);
        }
    }

    /// The idle countdown starts again (nobody is necessarily there).
    fn restart_countdown(&self) {
        let now = (self.state.borrow().options.now)();
        self.state.borrow_mut().last_touch = now;
        if let Some(w) = self.window.upgrade() {
            let k = w.global::<Kiosk>();
            k.set_idle_warning(false);
            k.set_attract(false);
        }
    }

    /// Sets the query as if typed (a suggestion chip, a home tile) and reports it.
    pub fn set_query(&self, text: &str) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        w.global::<SearchAdapter>()
            .set_query(SharedString::from(text));
        self.query_changed(&w, text);
    }

    /// Back to the start for the next person: home page, empty query, default language and
    /// display, no history.
    pub fn reset(&self) {
        self.reset_visit(false);
    }

    /// "Xong": the same reset, except that the language and display stay as the visitor chose
    /// them until the rating that follows is over (see [`Shell::home`]).
    pub fn finish(&self) {
        self.reset_visit(true);
    }

    fn reset_visit(&self, keep_display: bool) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        {
            let mut st = self.state.borrow_mut();
            st.history.clear();
            st.quiet_since = (st.options.now)();
        }
        self.apply_defaults(&w, keep_display);
        self.restart_countdown();
        let hook = self.state.borrow().on_reset.clone();
        if let Some(h) = hook {
            h(&w);
        }
        self.query_changed(&w, "");
    }

    fn apply_defaults(&self, w: &MainWindow, keep_display: bool) {
        let o = self.state.borrow().options.clone();
        let k = w.global::<Kiosk>();
        k.set_page(Page::Home);
        k.set_idle_warning(false);
        k.set_attract(false);
        if !keep_display {
            self.restore_display(w);
        }
        let sa = w.global::<SearchAdapter>();
        sa.set_query(SharedString::new());
        sa.set_keyboard_open(true);
        sa.set_telex(o.telex);
        let b = w.global::<BrowseAdapter>();
        b.set_tab(BrowseTab::Fields);
        b.set_selected_key(SharedString::new());
        b.set_selected_label(SharedString::new());
        if o.show_clock {
            update_clock(w);
        }
    }

    /// The office's language, text size and contrast.
    fn restore_display(&self, w: &MainWindow) {
        let o = self.state.borrow().options.clone();
        let t = w.global::<Theme>();
        t.set_large_text(o.large_text);
        t.set_high_contrast(o.high_contrast);
        set_language(w, &o.language);
    }

    /// Whether the next person would see anything the last one left.
    fn is_pristine(&self, w: &MainWindow) -> bool {
        let o = &self.state.borrow().options;
        let t = w.global::<Theme>();
        w.global::<Kiosk>().get_page() == Page::Home
            && w.global::<SearchAdapter>().get_query().is_empty()
            && t.get_large_text() == o.large_text
            && t.get_high_contrast() == o.high_contrast
            && w.global::<Kiosk>().get_language() == o.language.as_str()
    }

    /// What the one-second timer runs: the clock, the idle countdown and the reset. Benchmarks
    /// that skip time on their own clock call it to see the reset at once.
    pub fn tick(&self) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let (state, show_clock, now) = {
            let st = self.state.borrow();
            let now = (st.options.now)();
            (
                st.options.idle.state(st.last_touch, now),
                st.options.show_clock,
                now,
            )
        };
        if show_clock {
            update_clock(&w);
        }
        let k = w.global::<Kiosk>();
        if self.is_pristine(&w) {
            // Nothing to protect: no countdown, and the timeout starts when someone comes;
            // after long enough, the invitation screen (app::idle).
            k.set_idle_warning(false);
            let step = {
                let mut st = self.state.borrow_mut();
                st.last_touch = now;
                st.options
                    .idle
                    .attract_step(now.saturating_duration_since(st.quiet_since))
            };
            // Only a touch (or a visit) ends it.
            if let Some(step) = step {
                k.set_attract_step(i32::try_from(step % 1_000_000).unwrap_or(0));
                k.set_attract(true);
            }
            return;
        }
        k.set_attract(false);
        match state {
            IdleState::Active => k.set_idle_warning(false),
            IdleState::Warning { seconds_left } => {
                k.set_idle_seconds_left(i32::try_from(seconds_left).unwrap_or(i32::MAX));
                k.set_idle_warning(true);
            }
            IdleState::Reset => self.reset(),
        }
    }

    /// A key of either keyboard on the query.
    fn key(&self, key: Key) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let a = w.global::<SearchAdapter>();
        let before = a.get_query();
        let after = apply_key(&before, key, a.get_telex());
        if after != before.as_str() {
            a.set_query(SharedString::from(after.as_str()));
            self.query_changed(&w, &after);
        }
    }

    /// A hardware key typed outside the search page: a letter, digit or mark starts a new
    /// search with it, where the rest of the typing goes.
    pub fn typed(&self, text: &str) -> bool {
        let Some(key @ Key::Char(c)) = Key::from_id(text) else {
            return false;
        };
        if c.is_whitespace() {
            return false;
        }
        self.touch();
        self.navigate(Page::Search);
        if let Some(w) = self.window.upgrade() {
            w.global::<SearchAdapter>().set_query(SharedString::new());
        }
        self.key(key);
        true
    }

    fn query_changed(&self, w: &MainWindow, query: &str) {
        let hook = self.state.borrow().on_query.clone();
        if let Some(h) = hook {
            h(w, query);
        }
    }

    fn bind(&self, w: &MainWindow) {
        let k = w.global::<Kiosk>();
        let sh = self.clone();
        k.on_navigate(move |p| sh.navigate(p));
        let sh = self.clone();
        k.on_back(move || sh.back());
        let sh = self.clone();
        k.on_home(move || sh.home());
        let sh = self.clone();
        k.on_resized(move || {
            if let Some(w) = sh.window.upgrade() {
                super::fit::apply(&w);
            }
        });
        let sh = self.clone();
        k.on_activity(move || {
            sh.touch();
            let hook = sh.state.borrow().on_tap.clone();
            if let Some(h) = hook {
                h();
            }
        });
        let sh = self.clone();
        k.on_still_here(move || sh.touch());
        let sh = self.clone();
        k.on_set_language(move |lang| {
            if let Some(w) = sh.window.upgrade() {
                set_language(&w, &lang);
                if sh.state.borrow().options.show_clock {
                    update_clock(&w);
                }
            }
        });
        let sh = self.clone();
        k.on_search_for(move |text| {
            sh.navigate(Page::Search);
            if let Some(w) = sh.window.upgrade() {
                w.global::<SearchAdapter>().set_keyboard_open(false);
            }
            sh.set_query(&text);
        });

        let sh = self.clone();
        k.on_typed(move |text| sh.typed(&text));

        let sa = w.global::<SearchAdapter>();
        let sh = self.clone();
        sa.on_key(move |id| {
            if let Some(key) = Key::from_id(&id) {
                sh.key(key);
            }
        });
        let sh = self.clone();
        sa.on_submit(move || {
            if let Some(w) = sh.window.upgrade() {
                w.global::<SearchAdapter>().set_keyboard_open(false);
            }
        });
        let sh = self.clone();
        sa.on_toggle_telex(move || {
            if let Some(w) = sh.window.upgrade() {
                let a = w.global::<SearchAdapter>();
                a.set_telex(!a.get_telex());
            }
        });

        let sh = self.clone();
        w.global::<BrowseAdapter>().on_clear_selection(move || {
            if let Some(w) = sh.window.upgrade() {
                let b = w.global::<BrowseAdapter>();
                b.set_selected_key(SharedString::new());
                b.set_selected_label(SharedString::new());
            }
        });
    }
}

/// Switches the interface chrome between Vietnamese (the source language) and English.
pub fn set_language(w: &MainWindow, language: &str) {
    let lang = if language == "en" { "en" } else { "vi" };
    // "" selects the source language (Vietnamese); only English is bundled.
    let bundle = if lang == "en" { "en" } else { "" };
    if let Err(e) = slint::select_bundled_translation(bundle) {
        tracing::warn!("cannot switch the interface to {lang}: {e}");
    }
    w.global::<Kiosk>().set_language(SharedString::from(lang));
}

/// "08:30" and "Thứ Năm, 27/11/2026" (or "Thursday, 27/11/2026") in the header.
fn update_clock(w: &MainWindow) {
    let english = w.global::<Kiosk>().get_language() == "en";
    show_clock(w, &crate::app::screen::clock_now(english));
}

/// Puts `c` in the header.
pub fn show_clock(w: &MainWindow, c: &crate::app::screen::HeaderClock) {
    let k = w.global::<Kiosk>();
    k.set_clock(SharedString::from(c.time.as_str()));
    k.set_date(SharedString::from(c.date.as_str()));
    k.set_date_short(SharedString::from(c.short_date.as_str()));
}
