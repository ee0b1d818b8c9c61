//! Every screen of the kiosk as plain data, built here from the live data and the office's
//! configuration so the window only copies: home, a browse list, hotlines and counters, guides,
//! search results ([`search`]), the staff screen ([`staff`]), the header clock and the shell's
//! settings. QR codes come as matrices ([`QrMatrix`]); the window draws them. Testable without a
//! window.

pub mod closed;
pub mod search;
pub mod staff;

use std::time::Duration;

use super::AppError;
use super::idle::IdlePolicy;
use super::kiosk::Kiosk;
use super::kiosk::row_from_summary;
use super::view::ProcedureRow;
use crate::config::Counter;
use crate::domain::text::{alphabet_key, fold, initial};
use crate::domain::{FieldCount, Guide, Hotline, Level, LifeEvent};
use crate::store::{FieldAtLevel, ListFilter};

pub use crate::qr::QrMatrix;

/// How many procedures the home page shows as "most used".
pub const POPULAR: usize = 9;
/// How many fields the home page lists (the browse page has them all).
pub const HOME_FIELDS: usize = 9;
/// Views of a field's procedures on this kiosk (in the search prior's 90 days) before the field
/// counts as used here: one curious visitor must not reshuffle the home page.
pub const FIELD_VIEWS_MIN: u64 = 5;
/// In choosing home fields, a procedure on the data's most-used list weighs as much as this
/// many procedures that belong to a life event: the list names what citizens come for.
const FEATURED_WEIGHT: u32 = 25;
/// How many procedures a browse list shows at first, and how many more each "Xem thêm" adds:
/// a field can hold hundreds, and every row is an element to lay out on the UI thread.
pub const LIST_PAGE: usize = 40;

/// A QR code for `text`, or `None` (logged) when it cannot be made: a page without its QR is
/// better than no page.
pub fn qr(text: &str) -> Option<QrMatrix> {
    match crate::qr::encode(text) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!("{e}");
            None
        }
    }
}

/// A field or a life event with how many procedures it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// What a tap sends back: the field's name or the life event's slug.
    pub key: String,
    pub label: String,
    pub count: usize,
    /// "CÔNG DÂN" / "DOANH NGHIỆP" for life events; empty for fields.
    pub audience: String,
}

impl GroupRow {
    pub fn field(f: &FieldCount) -> GroupRow {
        GroupRow {
            key: f.name.clone(),
            label: f.name.clone(),
            count: f.count as usize,
            audience: String::new(),
        }
    }

    /// A life event; the count is its resolved membership.
    pub fn life_event(e: &LifeEvent) -> GroupRow {
        GroupRow {
            key: e.slug.clone(),
            label: e.label.clone(),
            count: e.codes.len(),
            audience: e.audience.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineRow {
    pub name: String,
    pub number: String,
    pub hours: String,
    pub purpose: String,
    pub scope: String,
}

impl From<&Hotline> for HotlineRow {
    fn from(h: &Hotline) -> Self {
        HotlineRow {
            name: h.name.clone(),
            number: h.number.clone(),
            hours: h.hours.clone(),
            purpose: h.purpose.clone(),
            scope: h.scope.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub step_count: usize,
}

impl From<&Guide> for GuideRow {
    fn from(g: &Guide) -> Self {
        GuideRow {
            id: g.id.clone(),
            title: g.title.clone(),
            summary: g.summary.clone(),
            step_count: g.steps.len(),
        }
    }
}

/// The office, as the header and the contact page show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeView {
    pub name: String,
    pub address: String,
    pub opening_hours: String,
    /// The folder a USB stick must hold (`updates.usb_folder`), for the staff screen's hint.
    pub usb_folder: String,
}

/// The home page.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeView {
    pub office: OfficeView,
    pub popular: Vec<ProcedureRow>,
    pub life_events: Vec<GroupRow>,
    /// The first [`HOME_FIELDS`] fields.
    pub fields: Vec<GroupRow>,
    /// How many fields there are in all.
    pub field_total: usize,
    /// The portal's dossier status lookup and its QR.
    pub lookup_url: String,
    pub lookup_qr: Option<QrMatrix>,
    /// The day the data was published, "30/11/2026" ("Dữ liệu cập nhật ngày …"); empty when
    /// unknown.
    pub data_date: String,
}

/// A counter of the office and the fields it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRow {
    pub number: u32,
    pub location: String,
    pub label: String,
    /// Each field in the data's own spelling with its count (a tap opens its list); a field the
    /// data does not know is shown as configured, with a count of 0.
    pub fields: Vec<GroupRow>,
}

/// The hotlines page: the office's counters, then every hotline (the office's first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub counters: Vec<CounterRow>,
    pub hotlines: Vec<HotlineRow>,
}

/// One guide, with the QR to its page.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: Vec<String>,
    pub link: String,
    pub qr: Option<QrMatrix>,
    pub source: String,
}

