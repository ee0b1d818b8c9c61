//! The "closed" page (opening hours, `[hours]`): what it shows (the week's hours, when the office
//! opens again, the hotline) and when it covers the kiosk, as a state machine over the local time
//! and how long the screen has been left alone. The window's timer asks [`ClosedHours::tick`]
//! every second and copies the answer; testable without a window or a real clock.

use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::super::kiosk::Kiosk;
pub use crate::config::Hours;
use crate::config::parse_periods;

/// Consecutive weekdays with the same hours, as one row (0 is Monday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursRow {
    pub from: usize,
    pub to: usize,
    /// "07:30–11:30, 13:30–17:00"; empty: closed that day.
    pub periods: String,
}

/// The fixed part of the closed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedView {
    pub office: String,
    pub rows: Vec<HoursRow>,
    /// The office's own line first, else the first national one from the data.
    pub hotline: Option<(String, String)>,
}

/// When the office opens again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextOpening {
    /// 0 is Monday.
    pub weekday: usize,
    /// "07:30".
    pub time: String,
    /// "01/12".
    pub date: String,
}

/// What the screen shows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedState {
    /// Open, or a visit in progress: the kiosk as usual.
    Open,
    /// The closed page; `dark` once it has been up for `display_off_after_minutes`.
    Closed {
        dark: bool,
        next: Option<NextOpening>,
    },
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

/// The week's hours, consecutive days with the same hours folded into one row.
pub fn hours_rows(hours: &Hours) -> Vec<HoursRow> {
    use chrono::Weekday::*;
    let mut out: Vec<HoursRow> = Vec::new();
    for (i, d) in [Mon, Tue, Wed, Thu, Fri, Sat, Sun].into_iter().enumerate() {
        let text = periods_text(hours.day(d));
        match out.last_mut() {
            Some(last) if last.periods == text => last.to = i,
            _ => out.push(HoursRow {
                from: i,
                to: i,
                periods: text,
            }),
        }
    }
    out
}

impl Kiosk {
    /// The closed page's fixed content for `hours`.
    pub fn closed_view(&self, hours: &Hours) -> ClosedView {
        let cfg = self.config();
        let hotline = cfg
            .hotlines
            .first()
            .cloned()
            .or_else(|| self.hotlines().into_iter().next())
            .map(|h| (h.name, h.number));
        ClosedView {
            office: cfg.office.name.clone(),
            rows: hours_rows(hours),
            hotline,
        }
    }

    /// The configured opening hours when they are on.
    pub fn opening_hours(&self) -> Option<ClosedHours> {
        let cfg = self.config();
        cfg.hours
            .enabled
            .then(|| ClosedHours::new(cfg.hours.clone(), self.visit_length()))
    }

    /// The idle time after which a visit outside opening hours is over: the idle reset's.
    pub fn visit_length(&self) -> Duration {
        let cfg = self.config();
        Duration::from_secs(cfg.idle.timeout_seconds + cfg.idle.warning_seconds)
    }
}

/// The closed page's state machine.
#[derive(Debug, Clone)]
pub struct ClosedHours {
    hours: Hours,
    /// A visit outside hours lasts until the screen has been idle this long.
    visit: Duration,
    /// When the closed page was (last) put up; None while open.
    closed_since: Option<NaiveDateTime>,
    /// A visit while closed.
    visiting: bool,
}

impl ClosedHours {
    pub fn new(hours: Hours, visit: Duration) -> ClosedHours {
        ClosedHours {
            hours,
            visit,
            closed_since: None,
            visiting: false,
        }
    }

    pub fn hours(&self) -> &Hours {
        &self.hours
    }

    /// A touch on the closed page: a visit starts.
    pub fn wake(&mut self) {
        self.visiting = true;
    }

    /// The state at local time `now`, the screen untouched for `idle`.
    pub fn tick(&mut self, now: NaiveDateTime, idle: Duration) -> ClosedState {
        if self.hours.is_open(now) {
            self.closed_since = None;
            self.visiting = false;
            return ClosedState::Open;
        }
        if self.closed_since.is_none() {
            self.closed_since = Some(now);
            // Someone still using the kiosk at closing time finishes the visit.
            self.visiting = idle < self.visit;
        }
        if self.visiting {
            if idle < self.visit {
                return ClosedState::Open;
            }
            // The visit is over (the idle reset has run): closed again, lit.
            self.visiting = false;
            self.closed_since = Some(now);
        }
        let since = self.closed_since.unwrap_or(now);
        let off = self.hours.display_off_after_minutes;
        let off = chrono::Duration::minutes(i64::try_from(off).unwrap_or(i64::MAX / 60_000));
        let dark = self.hours.display_off_after_minutes > 0 && now - since >= off;
        ClosedState::Closed {
            dark,
            next: self.next_opening(now),
        }
    }

    fn next_opening(&self, now: NaiveDateTime) -> Option<NextOpening> {
        self.hours.next_opening(now).map(|t| NextOpening {
            weekday: t.weekday().num_days_from_monday() as usize,
            time: format!("{:02}:{:02}", t.hour(), t.minute()),
            date: t.format("%d/%m").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    fn hours() -> Hours {
        Hours {
            enabled: true,
            display_off_after_minutes: 10,
            ..Default::default()
        }
    }

    #[test]
    fn closes_goes_dark_lets_a_visit_finish_and_opens_in_the_morning() {
        let visit = Duration::from_secs(120);
        let mut c = ClosedHours::new(hours(), visit);
        let long = Duration::from_secs(600);
        // 2026-11-30 is a Monday.
        assert_eq!(c.tick(at("2026-11-30 16:59"), long), ClosedState::Open);
        let ClosedState::Closed { dark, next } = c.tick(at("2026-11-30 17:00"), long) else {
            panic!("closed at 17:00");
        };
        assert!(!dark);
        let next = next.expect("opens again");
        assert_eq!((next.weekday, next.time.as_str()), (1, "07:30"));
        assert_eq!(next.date, "01/12");
        assert!(matches!(
            c.tick(at("2026-11-30 17:10"), long),
            ClosedState::Closed { dark: true, .. }
        ));
        c.wake();
        assert_eq!(
            c.tick(at("2026-11-30 17:11"), Duration::from_secs(5)),
            ClosedState::Open
        );
        assert!(matches!(
            c.tick(at("2026-11-30 17:14"), visit),
            ClosedState::Closed { dark: false, .. }
        ));
        assert_eq!(c.tick(at("2026-12-01 07:30"), long), ClosedState::Open);
    }

    #[test]
    fn a_visit_in_progress_at_closing_time_is_not_cut_short() {
        let mut c = ClosedHours::new(hours(), Duration::from_secs(120));
        assert_eq!(
            c.tick(at("2026-11-30 17:00"), Duration::from_secs(3)),
            ClosedState::Open
        );
        assert!(matches!(
            c.tick(at("2026-11-30 17:03"), Duration::from_secs(121)),
            ClosedState::Closed { .. }
        ));
    }

    #[test]
    fn the_week_folds_days_with_the_same_hours() {
        let rows = hours_rows(&hours());
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!((rows[0].from, rows[0].to), (0, 4));
        assert_eq!(rows[0].periods, "07:30–11:30, 13:30–17:00");
        assert_eq!(
            (rows[1].from, rows[1].to, rows[1].periods.as_str()),
            (5, 6, "")
        );
    }
}
