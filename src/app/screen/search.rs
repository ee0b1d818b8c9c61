//! The search page as data: the citizen's session (filters, list length, the generation that
//! tells a stale answer from the newest) and each answer turned into rows with their
//! highlights, filter chips, matching hotlines and guides, what the engine relaxed, and
//! whether a typed code should open its procedure directly.

use std::ops::Range;

use super::{GuideRow, HotlineRow};
use crate::app::freshness::WithdrawnNotice;
use crate::app::search::{SearchOutcome, SearchRequest};
use crate::app::view::{ProcedureRow, subtitle, subtitle_en};
use crate::domain::{Level, text};

/// How many results the search page lists at first (the count says how many there are;
/// "Xem thêm kết quả" adds [`MORE_RESULTS`] at a time). Every keystroke lays the list out again,
/// so it starts at what a screen shows.
pub const RESULTS: usize = 10;
/// How many more each "Xem thêm kết quả" shows.
pub const MORE_RESULTS: usize = 20;
/// The longest list "Xem thêm" grows to.
pub const MAX_RESULTS: usize = 200;
/// How many field chips the filter bar offers (the selected one is always among them).
pub const FIELD_CHIPS: usize = 8;

/// The search screen's state between keystrokes: the filters, how long the list is, and the
/// newest generation sent.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSession {
    generation: u64,
    field: Option<String>,
    level: Option<Level>,
    online_only: bool,
    limit: usize,
}

impl Default for SearchSession {
    fn default() -> Self {
        SearchSession {
            generation: 0,
            field: None,
            level: None,
            online_only: false,
            limit: RESULTS,
        }
    }
}

impl SearchSession {
    /// A request for `text` with the session's filters, under a new generation.
    pub fn request(&mut self, text: &str) -> (u64, SearchRequest) {
        self.generation += 1;
        (
            self.generation,
            SearchRequest {
                text: text.to_string(),
                field: self.field.clone(),
                level: self.level,
                online_only: self.online_only,
                limit: self.limit,
            },
        )
    }

    /// Whether an answer to `generation` is still the one to show.
    pub fn is_current(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// A new query starts with a short list again.
    pub fn new_query(&mut self) {
        self.limit = RESULTS;
    }

    /// The field chip `name` was tapped: select it, or clear it when it was selected.
    pub fn toggle_field(&mut self, name: &str) {
        self.limit = RESULTS;
        self.field = if self.field.as_deref() == Some(name) {
            None
        } else {
            Some(name.to_string())
        };
    }

    /// The level chip `key` ("commune", …) was tapped.
    pub fn toggle_level(&mut self, key: &str) {
        self.limit = RESULTS;
        let level = Level::parse(key);
        self.level = if self.level == level { None } else { level };
    }

    pub fn toggle_online(&mut self) {
        self.limit = RESULTS;
        self.online_only = !self.online_only;
    }

    /// "Xem thêm kết quả".
    pub fn show_more(&mut self) {
        self.limit = (self.limit + MORE_RESULTS).min(MAX_RESULTS);
    }

    /// Back to no filters for the next person; generations keep counting so an answer still in
    /// flight is recognised as stale.
    pub fn clear(&mut self) {
        *self = SearchSession {
            generation: self.generation,
            ..Default::default()
        };
    }
}

/// A filter chip with its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub key: String,
    pub label: String,
    pub count: u32,
    pub selected: bool,
}

/// A result: the procedure and the byte ranges of its name to show in bold.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub row: ProcedureRow,
    pub highlights: Vec<Range<usize>>,
    /// The answer to what the text asked ("Thời hạn: 1 ngày làm việc"), or empty.
    pub answer: String,
    /// The same answer for the English interface.
    pub answer_en: String,
    /// The part of the procedure page the answer comes from ("channels", "place", "dossier"),
    /// opened first when the row is tapped; empty for none.
    pub section: &'static str,
    /// Other provinces' own copies folded into this result.
    pub other_provinces: u32,
}

/// One answer, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchView {
    /// The request this answers (an answer to another text is stale).
    pub request: SearchRequest,
    pub rows: Vec<ResultRow>,
    /// How many procedures match (the list may show fewer).
    pub total: usize,
    pub field_chips: Vec<Chip>,
    pub level_chips: Vec<Chip>,
    pub online_chip: Chip,
    pub filters_active: bool,
    pub hotlines: Vec<HotlineRow>,
    pub guides: Vec<GuideRow>,
    pub relaxed_typo: bool,
    /// "khia → khai, …"
    pub corrections: String,
    pub relaxed_filters: bool,
    pub relaxed_any_word: bool,
    pub suggestions: Vec<String>,
    /// A procedure code typed in full: open this procedure directly.
    pub open_code: Option<String>,
    /// The code typed is of a withdrawn procedure: its notice instead of "not found".
    pub withdrawn: Option<WithdrawnNotice>,
}

