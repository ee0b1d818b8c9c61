//! What changed between two versions of the data, as the people at the counter need it: which
//! procedures are new, which changed (and in which parts: steps, dossier, fees, …), which were
//! withdrawn and since when, and when each procedure last changed (for "Mới cập nhật"). Pure
//! rules; the bundle carries the result as `changes.json`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Dataset, Procedure};

/// How long a change is remembered from bundle to bundle (the kiosk shows "Mới cập nhật" for
/// 30 days; the longer window lets a kiosk that missed a few bundles still know).
pub const RECENT_WINDOW_DAYS: i64 = 90;

/// How long a procedure counts as "Mới cập nhật" on the kiosk.
pub const NEW_BADGE_DAYS: i64 = 30;

/// A part of a procedure that citizens read, as the change list names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Tên thủ tục.
    Name,
    /// Lĩnh vực.
    Fields,
    /// Cấp thực hiện.
    Levels,
    /// Cơ quan ban hành, loại thủ tục, quyết định công bố.
    Issuer,
    /// Cơ quan thực hiện, phối hợp, địa chỉ tiếp nhận.
    Agencies,
    /// Đối tượng thực hiện.
    Subjects,
    /// Trình tự thực hiện.
    Steps,
    /// Cách thức thực hiện (trực tiếp, trực tuyến, bưu chính) and their notes.
    Channels,
    /// Thời hạn giải quyết.
    Time,
    /// Phí, lệ phí.
    Fees,
    /// Thành phần hồ sơ.
    Dossier,
    /// Kết quả thực hiện.
    Results,
    /// Yêu cầu, điều kiện.
    Requirements,
    /// Căn cứ pháp lý.
    LegalBasis,
    /// Dịch vụ công trực tuyến toàn trình, or the portal link.
    Online,
    /// Text kept as the source wrote it (could not be structured).
    OtherText,
}

