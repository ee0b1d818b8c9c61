//! `[session]` (how the appliance shows the kiosk: screen rotation, renderer) and `[hours]`
//! (opening hours per weekday and holidays, when the kiosk shows its "closed" page), with their
//! checks.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Session {
    /// Degrees clockwise the compositor turns the picture: 0, 90, 180 or 270.
    pub rotation: u32,
    /// "auto", "gpu" or "software".
    pub renderer: String,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            rotation: 0,
            renderer: "auto".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hours {
    /// Off: the kiosk is always open.
    pub enabled: bool,
    pub monday: String,
    pub tuesday: String,
    pub wednesday: String,
    pub thursday: String,
    pub friday: String,
    pub saturday: String,
    pub sunday: String,
    /// Dates the office is closed all day, "YYYY-MM-DD".
    pub holidays: Vec<String>,
    /// Minutes the closed page stays lit before the screen goes dark (0: never dark).
    pub display_off_after_minutes: u64,
}

impl Default for Hours {
    fn default() -> Self {
        let day = "07:30-11:30, 13:30-17:00".to_string();
        Hours {
            enabled: false,
            monday: day.clone(),
            tuesday: day.clone(),
            wednesday: day.clone(),
            thursday: day.clone(),
            friday: day,
            saturday: String::new(),
            sunday: String::new(),
            holidays: Vec::new(),
            display_off_after_minutes: 10,
        }
    }
}

/// One opening period of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

/// "07:30-11:30, 13:30-17:00" → periods; empty → closed all day.
pub fn parse_periods(s: &str) -> Result<Vec<Period>, String> {
    let mut out: Vec<Period> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part
            .split_once('-')
            .ok_or_else(|| format!("`{part}`: expected HH:MM-HH:MM"))?;
        let t = |x: &str| {
            NaiveTime::parse_from_str(x.trim(), "%H:%M")
                .map_err(|_| format!("`{}`: not a time of day (HH:MM)", x.trim()))
        };
        let p = Period {
            open: t(a)?,
            close: t(b)?,
        };
        if p.close <= p.open {
            return Err(format!("`{part}`: closes before it opens"));
        }
        if out.last().is_some_and(|last| p.open < last.close) {
            return Err(format!(
                "`{part}`: overlaps or precedes the period before it"
            ));
        }
        out.push(p);
    }
    Ok(out)
}

impl Hours {
    pub fn day(&self, d: Weekday) -> &str {
        match d {
            Weekday::Mon => &self.monday,
            Weekday::Tue => &self.tuesday,
            Weekday::Wed => &self.wednesday,
            Weekday::Thu => &self.thursday,
            Weekday::Fri => &self.friday,
            Weekday::Sat => &self.saturday,
            Weekday::Sun => &self.sunday,
        }
    }

    fn holiday_dates(&self) -> Vec<NaiveDate> {
        self.holidays
            .iter()
            .filter_map(|h| NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d").ok())
            .collect()
    }

    /// Open at this local time? Always true when opening hours are off.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        if !self.enabled {
            return true;
        }
        if self.holiday_dates().contains(&at.date()) {
            return false;
        }
        let t = at.time();
        parse_periods(self.day(at.weekday()))
            .unwrap_or_default()
            .iter()
            .any(|p| p.open <= t && t < p.close)
    }

    /// The next time the office opens after `at` (within two weeks), for the closed page.
    pub fn next_opening(&self, at: NaiveDateTime) -> Option<NaiveDateTime> {
        let holidays = self.holiday_dates();
        for offset in 0..15 {
            let date = at.date() + chrono::Days::new(offset);
            if holidays.contains(&date) {
                continue;
            }
            for p in parse_periods(self.day(date.weekday())).unwrap_or_default() {
                let open = date.and_time(p.open);
                if open > at {
                    return Some(open);
                }
            }
        }
        None
    }

    pub(super) fn problems(&self, p: &mut Vec<(String, String)>) {
        for (name, d) in [
            ("monday", Weekday::Mon),
            ("tuesday", Weekday::Tue),
            ("wednesday", Weekday::Wed),
            ("thursday", Weekday::Thu),
            ("friday", Weekday::Fri),
            ("saturday", Weekday::Sat),
            ("sunday", Weekday::Sun),
        ] {
            if let Err(e) = parse_periods(self.day(d)) {
                p.push((format!("hours.{name}"), e));
            }
        }
        for h in &self.holidays {
            if NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d").is_err() {
                p.push((
                    "hours.holidays".into(),
                    format!("`{h}`: expected YYYY-MM-DD"),
                ));
            }
        }
        if self.display_off_after_minutes > 24 * 60 {
            p.push((
                "hours.display_off_after_minutes".into(),
                "must be at most 1440 (a day)".into(),
            ));
        }
    }
}

impl Session {
    pub(super) fn problems(&self, p: &mut Vec<(String, String)>) {
        if !matches!(self.rotation, 0 | 90 | 180 | 270) {
            p.push((
                "session.rotation".into(),
                "expected 0, 90, 180 or 270".into(),
            ));
        }
        if !matches!(self.renderer.as_str(), "auto" | "gpu" | "software") {
            p.push((
                "session.renderer".into(),
                "expected \"auto\", \"gpu\" or \"software\"".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn weekday_hours_holidays_and_the_next_opening() {
        let h = Hours {
            enabled: true,
            holidays: vec!["2026-12-01".into()],
            ..Hours::default()
        };
        // 2026-11-30 is a Monday.
        assert!(!h.is_open(at("2026-11-30 07:29")));
        assert!(h.is_open(at("2026-11-30 07:30")));
        assert!(!h.is_open(at("2026-11-30 12:00")));
        assert!(h.is_open(at("2026-11-30 16:59")));
        assert!(!h.is_open(at("2026-11-30 17:00")));
        // The holiday on Tuesday is skipped: next opening is Wednesday morning.
        assert_eq!(
            h.next_opening(at("2026-11-30 17:00")),
            Some(at("2026-12-02 07:30"))
        );
        assert!(!h.is_open(at("2026-12-01 09:00")));
        assert!(!h.is_open(at("2026-12-05 09:00")), "Saturday");
        assert!(
            Hours::default().is_open(at("2026-12-05 03:00")),
            "off: always open"
        );
    }

    #[test]
    fn bad_periods_are_refused_with_the_reason() {
        assert!(parse_periods("11:30-07:30").is_err());
        assert!(parse_periods("07:30-11:30, 11:00-12:00").is_err());
        assert!(parse_periods("sáng").is_err());
        assert_eq!(parse_periods("").map(|v| v.len()), Ok(0));
    }
}