impl SearchView {
    pub fn new(outcome: &SearchOutcome) -> SearchView {
        let req = &outcome.request;
        let res = &outcome.results;
        let rows = res
            .procedures
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let answer = outcome.answers.get(i).and_then(Option::as_ref);
                ResultRow {
                    row: ProcedureRow {
                        code: h.code.clone(),
                        name: h.name.clone(),
                        subtitle: subtitle(&h.fields, &h.levels),
                        subtitle_en: subtitle_en(&h.fields, &h.levels),
                        has_detail: h.has_detail,
                        online: h.online,
                        recent: outcome.recent.get(i).copied().unwrap_or(false),
                    },
                    // The ranges are on the snippet's text, which is the name as stored.
                    highlights: if h.snippet.name.text == h.name {
                        h.snippet.name.ranges.clone()
                    } else {
                        Vec::new()
                    },
                    answer: answer.map(|a| a.text.clone()).unwrap_or_default(),
                    answer_en: answer.map(|a| a.text_en.clone()).unwrap_or_default(),
                    section: answer.map_or("", |a| a.section.as_str()),
                    other_provinces: h.other_provinces,
                }
            })
            .collect();

        let selected_field = req.field.as_deref().map(text::fold);
        let mut fields: Vec<(String, u32)> = res
            .facets
            .fields
            .iter()
            .take(FIELD_CHIPS)
            .cloned()
            .collect();
        if let Some(f) = &req.field
            && !fields
                .iter()
                .any(|(n, _)| Some(text::fold(n)) == selected_field)
        {
            fields.insert(0, (f.clone(), 0));
        }
        let field_chips = fields
            .iter()
            .map(|(name, n)| Chip {
                key: name.clone(),
                label: name.clone(),
                count: *n,
                selected: Some(text::fold(name)) == selected_field,
            })
            .collect();
        let level_chips = [Level::Province, Level::Commune, Level::Ministry]
            .into_iter()
            .map(|l| Chip {
                key: l.as_str().to_string(),
                label: l.label_vi().to_string(),
                count: res
                    .facets
                    .levels
                    .iter()
                    .find(|(x, _)| *x == l)
                    .map_or(0, |(_, n)| *n),
                selected: req.level == Some(l),
            })
            .collect();
        let relaxed = res.relaxed.clone().unwrap_or_default();
        // A procedure code typed in full opens the procedure directly.
        let open_code = crate::domain::normalize_code_query(&req.text).filter(|code| {
            res.procedures
                .first()
                .is_some_and(|first| first.exact_code && first.code == *code)
        });
        SearchView {
            request: req.clone(),
            rows,
            total: res.total,
            field_chips,
            level_chips,
            online_chip: Chip {
                key: "online".into(),
                label: "Nộp trực tuyến".into(),
                count: res.facets.online,
                selected: req.online_only,
            },
            filters_active: req.field.is_some() || req.level.is_some() || req.online_only,
            hotlines: res
                .hotlines
                .iter()
                .map(|h| HotlineRow::from(&h.hotline))
                .collect(),
            guides: res
                .guides
                .iter()
                .map(|g| GuideRow::from(&g.guide))
                .collect(),
            relaxed_typo: relaxed.typo,
            corrections: relaxed
                .corrections
                .iter()
                .map(|(typed, read)| format!("{typed} → {read}"))
                .collect::<Vec<_>>()
                .join(", "),
            relaxed_filters: relaxed.dropped_filters,
            relaxed_any_word: relaxed.any_word,
            suggestions: res.suggestions.clone(),
            open_code,
            withdrawn: outcome.withdrawn.clone(),
        }
    }

    /// The empty page (no query).
    pub fn empty() -> SearchView {
        SearchView {
            request: SearchRequest::default(),
            rows: Vec::new(),
            total: 0,
            field_chips: Vec::new(),
            level_chips: Vec::new(),
            online_chip: Chip {
                key: "online".into(),
                label: "Nộp trực tuyến".into(),
                count: 0,
                selected: false,
            },
            filters_active: false,
            hotlines: Vec::new(),
            guides: Vec::new(),
            relaxed_typo: false,
            corrections: String::new(),
            relaxed_filters: false,
            relaxed_any_word: false,
            suggestions: Vec::new(),
            open_code: None,
            withdrawn: None,
        }
    }
}