impl Part {
    pub const ALL: [Part; 16] = [
        Part::Name,
        Part::Fields,
        Part::Levels,
        Part::Issuer,
        Part::Agencies,
        Part::Subjects,
        Part::Steps,
        Part::Channels,
        Part::Time,
        Part::Fees,
        Part::Dossier,
        Part::Results,
        Part::Requirements,
        Part::LegalBasis,
        Part::Online,
        Part::OtherText,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Name => "name",
            Part::Fields => "fields",
            Part::Levels => "levels",
            Part::Issuer => "issuer",
            Part::Agencies => "agencies",
            Part::Subjects => "subjects",
            Part::Steps => "steps",
            Part::Channels => "channels",
            Part::Time => "time",
            Part::Fees => "fees",
            Part::Dossier => "dossier",
            Part::Results => "results",
            Part::Requirements => "requirements",
            Part::LegalBasis => "legal_basis",
            Part::Online => "online",
            Part::OtherText => "other_text",
        }
    }

    /// The heading the procedure page uses for this part.
    pub fn label_vi(self) -> &'static str {
        match self {
            Part::Name => "Tên thủ tục",
            Part::Fields => "Lĩnh vực",
            Part::Levels => "Cấp thực hiện",
            Part::Issuer => "Cơ quan ban hành",
            Part::Agencies => "Cơ quan thực hiện",
            Part::Subjects => "Đối tượng thực hiện",
            Part::Steps => "Trình tự thực hiện",
            Part::Channels => "Cách thức thực hiện",
            Part::Time => "Thời hạn giải quyết",
            Part::Fees => "Phí, lệ phí",
            Part::Dossier => "Thành phần hồ sơ",
            Part::Results => "Kết quả thực hiện",
            Part::Requirements => "Yêu cầu, điều kiện",
            Part::LegalBasis => "Căn cứ pháp lý",
            Part::Online => "Dịch vụ công trực tuyến",
            Part::OtherText => "Nội dung khác",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The parts in which two records of the same procedure differ, in reading order. Search-only
/// metadata (keywords, service groups), the portal's update stamp and where a record came from
/// are not changes a citizen would see.
pub fn changed_parts(old: &Procedure, new: &Procedure) -> Vec<Part> {
    let mut out = Vec::new();
    let mut check = |part: Part, same: bool| {
        if !same && !out.contains(&part) {
            out.push(part);
        }
    };
    check(Part::Name, old.name == new.name);
    check(Part::Fields, old.fields == new.fields);
    check(Part::Levels, old.levels == new.levels);
    check(
        Part::Issuer,
        old.issuer == new.issuer && old.kind == new.kind && old.decision == new.decision,
    );
    check(Part::Agencies, old.agencies == new.agencies);
    check(Part::Subjects, old.subjects == new.subjects);
    check(Part::Steps, old.steps == new.steps);
    let methods = |p: &Procedure| {
        p.channels
            .iter()
            .map(|c| (c.method, c.note.clone()))
            .collect::<Vec<_>>()
    };
    check(Part::Channels, methods(old) == methods(new));
    let times = |p: &Procedure| {
        p.channels
            .iter()
            .map(|c| (c.method, c.time.clone()))
            .collect::<Vec<_>>()
    };
    check(Part::Time, times(old) == times(new));
    let fees = |p: &Procedure| {
        p.channels
            .iter()
            .map(|c| (c.method, c.fees.clone()))
            .collect::<Vec<_>>()
    };
    check(Part::Fees, fees(old) == fees(new));
    check(Part::Dossier, old.dossier == new.dossier);
    check(Part::Results, old.results == new.results);
    check(Part::Requirements, old.requirements == new.requirements);
    check(Part::LegalBasis, old.legal_basis == new.legal_basis);
    check(
        Part::Online,
        old.fully_online == new.fully_online && old.portal_id == new.portal_id,
    );
    check(Part::OtherText, old.unparsed == new.unparsed);
    out
}

/// One procedure in a change list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub code: String,
    /// The name in the newer version (the older one's for a withdrawn procedure).
    pub name: String,
    /// For a changed procedure: the parts that differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// A procedure no longer published, and the day the data first lacked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawn {
    pub code: String,
    pub name: String,
    /// YYYY-MM-DD.
    pub since: String,
}

/// A bundle's change list against the version before it, plus what a kiosk needs to remember
/// across versions (withdrawn procedures, recent change dates), carried from bundle to bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The version this list is measured against; `None` for a feed's first bundle (then every
    /// list below is empty: nothing is "new" to a kiosk that had no data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<u64>,
    /// The day of this version, YYYY-MM-DD.
    pub date: String,
    #[serde(default)]
    pub new: Vec<Change>,
    #[serde(default)]
    pub changed: Vec<Change>,
    #[serde(default)]
    pub withdrawn: Vec<Change>,
    /// Every procedure withdrawn since the feed began and not published again, with the day.
    #[serde(default)]
    pub withdrawn_all: Vec<Withdrawn>,
    /// The day each procedure last appeared or changed, for those within [`RECENT_WINDOW_DAYS`].
    #[serde(default)]
    pub recent: BTreeMap<String, String>,
}

