//! The procedure page: a procedure's view (with its QR) copied into `ProcedureAdapter`, and
//! opening a procedure from a result, a list, a typed code or a tile.

use slint::ComponentHandle;

use super::super::context::Ctx;
use super::super::convert::{int, model, qr, s};
use super::super::{
    ChannelItem, DossierGroupItem, DossierRowItem, LegalItem, MainWindow, Page, ProcedureAdapter,
    StepItem, TextSection,
};
use crate::app::usage::Note;
use crate::app::view::ProcedureView;

/// Fills the procedure page.
pub fn show_procedure(window: &MainWindow, view: &ProcedureView) {
    let a = window.global::<ProcedureAdapter>();
    a.set_code(s(&view.code));
    a.set_name(s(&view.name));
    a.set_fields(s(&view.fields));
    a.set_levels(s(&view.levels));
    a.set_agency(s(&view.agency));
    a.set_receiving_address(s(&view.receiving_address));
    a.set_subjects(s(&view.subjects));
    a.set_channels(model(
        view.channels
            .iter()
            .map(|c| ChannelItem {
                method: s(&c.method),
                method_key: s(&c.method_key),
                time: s(&c.time),
                fee: s(&c.fee),
                note: s(&c.note),
            })
            .collect(),
    ));
    a.set_dossier(model(
        view.dossier
            .iter()
            .map(|g| DossierGroupItem {
                title: s(&g.title),
                items: model(
                    g.items
                        .iter()
                        .map(|i| DossierRowItem {
                            name: s(&i.name),
                            quantity: s(&i.quantity),
                            form: s(&i.form),
                            required: i.required,
                        })
                        .collect(),
                ),
            })
            .collect(),
    ));
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
    a.set_updated(s(&view.updated));
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
