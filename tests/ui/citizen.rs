//! Issue 11's defects a citizen meets, each through the window on real data: the browse page's
//! A–Z index and level filter and the home page's fields (defect 4), "Xem tất cả lĩnh vực"
//! opening it afresh (defect 5), field chips in the order
//! of the results with a row that slides (defect 6), a hardware keyboard (defect 8).

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model, SharedString};

use motcua::ui::{
    BrowseAdapter, HomeAdapter, Kiosk as KioskGlobal, MainWindow, Page, SearchAdapter, Theme,
};

use super::support::{self, built_in_kiosk, click, shared_kiosk, shared_window};

/// Taps the one chip or button labelled `label`.
fn tap(w: &MainWindow, label: &str) {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(w, label)
        .filter(|e| {
            matches!(
                e.accessible_role(),
                Some(AccessibleRole::Button | AccessibleRole::Checkbox)
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "one chip or button labelled {label:?}");
    found[0].mock_single_click(slint::platform::PointerEventButton::Left);
}

/// Whether an element with this label and role is on screen (the testing backend does not find
/// elements clipped away by a scrolled list).
fn on_screen(w: &MainWindow, label: &str, role: AccessibleRole) -> bool {
    ElementHandle::find_by_accessible_label(w, label).any(|e| e.accessible_role() == Some(role))
}

/// Defect 4: the browse page lists fields A–Z; a letter brings its first field into view, and
/// a level shows only that level's fields (and only that level's procedures in a field's list).
#[test]
fn browse_has_an_a_to_z_index_and_a_level_filter() {
    let (w, a) = support::attached_window(built_in_kiosk(), false);
    w.global::<KioskGlobal>().invoke_browse_all();
    support::settle();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Browse);
    let b = w.global::<BrowseAdapter>();
    let letters: Vec<_> = b.get_letters().iter().collect();
    assert!(letters.len() > 5, "{} letters", letters.len());
    let fields: Vec<_> = b.get_fields().iter().collect();

    // The last letter's first field starts far below the window; its key brings it up.
    let last = letters.last().expect("a letter");
    let target = fields[last.first as usize].label.to_string();
    let first = fields[0].label.to_string();
    assert!(on_screen(&w, &first, AccessibleRole::Button));
    assert!(
        !on_screen(&w, &target, AccessibleRole::Button),
        "{target} starts out of view"
    );
    click(&w, &format!("Lĩnh vực bắt đầu bằng chữ {}", last.letter));
    support::settle();
    assert!(
        on_screen(&w, &target, AccessibleRole::Button),
        "{target} in view"
    );
    assert!(
        !on_screen(&w, &first, AccessibleRole::Button),
        "{first} scrolled away"
    );

    // A level: fewer fields, each counted at that level; the chip shows it chosen.
    let all = fields.len();
    tap(&w, "Cấp xã");
    let b = w.global::<BrowseAdapter>();
    assert_eq!(b.get_level(), "commune");
    let commune: Vec<_> = b.get_fields().iter().collect();
    assert!(
        !commune.is_empty() && commune.len() < all,
        "{} of {all}",
        commune.len()
    );
    // A field's list at that level: only procedures carried out there.
    let field = commune[0].key.to_string();
    w.global::<KioskGlobal>()
        .invoke_open_field(field.clone().into());
    let rows: Vec<_> = b.get_procedures().iter().collect();
    assert_eq!(b.get_selected_count() as usize, commune[0].count as usize);
    assert!(
        rows.iter().all(|r| r.subtitle.contains("Cấp xã")),
        "{field}"
    );
    // The chosen level again, or "Tất cả cấp": every field, the list whole again.
    tap(&w, "Tất cả cấp");
    assert_eq!(b.get_level(), "");
    assert_eq!(b.get_fields().row_count(), all);
    assert_eq!(b.get_selected_key(), field.as_str());
    assert!(b.get_selected_count() >= commune[0].count);

    // The next person starts from every field.
    tap(&w, "Cấp tỉnh");
    assert_eq!(b.get_level(), "province");
    click(&w, "Trang đầu");
    assert_eq!(b.get_level(), "");
    assert_eq!(b.get_fields().row_count(), all);
    drop(a);
}

/// Defect 5: "Xem tất cả lĩnh vực" on the home page opens the browse page afresh: the fields
/// tab, every level, nothing chosen, from the top, whatever the visit did there before (a
/// level, a letter far down, a life event chosen) and came back home from with "Quay lại".
#[test]
fn see_all_fields_opens_every_field_from_the_top() {
    let (w, a) = support::attached_window(built_in_kiosk(), false);
    let k = w.global::<KioskGlobal>();
    let b = w.global::<BrowseAdapter>();
    k.invoke_browse_all();
    support::settle();
    let all = b.get_fields().row_count();
    let first = b
        .get_fields()
        .row_data(0)
        .expect("a field")
        .label
        .to_string();

    tap(&w, "Cấp xã");
    let last = b.get_letters().iter().last().expect("a letter");
    click(&w, &format!("Lĩnh vực bắt đầu bằng chữ {}", last.letter));
    support::settle();
    assert!(!on_screen(&w, &first, AccessibleRole::Button));
    b.set_tab(motcua::ui::BrowseTab::LifeEvents);
    let event = b.get_life_events().row_data(0).expect("a life event");
    k.invoke_open_life_event(event.key.clone());
    support::settle();
    assert_eq!(b.get_selected_key(), event.key);
    k.invoke_back();
    support::settle();
    assert_eq!(k.get_page(), Page::Home);

    // What "Xem tất cả lĩnh vực" calls (the button is below the fold at this size).
    k.invoke_browse_all();
    support::settle();
    assert_eq!(k.get_page(), Page::Browse);
    assert_eq!(b.get_tab(), motcua::ui::BrowseTab::Fields);
    assert_eq!(b.get_selected_key(), "");
    assert_eq!(b.get_level(), "");
    assert_eq!(b.get_fields().row_count(), all);
    assert_eq!(b.get_procedures().row_count(), 0);
    assert!(
        on_screen(&w, &first, AccessibleRole::Button),
        "{first} at the top"
    );
    drop(a);
}

/// Defect 4: the home page's fields are the office's (here a province office on the small data,
/// no counters): every one opens a list, and a new visit refills them.
#[test]
fn home_fields_open_their_lists() {
    let (w, a) = shared_window();
    let home = w.global::<HomeAdapter>();
    let fields: Vec<_> = home.get_fields().iter().collect();
    let all = shared_kiosk().fields().len();
    assert_eq!(fields.len(), motcua::app::screen::HOME_FIELDS.min(all));
    assert_eq!(
        fields.iter().map(|f| f.key.to_string()).collect::<Vec<_>>(),
        shared_kiosk()
            .home_fields()
            .into_iter()
            .map(|f| f.key)
            .collect::<Vec<_>>()
    );
    a.open_group(&fields[0].key);
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Browse);
    assert!(w.global::<BrowseAdapter>().get_procedures().row_count() > 0);
}

