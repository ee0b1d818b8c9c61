//! The procedure page: a procedure's view (with its QR) copied into `ProcedureAdapter`, the
//! boxes the visitor ticks on the checklist, and opening a procedure from a result, a list, a
//! typed code or a tile.

use slint::{ComponentHandle, Model, ModelRc};

use super::super::context::Ctx;
use super::super::convert::{int, model, qr, s};
use super::super::{
    BringItem, ChannelItem, LegalItem, MainWindow, Page, ProcedureAdapter, StepItem, TextSection,
};
use crate::app::usage::Note;
use crate::app::view::{BringRow, ChannelRow, ProcedureView};

fn bring_items(rows: &[BringRow]) -> ModelRc<BringItem> {
    model(
        rows.iter()
            .map(|r| BringItem {
                text: s(&r.text),
                quantity: s(&r.quantity),
                quantity_en: s(&r.quantity_en),
                checked: false,
            })
            .collect(),
    )
}

fn channel_item(c: &ChannelRow) -> ChannelItem {
    ChannelItem {
        method: s(&c.method),
        method_key: s(&c.method_key),
        time: s(&c.time),
        time_en: s(&c.time_en),
        fee: s(&c.fee),
        fee_en: s(&c.fee_en),
        free: c.free,
        note: s(&c.note),
    }
}

/// Fills the procedure page.
pub fn show_procedure(window: &MainWindow, view: &ProcedureView) {
    let a = window.global::<ProcedureAdapter>();
    a.set_code(s(&view.code));
    a.set_name(s(&view.name));
    a.set_fields(s(&view.fields));
    a.set_levels(s(&view.levels));
    a.set_levels_en(s(&view.levels_en));
    a.set_agency(s(&view.agency));
    a.set_receiving_address(s(&view.receiving_address));
    a.set_subjects(s(&view.subjects));
    a.set_channels(model(view.channels.iter().map(channel_item).collect()));
    a.set_has_usual(view.usual.is_some());
    a.set_usual(view.usual.as_ref().map(channel_item).unwrap_or_default());
    // A new model each time: the boxes start unticked for every procedure and every visitor.
    a.set_bring(bring_items(&view.bring.documents));
    a.set_other_cases(bring_items(&view.bring.other_cases));
    a.set_notes(model(view.bring.notes.iter().map(|n| s(n)).collect()));
    a.set_by_case(view.bring.by_case);
    a.set_ticked(0);
    a.set_steps(model(
        view.steps
            .iter()
            .map(|st| StepItem {
                number: int(st.number),
                title: s(&st.title),
                text: s(&st.text),
            })
            .collect(),
    ));
    a.set_requirements(s(&view.requirements));
    a.set_results(model(view.results.iter().map(|r| s(r)).collect()));
    a.set_legal(model(
        view.legal
            .iter()
            .map(|l| LegalItem {
                code: s(&l.code),
                title: s(&l.title),
            })
            .collect(),
    ));
    a.set_other(model(
        view.other
            .iter()
            .map(|(title, text)| TextSection {
                title: s(title),
                text: s(text),
            })
            .collect(),
    ));
    a.set_fully_online(view.fully_online);
    a.set_has_detail(view.has_detail);
    a.set_qr(qr(view.qr.as_ref()));
    a.set_link_verified(view.link.verified);
    a.set_link_url(s(&view.link.url));
    a.set_counter(s(view.counter.as_deref().unwrap_or_default()));
    a.set_counter_en(s(view.counter_en.as_deref().unwrap_or_default()));
    a.set_updated(s(&view.updated));
    a.set_recently_updated(view.recently_updated);
}

/// Ticks or unticks row `index` of a checklist model; returns how many rows are ticked.
fn toggle(list: &ModelRc<BringItem>, index: i32) -> i32 {
    if let Ok(i) = usize::try_from(index)
        && let Some(mut row) = list.row_data(i)
    {
        row.checked = !row.checked;
        list.set_row_data(i, row);
    }
    list.iter().filter(|r| r.checked).count() as i32
}

/// The checklist's boxes: the visitor ticks what they have.
pub fn bind(w: &MainWindow) {
    let a = w.global::<ProcedureAdapter>();
    let weak = w.as_weak();
    a.on_toggle_bring(move |i| {
        if let Some(w) = weak.upgrade() {
            let a = w.global::<ProcedureAdapter>();
            a.set_ticked(toggle(&a.get_bring(), i));
        }
    });
    let weak = w.as_weak();
    a.on_toggle_case(move |i| {
        if let Some(w) = weak.upgrade() {
            toggle(&w.global::<ProcedureAdapter>().get_other_cases(), i);
        }
    });
}

/// Opens procedure `code` (one row read from the store: quick enough for the UI thread).
pub fn open(ctx: &Ctx, code: &str) {
    open_at(ctx, code, "");
}

/// Opens procedure `code` with `section` ("dossier", …) first when a search result answered a
/// question from it.
pub fn open_at(ctx: &Ctx, code: &str, section: &str) {
    let Some(w) = ctx.window.upgrade() else {
        return;
    };
    match ctx.kiosk.procedure_view(code) {
        Ok(Some(view)) => {
            show_procedure(&w, &view);
            w.global::<ProcedureAdapter>().set_open_at(s(section));
            ctx.note(Note::Viewed(code.to_string()));
            *ctx.last_code.borrow_mut() = Some(code.to_string());
            ctx.shell.navigate(Page::Procedure);
        }
        Ok(None) => tracing::warn!("procedure {code} is not in the data"),
        Err(e) => tracing::error!("opening {code}: {e}"),
    }
}
