//! How current the live data is, for the people at the counter: its age (and whether it is past
//! the office's limit), what the last update changed, which procedures changed recently ("Mới
//! cập nhật"), and which codes were withdrawn and since when.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::kiosk::Kiosk;
use super::view::ProcedureRow;
use crate::domain::changes::{Change, Changes, NEW_BADGE_DAYS, Part, Withdrawn, recently_updated};

/// The data's age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataAge {
    /// When the data was published (the bundle's creation), in the kiosk's time zone.
    pub published: Option<DateTime<chrono::Local>>,
    /// Whole days since.
    pub days: i64,
    /// `[updates] stale_after_days`.
    pub limit_days: u32,
    /// Older than the limit: the staff screen and the heartbeat say so.
    pub stale: bool,
}

impl DataAge {
    /// "Dữ liệu cập nhật ngày 30/11/2026", or empty when the date is unknown.
    pub fn label_vi(&self) -> String {
        self.published
            .map(|p| format!("Dữ liệu cập nhật ngày {}", p.format("%d/%m/%Y")))
            .unwrap_or_default()
    }
}

/// What kind of change a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    New,
    Changed,
    Withdrawn,
}

impl ChangeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            ChangeKind::New => "Mới",
            ChangeKind::Changed => "Thay đổi",
            ChangeKind::Withdrawn => "Bãi bỏ",
        }
    }
}

/// One line of the change list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub kind: ChangeKind,
    pub code: String,
    pub name: String,
    /// For a changed procedure: the parts that differ.
    pub parts: Vec<Part>,
    /// "Thành phần hồ sơ, Phí, lệ phí"
    pub parts_label: String,
    /// The procedure can be opened (a withdrawn one is no longer in the data).
    pub openable: bool,
}

/// What the live data's update changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesView {
    pub from_version: Option<u64>,
    pub to_version: u64,
    /// YYYY-MM-DD of the update.
    pub date: String,
    pub new: usize,
    pub changed: usize,
    pub withdrawn: usize,
    /// "12 thủ tục mới, 30 thay đổi, 4 bãi bỏ"
    pub summary: String,
    /// New, then changed, then withdrawn, each by code.
    pub rows: Vec<ChangeRow>,
}

/// "12 thủ tục mới, 30 thay đổi, 4 bãi bỏ" (or "Không có thay đổi").
pub fn summary_vi(new: usize, changed: usize, withdrawn: usize) -> String {
    if new + changed + withdrawn == 0 {
        return "Không có thay đổi về thủ tục".into();
    }
    format!("{new} thủ tục mới, {changed} thay đổi, {withdrawn} bãi bỏ")
}

fn parts_label(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| p.label_vi())
        .collect::<Vec<_>>()
        .join(", ")
}

fn rows(kind: ChangeKind, list: &[Change]) -> impl Iterator<Item = ChangeRow> + '_ {
    list.iter().map(move |c| ChangeRow {
        kind,
        code: c.code.clone(),
        name: c.name.clone(),
        parts: c.parts.clone(),
        parts_label: parts_label(&c.parts),
        openable: kind != ChangeKind::Withdrawn,
    })
}

/// A withdrawn procedure as the kiosk says it: "… đã bãi bỏ từ ngày 30/11/2026".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawnNotice {
    pub code: String,
    pub name: String,
    pub since: Option<NaiveDate>,
    pub message: String,
}

impl WithdrawnNotice {
    fn new(w: &Withdrawn) -> WithdrawnNotice {
        let since = NaiveDate::parse_from_str(&w.since, "%Y-%m-%d").ok();
        let when = since
            .map(|d| format!(" từ ngày {}", d.format("%d/%m/%Y")))
            .unwrap_or_default();
        WithdrawnNotice {
            code: w.code.clone(),
            name: w.name.clone(),
            since,
            message: format!(
                "Thủ tục {} đã bãi bỏ{when}: không còn được công bố trên Cổng Dịch vụ công quốc gia.",
                w.code
            ),
        }
    }
}

/// The first day whose changes can still earn "Mới cập nhật" for a version opened on `today`:
/// dates only grow older while it is live, so nothing before this can ever qualify.
pub(super) fn recent_cutoff(today: NaiveDate) -> NaiveDate {
    today - chrono::Duration::days(NEW_BADGE_DAYS)
}

/// The day each procedure last changed, by the feed's change lists and by the portal's own
/// update stamps (`portal`: code and YYYY-MM-DD), keeping the later of the two and only days
/// from `cutoff` on: a small map that lets every list and result card be marked without
/// reading a record.
pub(super) fn recent_dates(
    changes: Option<&Changes>,
    portal: &[(String, String)],
    cutoff: NaiveDate,
) -> HashMap<String, NaiveDate> {
    let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let feed = changes
        .into_iter()
        .flat_map(|c| c.recent.iter())
        .filter_map(|(code, d)| Some((code.as_str(), day(d)?)));
    let stamps = portal
        .iter()
        .filter_map(|(code, d)| Some((code.as_str(), day(d)?)));
    let mut out: HashMap<String, NaiveDate> = HashMap::new();
    for (code, d) in feed.chain(stamps).filter(|(_, d)| *d >= cutoff) {
        let e = out.entry(code.to_string()).or_insert(d);
        *e = (*e).max(d);
    }
    out
}

