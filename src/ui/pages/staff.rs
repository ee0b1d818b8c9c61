//! The staff screen (`Page::Staff`, `ui/pages/staff/`): the PIN goes to the worker (argon2 is
//! slow on purpose) and its answer unlocks the page; the status is gathered on the worker too
//! (it reads the usage statistics and the previous data version) and copied in when it
//! arrives; a refresh, rollback or network check runs on the task thread with its progress and
//! outcome in the job banner; the statistics export (fsync on a stick) runs on the worker.
//! The page locks itself whenever it is left.

use std::path::PathBuf;
use std::rc::Rc;

use slint::{ComponentHandle, Model, SharedString};

use super::super::context::Ctx;
use super::super::convert::{int, model, s};
use super::super::{
    ChangeItem, ChangeKind, ChangePart, CountItem, MainWindow, PinStatus, RefreshItem,
    RefreshOutcome, RefreshSource, RefreshStage, ResultKind, StaffAdapter, UsbBundleItem,
};
use crate::app::freshness::{self, ChangeRow, ChangesView};
use crate::app::kiosk::{Origin, Stage};
use crate::app::refresh::{NetworkOutcome, UsbBundle};
use crate::app::screen::staff::{
    CountRow, HistoryOutcome, HistoryRow, HistorySource, StaffView, UsageView, UsbRow,
};
use crate::app::staff::{Pin, PinCheck};
use crate::app::worker::Command;
use crate::app::worker::ContentMeta;
use crate::domain::changes::Part;

fn usb_item(u: &UsbRow) -> UsbBundleItem {
    UsbBundleItem {
        path: s(&u.path),
        version: s(&u.version),
        created: s(&u.created),
        publisher: s(&u.publisher),
        problem: s(&u.problem),
        newer: u.newer,
    }
}

fn refresh_item(r: &HistoryRow) -> RefreshItem {
    RefreshItem {
        at: s(&r.at),
        source: match r.source {
            HistorySource::Usb => RefreshSource::Usb,
            HistorySource::Network => RefreshSource::Network,
            HistorySource::Cli => RefreshSource::Cli,
            HistorySource::Seed => RefreshSource::Seed,
            HistorySource::Rollback => RefreshSource::Rollback,
        },
        outcome: match r.outcome {
            HistoryOutcome::Applied => RefreshOutcome::Applied,
            HistoryOutcome::Rejected => RefreshOutcome::Rejected,
            HistoryOutcome::Failed => RefreshOutcome::Failed,
        },
        version: s(&r.version),
        message: s(&r.message),
    }
}

/// How many lines of the change list the staff screen shows at first, and adds on "Xem thêm".
pub const CHANGE_LINES: usize = 20;

fn change_part(p: Part) -> ChangePart {
    match p {
        Part::Name => ChangePart::Name,
        Part::Fields => ChangePart::Fields,
        Part::Levels => ChangePart::Levels,
        Part::Issuer => ChangePart::Issuer,
        Part::Agencies => ChangePart::Agencies,
        Part::Subjects => ChangePart::Subjects,
        Part::Steps => ChangePart::Steps,
        Part::Channels => ChangePart::Channels,
        Part::Time => ChangePart::Time,
        Part::Fees => ChangePart::Fees,
        Part::Dossier => ChangePart::Dossier,
        Part::Results => ChangePart::Results,
        Part::Requirements => ChangePart::Requirements,
        Part::LegalBasis => ChangePart::LegalBasis,
        Part::Online => ChangePart::Online,
        Part::OtherText => ChangePart::OtherText,
    }
}

fn change_item(r: &ChangeRow) -> ChangeItem {
    ChangeItem {
        kind: match r.kind {
            freshness::ChangeKind::New => ChangeKind::Added,
            freshness::ChangeKind::Changed => ChangeKind::Changed,
            freshness::ChangeKind::Withdrawn => ChangeKind::Withdrawn,
        },
        code: s(&r.code),
        name: s(&r.name),
        parts: model(r.parts.iter().copied().map(change_part).collect()),
        openable: r.openable,
    }
}