/// The counts the staff screen leads with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    pub new: usize,
    pub changed: usize,
    pub withdrawn: usize,
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl Changes {
    /// The change list of `next` (published on `date`) against the previous version and its
    /// own change list. With no previous version every list is empty.
    pub fn between(
        previous: Option<(u64, &Dataset, &Changes)>,
        next: &Dataset,
        date: NaiveDate,
    ) -> Changes {
        let day = date.format("%Y-%m-%d").to_string();
        let Some((from, old, old_changes)) = previous else {
            return Changes {
                date: day,
                ..Default::default()
            };
        };
        let before: HashMap<&str, &Procedure> = old
            .procedures
            .iter()
            .map(|p| (p.code.as_str(), p))
            .collect();
        let after: HashMap<&str, &Procedure> = next
            .procedures
            .iter()
            .map(|p| (p.code.as_str(), p))
            .collect();
        let mut out = Changes {
            from_version: Some(from),
            date: day.clone(),
            ..Default::default()
        };
        for p in &next.procedures {
            match before.get(p.code.as_str()) {
                None => out.new.push(Change {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    parts: Vec::new(),
                }),
                Some(old) => {
                    let parts = changed_parts(old, p);
                    if !parts.is_empty() {
                        out.changed.push(Change {
                            code: p.code.clone(),
                            name: p.name.clone(),
                            parts,
                        });
                    }
                }
            }
        }
        for p in &old.procedures {
            if !after.contains_key(p.code.as_str()) {
                out.withdrawn.push(Change {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    parts: Vec::new(),
                });
            }
        }
        for list in [&mut out.new, &mut out.changed, &mut out.withdrawn] {
            list.sort_by(|a, b| a.code.cmp(&b.code));
        }
        // Withdrawn stays withdrawn (with its first day) until the procedure is published again.
        let mut withdrawn: BTreeMap<String, Withdrawn> = old_changes
            .withdrawn_all
            .iter()
            .filter(|w| !after.contains_key(w.code.as_str()))
            .map(|w| (w.code.clone(), w.clone()))
            .collect();
        for c in &out.withdrawn {
            withdrawn
                .entry(c.code.clone())
                .or_insert_with(|| Withdrawn {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    since: day.clone(),
                });
        }
        out.withdrawn_all = withdrawn.into_values().collect();
        let oldest = date - chrono::Duration::days(RECENT_WINDOW_DAYS);
        out.recent = old_changes
            .recent
            .iter()
            .filter(|(code, d)| {
                after.contains_key(code.as_str()) && parse_day(d).is_some_and(|d| d >= oldest)
            })
            .map(|(c, d)| (c.clone(), d.clone()))
            .collect();
        for c in out.new.iter().chain(&out.changed) {
            out.recent.insert(c.code.clone(), day.clone());
        }
        out
    }

    pub fn counts(&self) -> ChangeCounts {
        ChangeCounts {
            new: self.new.len(),
            changed: self.changed.len(),
            withdrawn: self.withdrawn.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.changed.is_empty() && self.withdrawn.is_empty()
    }

    /// The day `code` last changed, when the data remembers it.
    pub fn changed_on(&self, code: &str) -> Option<NaiveDate> {
        self.recent.get(code).and_then(|d| parse_day(d))
    }

    pub fn withdrawn(&self, code: &str) -> Option<&Withdrawn> {
        self.withdrawn_all.iter().find(|w| w.code == code)
    }
}

/// Whether a procedure counts as "Mới cập nhật" on `today`: it changed in the last
/// [`NEW_BADGE_DAYS`] days by the feed's change list, or by the portal's own update date.
pub fn recently_updated(
    changed_on: Option<NaiveDate>,
    portal_updated: Option<&str>,
    today: NaiveDate,
) -> bool {
    let since = today - chrono::Duration::days(NEW_BADGE_DAYS);
    changed_on
        .into_iter()
        .chain(portal_updated.and_then(parse_day))
        .any(|d| d >= since && d <= today + chrono::Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Fee, FeeKind, Method, Step, TimeLimit, TimeUnit};

    fn proc(code: &str, name: &str) -> Procedure {
        Procedure {
            code: code.into(),
            name: name.into(),
            channels: vec![Channel {
                method: Method::Direct,
                time: TimeLimit {
                    amount: Some(5.0),
                    unit: Some(TimeUnit::WorkingDay),
                    text: String::new(),
                },
                fees: vec![Fee {
                    kind: FeeKind::Charge,
                    amount_vnd: Some(20_000),
                    text: String::new(),
                }],
                note: String::new(),
            }],
            steps: vec![Step {
                title: String::new(),
                text: "Nộp hồ sơ".into(),
            }],
            ..Default::default()
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn parts_name_what_a_citizen_would_see_change() {
        let a = proc("1.000001", "Đăng ký khai sinh");
        let mut b = a.clone();
        assert!(changed_parts(&a, &b).is_empty());
        b.keywords = vec!["khai sinh".into()];
        b.updated = Some("2026-11-01".into());
        assert!(
            changed_parts(&a, &b).is_empty(),
            "search metadata is not a change"
        );
        b.channels[0].fees[0].amount_vnd = Some(0);
        assert_eq!(changed_parts(&a, &b), vec![Part::Fees]);
        b.channels[0].time.amount = Some(3.0);
        b.steps[0].text = "Nộp hồ sơ trực tuyến".into();
        assert_eq!(
            changed_parts(&a, &b),
            vec![Part::Steps, Part::Time, Part::Fees]
        );
    }

    #[test]
    fn a_first_bundle_has_nothing_new() {
        let next = Dataset {
            procedures: vec![proc("1.000001", "A")],
            ..Default::default()
        };
        let c = Changes::between(None, &next, day("2026-11-30"));
        assert!(c.is_empty());
        assert!(c.recent.is_empty());
        assert_eq!(c.date, "2026-11-30");
    }

    #[test]
    fn changes_carry_withdrawn_and_recent_across_versions() {
        let v1 = Dataset {
            procedures: vec![proc("1.000001", "A"), proc("1.000002", "B")],
            ..Default::default()
        };
        let c1 = Changes::between(None, &v1, day("2026-08-01"));
        let mut v2 = v1.clone();
        v2.procedures.retain(|p| p.code != "1.000002");
        v2.procedures[0].name = "A mới".into();
        v2.procedures.push(proc("1.000003", "C"));
        let c2 = Changes::between(Some((1, &v1, &c1)), &v2, day("2026-09-01"));
        assert_eq!(
            c2.counts(),
            ChangeCounts {
                new: 1,
                changed: 1,
                withdrawn: 1
            }
        );
        assert_eq!(c2.changed[0].parts, vec![Part::Name]);
        assert_eq!(c2.withdrawn[0].name, "B");
        assert_eq!(
            c2.withdrawn("1.000002").map(|w| w.since.as_str()),
            Some("2026-09-01")
        );
        assert_eq!(c2.changed_on("1.000001"), Some(day("2026-09-01")));
        assert_eq!(c2.changed_on("1.000003"), Some(day("2026-09-01")));

        // Nothing changes in v3: the withdrawal and the dates are remembered.
        let c3 = Changes::between(Some((2, &v2, &c2)), &v2, day("2026-09-20"));
        assert!(c3.is_empty());
        assert_eq!(
            c3.withdrawn("1.000002").map(|w| w.since.as_str()),
            Some("2026-09-01")
        );
        assert_eq!(c3.changed_on("1.000001"), Some(day("2026-09-01")));

        // Past the window the dates are forgotten; a republished procedure is no longer withdrawn.
        let mut v4 = v2.clone();
        v4.procedures.push(proc("1.000002", "B"));
        let c4 = Changes::between(Some((3, &v2, &c3)), &v4, day("2027-01-15"));
        assert_eq!(
            c4.counts(),
            ChangeCounts {
                new: 1,
                changed: 0,
                withdrawn: 0
            }
        );
        assert!(c4.withdrawn("1.000002").is_none());
        assert_eq!(c4.changed_on("1.000001"), None);
        assert_eq!(c4.changed_on("1.000002"), Some(day("2027-01-15")));
    }

    #[test]
    fn the_badge_lasts_thirty_days() {
        let today = day("2026-11-30");
        assert!(recently_updated(Some(day("2026-11-01")), None, today));
        assert!(!recently_updated(Some(day("2026-10-30")), None, today));
        assert!(recently_updated(None, Some("2026-11-29"), today));
        assert!(!recently_updated(None, Some("2026-04-16"), today));
        assert!(!recently_updated(None, Some("not a date"), today));
    }
}
