//! The staff screen as data: the status ([`StaffView`], from `Kiosk::staff_status`) with every
//! time written the Vietnamese way, the USB bundles with whether each can be applied, the
//! refresh history with its source and outcome as enums, and 30 days of usage as chart bars.

use chrono::{DateTime, Local, NaiveDate};

use super::date_vi;
use crate::app::freshness::ChangesView;
use crate::app::refresh::UsbBundle;
use crate::app::staff::StaffStatus;
use crate::store::{RefreshOutcome, RefreshRecord, RefreshSource, UsageSummary};

/// How many days the "visits by day" chart shows, ending today.
pub const USAGE_DAYS: i64 = 30;
/// How many lines each top list shows.
pub const TOP_LINES: usize = 10;

/// An RFC 3339 time as "27/11/2026 08:30" in local time; anything else as it is.
pub fn local_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339.trim())
        .map(|d| d.with_timezone(&Local).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// "2026-11-27 08:30" (a bundle manifest's creation time) as "27/11/2026 08:30".
fn manifest_time(text: &str) -> String {
    match text.trim().split_once(' ') {
        Some((date, time)) => format!("{} {time}", date_vi(date)),
        None => date_vi(text),
    }
}

/// A bundle on a USB stick, as the staff screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbRow {
    pub path: String,
    /// Empty when the manifest cannot be read.
    pub version: String,
    /// "27/11/2026 08:30"
    pub created: String,
    pub publisher: String,
    /// Why it cannot be read; empty when it can.
    pub problem: String,
    /// Newer than the data in use: only such a bundle can be applied.
    pub newer: bool,
}

impl UsbRow {
    /// `installed`: the version in use.
    pub fn new(b: &UsbBundle, installed: Option<u64>) -> UsbRow {
        UsbRow {
            newer: b.problem.is_none()
                && b.version.is_some_and(|v| installed.is_none_or(|i| v > i)),
            path: b.path.display().to_string(),
            version: b.version.map(|v| v.to_string()).unwrap_or_default(),
            created: b.created.as_deref().map(manifest_time).unwrap_or_default(),
            publisher: b.publisher.clone(),
            problem: b.problem.clone().unwrap_or_default(),
        }
    }
}

/// Where a refresh came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistorySource {
    Usb,
    Network,
    Cli,
    Seed,
    Rollback,
}

/// How a refresh ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOutcome {
    Applied,
    Rejected,
    Failed,
}

/// One line of the refresh history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// "27/11/2026 08:30"
    pub at: String,
    pub source: HistorySource,
    pub outcome: HistoryOutcome,
    pub version: String,
    pub message: String,
}

impl From<&RefreshRecord> for HistoryRow {
    fn from(r: &RefreshRecord) -> Self {
        HistoryRow {
            at: local_time(&r.at),
            source: match r.source {
                RefreshSource::Usb => HistorySource::Usb,
                RefreshSource::Network => HistorySource::Network,
                RefreshSource::Cli => HistorySource::Cli,
                RefreshSource::Seed => HistorySource::Seed,
                RefreshSource::Rollback => HistorySource::Rollback,
            },
            outcome: match r.outcome {
                RefreshOutcome::Applied => HistoryOutcome::Applied,
                RefreshOutcome::Rejected => HistoryOutcome::Rejected,
                RefreshOutcome::Failed => HistoryOutcome::Failed,
            },
            version: r.version.map(|v| v.to_string()).unwrap_or_default(),
            message: r.message.clone(),
        }
    }
}

/// A labelled count: a bar of a chart or a line of a top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub label: String,
    pub count: u64,
}

/// Usage over the last [`USAGE_DAYS`] days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsageView {
    pub sessions: u64,
    pub searches: u64,
    pub zero_result_searches: u64,
    pub views: u64,
    /// 24 bars labelled "0" … "23".
    pub by_hour: Vec<CountRow>,
    /// One bar per day, oldest first, labelled "27/11".
    pub by_day: Vec<CountRow>,
    /// Best first: Rất hài lòng, Hài lòng, Bình thường, Không hài lòng.
    pub ratings: [u64; 4],
    pub top_queries: Vec<CountRow>,
    pub top_zero_queries: Vec<CountRow>,
}

/// One bar per day for the `days` days ending `today` ("27/11"), zero where nothing happened,
/// so the time axis is even.
pub fn sessions_by_day(by_day: &[(String, u64)], today: NaiveDate, days: i64) -> Vec<CountRow> {
    (0..days)
        .rev()
        .filter_map(|back| today.checked_sub_signed(chrono::Duration::days(back)))
        .map(|day| {
            let key = day.format("%Y-%m-%d").to_string();
            CountRow {
                label: day.format("%d/%m").to_string(),
                count: by_day
                    .iter()
                    .filter(|(d, _)| *d == key)
                    .map(|(_, n)| *n)
                    .sum(),
            }
        })
        .collect()
}

