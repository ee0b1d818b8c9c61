//! Search results into the search page: highlighted names, facet chips with the request's
//! filters selected, matching hotlines and guides, what the engine relaxed, suggestions.

use slint::{ComponentHandle, SharedString};

use super::{
    MainWindow, SearchAdapter, filter_item, guide_item, hotline_item, procedure_item, refill,
};
use crate::app::search::SearchOutcome;
use crate::app::view::{ProcedureRow, subtitle};
use crate::domain::{Level, text};

/// How many field chips the filter bar offers (the selected one is always among them).
pub const FIELD_CHIPS: usize = 8;

/// Shows `outcome` on the search page, unless the query has changed since it was asked
/// (a stale answer is dropped; returns `false`).
pub fn show_search(window: &MainWindow, outcome: &SearchOutcome) -> bool {
    let a = window.global::<SearchAdapter>();
    if outcome.request.text != a.get_query().as_str() {
        return false;
    }
    let req = &outcome.request;
    let res = &outcome.results;

    refill(
        a.get_results(),
        res.procedures
            .iter()
            .map(|h| {
                let row = ProcedureRow {
                    code: h.code.clone(),
                    name: h.name.clone(),
                    subtitle: subtitle(&h.fields, &h.levels),
                    has_detail: h.has_detail,
                    online: h.online,
                };
                // The ranges are on the snippet's text, which is the name as stored.
                let ranges = if h.snippet.name.text == h.name {
                    h.snippet.name.ranges.as_slice()
                } else {
                    &[]
                };
                procedure_item(&row, ranges)
            })
            .collect(),
        |m| a.set_results(m),
    );
    a.set_result_count(i32::try_from(res.total).unwrap_or(i32::MAX));

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
    refill(
        a.get_field_filters(),
        fields
            .iter()
            .map(|(name, n)| filter_item(name, name, *n, Some(text::fold(name)) == selected_field))
            .collect(),
        |m| a.set_field_filters(m),
    );
    refill(
        a.get_level_filters(),
        [Level::Province, Level::Commune, Level::Ministry]
            .into_iter()
            .map(|l| {
                let n = res
                    .facets
                    .levels
                    .iter()
                    .find(|(x, _)| *x == l)
                    .map_or(0, |(_, n)| *n);
                filter_item(l.as_str(), l.label_vi(), n, req.level == Some(l))
            })
            .collect(),
        |m| a.set_level_filters(m),
    );
    a.set_online_filter(filter_item(
        "online",
        "Nộp trực tuyến",
        res.facets.online,
        req.online_only,
    ));
    a.set_filters_active(req.field.is_some() || req.level.is_some() || req.online_only);

    refill(
        a.get_hotlines(),
        res.hotlines
            .iter()
            .map(|h| hotline_item(&h.hotline))
            .collect(),
        |m| a.set_hotlines(m),
    );
    refill(
        a.get_guides(),
        res.guides.iter().map(|g| guide_item(&g.guide)).collect(),
        |m| a.set_guides(m),
    );

    let relaxed = res.relaxed.clone().unwrap_or_default();
    a.set_relaxed_typo(relaxed.typo);
    a.set_corrections(SharedString::from(
        relaxed
            .corrections
            .iter()
            .map(|(typed, read)| format!("{typed} → {read}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    a.set_relaxed_filters(relaxed.dropped_filters);
    a.set_relaxed_any_word(relaxed.any_word);
    refill(
        a.get_suggestions(),
        res.suggestions
            .iter()
            .map(|s| SharedString::from(s.as_str()))
            .collect(),
        |m| a.set_suggestions(m),
    );
    a.set_busy(false);
    true
}

#[cfg(test)]
// A one-element list of ranges is what a highlight with one run is.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::app::search::SearchRequest;
    use crate::search::{Facets, Hit, Relaxation, Results, Snippet};

    #[test]
    fn outcome_fields_reach_the_adapter() {
        // Needs a Slint platform for the window: the headless one.
        let window = crate::ui::screenshot::new_window().expect("window");
        let a = window.global::<SearchAdapter>();
        a.set_query("khai sinh".into());
        let name = "Thủ tục đăng ký khai sinh".to_string();
        let at = name.find("khai").unwrap_or(0);
        let outcome = SearchOutcome {
            request: SearchRequest {
                text: "khai sinh".into(),
                level: Some(Level::Commune),
                ..Default::default()
            },
            results: Results {
                procedures: vec![Hit {
                    code: "1.001193".into(),
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
                    exact_code: false,
                    variants: Vec::new(),
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
        };
        assert!(show_search(&window, &outcome));
        use slint::Model;
        assert_eq!(a.get_result_count(), 12);
        let first = a.get_results().row_data(0).expect("a row");
        assert_eq!(first.subtitle, "Hộ tịch · Cấp xã");
        let levels: Vec<(String, bool)> = a
            .get_level_filters()
            .iter()
            .map(|f| (f.key.to_string(), f.selected))
            .collect();
        assert!(levels.contains(&("commune".into(), true)));
        assert!(a.get_filters_active());
        assert!(a.get_relaxed_typo());
        assert_eq!(a.get_corrections(), "khia → khai");

        // An answer to an older query is dropped.
        a.set_query("khai sinh lưu".into());
        assert!(!show_search(&window, &outcome));
    }
}