/// Which kind of group a browse list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Field,
    LifeEvent,
}

/// The procedures of one field or life event, the first `limit` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct ListView {
    pub kind: GroupKind,
    pub key: String,
    pub label: String,
    /// How many procedures the group has.
    pub total: usize,
    pub rows: Vec<ProcedureRow>,
    /// More rows than shown exist ("Xem thêm").
    pub more: bool,
}

/// The browse page's two lists of groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseView {
    /// In Vietnamese alphabetical order; with a level chosen, only the fields with procedures
    /// at that level, counted at that level.
    pub fields: Vec<GroupRow>,
    /// The A–Z index over `fields`.
    pub letters: Vec<LetterRow>,
    /// The level filter: every level with procedures, and the one chosen (`None`: all).
    pub levels: Vec<LevelRow>,
    pub level: Option<Level>,
    pub life_events: Vec<GroupRow>,
}

/// A letter of the browse page's A–Z index and the first field listed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRow {
    pub letter: String,
    /// Index in [`BrowseView::fields`].
    pub first: usize,
}

/// A level of the browse page's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRow {
    pub level: Level,
    /// "Cấp xã"
    pub label: String,
    /// How many fields have procedures at this level.
    pub fields: usize,
}

/// The fields the home page offers, best first: those the office's counters take (in counter
/// order), those citizens here opened at least [`FIELD_VIEWS_MIN`] times (most first), then those
/// the data points citizens to at the office's level (its most-used list and life events,
/// before sheer size: the largest fields are ministries' and customs' business), then by size.
pub fn home_fields(
    fields: &[FieldCount],
    at_level: &[FieldAtLevel],
    counters: &[Counter],
    views: &[(String, u64)],
    n: usize,
) -> Vec<GroupRow> {
    let by_fold: std::collections::HashMap<String, &FieldCount> =
        fields.iter().map(|f| (fold(&f.name), f)).collect();
    let mut counters: Vec<&Counter> = counters.iter().collect();
    counters.sort_by_key(|c| c.number);
    let from_counters = counters
        .into_iter()
        .flat_map(|c| c.fields.iter())
        .filter_map(|f| by_fold.get(&fold(f)).map(|d| d.name.as_str()));
    let used = views
        .iter()
        .filter(|(_, v)| *v >= FIELD_VIEWS_MIN)
        .map(|(f, _)| f.as_str());
    let mut scored: Vec<&FieldAtLevel> = at_level.iter().collect();
    scored.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.featured * FEATURED_WEIGHT + f.in_life_events),
            std::cmp::Reverse(f.count),
        )
    });
    let at_level = scored.into_iter().map(|f| f.name.as_str());
    let by_size = fields.iter().map(|f| f.name.as_str());
    let by_name: std::collections::HashMap<&str, &FieldCount> =
        fields.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut out: Vec<GroupRow> = Vec::with_capacity(n);
    for name in from_counters.chain(used).chain(at_level).chain(by_size) {
        if out.len() == n {
            break;
        }
        if let Some(f) = by_name.get(name)
            && !out.iter().any(|g| g.key == f.name)
        {
            out.push(GroupRow::field(f));
        }
    }
    out
}

/// What the window's shell starts from and goes back to after a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct ShellSettings {
    pub idle: IdlePolicy,
    /// "vi" or "en".
    pub language: String,
    pub large_text: bool,
    pub high_contrast: bool,
}

