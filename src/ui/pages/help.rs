//! "Gọi cán bộ hỗ trợ" (`ui/components/help.slint`, in the header of every page): copies
//! `app::help::HelpView` into `HelpAdapter`, and turns a press into the panel plus
//! `Command::RequestHelp` on the worker's office thread (the database and the heartbeat file are
//! never written on the UI thread); [`answered`] says whether the office was told.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::context::Ctx;
use super::super::{HelpAdapter, HelpSignal, MainWindow};
use crate::app::help::{HelpRequested, HelpView};
use crate::app::worker::Command;

/// The counter and its place, the panel closed.
pub fn show(w: &MainWindow, view: &HelpView) {
    let h = w.global::<HelpAdapter>();
    h.set_counter(
        view.counter
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0),
    );
    h.set_place(SharedString::from(view.place.as_str()));
    h.set_signal(HelpSignal::None);
    h.set_open(false);
}

pub fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    show(w, &ctx.kiosk.help_view());
    let c = ctx.clone();
    w.global::<HelpAdapter>().on_request(move || request(&c));
}

/// Opens the panel and, when the office counts presses, signals it.
fn request(ctx: &Ctx) {
    let Some(w) = ctx.window.upgrade() else {
        return;
    };
    let view = ctx.kiosk.help_view();
    let h = w.global::<HelpAdapter>();
    h.set_open(true);
    if view.signals {
        h.set_signal(HelpSignal::Sending);
        ctx.send(Command::RequestHelp);
    } else {
        h.set_signal(HelpSignal::None);
    }
}

/// The worker's answer to [`Command::RequestHelp`].
pub fn answered(w: &MainWindow, result: Result<HelpRequested, String>) {
    w.global::<HelpAdapter>().set_signal(match result {
        Ok(_) => HelpSignal::Sent,
        Err(_) => HelpSignal::Failed,
    });
}
