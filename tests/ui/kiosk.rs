//! The kiosk window on real data, driven headlessly with Slint's testing backend: keys typed on
//! the on-screen keyboard (Telex included) give search results from the real index, filters
//! change them, a typed code opens its procedure, and the idle reset clears everything.

use std::sync::Arc;
use std::time::Duration;

use slint::{ComponentHandle, Model};

use motcua::app::screen::search::{MORE_RESULTS, RESULTS};
use motcua::app::usage::Recorder;
use motcua::ui::run::{Attached, attach};
use motcua::ui::{Kiosk as KioskGlobal, MainWindow, Page, ProcedureAdapter, SearchAdapter};

use super::support::{self, click, shared_kiosk};

fn window() -> (MainWindow, Attached) {
    let w = support::window();
    let a = attach(
        &w,
        shared_kiosk(),
        support::mock_clock(),
        Arc::new(Recorder::new(false)),
    );
    (w, a)
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
    assert_eq!(first.len(), RESULTS, "of {total}");
    assert!(total as usize > first.len() + MORE_RESULTS);
    sa.invoke_show_more();
    let more = result_names(&w);
    assert_eq!(more.len(), RESULTS + MORE_RESULTS);
    // The same list, longer: the first results stay where they were.
    assert_eq!(&more[..first.len()], first.as_slice());
    // Typing goes back to a short list.
    type_keys(&w, " k");
    assert_eq!(result_names(&w).len(), RESULTS);
}
