//! The kiosk window on real data, driven headlessly with Slint's testing backend: keys typed on
//! the on-screen keyboard (Telex included) give search results from the real index, filters
//! change them, a typed code opens its procedure, and the idle reset clears everything.

use std::time::Duration;

use slint::{ComponentHandle, Model};

use motcua::app::screen::search::{MORE_RESULTS, RESULTS};
use motcua::ui::{
    BrowseAdapter, GuidesAdapter, Kiosk as KioskGlobal, MainWindow, Page, ProcedureAdapter,
    RatingAdapter, SearchAdapter, Theme,
};

use super::support::{self, click, shared_kiosk, shared_window};

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
    let (w, a) = shared_window();
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
    let (w, a) = shared_window();
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
    let (w, a) = shared_window();
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
    let (w, a) = shared_window();
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

/// Issue 11, defect 1: what the first visitor after a start sees comes from the data, never from
/// the layout's sample rows (three "khai sinh" results whose codes opened other procedures).
#[test]
fn the_first_visitor_sees_no_sample_data() {
    let (w, a) = shared_window();
    a.shell().navigate(Page::Search);
    let s = w.global::<SearchAdapter>();
    assert_eq!(s.get_query(), "");
    assert_eq!((s.get_results().row_count(), s.get_result_count()), (0, 0));
    assert_eq!(s.get_field_filters().row_count(), 0);
    assert_eq!(s.get_level_filters().row_count(), 0);
    // Pages not opened yet hold nothing either.
    assert_eq!(w.global::<ProcedureAdapter>().get_code(), "");
    assert_eq!(w.global::<ProcedureAdapter>().get_bring().row_count(), 0);
    assert_eq!(w.global::<BrowseAdapter>().get_procedures().row_count(), 0);
    assert_eq!(w.global::<BrowseAdapter>().get_selected_key(), "");
    assert_eq!(w.global::<GuidesAdapter>().get_current_title(), "");
}

/// Issue 11, defect 2: "Trang đầu" leaves nothing of the search for the next person.
#[test]
fn going_home_clears_the_query_results_and_filters() {
    let (w, a) = shared_window();
    a.shell().navigate(Page::Search);
    type_keys(&w, "khai sinh");
    let s = w.global::<SearchAdapter>();
    assert!(s.get_results().row_count() > 0);
    let field = s.get_field_filters().row_data(0).expect("a field chip").key;
    s.invoke_toggle_field(field);
    assert!(s.get_filters_active());
    click(&w, "Trang đầu");
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Home);
    assert_eq!(s.get_query(), "");
    assert_eq!((s.get_results().row_count(), s.get_result_count()), (0, 0));
    assert!(!s.get_filters_active());
    // The next search starts without the old filter.
    a.shell().navigate(Page::Search);
    type_keys(&w, "khai sinh");
    assert!(!s.get_filters_active());
    assert!(
        (0..s.get_field_filters().row_count())
            .filter_map(|i| s.get_field_filters().row_data(i))
            .all(|c| !c.selected)
    );
}

/// Issue 11, defect 3: "Xong" keeps the visitor's language and text size for the rating; the
/// office's come back when the rating is over.
#[test]
fn xong_keeps_language_and_large_text_until_the_rating_is_over() {
    let (w, a) = shared_window();
    let k = w.global::<KioskGlobal>();
    k.invoke_set_language("en".into());
    w.global::<Theme>().set_large_text(true);
    a.open_procedure("1.001193");
    assert_eq!(k.get_page(), Page::Procedure);
    k.invoke_finish_visit();
    assert_eq!(k.get_page(), Page::Rating);
    assert_eq!(k.get_language(), "en");
    assert!(w.global::<Theme>().get_large_text());
    w.global::<RatingAdapter>().invoke_rate(4, "".into());
    // The thanks page goes home by itself.
    k.invoke_home();
    assert_eq!(k.get_page(), Page::Home);
    assert_eq!(k.get_language(), "vi");
    assert!(!w.global::<Theme>().get_large_text());
}

/// Issue 11, defect 5: "Xem tất cả lĩnh vực" opens the fields tab with nothing chosen, whatever
/// the last visitor chose; the other tab drops the chosen group; the procedure page's boxes
/// tick and untick and start empty for the next procedure (the checklist of the redesign).
#[test]
fn browsing_starts_afresh_from_home_and_on_the_other_tab() {
    let (w, a) = shared_window();
    let b = w.global::<BrowseAdapter>();
    let event = w
        .global::<motcua::ui::HomeAdapter>()
        .get_life_events()
        .row_data(0)
        .expect("a life event");
    a.open_group(&event.key);
    assert_eq!(b.get_tab(), motcua::ui::BrowseTab::LifeEvents);
    assert_eq!(b.get_selected_key(), event.key);

    a.shell().home();
    let total = w.global::<motcua::ui::HomeAdapter>().get_field_total();
    // The button ends the home page's list: scroll down to it.
    i_slint_backend_testing::ElementHandle::find_by_element_type_name(&w, "Flickable")
        .next()
        .expect("the home page scrolls")
        .scroll(0.0, -1e6);
    click(&w, &format!("Xem tất cả {total} lĩnh vực"));
    support::settle();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Browse);
    assert_eq!(b.get_tab(), motcua::ui::BrowseTab::Fields);
    assert_eq!(b.get_selected_key(), "");

    a.open_group("Hộ tịch");
    assert_eq!(b.get_selected_key(), "Hộ tịch");
    i_slint_backend_testing::ElementHandle::find_by_accessible_label(&w, "Theo sự kiện cuộc sống")
        .next()
        .expect("the life-event tab")
        .invoke_accessible_default_action();
    assert_eq!(b.get_tab(), motcua::ui::BrowseTab::LifeEvents);
    assert_eq!(b.get_selected_key(), "");
}