/// The header's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderClock {
    /// "08:30".
    pub time: String,
    /// "Thứ Năm, 27/11/2026" (or "Thursday, 27/11/2026").
    pub date: String,
    /// "27/11/2026": the date where the weekday would take the office name's room.
    pub short_date: String,
}

/// The header's clock at `now`.
pub fn clock<Tz: chrono::TimeZone>(now: &chrono::DateTime<Tz>, english: bool) -> HeaderClock
where
    Tz::Offset: std::fmt::Display,
{
    use chrono::{Datelike, Weekday};
    let day = match (now.weekday(), english) {
        (Weekday::Mon, false) => "Thứ Hai",
        (Weekday::Tue, false) => "Thứ Ba",
        (Weekday::Wed, false) => "Thứ Tư",
        (Weekday::Thu, false) => "Thứ Năm",
        (Weekday::Fri, false) => "Thứ Sáu",
        (Weekday::Sat, false) => "Thứ Bảy",
        (Weekday::Sun, false) => "Chủ Nhật",
        (Weekday::Mon, true) => "Monday",
        (Weekday::Tue, true) => "Tuesday",
        (Weekday::Wed, true) => "Wednesday",
        (Weekday::Thu, true) => "Thursday",
        (Weekday::Fri, true) => "Friday",
        (Weekday::Sat, true) => "Saturday",
        (Weekday::Sun, true) => "Sunday",
    };
    let short_date = now.format("%d/%m/%Y").to_string();
    HeaderClock {
        time: now.format("%H:%M").to_string(),
        date: format!("{day}, {short_date}"),
        short_date,
    }
}

/// [`clock`] for the local time now.
pub fn clock_now(english: bool) -> HeaderClock {
    clock(&chrono::Local::now(), english)
}

