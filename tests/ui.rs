//! The kiosk window driven headlessly with Slint's testing backend: typing on the on-screen
//! keyboard (plain, Telex and tone keys) by clicking keys found by their accessible label, the
//! navigation history, and the idle countdown and reset under mock time.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, LogicalSize};

use motcua::app::idle::IdlePolicy;
use motcua::ui::shell::{Shell, ShellOptions};
use motcua::ui::{Kiosk, MainWindow, Page, SearchAdapter, Theme};

struct Kiosked {
    window: MainWindow,
    shell: Shell,
    queries: Rc<RefCell<Vec<String>>>,
    resets: Rc<RefCell<usize>>,
}

/// A window under the testing backend (one per test thread) whose idle clock is Slint's mock
/// time.
fn kiosk() -> Kiosked {
    i_slint_backend_testing::init_no_event_loop();
    let window = MainWindow::new().expect("window");
    window.window().set_size(LogicalSize::new(1920.0, 1080.0));
    window.show().expect("show");
    let start = Instant::now();
    let shell = Shell::install(
        &window,
        ShellOptions {
            idle: IdlePolicy::new(Duration::from_secs(90), Duration::from_secs(30)),
            now: Rc::new(move || {
                start + Duration::from_millis(i_slint_backend_testing::get_mocked_time())
            }),
            show_clock: false,
            ..ShellOptions::default()
        },
    );
    let queries = Rc::new(RefCell::new(Vec::new()));
    let q = queries.clone();
    shell.on_query_changed(move |_, text| q.borrow_mut().push(text.to_string()));
    let resets = Rc::new(RefCell::new(0));
    let r = resets.clone();
    shell.on_reset(move |_| *r.borrow_mut() += 1);
    Kiosked {
        window,
        shell,
        queries,
        resets,
    }
}

/// The one button with this accessible label (texts inside it carry no role).
fn button(window: &MainWindow, label: &str) -> ElementHandle {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(found.len(), 1, "one button labelled {label:?}");
    found.into_iter().next().expect("a button")
}

fn click(window: &MainWindow, label: &str) {
    button(window, label).mock_single_click(PointerEventButton::Left);
}

fn type_keys(window: &MainWindow, labels: &[&str]) {
    for l in labels {
        click(window, l);
    }
}

fn query(window: &MainWindow) -> String {
    window.global::<SearchAdapter>().get_query().to_string()
}

#[test]
fn typing_on_the_on_screen_keyboard() {
    let k = kiosk();
    let w = &k.window;
    // From home, tapping the search field opens the search page with its keyboard.
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Home);
    ElementHandle::find_by_accessible_label(w, "Ô tìm kiếm")
        .next()
        .expect("the search field")
        .mock_single_click(PointerEventButton::Left);
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Search);

    // Telex: dd → đ, aw → ă.
    type_keys(w, &["d", "d", "a", "w", "n", "g"]);
    assert_eq!(query(w), "đăng");
    // The dedicated shape and tone keys: "ky" + sắc.
    type_keys(w, &["Dấu cách", "k", "y", "Dấu sắc"]);
    assert_eq!(query(w), "đăng ký");
    // A tone key on the last word puts the tone on the main vowel: "hoa" + huyền → "hòa".
    type_keys(w, &["Dấu cách", "h", "o", "a", "Dấu huyền"]);
    assert_eq!(query(w), "đăng ký hòa");
    // Telex tone letters, and the same tone again undoes it.
    type_keys(
        w,
        &["Xóa lùi", "Xóa lùi", "Xóa lùi", "t", "h", "u", "ê", "s"],
    );
    assert_eq!(query(w), "đăng ký thuế");
    type_keys(w, &["s"]);
    assert_eq!(query(w), "đăng ký thuês");
    // Telex off: letters are letters.
    type_keys(w, &["Xóa hết", "Gõ kiểu Telex", "d", "d"]);
    assert_eq!(query(w), "dd");
    assert!(!w.global::<SearchAdapter>().get_telex());

    // Every change reached the app's hook, in order, ending with the last text.
    let q = k.queries.borrow();
    assert_eq!(q.first().map(String::as_str), Some("d"));
    assert!(q.contains(&"đăng ký".to_string()));
    assert_eq!(q.last().map(String::as_str), Some("dd"));

    // "Tìm" closes the keyboard to show the results; the field opens it again.
    click(w, "Tìm");
    assert!(!w.global::<SearchAdapter>().get_keyboard_open());
}

#[test]
fn back_and_home_follow_the_history() {
    let k = kiosk();
    let w = &k.window;
    k.shell.navigate(Page::Hotlines);
    k.shell.navigate(Page::Guides);
    click(w, "Quay lại");
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Hotlines);
    click(w, "Quay lại");
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Home);
    k.shell.navigate(Page::Browse);
    click(w, "Trang đầu");
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Home);
}

#[test]
fn idle_warning_then_reset_for_the_next_person() {
    let k = kiosk();
    let w = &k.window;
    let kiosk = w.global::<Kiosk>();
    // Someone searches in large text and high contrast.
    click(w, "Chữ lớn");
    click(w, "Tương phản");
    assert!(w.global::<Theme>().get_large_text());
    k.shell.navigate(Page::Search);
    type_keys(w, &["k", "h", "a", "i"]);
    assert_eq!(query(w), "khai");

    // Quiet for less than the timeout: nothing.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(89));
    assert!(!kiosk.get_idle_warning());
    // Past it: the countdown shows, with at least 20 seconds.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(2));
    assert!(kiosk.get_idle_warning());
    assert!(kiosk.get_idle_seconds_left() >= 20);
    assert!(
        ElementHandle::find_by_accessible_label(w, "Tôi vẫn đang dùng")
            .any(|e| e.accessible_role() == Some(AccessibleRole::Button)),
        "the overlay's button is there"
    );
    // One tap keeps everything.
    click(w, "Tôi vẫn đang dùng");
    assert!(!kiosk.get_idle_warning());
    assert_eq!(query(w), "khai");
    assert_eq!(*k.resets.borrow(), 0);

    // Gone for good: warning, then the reset clears the query and the display settings.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(91));
    assert!(kiosk.get_idle_warning());
    for _ in 0..30 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    assert!(!kiosk.get_idle_warning());
    assert_eq!(query(w), "");
    assert_eq!(kiosk.get_page(), Page::Home);
    assert!(!w.global::<Theme>().get_large_text());
    assert!(!w.global::<Theme>().get_high_contrast());
    assert_eq!(kiosk.get_language(), "vi");
    assert_eq!(*k.resets.borrow(), 1);
    assert_eq!(k.queries.borrow().last().map(String::as_str), Some(""));

    // A pristine kiosk shows no countdown however long it waits.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(600));
    assert!(!kiosk.get_idle_warning());
    assert_eq!(*k.resets.borrow(), 1);
}
