//! The browse page: the procedures of a field or a life event, a page at a time ("Xem thêm"
//! adds the next), so a field with hundreds of procedures never lays out hundreds of cards.

use std::rc::Rc;

use slint::ComponentHandle;

use super::super::context::{Ctx, ListShown};
use super::super::convert::{int, procedure_items, s};
use super::super::{BrowseAdapter, BrowseTab, MainWindow, Page};
use crate::app::screen::{GroupKind, LIST_PAGE, ListView};
use crate::app::usage::Note;

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
    match ctx.kiosk.list_view(shown.kind, &shown.key, shown.limit) {
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

/// Opens the first page of a field's or a life event's procedures.
pub fn open(ctx: &Ctx, kind: GroupKind, key: &str) {
    let shown = ListShown {
        kind,
        key: key.to_string(),
        limit: LIST_PAGE,
    };
    if load(ctx, shown) {
        ctx.note(Note::Touch);
        ctx.shell.navigate(Page::Browse);
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
}