/// Defect 6: the field chips follow the results ("khai sinh" leads with the field of the birth
/// registrations, not with the field that merely matched most), and a chip row that does not
/// fit ends in a button that slides it along (and one that slides it back).
#[test]
fn field_chips_follow_the_results_and_a_clipped_row_slides() {
    let (w, a) = shared_window();
    a.shell().navigate(Page::Search);
    a.shell().set_query("khai sinh");
    let s = w.global::<SearchAdapter>();
    let first_result = s.get_results().row_data(0).expect("a result");
    let chips: Vec<_> = s.get_field_filters().iter().collect();
    assert!(chips.len() > 1, "several field chips");
    assert!(
        first_result.subtitle.starts_with(chips[0].label.as_str()),
        "first chip {:?}, first result {:?}",
        chips[0].label,
        first_result.subtitle
    );

    // Many fields: the row is clipped, and its cue slides it.
    a.shell().set_query("đăng ký");
    support::settle();
    let chips: Vec<String> = s
        .get_field_filters()
        .iter()
        .map(|c| c.label.to_string())
        .collect();
    let (first, last) = (&chips[0], chips.last().expect("chips"));
    let chip = AccessibleRole::Checkbox;
    assert!(
        on_screen(&w, first, chip) && !on_screen(&w, last, chip),
        "{chips:?}"
    );
    assert!(
        !support::has_label(&w, "Các lĩnh vực đầu"),
        "nothing to slide back to"
    );
    press_while_shown(&w, "Thêm lĩnh vực", chips.len());
    assert!(on_screen(&w, last, chip), "slid to the last chip");
    assert!(
        !support::has_label(&w, "Thêm lĩnh vực"),
        "nothing more to the right"
    );
    press_while_shown(&w, "Các lĩnh vực đầu", chips.len());
    assert!(
        !support::has_label(&w, "Các lĩnh vực đầu"),
        "back at the start"
    );
    assert!(on_screen(&w, first, chip), "back to the first chip");
}

