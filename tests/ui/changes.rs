//! What changed, on screen, with the window bound to a kiosk on real data whose bundle carries a
//! change list: the small real dataset published three days ago against an earlier version of
//! it (three procedures missing then, one with another step text, two since withdrawn), on a
//! kiosk whose limit on the data's age is two days. The staff screen lists the changes with
//! their parts and opens one; the procedure page and its result card say "Mới cập nhật"; a
//! withdrawn code typed in the search says when it was withdrawn; home says the data's date
//! and the staff screen that it is too old.

use std::sync::{Arc, OnceLock};

use chrono::{Duration, Local, NaiveDate, Utc};
use slint::{ComponentHandle, Model};

use motcua::app::kiosk::Kiosk;
use motcua::bundle::package;
use motcua::config::Config;
use motcua::domain::changes::Changes;
use motcua::ui::run::Attached;
use motcua::ui::{
    ChangeKind, ChangePart, HomeAdapter, Kiosk as KioskGlobal, MainWindow, Page, ProcedureAdapter,
    SearchAdapter, StaffAdapter,
};

use super::support::{self, click, has_label, search, settle};

const PIN: &str = "2468";

/// The codes the change list names.
struct Codes {
    added: [String; 3],
    changed: String,
    changed_name: String,
    gone: [String; 2],
    /// The day of the update.
    day: NaiveDate,
}

struct Changed {
    _dir: tempfile::TempDir,
    kiosk: Arc<Kiosk>,
    codes: Codes,
}

/// The kiosk, built once for the tests of this module.
fn changed() -> &'static Changed {
    static K: OnceLock<Changed> = OnceLock::new();
    K.get_or_init(|| {
        let inputs = support::corpus::small_inputs();
        let (real, _) = motcua::bundle::read_sources(&inputs, &mut ()).expect("sources");
        let codes: Vec<String> = real.procedures.iter().map(|p| p.code.clone()).collect();
        let added = [codes[0].clone(), codes[1].clone(), codes[2].clone()];
        let changed = codes[10].clone();
        let gone = [codes[20].clone(), codes[21].clone()];
        let mut before = real.clone();
        before.procedures.retain(|p| !added.contains(&p.code));
        let p = before
            .procedures
            .iter_mut()
            .find(|p| p.code == changed)
            .expect("procedure to change");
        p.steps[0].text.push_str(" (bản cũ)");
        let changed_name = p.name.clone();
        let mut next = real;
        next.procedures.retain(|p| !gone.contains(&p.code));

        let published = Utc::now() - Duration::days(3);
        let day = published.with_timezone(&Local).date_naive();
        next.changes = Some(Changes::between(
            Some((2026110100, &before, &Changes::default())),
            &next,
            day,
        ));
        let built = package::build(
            &next,
            None,
            &package::WriteOptions {
                version: 2026110200,
                created: published,
                expires: None,
                publisher: "test".into(),
                description: String::new(),
            },
        )
        .expect("build");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::default();
        cfg.staff.pin_hash = motcua::app::staff::hash_pin(PIN).expect("hash");
        cfg.updates.stale_after_days = 2;
        let kiosk = support::seeded_kiosk(dir.path(), cfg, move || built);
        Changed {
            _dir: dir,
            kiosk,
            codes: Codes {
                added,
                changed,
                changed_name,
                gone,
                day,
            },
        }
    })
}

fn window() -> (MainWindow, Attached, &'static Codes) {
    let k = changed();
    let (w, a) = support::attached_window(k.kiosk.clone(), false);
    (w, a, &k.codes)
}

/// Scrolls the page down with its "Xuống" button until `label` is on screen (only what is in
/// view can be found, as only what is in view can be tapped).
fn scroll_to(w: &MainWindow, label: &str) {
    for _ in 0..12 {
        if has_label(w, label) {
            return;
        }
        click(w, "Xuống");
        settle();
    }
    panic!("{label:?} not on the page");
}

