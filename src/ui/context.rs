//! What the pages' callbacks share on the UI thread (the app core, the window, the shell, the
//! worker, the search session, the browse list shown, the USB bundles last seen), how a request
//! leaves the UI thread ([`Ctx::send`]), and where every worker event lands ([`handle`]).

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use super::MainWindow;
use super::pages;
use super::run::RunExit;
use super::shell::Shell;
use crate::app::kiosk::Kiosk;
use crate::app::refresh::UsbBundle;
use crate::app::screen::GroupKind;
use crate::app::screen::search::SearchSession;
use crate::app::usage::{Note, Recorder};
use crate::app::worker::{Command, Event, Worker, perform};

/// The browse list on screen, and how long it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListShown {
    pub kind: GroupKind,
    pub key: String,
    /// The browse page's level filter when the list was opened (fields only).
    pub level: Option<crate::domain::Level>,
    pub limit: usize,
}

/// Everything the callbacks share (UI thread only).
pub struct Ctx {
    pub kiosk: Arc<Kiosk>,
    /// Used directly only when there is no worker (tests, screenshots, benchmarks).
    pub recorder: Arc<Recorder>,
    pub window: slint::Weak<MainWindow>,
    pub shell: Shell,
    pub worker: RefCell<Option<Worker>>,
    pub search: RefCell<SearchSession>,
    pub list: RefCell<Option<ListShown>>,
    /// The bundles on USB sticks as the watch thread last reported them.
    pub usb: RefCell<Vec<UsbBundle>>,
    /// A refresh, rollback or network check started from the staff screen is running; its
    /// outcome goes to the staff screen (scheduled checks only update the status).
    pub staff_job: Cell<bool>,
    /// The procedure the visit looked at last (a rating is attached to it).
    pub last_code: RefCell<Option<String>>,
    /// The voice and the receipt printer ("Đọc to", "In danh sách giấy tờ").
    pub media: RefCell<pages::aloud::Media>,
    pub exit: Cell<RunExit>,
}

impl Ctx {
    /// Hands `cmd` to the worker. Without one (tests, screenshots, benchmarks) it runs here and
    /// its events are handled at once, the same way.
    pub fn send(&self, cmd: Command) {
        let sent = match self.worker.borrow().as_ref() {
            Some(w) => {
                w.send(cmd);
                None
            }
            None => Some(cmd),
        };
        let (Some(cmd), Some(w)) = (sent, self.window.upgrade()) else {
            return;
        };
        match cmd {
            Command::Search {
                generation,
                request,
            } => {
                let result = self
                    .kiosk
                    .search_view(&request)
                    .map(Arc::new)
                    .map_err(|e| e.to_string());
                handle(self, &w, Event::SearchDone { generation, result });
            }
            other => perform(&self.kiosk, &self.recorder, other, &|e| handle(self, &w, e)),
        }
    }

    pub fn has_worker(&self) -> bool {
        self.worker.borrow().is_some()
    }

    /// Counts something the citizen did (off the UI thread when there is a worker).
    pub fn note(&self, note: Note) {
        self.send(Command::Record(note));
    }
}

/// A worker event, on the UI thread.
pub fn handle(ctx: &Ctx, w: &MainWindow, ev: Event) {
    match ev {
        Event::SearchDone { generation, result } => {
            pages::search::answer(ctx, w, generation, result)
        }
        Event::ApplyDone { result } => pages::staff::applied(ctx, w, result),
        Event::Progress { stage, .. } => pages::staff::progress(ctx, w, stage),
        Event::NetworkChecked { result } => pages::staff::network_checked(ctx, w, result),
        Event::UsbBundles(found) => pages::staff::usb_changed(ctx, w, found),
        Event::PinChecked(answer) => pages::staff::pin_checked(ctx, w, &answer),
        Event::StaffStatus(result) => pages::staff::status(w, result),
        Event::Exported(result) => pages::staff::exported(w, result),
        Event::HelpRequested(result) => pages::help::answered(w, result),
        e @ (Event::Voice(_) | Event::Printer(_)) => pages::aloud::handle(ctx, w, e),
    }
}