/// Shows the first `lines` lines of the change list (and how many there are in all).
fn show_change_rows(a: &StaffAdapter<'_>, c: Option<&ChangesView>, lines: usize) {
    let rows = c.map_or(&[][..], |c| &c.rows[..]);
    a.set_changes_total(int(rows.len()));
    a.set_changes(model(rows.iter().take(lines).map(change_item).collect()));
}

fn show_changes(a: &StaffAdapter<'_>, c: Option<&ChangesView>, date: &str) {
    a.set_has_changes(c.is_some());
    a.set_changes_date(s(date));
    a.set_changes_from_version(s(&c
        .and_then(|c| c.from_version)
        .map(|v| v.to_string())
        .unwrap_or_default()));
    a.set_changes_added(int(c.map_or(0, |c| c.new)));
    a.set_changes_changed(int(c.map_or(0, |c| c.changed)));
    a.set_changes_withdrawn(int(c.map_or(0, |c| c.withdrawn)));
    show_change_rows(a, c, CHANGE_LINES);
}

fn counts(rows: &[CountRow]) -> slint::ModelRc<CountItem> {
    model(
        rows.iter()
            .map(|r| CountItem {
                label: s(&r.label),
                count: int(r.count),
            })
            .collect(),
    )
}

fn show_usage(a: &StaffAdapter<'_>, u: &UsageView) {
    a.set_sessions(int(u.sessions));
    a.set_searches(int(u.searches));
    a.set_zero_result_searches(int(u.zero_result_searches));
    a.set_views(int(u.views));
    a.set_sessions_by_hour(counts(&u.by_hour));
    a.set_sessions_by_day(counts(&u.by_day));
    a.set_ratings(model(u.ratings.iter().map(|n| int(*n)).collect()));
    a.set_top_queries(counts(&u.top_queries));
    a.set_top_zero_queries(counts(&u.top_zero_queries));
}

/// Fills the unlocked staff page.
pub fn show_staff_status(w: &MainWindow, v: &StaffView) {
    let a = w.global::<StaffAdapter>();
    a.set_data_version(s(&v.data_version));
    a.set_data_created(s(&v.data_created));
    a.set_data_age_days(int(v.data_age_days));
    a.set_imported_at(s(&v.imported_at));
    a.set_procedures(int(v.procedures));
    a.set_with_detail(int(v.with_detail));
    a.set_previous_version(s(&v.previous_version));
    a.set_data_stale(v.stale);
    a.set_stale_limit_days(int(v.stale_limit_days));
    show_changes(&a, v.changes.as_ref(), &v.changes_date);
    a.set_network_url(s(&v.network_url));
    a.set_network_last_attempt(s(&v.network_last_attempt));
    a.set_network_last_success(s(&v.network_last_success));
    a.set_network_last_error(s(&v.network_last_error));
    a.set_usb(model(v.usb.iter().map(usb_item).collect()));
    a.set_history(model(v.history.iter().map(refresh_item).collect()));
    show_usage(&a, &v.usage);
}

/// Just the USB list (a stick was inserted or removed while the page is open), compared with
/// the version [`show_staff_status`] showed.
pub fn show_usb(w: &MainWindow, usb: &[UsbBundle]) {
    let a = w.global::<StaffAdapter>();
    let installed = a.get_data_version().parse::<u64>().ok();
    a.set_usb(model(
        usb.iter()
            .map(|b| usb_item(&UsbRow::new(b, installed)))
            .collect(),
    ));
}

/// The answer to `pin-submit`: unlocks, or says why not under the PIN dots.
pub fn show_pin_result(w: &MainWindow, r: &PinCheck) {
    let a = w.global::<StaffAdapter>();
    let seconds = |d: &std::time::Duration| int(d.as_secs() + u64::from(d.subsec_nanos() > 0));
    a.set_unlocked(matches!(r, PinCheck::Granted));
    let (status, wait) = match r {
        PinCheck::Granted => (PinStatus::None, 0),
        PinCheck::Wrong { retry_in } => (PinStatus::Wrong, seconds(retry_in)),
        PinCheck::Wait { retry_in } => (PinStatus::Wait, seconds(retry_in)),
        PinCheck::Unrecorded { .. } => (PinStatus::Unrecorded, 0),
        PinCheck::Disabled => (PinStatus::Disabled, 0),
    };
    a.set_pin_wait_seconds(wait);
    a.set_pin_status(status);
}