fn top(items: &[(String, u64)]) -> Vec<CountRow> {
    items
        .iter()
        .take(TOP_LINES)
        .map(|(q, n)| CountRow {
            label: q.clone(),
            count: *n,
        })
        .collect()
}

impl UsageView {
    pub fn new(u: &UsageSummary, today: NaiveDate) -> UsageView {
        let mut ratings = u.ratings;
        // The store counts level 1 first; the screen shows the best first.
        ratings.reverse();
        UsageView {
            sessions: u.sessions,
            searches: u.searches,
            zero_result_searches: u.zero_result_searches,
            views: u.views,
            by_hour: u
                .sessions_by_hour
                .iter()
                .enumerate()
                .map(|(h, n)| CountRow {
                    label: h.to_string(),
                    count: *n,
                })
                .collect(),
            by_day: sessions_by_day(&u.sessions_by_day, today, USAGE_DAYS),
            ratings,
            top_queries: top(&u.top_queries),
            top_zero_queries: top(&u.top_zero_queries),
        }
    }
}

/// Everything the unlocked staff screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffView {
    pub data_version: String,
    pub data_created: String,
    pub data_age_days: i64,
    pub imported_at: String,
    pub procedures: u64,
    pub with_detail: u64,
    /// The version rollback brings back; empty when there is none.
    pub previous_version: String,
    pub network_url: String,
    pub network_last_attempt: String,
    pub network_last_success: String,
    pub network_last_error: String,
    pub usb: Vec<UsbRow>,
    pub history: Vec<HistoryRow>,
    pub usage: UsageView,
    /// Older than `[updates] stale_after_days` (`stale_limit_days`): the screen says so.
    pub stale: bool,
    pub stale_limit_days: u32,
    /// What the live data's update changed; `None` when its bundle carried no change list.
    pub changes: Option<ChangesView>,
    /// The day of that update, "30/11/2026".
    pub changes_date: String,
}

impl StaffView {
    pub fn new(st: &StaffStatus, today: NaiveDate) -> StaffView {
        let n = &st.network;
        let time = |t: &Option<String>| t.as_deref().map(local_time).unwrap_or_default();
        StaffView {
            data_version: st.data_version.to_string(),
            data_created: st.data_created.clone(),
            data_age_days: st.data_age_days.max(0),
            imported_at: st.imported_at.clone(),
            procedures: st.procedures,
            with_detail: st.with_detail,
            previous_version: st
                .previous_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            network_url: n.url.clone(),
            network_last_attempt: time(&n.last_attempt),
            network_last_success: time(&n.last_success),
            network_last_error: n.last_error.clone().unwrap_or_default(),
            usb: st
                .usb
                .iter()
                .map(|b| UsbRow::new(b, Some(st.data_version)))
                .collect(),
            history: st.history.iter().map(HistoryRow::from).collect(),
            usage: UsageView::new(&st.usage, today),
            stale: st.age.stale,
            stale_limit_days: st.age.limit_days,
            changes_date: st
                .changes
                .as_ref()
                .map(|c| date_vi(&c.date))
                .unwrap_or_default(),
            changes: st.changes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_gets_a_bar() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let bars = sessions_by_day(
            &[("2026-11-20".into(), 3), ("2026-11-27".into(), 5)],
            today,
            30,
        );
        assert_eq!(bars.len(), 30);
        let first = bars.first().expect("a bar");
        let last = bars.last().expect("a bar");
        assert_eq!(first.label, "29/10");
        assert_eq!((last.label.as_str(), last.count), ("27/11", 5));
        assert_eq!(bars.iter().map(|b| b.count).sum::<u64>(), 8);
        assert_eq!(bars[22].count, 3);
    }

    #[test]
    fn times_read_the_vietnamese_way() {
        assert_eq!(manifest_time("2026-11-27 08:30"), "27/11/2026 08:30");
        assert_eq!(local_time("not a time"), "not a time");
        // Whatever the time zone, the day is one of these.
        let t = local_time("2026-11-27T12:00:00Z");
        assert!(
            ["26/11/2026 ", "27/11/2026 ", "28/11/2026 "]
                .iter()
                .any(|d| t.starts_with(d)),
            "{t}"
        );
    }

    #[test]
    fn history_and_usb_rows() {
        let r = HistoryRow::from(&RefreshRecord {
            at: "x".into(),
            source: RefreshSource::Rollback,
            outcome: RefreshOutcome::Applied,
            version: Some(7),
            message: String::new(),
        });
        assert_eq!(
            (r.source, r.outcome, r.version.as_str()),
            (HistorySource::Rollback, HistoryOutcome::Applied, "7")
        );
        let b = UsbBundle {
            path: "/media/usb/motcua/b.zip".into(),
            version: Some(5),
            created: Some("2026-11-27 08:30".into()),
            publisher: "Sở".into(),
            problem: None,
        };
        assert!(UsbRow::new(&b, Some(4)).newer);
        assert!(!UsbRow::new(&b, Some(5)).newer);
        assert_eq!(UsbRow::new(&b, None).created, "27/11/2026 08:30");
    }
}
