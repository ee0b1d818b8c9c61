//! The kiosk window on real data, driven headlessly with Slint's testing backend: keys typed on
//! the on-screen keyboard (Telex included) give search results from the real index, filters
//! change them, a typed code opens its procedure, and the idle reset clears everything.

mod support;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, Model};

use motcua::app::kiosk::Kiosk;
use motcua::app::usage::Recorder;
use motcua::config::Config;
use motcua::ui::run::{Attached, attach};
use motcua::ui::{Kiosk as KioskGlobal, MainWindow, Page, ProcedureAdapter, SearchAdapter};

/// A kiosk on the portal's API records (502 real procedures with full detail), built once.
fn kiosk() -> Arc<Kiosk> {
    static KIOSK: OnceLock<(tempfile::TempDir, Arc<Kiosk>)> = OnceLock::new();
    KIOSK.get_or_init(open_kiosk).1.clone()
}

fn open_kiosk() -> (tempfile::TempDir, Arc<Kiosk>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = Kiosk::open_with_seed(&dir.path().join("data"), Config::default(), || {
        support::seed(support::small_bundle(1))
    })
    .expect("kiosk");
    (dir, Arc::new(k))
}

fn window() -> (MainWindow, Attached) {
    let w = support::window();
    let a = attach(
        &w,
        kiosk(),
        support::mock_clock(),
        Arc::new(Recorder::new(false)),
    );
    (w, a)
}

fn click(w: &MainWindow, label: &str) {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(w, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(found.len(), 1, "one button labelled {label:?}");
    found[0].mock_single_click(PointerEventButton::Left);
}

fn type_keys(w: &MainWindow, keys: &str) {
    for c in keys.chars() {
        let label = match c {
            ' ' => "Dấu cách".to_string(),
            '.' => "Dấu chấm".to_string(),
            c => c.to_string(),
        };
        click(w, &label);
    }
}

fn result_names(w: &MainWindow) -> Vec<String> {
    let m = w.global::<SearchAdapter>().get_results();
    (0..m.row_count())
        .filter_map(|i| m.row_data(i))
        .map(|r| r.name.to_string())
        .collect()
}

#[test]
fn typing_on_the_keyboard_searches_the_real_index_and_filters_change_results() {
    let (w, a) = window();
    a.shell().navigate(Page::Search);
    // Telex on the letter keys: "ddawng kys khai sinh" types "đăng ký khai sinh".
    type_keys(&w, "ddawng kys khai sinh");
    assert_eq!(w.global::<SearchAdapter>().get_query(), "đăng ký khai sinh");
    let names = result_names(&w);
    assert!(!names.is_empty(), "results on screen");
    assert!(
        names
            .iter()
            .take(5)
            .any(|n| n == "Thủ tục đăng ký khai sinh"),
        "{names:?}"
    );
    let all = w.global::<SearchAdapter>().get_result_count();

    // A level filter narrows the results (province-level birth procedures are fewer).
    w.global::<SearchAdapter>()
        .invoke_toggle_level("province".into());
    let filtered = w.global::<SearchAdapter>().get_result_count();
    assert!(filtered < all, "filter: {filtered} of {all}");
    w.global::<SearchAdapter>()
        .invoke_toggle_level("province".into());
    assert_eq!(w.global::<SearchAdapter>().get_result_count(), all);

    // Opening a result shows its page.
    let first = w
        .global::<SearchAdapter>()
        .get_results()
        .row_data(0)
        .expect("row");
    w.global::<KioskGlobal>()
        .invoke_open_procedure(first.code.clone());
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Procedure);
    assert_eq!(w.global::<ProcedureAdapter>().get_code(), first.code);
}

#[test]
fn a_typed_code_opens_the_procedure_directly() {
    let (w, a) = window();
    a.shell().navigate(Page::Search);
    type_keys(&w, "1.001193");
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Procedure);
    assert_eq!(
        w.global::<ProcedureAdapter>().get_name(),
        "Thủ tục đăng ký khai sinh"
    );
    assert!(w.global::<ProcedureAdapter>().get_link_verified());
}

#[test]
fn the_idle_reset_clears_query_results_and_settings() {
    let (w, a) = window();
    a.shell().navigate(Page::Search);
    type_keys(&w, "keets hoon");
    assert_eq!(w.global::<SearchAdapter>().get_query(), "kết hôn");
    assert!(!result_names(&w).is_empty());
    w.global::<KioskGlobal>().invoke_set_language("en".into());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(95));
    assert!(
        w.global::<KioskGlobal>().get_idle_warning(),
        "countdown shown"
    );
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(30));
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Home);
    assert_eq!(w.global::<SearchAdapter>().get_query(), "");
    assert!(result_names(&w).is_empty(), "results cleared");
    assert_eq!(w.global::<KioskGlobal>().get_language(), "vi");
}

#[test]
fn the_list_starts_short_and_show_more_adds_results() {
    let (w, a) = window();
    a.shell().navigate(Page::Search);
    type_keys(&w, "dang ky");
    let sa = w.global::<SearchAdapter>();
    let total = sa.get_result_count();
    let first = result_names(&w);
    assert_eq!(first.len(), motcua::ui::run::RESULTS, "of {total}");
    assert!(total as usize > first.len() + motcua::ui::run::MORE_RESULTS);
    sa.invoke_show_more();
    let more = result_names(&w);
    assert_eq!(
        more.len(),
        motcua::ui::run::RESULTS + motcua::ui::run::MORE_RESULTS
    );
    // The same list, longer: the first results stay where they were.
    assert_eq!(&more[..first.len()], first.as_slice());
    // Typing goes back to a short list.
    type_keys(&w, " k");
    assert_eq!(result_names(&w).len(), motcua::ui::run::RESULTS);
}