/// A PIN is being checked (off the UI thread): the pad rests until the answer.
pub fn show_pin_checking(w: &MainWindow) {
    w.global::<StaffAdapter>()
        .set_pin_status(PinStatus::Checking);
}

/// Locks the staff page (it also locks itself whenever another page is shown).
pub fn lock(w: &MainWindow) {
    w.global::<StaffAdapter>().invoke_lock();
}

/// A bundle is being applied: the progress bar and the stage.
pub fn show_progress(w: &MainWindow, stage: Stage) {
    let a = w.global::<StaffAdapter>();
    let (kind, done, total) = match stage {
        Stage::Reading => (RefreshStage::Reading, 0, 0),
        Stage::Verifying => (RefreshStage::Verifying, 0, 0),
        Stage::Storing { done, total } => (RefreshStage::Storing, done, total),
        Stage::Indexing => (RefreshStage::Indexing, 0, 0),
        Stage::Switching => (RefreshStage::Switching, 0, 0),
    };
    a.set_stage(kind);
    a.set_stage_done(int(done));
    a.set_stage_total(int(total));
    a.set_progress(stage.fraction());
    a.set_result(ResultKind::None);
    a.set_busy(true);
}

/// A network check has started (a new bundle then reports [`show_progress`] as it applies).
pub fn show_network_check(w: &MainWindow) {
    let a = w.global::<StaffAdapter>();
    a.set_stage(RefreshStage::Checking);
    a.set_progress(0.0);
    a.set_result(ResultKind::None);
    a.set_busy(true);
}

/// The job is over: success in green, or the refusal in red with `message` exactly as given
/// (the app core's reason).
pub fn show_result(w: &MainWindow, ok: bool, message: &str) {
    let kind = if ok {
        ResultKind::Success
    } else {
        ResultKind::Failure
    };
    show_outcome(w, kind, message);
}

/// The job is over, ended as `kind`: for [`ResultKind::Exported`] `message` is the folder, for
/// [`ResultKind::Failure`] the app core's reason; the other kinds need none.
pub fn show_outcome(w: &MainWindow, kind: ResultKind, message: &str) {
    let a = w.global::<StaffAdapter>();
    a.set_busy(false);
    a.set_stage(RefreshStage::Idle);
    a.set_result_version(SharedString::new());
    a.set_result_message(s(message));
    a.set_result(kind);
}

/// A bundle was applied or rolled back: "Đã áp dụng dữ liệu phiên bản N", with `message` under it
/// (may be empty).
pub fn show_applied(w: &MainWindow, version: u64, message: &str) {
    show_result(w, true, message);
    w.global::<StaffAdapter>()
        .set_result_version(s(&version.to_string()));
}

/// Asks for the status of the unlocked page (after unlocking and after every job).
fn request_status(ctx: &Ctx, w: &MainWindow) {
    if w.global::<StaffAdapter>().get_unlocked() {
        let usb = ctx.usb.borrow().clone();
        ctx.send(Command::StaffStatus { usb });
    }
}

/// Starts a staff job on the task thread (or here, without a worker).
fn job(ctx: &Ctx, w: &MainWindow, cmd: Command) {
    ctx.staff_job.set(true);
    match &cmd {
        Command::CheckNetwork => show_network_check(w),
        _ => show_progress(w, Stage::Reading),
    }
    ctx.send(cmd);
}

// ── Worker events ──

pub fn pin_checked(ctx: &Ctx, w: &MainWindow, answer: &PinCheck) {
    show_pin_result(w, answer);
    request_status(ctx, w);
}

pub fn status(w: &MainWindow, result: Result<Box<StaffView>, String>) {
    match result {
        Ok(v) if w.global::<StaffAdapter>().get_unlocked() => show_staff_status(w, &v),
        Ok(_) => {}
        Err(e) => tracing::error!("staff screen: {e}"),
    }
}

pub fn exported(w: &MainWindow, result: Result<Option<PathBuf>, String>) {
    match result {
        Ok(Some(dir)) => show_outcome(w, ResultKind::Exported, &dir.display().to_string()),
        Ok(None) => show_outcome(w, ResultKind::NoUsb, ""),
        Err(e) => show_result(w, false, &e),
    }
}