fn press(w: &MainWindow, text: impl Into<SharedString>) {
    let text = text.into();
    w.window()
        .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
    w.window().dispatch_event(WindowEvent::KeyReleased { text });
}

/// Defect 8: typing on a hardware keyboard on the home page (or any page but the staff screen)
/// starts a search with what is typed; keys that type nothing change nothing.
#[test]
fn typing_on_a_hardware_keyboard_anywhere_starts_a_search() {
    let (w, a) = shared_window();
    let k = w.global::<KioskGlobal>();
    assert_eq!(k.get_page(), Page::Home);
    press(&w, Key::Shift);
    press(&w, " ");
    press(&w, Key::DownArrow);
    assert_eq!(
        k.get_page(),
        Page::Home,
        "no search from keys that type nothing"
    );
    for c in ["k", "h", "a", "i", " ", "s", "i", "n", "h"] {
        press(&w, c);
        support::settle();
    }
    assert_eq!(k.get_page(), Page::Search);
    let s = w.global::<SearchAdapter>();
    assert_eq!(s.get_query(), "khai sinh");
    assert!(s.get_result_count() > 0, "the search ran");
    // From a procedure page, typing starts a new search.
    a.open_procedure("1.001193");
    support::settle();
    press(&w, "C");
    support::settle();
    assert_eq!(k.get_page(), Page::Search);
    assert_eq!(s.get_query(), "C");
    // Home again (the search page's own scope had the keys): typing still starts a search.
    click(&w, "Trang đầu");
    support::settle();
    press(&w, "1");
    support::settle();
    assert_eq!(
        (k.get_page(), s.get_query().to_string()),
        (Page::Search, "1".to_string())
    );
}

/// Defect 9: in English the interface words on a procedure are English (its level, how to
/// submit, "free", the time limit's unit), and the page says the procedure itself is published in
/// Vietnamese only; result cards give the level in English.
#[test]
fn english_mode_translates_the_chrome_and_says_content_is_vietnamese() {
    let (w, a) = shared_window();
    let k = w.global::<KioskGlobal>();
    k.invoke_set_language("en".into());
    a.open_procedure("1.001193");
    support::settle();
    let has = |t: &str| support::has_label(&w, t);
    assert!(has("Procedure content is available in Vietnamese only."));
    assert!(has("Commune") && !has("Cấp xã"), "the level badge");
    assert!(has("Free of charge") && !has("Miễn phí"));
    assert!(has("1 working day") && !has("1 ngày làm việc"));
    assert!(
        has("When you submit: In person. The other ways are further down."),
        "the usual channel"
    );
    // The procedure's own words stay as published.
    assert!(has("Thủ tục đăng ký khai sinh"));

    a.shell().navigate(Page::Search);
    a.shell().set_query("khai sinh");
    support::settle();
    let first = w
        .global::<SearchAdapter>()
        .get_results()
        .row_data(0)
        .expect("a result");
    assert_eq!(first.subtitle_en, "Hộ tịch · Commune");
    let card = ElementHandle::find_by_accessible_label(&w, &first.name)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .expect("the first result's card");
    assert_eq!(
        card.accessible_description().as_deref(),
        Some("Hộ tịch · Commune"),
        "the card says the English subtitle"
    );

    // Vietnamese again: no notice, the portal's words.
    k.invoke_set_language("vi".into());
    a.open_procedure("1.001193");
    support::settle();
    assert!(!has("Procedure content is available in Vietnamese only."));
    assert!(!has("Nội dung thủ tục chỉ có bằng tiếng Việt."));
    assert!(has("Cấp xã") && has("Miễn phí"));
}