impl Kiosk {
    /// Whether procedure `code` shows "Mới cập nhật" on `today` (a map lookup: cheap enough for
    /// every result card of every keystroke).
    pub fn is_recent(&self, code: &str, today: NaiveDate) -> bool {
        let day = self.live().recent.get(code).copied();
        day.is_some() && recently_updated(day, None, today)
    }

    /// Sets [`ProcedureRow::recent`] on each row for `today`.
    pub fn mark_recent(&self, rows: &mut [ProcedureRow], today: NaiveDate) {
        let live = self.live();
        for r in rows {
            r.recent = live
                .recent
                .get(&r.code)
                .is_some_and(|d| recently_updated(Some(*d), None, today));
        }
    }

    /// The live data's age against the configured limit, as of `now`.
    pub fn data_age(&self, now: DateTime<Utc>) -> DataAge {
        let live = self.live();
        let published = DateTime::parse_from_rfc3339(&live.meta.created)
            .ok()
            .map(|d| d.with_timezone(&chrono::Local));
        let days = published.map_or(0, |p| (now - p.with_timezone(&Utc)).num_days().max(0));
        let limit_days = self.config().updates.stale_after_days;
        DataAge {
            published,
            days,
            limit_days,
            stale: published.is_some() && limit_days > 0 && days > i64::from(limit_days),
        }
    }

    /// What the live data's update changed, when its bundle carried a change list.
    pub fn last_changes(&self) -> Option<ChangesView> {
        let live = self.live();
        let c = live.changes.as_ref()?;
        let counts = c.counts();
        Some(ChangesView {
            from_version: c.from_version,
            to_version: live.meta.version,
            date: c.date.clone(),
            new: counts.new,
            changed: counts.changed,
            withdrawn: counts.withdrawn,
            summary: summary_vi(counts.new, counts.changed, counts.withdrawn),
            rows: rows(ChangeKind::New, &c.new)
                .chain(rows(ChangeKind::Changed, &c.changed))
                .chain(rows(ChangeKind::Withdrawn, &c.withdrawn))
                .collect(),
        })
    }

    /// Whether `code` shows "Mới cập nhật" on `today`: changed in the last 30 days by the
    /// feed's change lists, or by the portal's own update date (`portal_updated`).
    pub fn recently_updated(
        &self,
        code: &str,
        portal_updated: Option<&str>,
        today: NaiveDate,
    ) -> bool {
        let live = self.live();
        let changed_on = live.changes.as_ref().and_then(|c| c.changed_on(code));
        recently_updated(changed_on, portal_updated, today)
    }

    /// The notice for a code that is no longer published, if it was withdrawn.
    pub fn withdrawn(&self, code: &str) -> Option<WithdrawnNotice> {
        let live = self.live();
        live.changes
            .as_ref()?
            .withdrawn(code.trim())
            .map(WithdrawnNotice::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_like_the_counter_says_it() {
        assert_eq!(
            summary_vi(12, 30, 4),
            "12 thủ tục mới, 30 thay đổi, 4 bãi bỏ"
        );
        assert_eq!(summary_vi(0, 0, 0), "Không có thay đổi về thủ tục");
        assert_eq!(
            parts_label(&[Part::Dossier, Part::Fees]),
            "Thành phần hồ sơ, Phí, lệ phí"
        );
    }

    #[test]
    fn recent_dates_keep_the_later_day_and_nothing_before_the_cutoff() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let changes = Changes {
            date: "2026-11-20".into(),
            recent: [
                ("1.000001".to_string(), "2026-11-20".to_string()),
                ("1.000002".to_string(), "2026-10-01".to_string()),
                ("1.000003".to_string(), "not a day".to_string()),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        let portal = vec![
            ("1.000001".to_string(), "2026-11-25".to_string()),
            ("1.000004".to_string(), "2026-11-10".to_string()),
            ("1.000005".to_string(), "2025-01-01".to_string()),
        ];
        let cutoff = recent_cutoff(d("2026-11-30"));
        assert_eq!(cutoff, d("2026-10-31"));
        let m = recent_dates(Some(&changes), &portal, cutoff);
        assert_eq!(m.get("1.000001"), Some(&d("2026-11-25")));
        assert_eq!(m.get("1.000004"), Some(&d("2026-11-10")));
        assert_eq!(m.len(), 2, "{m:?}");
    }

    #[test]
    fn a_withdrawn_notice_names_the_day() {
        let n = WithdrawnNotice::new(&Withdrawn {
            code: "2.000123".into(),
            name: "Thủ tục A".into(),
            since: "2026-11-30".into(),
        });
        assert!(
            n.message.contains("2.000123 đã bãi bỏ từ ngày 30/11/2026"),
            "{}",
            n.message
        );
    }
}