fn vi(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

#[test]
fn the_staff_screen_lists_what_changed_says_the_data_is_old_and_opens_a_change() {
    let (w, a, c) = window();
    let staff = w.global::<StaffAdapter>();
    a.shell().navigate(Page::Staff);
    staff.invoke_pin_submit(PIN.into());
    settle();
    assert!(staff.get_unlocked());

    // Published three days ago, with a limit of two days.
    assert!(staff.get_data_stale());
    assert!(has_label(
        &w,
        "Dữ liệu đã cũ quá 2 ngày (giới hạn của máy): hãy kiểm tra nguồn cập nhật hoặc nạp dữ liệu mới."
    ));

    assert!(staff.get_has_changes());
    assert_eq!(
        (
            staff.get_changes_added(),
            staff.get_changes_changed(),
            staff.get_changes_withdrawn()
        ),
        (3, 1, 2)
    );
    assert_eq!(staff.get_changes_from_version(), "2026110100");
    assert_eq!(staff.get_changes_date(), vi(c.day));
    assert!(has_label(&w, "3 thủ tục mới, 1 thay đổi, 2 bãi bỏ"));
    let rows: Vec<_> = staff.get_changes().iter().collect();
    assert_eq!(rows.len(), 6);
    // New first, then changed, then withdrawn.
    let kinds: Vec<ChangeKind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Added,
            ChangeKind::Added,
            ChangeKind::Added,
            ChangeKind::Changed,
            ChangeKind::Withdrawn,
            ChangeKind::Withdrawn
        ]
    );
    let mut added: Vec<String> = rows[..3].iter().map(|r| r.code.to_string()).collect();
    added.sort();
    let mut want = c.added.to_vec();
    want.sort();
    assert_eq!(added, want);
    let row = &rows[3];
    assert_eq!(row.code, c.changed.as_str());
    assert_eq!(row.parts.iter().collect::<Vec<_>>(), [ChangePart::Steps]);
    assert!(row.openable);
    assert!(
        rows[4..].iter().all(|r| !r.openable),
        "withdrawn: nothing to open"
    );
    assert!(
        c.gone
            .iter()
            .all(|g| rows.iter().any(|r| r.code == g.as_str()))
    );
    scroll_to(&w, "Thay đổi: Trình tự thực hiện");
    scroll_to(&w, &format!("Không còn được công bố từ ngày {}", vi(c.day)));

    // A changed procedure opens on its page with "Mới cập nhật"; leaving locks the staff screen.
    scroll_to(&w, &c.changed_name);
    click(&w, &c.changed_name);
    settle();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Procedure);
    let p = w.global::<ProcedureAdapter>();
    assert_eq!(p.get_code(), c.changed.as_str());
    assert!(p.get_recently_updated());
    assert!(has_label(&w, "Mới cập nhật"));
    assert!(!staff.get_unlocked());
}

#[test]
fn result_cards_withdrawn_codes_and_home_say_how_current_the_data_is() {
    let (w, a, c) = window();

    // Home: the day the data was published.
    assert_eq!(w.global::<HomeAdapter>().get_data_date(), vi(c.day));
    assert!(has_label(
        &w,
        &format!("Dữ liệu cập nhật ngày {}", vi(c.day))
    ));

    // The result card of the changed procedure says it; unchanged ones do not.
    search(&w, &a, &c.changed_name);
    let results: Vec<_> = w.global::<SearchAdapter>().get_results().iter().collect();
    let card = results
        .iter()
        .find(|r| r.code == c.changed.as_str())
        .expect("the changed procedure is found by its name");
    assert!(card.recent);
    // Only what changed is marked: new and changed procedures, not the others.
    search(&w, &a, "giấy phép");
    let results: Vec<_> = w.global::<SearchAdapter>().get_results().iter().collect();
    assert!(results.len() > 3, "{}", results.len());
    for r in &results {
        let changed = c.added.iter().any(|x| r.code == x.as_str()) || r.code == c.changed.as_str();
        assert_eq!(r.recent, changed, "{}", r.code);
    }

    // A procedure that is not in the data: "withdrawn on …", not "not found".
    search(&w, &a, &c.gone[0]);
    let s = w.global::<SearchAdapter>();
    assert_eq!(s.get_withdrawn_code(), c.gone[0].as_str());
    assert_eq!(s.get_withdrawn_since(), vi(c.day));
    assert!(!s.get_withdrawn_name().is_empty());
    let title = format!("Thủ tục mã {} đã bãi bỏ từ ngày {}", c.gone[0], vi(c.day));
    assert_eq!(s.get_withdrawn_title(), title.as_str());
    assert!(has_label(&w, &title), "said on the page");
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Search);

    // A code still published opens as before, with no notice.
    search(&w, &a, &c.changed);
    assert_eq!(w.global::<SearchAdapter>().get_withdrawn_code(), "");
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Procedure);
    assert_eq!(
        w.global::<ProcedureAdapter>().get_code(),
        c.changed.as_str()
    );
}