impl crate::app::kiosk::Kiosk {
    /// Runs a search and turns the answer into the page.
    pub fn search_view(&self, req: &SearchRequest) -> Result<SearchView, crate::app::AppError> {
        self.search(req).map(|o| SearchView::new(&o))
    }
}

#[cfg(test)]
// A one-element list of ranges is what a highlight with one run is.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::app::answer::{Answer, Ask, Section};
    use crate::search::{Facets, Hit, Relaxation, Results, Snippet};

    fn outcome(text: &str, code: &str, exact: bool) -> SearchOutcome {
        let name = "Thủ tục đăng ký khai sinh".to_string();
        let at = name.find("khai").unwrap_or(0);
        SearchOutcome {
            request: SearchRequest {
                text: text.into(),
                level: Some(Level::Commune),
                ..Default::default()
            },
            results: Results {
                procedures: vec![Hit {
                    code: code.into(),
                    name: name.clone(),
                    score: 1.0,
                    snippet: Snippet {
                        name: crate::search::Highlighted {
                            text: name.clone(),
                            ranges: vec![at..name.len()],
                        },
                        excerpt: None,
                    },
                    has_detail: true,
                    fields: vec!["Hộ tịch".into()],
                    levels: vec![Level::Commune],
                    online: true,
                    exact_code: exact,
                    variants: vec!["1.115000".into()],
                    other_provinces: 1,
                }],
                total: 12,
                facets: Facets {
                    fields: vec![("Hộ tịch".into(), 12)],
                    levels: vec![(Level::Commune, 12)],
                    online: 9,
                },
                relaxed: Some(Relaxation {
                    typo: true,
                    corrections: vec![("khia".into(), "khai".into())],
                    ..Default::default()
                }),
                ..Default::default()
            },
            answers: vec![Some(Answer {
                ask: Ask::TimeLimit,
                text: "Thời hạn: 1 ngày làm việc".into(),
                text_en: "Time limit: 1 working day".into(),
                section: Section::Channels,
            })],
            recent: vec![true],
            withdrawn: None,
        }
    }

    #[test]
    fn an_answer_becomes_rows_chips_and_notes() {
        let v = SearchView::new(&outcome("khai sinh", "1.001193", false));
        assert_eq!(v.total, 12);
        assert_eq!(v.rows[0].row.subtitle, "Hộ tịch · Cấp xã");
        assert_eq!(v.rows[0].highlights.len(), 1);
        assert!(
            v.level_chips
                .iter()
                .any(|c| c.key == "commune" && c.selected && c.count == 12)
        );
        assert!(v.filters_active);
        assert!(v.relaxed_typo);
        assert_eq!(v.corrections, "khia → khai");
        assert_eq!(v.open_code, None);
        // The answer to the question and the folded provinces reach the row.
        assert_eq!(v.rows[0].answer, "Thời hạn: 1 ngày làm việc");
        assert_eq!(v.rows[0].answer_en, "Time limit: 1 working day");
        assert_eq!(v.rows[0].section, "channels");
        assert_eq!(v.rows[0].other_provinces, 1);
        assert!(v.rows[0].row.recent, "Mới cập nhật reaches the card");
    }

    #[test]
    fn a_code_typed_in_full_opens_its_procedure() {
        let v = SearchView::new(&outcome("1.001193", "1.001193", true));
        assert_eq!(v.open_code.as_deref(), Some("1.001193"));
        // Not when the first hit is another procedure.
        let v = SearchView::new(&outcome("1.001193", "1.000656", false));
        assert_eq!(v.open_code, None);
    }

    #[test]
    fn the_session_counts_generations_and_toggles_filters() {
        let mut s = SearchSession::default();
        let (g1, r) = s.request("khai");
        assert_eq!((r.limit, r.field.clone()), (RESULTS, None));
        s.toggle_field("Hộ tịch");
        s.toggle_level("commune");
        s.show_more();
        let (g2, r) = s.request("khai sinh");
        assert!(g2 > g1 && s.is_current(g2) && !s.is_current(g1));
        assert_eq!(r.field.as_deref(), Some("Hộ tịch"));
        assert_eq!(r.level, Some(Level::Commune));
        assert_eq!(r.limit, RESULTS + MORE_RESULTS);
        s.toggle_field("Hộ tịch");
        s.clear();
        let (g3, r) = s.request("x");
        assert!(g3 > g2);
        assert_eq!((r.field, r.level, r.limit), (None, None, RESULTS));
    }
}
