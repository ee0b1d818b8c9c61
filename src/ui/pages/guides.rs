//! The guide page: one online-service guide with the QR to its page.

use slint::ComponentHandle;

use super::super::context::Ctx;
use super::super::convert::{model, qr, s};
use super::super::{GuidesAdapter, MainWindow, Page};
use crate::app::screen::GuideView;
use crate::app::usage::Note;

pub fn show_guide(window: &MainWindow, g: &GuideView) {
    let a = window.global::<GuidesAdapter>();
    a.set_current_title(s(&g.title));
    a.set_current_summary(s(&g.summary));
    a.set_current_steps(model(g.steps.iter().map(|x| s(x)).collect()));
    a.set_current_link(s(&g.link));
    a.set_current_qr(qr(g.qr.as_ref()));
    a.set_current_source(s(&g.source));
}

pub fn open(ctx: &Ctx, id: &str) {
    let Some(w) = ctx.window.upgrade() else {
        return;
    };
    let Some(g) = ctx.kiosk.guide_view(id) else {
        tracing::warn!("guide {id} is not in the data");
        return;
    };
    show_guide(&w, &g);
    ctx.note(Note::Touch);
    ctx.shell.navigate(Page::Guide);
}
