//! The search page: each keystroke's query goes to the search thread with the session's
//! filters; the answer (an `app` view) fills the results, the filter chips, matching hotlines
//! and guides, what the engine relaxed and suggestions. Answers to an older query are dropped.

use std::rc::Rc;
use std::sync::Arc;

use slint::{ComponentHandle, SharedString};

use super::super::context::Ctx;
use super::super::convert::{filter_item, guide_item, hotline_item, int, procedure_item, refill};
use super::super::{MainWindow, ProcedureItem, SearchAdapter};
use crate::app::screen::search::SearchView;
use crate::app::usage::Note;
use crate::app::worker::Command;

/// Shows `v` on the search page, unless the query has changed since it was asked (a stale
/// answer is dropped; returns `false`).
pub fn show_search(window: &MainWindow, v: &SearchView) -> bool {
    if v.request.text != window.global::<SearchAdapter>().get_query().as_str() {
        return false;
    }
    fill(window, v);
    true
}

fn fill(window: &MainWindow, v: &SearchView) {
    let a = window.global::<SearchAdapter>();
    refill(
        a.get_results(),
        v.rows
            .iter()
            .map(|r| ProcedureItem {
                answer: SharedString::from(r.answer.as_str()),
                answer_en: SharedString::from(r.answer_en.as_str()),
                section: SharedString::from(r.section),
                other_provinces: int(r.other_provinces),
                ..procedure_item(&r.row, &r.highlights)
            })
            .collect(),
        |m| a.set_results(m),
    );
    a.set_result_count(int(v.total));
    refill(
        a.get_field_filters(),
        v.field_chips.iter().map(filter_item).collect(),
        |m| a.set_field_filters(m),
    );
    refill(
        a.get_level_filters(),
        v.level_chips.iter().map(filter_item).collect(),
        |m| a.set_level_filters(m),
    );
    a.set_online_filter(filter_item(&v.online_chip));
    a.set_filters_active(v.filters_active);
    refill(
        a.get_hotlines(),
        v.hotlines.iter().map(hotline_item).collect(),
        |m| a.set_hotlines(m),
    );
    refill(
        a.get_guides(),
        v.guides.iter().map(guide_item).collect(),
        |m| a.set_guides(m),
    );
    a.set_relaxed_typo(v.relaxed_typo);
    a.set_corrections(SharedString::from(v.corrections.as_str()));
    a.set_relaxed_filters(v.relaxed_filters);
    a.set_relaxed_any_word(v.relaxed_any_word);
    refill(
        a.get_suggestions(),
        v.suggestions
            .iter()
            .map(|s| SharedString::from(s.as_str()))
            .collect(),
        |m| a.set_suggestions(m),
    );
    let w = v.withdrawn.as_ref();
    a.set_withdrawn_code(
        w.map(|w| SharedString::from(w.code.as_str()))
            .unwrap_or_default(),
    );
    a.set_withdrawn_name(
        w.map(|w| SharedString::from(w.name.as_str()))
            .unwrap_or_default(),
    );
    a.set_withdrawn_since(
        w.and_then(|w| w.since)
            .map(|d| SharedString::from(d.format("%d/%m/%Y").to_string()))
            .unwrap_or_default(),
    );
    a.set_busy(false);
}

/// The page with no query: no results, no chips, nothing relaxed.
pub fn clear(w: &MainWindow) {
    fill(w, &SearchView::empty());
}

/// Sends the query on screen (with the session's filters) to the search thread.
pub fn search_now(ctx: &Ctx, w: &MainWindow) {
    let text = w.global::<SearchAdapter>().get_query().to_string();
    if text.trim().is_empty() {
        // The answer to the empty query is the empty page; an answer still in flight is stale.
        ctx.search.borrow_mut().request("");
        clear(w);
        return;
    }
    ctx.note(Note::Touch);
    let (generation, request) = ctx.search.borrow_mut().request(&text);
    if ctx.has_worker() {
        w.global::<SearchAdapter>().set_busy(true);
    }
    ctx.send(Command::Search {
        generation,
        request,
    });
}

/// An answer from the search thread.
pub fn answer(ctx: &Ctx, w: &MainWindow, generation: u64, result: Result<Arc<SearchView>, String>) {
    if !ctx.search.borrow().is_current(generation) {
        return;
    }
    w.global::<SearchAdapter>().set_busy(false);
    match result {
        Ok(v) => {
            if show_search(w, &v) {
                ctx.note(Note::Query {
                    text: v.request.text.clone(),
                    results: v.total as u64,
                });
                if let Some(code) = &v.open_code {
                    super::procedure::open(ctx, code);
                }
            }
        }
        Err(e) => tracing::error!("search failed: {e}"),
    }
}

pub fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    let c = ctx.clone();
    ctx.shell.on_query_changed(move |w, _text| {
        c.search.borrow_mut().new_query();
        search_now(&c, w);
    });
    let sa = w.global::<SearchAdapter>();
    let again = |c: &Rc<Ctx>| {
        if let Some(w) = c.window.upgrade() {
            search_now(c, &w);
        }
    };
    let c = ctx.clone();
    sa.on_toggle_field(move |name| {
        c.search.borrow_mut().toggle_field(&name);
        again(&c);
    });
    let c = ctx.clone();
    sa.on_toggle_level(move |key| {
        c.search.borrow_mut().toggle_level(&key);
        again(&c);
    });
    let c = ctx.clone();
    sa.on_toggle_online(move || {
        c.search.borrow_mut().toggle_online();
        again(&c);
    });
    let c = ctx.clone();
    sa.on_show_more(move || {
        c.search.borrow_mut().show_more();
        again(&c);
    });
}
