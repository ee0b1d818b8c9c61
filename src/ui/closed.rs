//! Opening hours on the screen: a one-second timer asks `app`'s [`ClosedHours`] what to show and
//! copies it into the closed page (the hours, when it opens again, the hotline; dark after
//! `display_off_after_minutes`, and with nothing on it changing, nothing is redrawn). A touch opens
//! a visit. The local time comes from a clock the caller gives (a mock in tests).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use chrono::NaiveDateTime;
use slint::{ComponentHandle, SharedString, Timer, TimerMode};

use super::convert::model;
use super::shell::Shell;
use super::{ClosedAdapter, HoursRow, MainWindow};
use crate::app::kiosk::Kiosk;
use crate::app::screen::closed::{ClosedHours, ClosedState, Hours};

/// The local wall-clock time.
pub type Clock = Rc<dyn Fn() -> NaiveDateTime>;

/// The installed controller; keep it as long as the window. Cloning shares it.
#[derive(Clone)]
pub struct ClosedPage {
    window: slint::Weak<MainWindow>,
    state: Rc<RefCell<ClosedHours>>,
    shell: Shell,
    clock: Clock,
    _timer: Rc<Timer>,
}

/// Installs the closed page when `[hours]` is on; None otherwise. [`install_with`] takes the
/// hours and the clock from the caller (tests).
pub fn install(w: &MainWindow, kiosk: &Kiosk, shell: Shell, clock: Clock) -> Option<ClosedPage> {
    let hours = kiosk.opening_hours()?;
    Some(install_with(w, kiosk, hours.hours().clone(), shell, clock))
}

/// The closed page as `motcua screenshot --page closed` shows it: the configured hours (turned
/// on), a Monday evening; `dark` shows the screen after it went dark.
pub fn preview(w: &MainWindow, kiosk: &Kiosk, shell: Shell, dark: bool) -> ClosedPage {
    let mut hours = kiosk.config().hours.clone();
    hours.enabled = true;
    hours.display_off_after_minutes = if dark { 1 } else { 0 };
    let at = chrono::NaiveDate::from_isoywd_opt(2026, 49, chrono::Weekday::Mon)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .unwrap_or_default();
    let now = Rc::new(std::cell::Cell::new(at));
    let clock = now.clone();
    let c = install_with(w, kiosk, hours, shell, Rc::new(move || clock.get()));
    // Past the dark delay, nobody at the screen.
    now.set(at + chrono::Duration::hours(1));
    c.tick_idle(Duration::from_secs(24 * 3600));
    c
}

pub fn install_with(
    w: &MainWindow,
    kiosk: &Kiosk,
    hours: Hours,
    shell: Shell,
    clock: Clock,
) -> ClosedPage {
    let view = kiosk.closed_view(&hours);
    let a = w.global::<ClosedAdapter>();
    a.set_office(SharedString::from(view.office.as_str()));
    a.set_hours(model(
        view.rows
            .iter()
            .map(|r| HoursRow {
                from: r.from as i32,
                to: r.to as i32,
                periods: SharedString::from(r.periods.as_str()),
            })
            .collect(),
    ));
    if let Some((name, number)) = &view.hotline {
        a.set_hotline_name(SharedString::from(name.as_str()));
        a.set_hotline_number(SharedString::from(number.as_str()));
    }
    let timer = Rc::new(Timer::default());
    let c = ClosedPage {
        window: w.as_weak(),
        state: Rc::new(RefCell::new(ClosedHours::new(hours, kiosk.visit_length()))),
        shell,
        clock,
        _timer: timer.clone(),
    };
    let me = c.clone();
    a.on_wake(move || me.wake());
    let me = c.clone();
    timer.start(TimerMode::Repeated, Duration::from_secs(1), move || {
        me.tick()
    });
    c.tick();
    c
}

impl ClosedPage {
    /// A touch on the closed page: a visit starts on the home page.
    pub fn wake(&self) {
        self.state.borrow_mut().wake();
        self.shell.touch();
        self.shell.home();
        if let Some(w) = self.window.upgrade() {
            let a = w.global::<ClosedAdapter>();
            a.set_shown(false);
            a.set_dark(false);
        }
    }

    /// Puts the page up or down for the current time (the timer calls it every second).
    pub fn tick(&self) {
        self.tick_idle(self.shell.idle_for());
    }

    fn tick_idle(&self, idle: Duration) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let a = w.global::<ClosedAdapter>();
        let state = self.state.borrow_mut().tick((self.clock)(), idle);
        match state {
            ClosedState::Open => {
                if a.get_shown() {
                    a.set_shown(false);
                    a.set_dark(false);
                }
            }
            ClosedState::Closed { dark, next } => {
                match next {
                    Some(n) => {
                        a.set_next_day(n.weekday as i32);
                        a.set_next_time(SharedString::from(n.time));
                        a.set_next_date(SharedString::from(n.date));
                    }
                    None => a.set_next_day(-1),
                }
                if !a.get_shown() {
                    a.set_shown(true);
                }
                if a.get_dark() != dark {
                    a.set_dark(dark);
                }
            }
        }
    }
}