/// Defect 9: large text makes every text at least 1.5 times larger, the header's included.
#[test]
fn large_text_is_at_least_half_again_as_large_everywhere() {
    let (w, _a) = shared_window();
    let height = |label: &str| -> f32 {
        ElementHandle::find_by_accessible_label(&w, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Text))
            .unwrap_or_else(|| panic!("a text {label:?}"))
            .size()
            .height
    };
    // The office name in the header, the question on the home page, the header's date.
    let office = w.global::<KioskGlobal>().get_office_name().to_string();
    let texts = [
        office.as_str(),
        "Bạn cần làm thủ tục gì?",
        "Tra cứu thủ tục hành chính",
    ];
    let before: Vec<f32> = texts.iter().map(|t| height(t)).collect();
    w.global::<Theme>().set_large_text(true);
    support::settle();
    assert!(w.global::<Theme>().get_text_scale() >= 1.5);
    for (t, b) in texts.iter().zip(&before) {
        let after = height(t);
        assert!(after >= b * 1.45, "{t}: {b} → {after}");
    }
    let t = w.global::<Theme>();
    assert!(t.get_font_label() >= 30.0 && t.get_font_key() >= 45.0 && t.get_font_small() >= 33.0);
}

/// Defect 10: a home tile shows a long name whole (it takes the line of "field · level", and a
/// smaller size if it must) instead of cutting it after three lines ("Cấp Phiếu Lý lịch tư pháp
/// … người nước…"); the support number never splits across lines.
#[test]
fn home_tiles_show_long_names_whole() {
    let (w, _a) = support::attached_window(built_in_kiosk(), false);
    support::settle();
    let long = w
        .global::<HomeAdapter>()
        .get_popular()
        .iter()
        .find(|p| p.name.starts_with("Cấp Phiếu Lý lịch tư pháp"))
        .expect("the criminal record certificate is among the most used");
    let card = ElementHandle::find_by_accessible_label(&w, &long.name)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .expect("its tile");
    let (cp, cs) = (card.absolute_position(), card.size());
    let title = ElementHandle::find_by_element_id(&w, "ProcedureCard::tile-title")
        .find(|t| {
            let p = t.absolute_position();
            p.x >= cp.x && p.y >= cp.y && p.x < cp.x + cs.width && p.y < cp.y + cs.height
        })
        .expect("the tile's title");
    let (tp, ts) = (title.absolute_position(), title.size());
    // Three lines of body text were the old cap.
    assert!(
        ts.height > 3.0 * 24.0 * 1.4 + 1.0,
        "title {} px high",
        ts.height
    );
    assert!(tp.y + ts.height <= cp.y + cs.height, "inside its tile");
    assert!(
        w.global::<KioskGlobal>()
            .get_support_number()
            .contains('\u{a0}'),
        "1800 1096 with a no-break space"
    );
}

/// Portrait reach (ADA 380–1220 mm from the floor: the lower part of a 1080×1920 panel): the
/// language and display switches and the search field, on the home and the search page.
#[test]
fn in_portrait_the_switches_and_the_search_field_are_within_reach() {
    let (w, a) = shared_window();
    w.window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    support::settle();
    let height = w.window().size().height as f32 / w.window().scale_factor();
    let top = |label: &str| {
        ElementHandle::find_by_accessible_label(&w, label)
            .next()
            .unwrap_or_else(|| panic!("{label:?} on screen"))
            .absolute_position()
            .y
    };
    for page in [Page::Home, Page::Search] {
        a.shell().navigate(page);
        support::settle();
        for label in ["Chữ lớn", "Tương phản", "English"] {
            assert!(
                top(label) > height * 0.85,
                "{label} on {page:?} at {}",
                top(label)
            );
        }
        let field = top("Ô tìm kiếm");
        assert!(
            field > height * 0.45,
            "the search field on {page:?} at {field} of {height}"
        );
    }
}

/// Presses the button labelled `label` until it is gone, at most `times` times.
fn press_while_shown(w: &MainWindow, label: &str, times: usize) {
    for _ in 0..times {
        if !support::has_label(w, label) {
            break;
        }
        click(w, label);
        support::settle();
    }
}