/// Issue 11, the procedure page: what everyone brings first, as boxes that tick and untick
/// (the count follows), and a new procedure starts with none ticked.
#[test]
fn the_checklist_boxes_tick_and_start_empty() {
    let (w, a) = shared_window();
    a.open_procedure("1.001193");
    let p = w.global::<ProcedureAdapter>();
    let first = p.get_bring().row_data(0).expect("a document to bring");
    assert!(
        !first.text.starts_with('-'),
        "markers parsed: {}",
        first.text
    );
    let boxes: Vec<_> =
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&w, &first.text)
            .filter(|e| e.accessible_checkable() == Some(true))
            .collect();
    assert_eq!(boxes.len(), 1);
    boxes[0].invoke_accessible_default_action();
    assert!(p.get_bring().row_data(0).is_some_and(|r| r.checked));
    assert_eq!(p.get_ticked(), 1);
    boxes[0].invoke_accessible_default_action();
    assert_eq!(p.get_ticked(), 0);
    boxes[0].invoke_accessible_default_action();
    a.open_procedure("1.001193");
    assert_eq!(p.get_ticked(), 0);
    assert!(p.get_bring().iter().all(|r| !r.checked));
}

/// Issue 11, defect 10: the hotline tile promises working hours only when the office gave them.
#[test]
fn the_hotline_tile_promises_hours_only_when_there_are_some() {
    let (w, _a) = shared_window();
    let tile = support::button(&w, "Đường dây nóng");
    assert_eq!(
        tile.accessible_description().as_deref(),
        Some("Số điện thoại hỗ trợ")
    );
    w.global::<KioskGlobal>()
        .set_opening_hours("Thứ Hai–Thứ Sáu 7:30–17:00".into());
    assert_eq!(
        tile.accessible_description().as_deref(),
        Some("Số điện thoại hỗ trợ; giờ làm việc: Thứ Hai–Thứ Sáu 7:30–17:00")
    );
}

/// Opening hours with a mock clock: closed page at closing time (with when it opens again), dark
/// after the configured minutes, a touch opens a visit that lasts until the idle reset, open again
/// in the morning.
#[test]
fn outside_opening_hours_the_closed_page_goes_dark_and_a_touch_opens_a_visit() {
    use motcua::ui::ClosedAdapter;
    use std::cell::Cell;
    use std::rc::Rc;
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    let (w, a) = shared_window();
    let hours = motcua::config::Hours {
        enabled: true,
        display_off_after_minutes: 10,
        ..Default::default()
    };
    // 2026-11-30 is a Monday.
    let now = Rc::new(Cell::new(at("2026-11-30 16:59")));
    let clock = now.clone();
    let c = motcua::ui::closed::install_with(
        &w,
        &shared_kiosk(),
        hours,
        a.shell().clone(),
        Rc::new(move || clock.get()),
    );
    let ca = w.global::<ClosedAdapter>();
    assert!(!ca.get_shown(), "open at 16:59");
    // Nobody has touched the kiosk for longer than a visit lasts (90 s + 30 s warning).
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(121));
    now.set(at("2026-11-30 17:00"));
    c.tick();
    assert!(ca.get_shown() && !ca.get_dark(), "closed page at 17:00");
    assert_eq!(ca.get_next_day(), 1, "opens again on Tuesday");
    assert_eq!(ca.get_next_time().as_str(), "07:30");
    assert!(ca.get_hours().row_count() >= 2, "the week's hours");
    now.set(at("2026-11-30 17:10"));
    c.tick();
    assert!(ca.get_shown() && ca.get_dark(), "dark after 10 minutes");

    // A touch: a visit on the home page, not cut short while it is used.
    ca.invoke_wake();
    assert!(!ca.get_shown());
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Home);
    now.set(at("2026-11-30 17:11"));
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(60));
    c.tick();
    assert!(!ca.get_shown(), "the visit goes on");
    // Idle as long as the reset takes: the closed page again, lit.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    c.tick();
    assert!(
        ca.get_shown() && !ca.get_dark(),
        "closed again after the visit"
    );

    now.set(at("2026-12-01 07:30"));
    c.tick();
    assert!(!ca.get_shown(), "open on Tuesday morning");
}
