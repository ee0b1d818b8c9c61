//! The staff screen (`Page::Staff`, `ui/pages/staff.slint`): copies what the app core knows into
//! `StaffAdapter` — the status ([`show_staff_status`]), a PIN answer ([`show_pin_result`]), a
//! refresh in progress ([`show_progress`], [`show_network_check`]) and its outcome
//! ([`show_result`], [`show_applied`]). Pure copying plus date formatting; the app binds the
//! callbacks (`pin-submit`, `cancel`, `apply-usb`, `rollback`, `check-network`, `export-stats`,
//! `restart`, `close`). The page locks itself whenever it is left.

use chrono::{DateTime, Local, NaiveDate};
use slint::{ComponentHandle, SharedString};

use super::{
    CountItem, MainWindow, PinStatus, RefreshItem, RefreshStage, ResultKind, StaffAdapter,
    UsbBundleItem, model,
};
use crate::app::kiosk::Stage;
use crate::app::refresh::UsbBundle;
use crate::app::staff::{PinCheck, StaffStatus};
use crate::store::{RefreshRecord, UsageSummary};

/// How many days the "visits by day" chart shows, ending today.
pub const USAGE_DAYS: i64 = 30;
/// How many lines each top list shows.
pub const TOP_LINES: usize = 10;

fn s(text: &str) -> SharedString {
    SharedString::from(text)
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// An RFC 3339 time as "27/11/2026 08:30" in local time; anything else as it is.
pub fn local_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339.trim())
        .map(|d| d.with_timezone(&Local).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// "2026-11-27 08:30" (a bundle manifest's creation time) as "27/11/2026 08:30".
fn manifest_time(text: &str) -> String {
    match text.trim().split_once(' ') {
        Some((date, time)) => format!("{} {time}", super::date_vi(date)),
        None => super::date_vi(text),
    }
}

/// `installed`: the version in use; only a newer bundle can be applied.
fn usb_item(b: &UsbBundle, installed: Option<u64>) -> UsbBundleItem {
    UsbBundleItem {
        newer: b.problem.is_none() && b.version.is_some_and(|v| installed.is_none_or(|i| v > i)),
        path: s(&b.path.display().to_string()),
        version: b.version.map(|v| s(&v.to_string())).unwrap_or_default(),
        created: s(&b.created.as_deref().map(manifest_time).unwrap_or_default()),
        publisher: s(&b.publisher),
        problem: s(b.problem.as_deref().unwrap_or_default()),
    }
}

fn refresh_item(r: &RefreshRecord) -> RefreshItem {
    RefreshItem {
        at: s(&local_time(&r.at)),
        source: s(r.source.as_str()),
        outcome: s(r.outcome.as_str()),
        version: r.version.map(|v| s(&v.to_string())).unwrap_or_default(),
        message: s(&r.message),
    }
}

fn count_item(label: &str, count: u64) -> CountItem {
    CountItem {
        label: s(label),
        count: int(count),
    }
}

/// One bar per day for the `days` days ending `today` ("27/11"), zero where nothing happened,
/// so the time axis is even.
pub fn sessions_by_day(by_day: &[(String, u64)], today: NaiveDate, days: i64) -> Vec<CountItem> {
    (0..days)
        .rev()
        .filter_map(|back| today.checked_sub_signed(chrono::Duration::days(back)))
        .map(|day| {
            let key = day.format("%Y-%m-%d").to_string();
            let n = by_day
                .iter()
                .filter(|(d, _)| *d == key)
                .map(|(_, n)| *n)
                .sum();
            count_item(&day.format("%d/%m").to_string(), n)
        })
        .collect()
}

fn top(items: &[(String, u64)]) -> slint::ModelRc<CountItem> {
    model(
        items
            .iter()
            .take(TOP_LINES)
            .map(|(q, n)| count_item(q, *n))
            .collect(),
    )
}

fn show_usage(a: &StaffAdapter<'_>, u: &UsageSummary, today: NaiveDate) {
    a.set_sessions(int(u.sessions));
    a.set_searches(int(u.searches));
    a.set_zero_result_searches(int(u.zero_result_searches));
    a.set_views(int(u.views));
    a.set_sessions_by_hour(model(
        u.sessions_by_hour
            .iter()
            .enumerate()
            .map(|(h, n)| count_item(&h.to_string(), *n))
            .collect(),
    ));
    a.set_sessions_by_day(model(sessions_by_day(
        &u.sessions_by_day,
        today,
        USAGE_DAYS,
    )));
    // The store counts level 1 first; the screen shows the best first.
    a.set_ratings(model(u.ratings.iter().rev().map(|n| int(*n)).collect()));
    a.set_top_queries(top(&u.top_queries));
    a.set_top_zero_queries(top(&u.top_zero_queries));
}

/// Fills the unlocked staff page from [`crate::app::kiosk::Kiosk::staff_status`].
pub fn show_staff_status(w: &MainWindow, st: &StaffStatus) {
    let a = w.global::<StaffAdapter>();
    a.set_data_version(s(&st.data_version.to_string()));
    a.set_data_created(s(&st.data_created));
    a.set_data_age_days(i32::try_from(st.data_age_days.max(0)).unwrap_or(i32::MAX));
    a.set_imported_at(s(&st.imported_at));
    a.set_procedures(int(st.procedures));
    a.set_with_detail(int(st.with_detail));
    a.set_previous_version(
        st.previous_version
            .map(|v| s(&v.to_string()))
            .unwrap_or_default(),
    );
    let n = &st.network;
    a.set_network_url(s(&n.url));
    a.set_network_last_attempt(s(&n
        .last_attempt
        .as_deref()
        .map(local_time)
        .unwrap_or_default()));
    a.set_network_last_success(s(&n
        .last_success
        .as_deref()
        .map(local_time)
        .unwrap_or_default()));
    a.set_network_last_error(s(n.last_error.as_deref().unwrap_or_default()));
    a.set_usb(model(
        st.usb
            .iter()
            .map(|b| usb_item(b, Some(st.data_version)))
            .collect(),
    ));
    a.set_history(model(st.history.iter().map(refresh_item).collect()));
    show_usage(&a, &st.usage, Local::now().date_naive());
}

/// Just the USB list (a stick was inserted or removed while the page is open), compared with
/// the version [`show_staff_status`] showed.
pub fn show_usb(w: &MainWindow, usb: &[UsbBundle]) {
    let a = w.global::<StaffAdapter>();
    let installed = a.get_data_version().parse::<u64>().ok();
    a.set_usb(model(usb.iter().map(|b| usb_item(b, installed)).collect()));
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
    a.set_stage_done(int(done as u64));
    a.set_stage_total(int(total as u64));
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
/// [`ResultKind::Failure`] the app core's reason; `up-to-date` and `no-usb` need none.
pub fn show_outcome(w: &MainWindow, kind: ResultKind, message: &str) {
    let a = w.global::<StaffAdapter>();
    a.set_busy(false);
    a.set_stage(RefreshStage::Idle);
    a.set_result_version(SharedString::new());
    a.set_result_message(s(message));
    a.set_result(kind);
}

/// A bundle was applied or rolled back: "Đã áp dụng dữ liệu phiên bản N", with `message` under it
/// (may be empty). Call [`show_staff_status`] too, so the cards show the new data.
pub fn show_applied(w: &MainWindow, version: u64, message: &str) {
    show_result(w, true, message);
    w.global::<StaffAdapter>()
        .set_result_version(s(&version.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_gets_a_bar() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let bars = sessions_by_day(
            &[("2026-11-20".into(), 3), ("2026-11-27".into(), 5)],
            today,
            30,
        );
        assert_eq!(bars.len(), 30);
        let first = bars.first().expect("a bar");
        let last = bars.last().expect("a bar");
        assert_eq!(first.label.as_str(), "29/10");
        assert_eq!((last.label.as_str(), last.count), ("27/11", 5));
        assert_eq!(bars.iter().map(|b| b.count).sum::<i32>(), 8);
        assert_eq!(bars[22].count, 3);
    }

    #[test]
    fn times_read_the_vietnamese_way() {
        assert_eq!(manifest_time("2026-11-27 08:30"), "27/11/2026 08:30");
        assert_eq!(local_time("not a time"), "not a time");
        // Whatever the time zone, the day is one of these.
        let t = local_time("2026-11-27T12:00:00Z");
        assert!(
            ["26/11/2026 ", "27/11/2026 ", "28/11/2026 "]
                .iter()
                .any(|d| t.starts_with(d)),
            "{t}"
        );
    }
}
