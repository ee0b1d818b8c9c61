//! Opening hours on the screen. Outside `[hours]` the closed page covers the kiosk (the hours,
//! when it opens again, the hotline); after `display_off_after_minutes` it turns black and, with
//! nothing on it changing, nothing is redrawn. A touch opens a visit; once the visit has been idle
//! as long as the idle reset takes, the closed page comes back. A visit in progress at closing
//! time is not cut short. The local time comes from a clock the caller gives (a mock in tests).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, Timelike};
use slint::{ComponentHandle, SharedString, Timer, TimerMode};

use super::shell::Shell;
use super::{ClosedAdapter, HoursRow, MainWindow, model};
use crate::app::kiosk::Kiosk;
use crate::config::{Hours, parse_periods};

/// The local wall-clock time.
pub type Clock = Rc<dyn Fn() -> NaiveDateTime>;

#[derive(Default)]
struct State {
    /// When the closed page was (last) put up; None while open.
    closed_since: Option<NaiveDateTime>,
    /// A visit while closed.
    visiting: bool,
}

/// The installed controller; keep it as long as the window. Cloning shares it.
#[derive(Clone)]
pub struct ClosedHours {
    window: slint::Weak<MainWindow>,
    hours: Hours,
    shell: Shell,
    clock: Clock,
    visit: Duration,
    state: Rc<RefCell<State>>,
    _timer: Rc<Timer>,
}

/// "07:30–11:30, 13:30–17:00" for the page.
fn periods_text(s: &str) -> String {
    parse_periods(s)
        .unwrap_or_default()
        .iter()
        .map(|p| format!("{}–{}", p.open.format("%H:%M"), p.close.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Consecutive weekdays with the same hours, as one row each.
fn rows(hours: &Hours) -> Vec<HoursRow> {
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    let mut out: Vec<HoursRow> = Vec::new();
    for (i, d) in days.iter().enumerate() {
        let text = periods_text(hours.day(*d));
        match out.last_mut() {
            Some(last) if last.periods.as_str() == text => last.to = i as i32,
            _ => out.push(HoursRow {
                from: i as i32,
                to: i as i32,
                periods: SharedString::from(text),
            }),
        }
    }
    out
}

/// Installs the closed page when `[hours]` is on; None otherwise. [`install_with`] takes the
/// hours and the clock from the caller (tests).
pub fn install(w: &MainWindow, kiosk: &Kiosk, shell: Shell, clock: Clock) -> Option<ClosedHours> {
    let hours = kiosk.config().hours.clone();
    hours
        .enabled
        .then(|| install_with(w, kiosk, hours, shell, clock))
}

/// The closed page as `motcua screenshot --page closed` shows it: the configured hours (turned
/// on), a Monday evening; `dark` shows the screen after it went dark.
pub fn preview(w: &MainWindow, kiosk: &Kiosk, shell: Shell, dark: bool) -> ClosedHours {
    let mut hours = kiosk.config().hours.clone();
    hours.enabled = true;
    hours.display_off_after_minutes = if dark { 1 } else { 0 };
    let at = chrono::NaiveDate::from_isoywd_opt(2026, 49, chrono::Weekday::Mon)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .unwrap_or_default();
    let start = Rc::new(std::cell::Cell::new(at));
    let clock = start.clone();
    let c = install_with(w, kiosk, hours, shell, Rc::new(move || clock.get()));
    // Past the visit length and the dark delay.
    start.set(at + chrono::Duration::hours(1));
    c.state.borrow_mut().visiting = false;
    c.tick();
    c
}

pub fn install_with(
    w: &MainWindow,
    kiosk: &Kiosk,
    hours: Hours,
    shell: Shell,
    clock: Clock,
) -> ClosedHours {
    let cfg = kiosk.config();
    let a = w.global::<ClosedAdapter>();
    a.set_office(SharedString::from(cfg.office.name.as_str()));
    a.set_hours(model(rows(&cfg.hours)));
    // The office's own line first, else the first national one from the data.
    let hotline = cfg
        .hotlines
        .first()
        .cloned()
        .or_else(|| kiosk.hotlines().into_iter().next());
    if let Some(h) = hotline {
        a.set_hotline_name(SharedString::from(h.name.as_str()));
        a.set_hotline_number(SharedString::from(h.number.as_str()));
    }
    let timer = Rc::new(Timer::default());
    let c = ClosedHours {
        window: w.as_weak(),
        hours,
        shell,
        clock,
        visit: Duration::from_secs(cfg.idle.timeout_seconds + cfg.idle.warning_seconds),
        state: Rc::new(RefCell::new(State::default())),
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

impl ClosedHours {
    /// A touch on the closed page: a visit starts on the home page.
    pub fn wake(&self) {
        self.state.borrow_mut().visiting = true;
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
        let Some(w) = self.window.upgrade() else {
            return;
        };
        let a = w.global::<ClosedAdapter>();
        let now = (self.clock)();
        if self.hours.is_open(now) {
            *self.state.borrow_mut() = State::default();
            if a.get_shown() {
                a.set_shown(false);
                a.set_dark(false);
            }
            return;
        }
        let idle = self.shell.idle_for();
        let mut st = self.state.borrow_mut();
        if st.closed_since.is_none() {
            st.closed_since = Some(now);
            // Someone still using the kiosk at closing time finishes the visit.
            st.visiting = idle < self.visit;
            self.show_next_opening(&w, now);
        }
        if st.visiting {
            if idle < self.visit {
                return;
            }
            // The visit is over (the idle reset has run): closed again, lit.
            st.visiting = false;
            st.closed_since = Some(now);
            self.show_next_opening(&w, now);
        }
        let since = st.closed_since.unwrap_or(now);
        let off = self.hours.display_off_after_minutes;
        let dark = off > 0 && now - since >= chrono::Duration::minutes(off as i64);
        if !a.get_shown() {
            a.set_shown(true);
        }
        if a.get_dark() != dark {
            a.set_dark(dark);
        }
    }

    fn show_next_opening(&self, w: &MainWindow, now: NaiveDateTime) {
        let a = w.global::<ClosedAdapter>();
        match self.hours.next_opening(now) {
            Some(t) => {
                a.set_next_day(t.weekday().num_days_from_monday() as i32);
                a.set_next_time(SharedString::from(format!(
                    "{:02}:{:02}",
                    t.hour(),
                    t.minute()
                )));
                a.set_next_date(SharedString::from(t.format("%d/%m").to_string()));
            }
            None => a.set_next_day(-1),
        }
    }
}
