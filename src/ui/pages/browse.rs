//! The browse page: the fields (A–Z, with an index and a filter by level) and the life events,
//! and the procedures of the one chosen, a page at a time ("Xem thêm" adds the next), so a field
//! with hundreds of procedures never lays out hundreds of cards.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::context::{Ctx, ListShown};
use super::super::convert::{group_items, int, model, procedure_items, s};
use super::super::{BrowseAdapter, BrowseTab, FilterItem, Kiosk, LetterItem, MainWindow, Page};
use crate::app::screen::{BrowseView, GroupKind, LIST_PAGE, ListView};
use crate::app::usage::Note;
use crate::domain::Level;

/// The groups: fields with their A–Z index and level filter, and life events.
pub fn show_groups(w: &MainWindow, v: &BrowseView) {
    let b = w.global::<BrowseAdapter>();
    b.set_fields(group_items(&v.fields));
    b.set_letters(model(
        v.letters
            .iter()
            .map(|l| LetterItem {
                letter: s(&l.letter),
                first: int(l.first),
            })
            .collect(),
    ));
    b.set_levels(model(
        v.levels
            .iter()
            .map(|l| FilterItem {
                key: SharedString::from(l.level.as_str()),
                label: s(&l.label),
                count: int(l.fields),
                selected: v.level == Some(l.level),
            })
            .collect(),
    ));
    b.set_level(SharedString::from(v.level.map_or("", Level::as_str)));
    b.set_life_events(group_items(&v.life_events));
}

pub fn show_list(w: &MainWindow, v: &ListView) {
    let b = w.global::<BrowseAdapter>();
    b.set_tab(match v.kind {
        GroupKind::Field => BrowseTab::Fields,
        GroupKind::LifeEvent => BrowseTab::LifeEvents,
    });
    b.set_selected_key(s(&v.key));
    b.set_selected_label(s(&v.label));
    b.set_selected_count(int(v.total));
    b.set_procedures(procedure_items(&v.rows));
    b.set_more(v.more);
}

fn load(ctx: &Ctx, shown: ListShown) -> bool {
    let Some(w) = ctx.window.upgrade() else {
        return false;
    };
    match ctx
        .kiosk
        .list_view(shown.kind, &shown.key, shown.level, shown.limit)
    {
        Ok(v) => {
            show_list(&w, &v);
            *ctx.list.borrow_mut() = Some(shown);
            true
        }
        Err(e) => {
            tracing::error!("listing {}: {e}", shown.key);
            false
        }
    }
}

/// The level the browse page filters fields by.
fn level(w: &MainWindow) -> Option<Level> {
    Level::parse(&w.global::<BrowseAdapter>().get_level())
}

/// Opens the first page of a field's or a life event's procedures.
pub fn open(ctx: &Ctx, kind: GroupKind, key: &str) {
    let level = match (kind, ctx.window.upgrade()) {
        (GroupKind::Field, Some(w)) => level(&w),
        _ => None,
    };
    let shown = ListShown {
        kind,
        key: key.to_string(),
        level,
        limit: LIST_PAGE,
    };
    if load(ctx, shown) {
        ctx.note(Note::Touch);
        ctx.shell.navigate(Page::Browse);
    }
}

/// Every field again, nothing filtered (a new visit, "Trang đầu").
pub fn reset(ctx: &Ctx, w: &MainWindow) {
    if level(w).is_some() {
        show_groups(w, &ctx.kiosk.browse_view(None));
    }
}

/// "Xem tất cả lĩnh vực": every field, from the top, whatever this visit chose before (a life
/// event, a field, a level, a scrolled list).
fn browse_all(ctx: &Ctx) {
    let Some(w) = ctx.window.upgrade() else {
        return;
    };
    reset(ctx, &w);
    ctx.list.borrow_mut().take();
    let b = w.global::<BrowseAdapter>();
    b.set_tab(BrowseTab::Fields);
    b.set_selected_key(SharedString::new());
    b.set_selected_label(SharedString::new());
    b.set_procedures(model(Vec::new()));
    // The page is made anew when shown, its lists at the top.
    ctx.shell.navigate(Page::Browse);
}

/// The level filter: a tap on the chosen level shows every level again. The field on screen
/// stays when it has procedures at the new level, with only those listed.
fn choose_level(ctx: &Ctx, key: &str) {
    let Some(w) = ctx.window.upgrade() else {
        return;
    };
    let chosen = Level::parse(key);
    let level = if chosen == level(&w) { None } else { chosen };
    let v = ctx.kiosk.browse_view(level);
    show_groups(&w, &v);
    let b = w.global::<BrowseAdapter>();
    let shown = ctx.list.borrow().clone();
    if let Some(shown) = shown.filter(|s| s.kind == GroupKind::Field)
        && b.get_tab() == BrowseTab::Fields
        && !b.get_selected_key().is_empty()
    {
        if v.fields.iter().any(|f| f.key == shown.key) {
            load(
                ctx,
                ListShown {
                    level,
                    limit: LIST_PAGE,
                    ..shown
                },
            );
        } else {
            b.set_selected_key(SharedString::new());
            b.set_selected_label(SharedString::new());
            ctx.list.borrow_mut().take();
        }
    }
}

pub fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    let c = ctx.clone();
    w.global::<BrowseAdapter>().on_show_more(move || {
        let shown = c.list.borrow().clone();
        if let Some(mut shown) = shown {
            shown.limit += LIST_PAGE;
            load(&c, shown);
        }
    });
    let c = ctx.clone();
    w.global::<BrowseAdapter>()
        .on_choose_level(move |key| choose_level(&c, &key));
    let c = ctx.clone();
    w.global::<Kiosk>().on_browse_all(move || browse_all(&c));
}