/// "2026-04-27" → "27/04/2026"; anything else as it is.
pub fn date_vi(iso: &str) -> String {
    let parts: Vec<&str> = iso.trim().split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

impl Kiosk {
    pub fn office_view(&self) -> OfficeView {
        let cfg = self.config();
        OfficeView {
            name: cfg.office.name.clone(),
            address: cfg.office.address.clone(),
            opening_hours: cfg.office.opening_hours.clone(),
            usb_folder: cfg.updates.usb_folder.clone(),
        }
    }

    pub fn shell_settings(&self) -> ShellSettings {
        let cfg = self.config();
        ShellSettings {
            idle: IdlePolicy::new(
                Duration::from_secs(cfg.idle.timeout_seconds),
                Duration::from_secs(cfg.idle.warning_seconds),
            )
            .with_attract(Duration::from_secs(cfg.idle.attract_seconds)),
            language: cfg.display.language.clone(),
            large_text: cfg.display.large_text,
            high_contrast: cfg.display.high_contrast,
        }
    }

    pub fn home_view(&self) -> Result<HomeView, AppError> {
        let fields = self.fields();
        let lookup_url = self.config().portal.lookup_url.clone();
        Ok(HomeView {
            office: self.office_view(),
            popular: self.featured(POPULAR)?,
            life_events: self
                .life_events()
                .iter()
                .map(GroupRow::life_event)
                .collect(),
            fields: self.home_fields(),
            field_total: fields.len(),
            lookup_qr: qr(&lookup_url),
            lookup_url,
            data_date: self
                .data_age(chrono::Utc::now())
                .published
                .map(|p| p.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
        })
    }

    /// The home page's fields (see [`home_fields`]).
    pub fn home_fields(&self) -> Vec<GroupRow> {
        let live = self.live();
        let level = self.config().level();
        let at_level = live.fields_at(level);
        let views = live
            .field_views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        home_fields(
            &live.fields,
            at_level,
            &self.config().counters,
            &views,
            HOME_FIELDS,
        )
    }

    /// The browse page with every field (`level` `None`) or the fields of one level.
    pub fn browse_view(&self, level: Option<Level>) -> BrowseView {
        let live = self.live();
        let mut fields: Vec<GroupRow> = match level {
            None => live.fields.iter().map(GroupRow::field).collect(),
            Some(l) => live
                .fields_at(l)
                .iter()
                .map(|f| GroupRow {
                    key: f.name.clone(),
                    label: f.name.clone(),
                    count: f.count as usize,
                    audience: String::new(),
                })
                .collect(),
        };
        fields.sort_by_cached_key(|f| alphabet_key(&f.label));
        let mut letters: Vec<LetterRow> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let letter = initial(&f.label);
            if !letter.is_empty() && letters.last().is_none_or(|l| l.letter != letter) {
                letters.push(LetterRow { letter, first: i });
            }
        }
        BrowseView {
            fields,
            letters,
            levels: Level::ALL
                .into_iter()
                .map(|l| LevelRow {
                    level: l,
                    label: l.label_vi().to_string(),
                    fields: live.fields_at(l).len(),
                })
                .filter(|l| l.fields > 0)
                .collect(),
            level,
            life_events: self
                .life_events()
                .iter()
                .map(GroupRow::life_event)
                .collect(),
        }
    }

    pub fn contact_view(&self) -> ContactView {
        let fields = self.fields();
        let mut counters: Vec<_> = self.config().counters.iter().collect();
        counters.sort_by_key(|c| c.number);
        ContactView {
            counters: counters
                .into_iter()
                .map(|c| CounterRow {
                    number: c.number,
                    location: c.location.clone(),
                    label: c.label.clone(),
                    fields: c
                        .fields
                        .iter()
                        .map(|f| {
                            // Matched ignoring case and diacritics, so a tap opens the list.
                            let key = fold(f);
                            fields
                                .iter()
                                .find(|d| fold(&d.name) == key)
                                .map(GroupRow::field)
                                .unwrap_or_else(|| GroupRow {
                                    key: f.clone(),
                                    label: f.clone(),
                                    count: 0,
                                    audience: String::new(),
                                })
                        })
                        .collect(),
                })
                .collect(),
            hotlines: self.hotlines().iter().map(HotlineRow::from).collect(),
        }
    }

    pub fn guide_rows(&self) -> Vec<GuideRow> {
        self.guides().iter().map(GuideRow::from).collect()
    }

    /// One guide with its QR; `None` when the data has no such guide.
    pub fn guide_view(&self, id: &str) -> Option<GuideView> {
        let g = self.guides().into_iter().find(|g| g.id == id)?;
        Some(GuideView {
            qr: qr(&g.link),
            id: g.id,
            title: g.title,
            summary: g.summary,
            steps: g.steps,
            link: g.link,
            source: g.source,
        })
    }

    /// Which kind of group `key` names: a life event's slug, else a field.
    pub fn group_kind(&self, key: &str) -> GroupKind {
        if self.life_events().iter().any(|e| e.slug == key) {
            GroupKind::LifeEvent
        } else {
            GroupKind::Field
        }
    }

    /// The first `limit` procedures of a field or a life event.
    /// With a `level`, a field's list holds only the procedures carried out at that level (the
    /// browse page's filter; life events ignore it).
    pub fn list_view(
        &self,
        kind: GroupKind,
        key: &str,
        level: Option<Level>,
        limit: usize,
    ) -> Result<ListView, AppError> {
        let live = self.live();
        let (filter, label, total) = match kind {
            GroupKind::LifeEvent => {
                let event = live.life_events.iter().find(|e| e.slug == key);
                (
                    ListFilter {
                        life_event: Some(key.to_string()),
                        limit: Some(limit + 1),
                        ..Default::default()
                    },
                    event.map_or_else(|| key.to_string(), |e| e.label.clone()),
                    event.map(|e| e.codes.len()),
                )
            }
            GroupKind::Field => (
                ListFilter {
                    field: Some(key.to_string()),
                    level,
                    limit: Some(limit + 1),
                    ..Default::default()
                },
                key.to_string(),
                match level {
                    None => live
                        .fields
                        .iter()
                        .find(|f| f.name == key)
                        .map(|f| f.count as usize),
                    Some(l) => live
                        .fields_at(l)
                        .iter()
                        .find(|f| f.name == key)
                        .map_or(Some(0), |f| Some(f.count as usize)),
                },
            ),
        };
        let mut rows: Vec<ProcedureRow> = live
            .content
            .list(&filter)?
            .iter()
            .map(row_from_summary)
            .collect();
        let more = rows.len() > limit;
        rows.truncate(limit);
        self.mark_recent(&mut rows, chrono::Local::now().date_naive());
        Ok(ListView {
            kind,
            key: key.to_string(),
            label,
            total: total.unwrap_or(rows.len()).max(rows.len()),
            rows,
            more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_clock_reads_the_vietnamese_way() {
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 26, 8, 30, 0)
            .single()
            .expect("time");
        assert_eq!(
            clock(&t, false),
            HeaderClock {
                time: "08:30".into(),
                date: "Thứ Năm, 26/11/2026".into(),
                short_date: "26/11/2026".into(),
            }
        );
        assert_eq!(clock(&t, true).date, "Thursday, 26/11/2026");
    }

    #[test]
    fn dates_read_the_vietnamese_way() {
        assert_eq!(date_vi("2026-04-27"), "27/04/2026");
        assert_eq!(date_vi(""), "");
        assert_eq!(date_vi("tháng 4"), "tháng 4");
    }

    fn field(name: &str, count: u32) -> FieldCount {
        FieldCount {
            name: name.into(),
            count,
        }
    }

    fn at(name: &str, count: u32, featured: u32, in_life_events: u32) -> FieldAtLevel {
        FieldAtLevel {
            name: name.into(),
            count,
            featured,
            in_life_events,
        }
    }

    fn keys(rows: &[GroupRow]) -> Vec<&str> {
        rows.iter().map(|r| r.key.as_str()).collect()
    }

    #[test]
    fn home_fields_come_from_counters_then_use_here_then_the_level_then_size() {
        let fields = [
            field("Hải quan", 300),
            field("Thuế", 250),
            field("Đất đai", 200),
            field("Hộ tịch", 60),
            field("Chứng thực", 20),
            field("Đăng ký, quản lý cư trú", 15),
            field("Nuôi con nuôi", 10),
        ];
        // A commune: customs has many procedures but none citizens are pointed to.
        let commune = [
            at("Hải quan", 120, 0, 0),
            at("Đất đai", 170, 0, 160),
            at("Hộ tịch", 40, 4, 38),
            at("Đăng ký, quản lý cư trú", 13, 2, 13),
            at("Chứng thực", 12, 1, 12),
        ];
        assert_eq!(
            keys(&home_fields(&fields, &commune, &[], &[], 4)),
            [
                "Đất đai",
                "Hộ tịch",
                "Đăng ký, quản lý cư trú",
                "Chứng thực"
            ]
        );
        // Fewer fields at the level than places: the rest by size.
        assert_eq!(
            keys(&home_fields(&fields, &commune[..2], &[], &[], 3)),
            ["Đất đai", "Hải quan", "Thuế"]
        );

        // Fields used here (five views or more) come before the data's ranking; one or two do not.
        let views = [("Nuôi con nuôi".to_string(), 7), ("Thuế".to_string(), 2)];
        assert_eq!(
            keys(&home_fields(&fields, &commune, &[], &views, 3)),
            ["Nuôi con nuôi", "Đất đai", "Hộ tịch"]
        );

        // The counters' fields first, in counter order, matched without case or diacritics; a
        // field the data does not have is left out.
        let counters = [
            Counter {
                number: 2,
                location: String::new(),
                label: String::new(),
                fields: vec!["chung thuc".into(), "Không có".into()],
            },
            Counter {
                number: 1,
                location: String::new(),
                label: String::new(),
                fields: vec!["HỘ TỊCH".into()],
            },
        ];
        assert_eq!(
            keys(&home_fields(&fields, &commune, &counters, &views, 4)),
            ["Hộ tịch", "Chứng thực", "Nuôi con nuôi", "Đất đai"]
        );
        // Each field once, with its whole count (the list a tap opens has them all).
        let rows = home_fields(&fields, &commune, &counters, &views, 10);
        assert_eq!(rows.len(), fields.len());
        assert_eq!(rows[0].count, 60);
    }
}