pub fn applied(ctx: &Ctx, w: &MainWindow, result: Result<ContentMeta, String>) {
    match result {
        Ok(meta) => {
            tracing::info!("data version {} is live", meta.version);
            super::home::show_data(w, &ctx.kiosk);
            if ctx.staff_job.replace(false) {
                show_applied(w, meta.version, "");
            }
        }
        Err(e) => {
            tracing::warn!("refresh refused: {e}");
            if ctx.staff_job.replace(false) {
                show_result(w, false, &e);
            }
        }
    }
    request_status(ctx, w);
}

pub fn progress(ctx: &Ctx, w: &MainWindow, stage: Stage) {
    if ctx.staff_job.get() {
        show_progress(w, stage);
    }
}

pub fn network_checked(ctx: &Ctx, w: &MainWindow, result: Result<NetworkOutcome, String>) {
    // A new version also sends `ApplyDone`, which reports it.
    if !matches!(result, Ok(NetworkOutcome::Applied { .. })) && ctx.staff_job.replace(false) {
        match &result {
            Ok(NetworkOutcome::NotModified) => show_outcome(w, ResultKind::UpToDate, ""),
            Ok(NetworkOutcome::Disabled) => show_outcome(w, ResultKind::NoNetworkSource, ""),
            Ok(NetworkOutcome::Applied { .. }) => {}
            Err(e) => show_result(w, false, e),
        }
    }
    request_status(ctx, w);
}

pub fn usb_changed(ctx: &Ctx, w: &MainWindow, found: Vec<UsbBundle>) {
    *ctx.usb.borrow_mut() = found;
    if w.global::<StaffAdapter>().get_unlocked() {
        show_usb(w, &ctx.usb.borrow());
    }
}

pub fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    let a = w.global::<StaffAdapter>();
    let c = ctx.clone();
    a.on_pin_submit(move |pin| {
        // argon2 takes tens of milliseconds (more on a slow kiosk): the PIN thread checks it.
        if let Some(w) = c.window.upgrade() {
            show_pin_checking(&w);
        }
        c.send(Command::CheckPin(Pin::new(pin.as_str())));
    });
    // The page also locks itself when any other page is shown; locking here as well means it
    // is locked before the next frame, not at it.
    let c = ctx.clone();
    a.on_cancel(move || {
        if let Some(w) = c.window.upgrade() {
            lock(&w);
        }
        c.shell.home();
    });
    let c = ctx.clone();
    a.on_close(move || {
        if let Some(w) = c.window.upgrade() {
            lock(&w);
        }
        c.shell.home();
    });
    let c = ctx.clone();
    a.on_apply_usb(move |path| {
        let Some(w) = c.window.upgrade() else { return };
        // Only a bundle the watch thread found can be applied.
        let known = c
            .usb
            .borrow()
            .iter()
            .any(|b| b.path.display().to_string() == path.as_str());
        if !known {
            show_result(&w, false, &format!("{path}: no longer on the stick"));
            return;
        }
        job(
            &c,
            &w,
            Command::ApplyBundle {
                path: PathBuf::from(path.as_str()),
                origin: Origin::Usb,
            },
        );
    });
    let c = ctx.clone();
    a.on_rollback(move || {
        if let Some(w) = c.window.upgrade() {
            job(&c, &w, Command::Rollback);
        }
    });
    let c = ctx.clone();
    a.on_check_network(move || {
        if let Some(w) = c.window.upgrade() {
            job(&c, &w, Command::CheckNetwork);
        }
    });
    let c = ctx.clone();
    a.on_more_changes(move || {
        let Some(w) = c.window.upgrade() else { return };
        let a = w.global::<StaffAdapter>();
        // The list is the live data's, in memory: no I/O here.
        let lines = a.get_changes().row_count() + CHANGE_LINES;
        show_change_rows(&a, c.kiosk.last_changes().as_ref(), lines);
    });
    let c = ctx.clone();
    a.on_open_change(move |code| super::procedure::open(&c, code.as_str()));
    let c = ctx.clone();
    a.on_export_stats(move || c.send(Command::ExportStats));
    let c = ctx.clone();
    a.on_restart(move || {
        c.exit.set(super::super::run::RunExit::Restart);
        if let Err(e) = slint::quit_event_loop() {
            tracing::error!("restart: {e}");
        }
    });
}
