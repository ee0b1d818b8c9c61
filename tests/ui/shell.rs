//! The shell alone (no data) under Slint's testing backend: typing on the on-screen keyboard
//! (plain, Telex and tone keys) by clicking keys found by their accessible label, the navigation
//! history, the idle countdown and reset under mock time, the hidden gesture and the PIN pad of
//! the staff screen, its confirmations, and the satisfaction rating.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;
use slint::platform::{PointerEventButton, WindowEvent};

use motcua::app::freshness::DataAge;
use motcua::app::kiosk::Stage;
use motcua::app::refresh::{NetworkStatus, UsbBundle};
use motcua::app::screen::staff::StaffView;
use motcua::app::staff::{PinCheck, StaffStatus};
use motcua::ui::pages::{rating, staff};
use motcua::ui::shell::Shell;
use motcua::ui::{
    Kiosk, MainWindow, Page, RatingAdapter, RatingStep, SearchAdapter, StaffAdapter, Theme,
};

use super::support::{self, click, has_label, settle};

struct Kiosked {
    window: MainWindow,
    shell: Shell,
    queries: Rc<RefCell<Vec<String>>>,
    resets: Rc<RefCell<usize>>,
}

/// A window under the testing backend (one per test thread) whose idle clock is Slint's mock
/// time.
fn kiosk() -> Kiosked {
    let window = support::window();
    let shell = Shell::install(&window, support::mock_clock());
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

/// Issue 11 defect 7: the countdown shows the seconds left, one fewer each second, in the
/// number and in the sentence under it; a touch anywhere on it (not only its button) puts the
/// visitor back where they were, and the timeout starts over from that touch.
#[test]
fn the_countdown_shows_the_seconds_left_and_a_touch_anywhere_ends_it() {
    let k = kiosk();
    let w = &k.window;
    let kiosk = w.global::<Kiosk>();
    k.shell.navigate(Page::Search);
    type_keys(w, &["k", "h", "a", "i"]);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(90));
    assert!(kiosk.get_idle_warning());
    assert!(has_label(w, "Còn 30 giây"), "the number says 30");
    let sentence = |n: u32| {
        format!(
            "Sau {n} giây, màn hình sẽ trở về trang đầu và xóa những gì bạn đã nhập, để người sau dùng."
        )
    };
    let shown_text = |text: &str| {
        ElementHandle::find_by_element_type_name(w, "Text")
            .any(|e| e.accessible_label().is_some_and(|l| l == text))
    };
    assert!(shown_text(&sentence(30)));
    for left in (20..30).rev() {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
        assert!(has_label(w, &format!("Còn {left} giây")), "{left} s left");
        assert!(shown_text(&sentence(left)));
    }
    assert!(!has_label(w, "Còn 30 giây"));

    // A tap on the backdrop, far from the card and its button.
    let position = slint::LogicalPosition::new(40.0, 1040.0);
    let win = w.window();
    win.dispatch_event(WindowEvent::PointerPressed {
        position,
        button: PointerEventButton::Left,
    });
    win.dispatch_event(WindowEvent::PointerReleased {
        position,
        button: PointerEventButton::Left,
    });
    settle();
    assert!(!kiosk.get_idle_warning(), "the touch ended the countdown");
    assert_eq!(kiosk.get_page(), Page::Search);
    assert_eq!(query(w), "khai");
    assert_eq!(*k.resets.borrow(), 0);
    // The timeout counts from the touch, not from the last key.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(89));
    assert!(!kiosk.get_idle_warning());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert!(kiosk.get_idle_warning());
    assert!(has_label(w, "Còn 30 giây"));
}

/// Holds the pointer down on `element` for `held` of mock time (in 100 ms steps, as the
/// event loop would wake), then lets go.
fn hold(window: &MainWindow, element: &ElementHandle, held: Duration) {
    let size = element.size();
    let at = element.absolute_position();
    let position = slint::LogicalPosition::new(at.x + size.width / 2.0, at.y + size.height / 2.0);
    let w = window.window();
    w.dispatch_event(WindowEvent::PointerMoved { position });
    w.dispatch_event(WindowEvent::PointerPressed {
        position,
        button: PointerEventButton::Left,
    });
    settle();
    let step = Duration::from_millis(100);
    let mut left = held;
    while left > Duration::ZERO {
        let d = left.min(step);
        i_slint_backend_testing::mock_elapsed_time(d);
        left -= d;
    }
    w.dispatch_event(WindowEvent::PointerReleased {
        position,
        button: PointerEventButton::Left,
    });
    settle();
}

fn office_area(window: &MainWindow) -> ElementHandle {
    let found: Vec<ElementHandle> =
        ElementHandle::find_by_element_id(window, "OfficeArea::hold").collect();
    assert_eq!(found.len(), 1, "one office area in the header");
    found.into_iter().next().expect("the office area")
}

#[test]
fn holding_the_office_name_for_3_seconds_asks_for_the_staff_screen() {
    let k = kiosk();
    let w = &k.window;
    let asked = Rc::new(RefCell::new(0));
    let a = asked.clone();
    let sh = k.shell.clone();
    w.global::<Kiosk>().on_staff_requested(move || {
        *a.borrow_mut() += 1;
        sh.navigate(Page::Staff);
    });
    k.shell.navigate(Page::Hotlines);

    // A tap opens nothing, and counts as activity: 80 s later the idle countdown has not
    // started although 80 + 80 s have passed since the page was opened.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(80));
    office_area(w).mock_single_click(PointerEventButton::Left);
    settle();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(80));
    assert!(
        !w.global::<Kiosk>().get_idle_warning(),
        "the tap was activity"
    );
    assert_eq!(*asked.borrow(), 0);
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Hotlines);

    // A long wait after a tap does not turn it into a hold.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    assert_eq!(*asked.borrow(), 0);

    // Almost 3 seconds is not enough.
    hold(w, &office_area(w), Duration::from_millis(2800));
    assert_eq!(*asked.borrow(), 0);
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Hotlines);

    // 3 seconds is, once, however long the finger stays.
    hold(w, &office_area(w), Duration::from_millis(6000));
    assert_eq!(*asked.borrow(), 1);
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Staff);
    // The staff page starts locked, on the PIN pad.
    assert!(!w.global::<StaffAdapter>().get_unlocked());
    assert!(has_label(w, "Xác nhận"));
}

fn dots(window: &MainWindow) -> usize {
    ElementHandle::find_by_element_id(window, "PinPad::dot").count()
}

#[test]
fn the_pin_pad_shows_dots_and_sends_the_digits() {
    let k = kiosk();
    let w = &k.window;
    let sent = Rc::new(RefCell::new(Vec::<String>::new()));
    let s = sent.clone();
    let sa = w.global::<StaffAdapter>();
    sa.on_pin_submit(move |pin| s.borrow_mut().push(pin.to_string()));
    let closed = Rc::new(RefCell::new(0));
    let c = closed.clone();
    sa.on_close(move || *c.borrow_mut() += 1);
    k.shell.navigate(Page::Staff);

    assert_eq!(dots(w), 0);
    type_keys(w, &["2", "4", "6", "0"]);
    assert_eq!(dots(w), 4);
    assert!(has_label(w, "Đã nhập 4 chữ số"));
    // Dots, never the digits.
    assert!(!has_label(w, "2460"));
    // ⌫ takes the last digit back.
    type_keys(w, &["Xóa lùi"]);
    assert_eq!(dots(w), 3);
    click(w, "Xác nhận");
    assert_eq!(dots(w), 0, "the pad clears after sending");
    type_keys(w, &["2", "4", "6", "8"]);
    click(w, "Xác nhận");
    assert_eq!(*sent.borrow(), vec!["246".to_string(), "2468".to_string()]);

    // Rust answers; the message is under the dots.
    staff::show_pin_result(
        w,
        &PinCheck::Wrong {
            retry_in: Duration::from_secs(2),
        },
    );
    assert_eq!(sa.get_pin_message(), "Sai mã PIN. Thử lại sau 2 giây");
    assert!(has_label(w, "Sai mã PIN. Thử lại sau 2 giây"));
    // The pad rests during the wait, and counts it down.
    type_keys(w, &["1"]);
    assert_eq!(dots(w), 0, "no digits during the wait");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert_eq!(sa.get_pin_message(), "Sai mã PIN. Thử lại sau 1 giây");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert_eq!(sa.get_pin_message(), "Sai mã PIN. Mời nhập lại");
    type_keys(w, &["1"]);
    assert_eq!(dots(w), 1, "digits again after the wait");
    staff::show_pin_result(
        w,
        &PinCheck::Wait {
            retry_in: Duration::from_millis(59_500),
        },
    );
    assert_eq!(sa.get_pin_message(), "Vui lòng chờ 60 giây rồi thử lại");
    staff::show_pin_result(
        w,
        &PinCheck::Unrecorded {
            reason: "database or disk is full".into(),
        },
    );
    assert!(has_label(
        w,
        "Không ghi nhận được lần thử nên chưa mở được (bộ nhớ của máy có thể đã đầy)"
    ));
    staff::show_pin_result(w, &PinCheck::Disabled);
    assert!(has_label(w, "Chưa cấu hình mã PIN cho màn hình nhân viên"));

    // The right PIN opens the page; "Đóng" locks it and goes home.
    staff::show_pin_result(w, &PinCheck::Granted);
    assert!(sa.get_unlocked());
    assert!(!has_label(w, "Xác nhận"));
    click(w, "Đóng");
    settle();
    assert_eq!(*closed.borrow(), 1);
    assert!(!sa.get_unlocked());
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Home);

    // Leaving any other way locks it too.
    k.shell.navigate(Page::Staff);
    staff::show_pin_result(w, &PinCheck::Granted);
    settle();
    click(w, "Trang đầu");
    settle();
    assert!(!sa.get_unlocked());

    // "Hủy" on the pad goes home without sending anything.
    k.shell.navigate(Page::Staff);
    type_keys(w, &["1", "2"]);
    click(w, "Hủy");
    settle();
    assert_eq!(w.global::<Kiosk>().get_page(), Page::Home);
    assert_eq!(sent.borrow().len(), 2);
}

fn staff_status() -> StaffStatus {
    StaffStatus {
        data_version: 7,
        data_created: "20/11/2026 08:00".into(),
        data_age_days: 7,
        imported_at: "21/11/2026 09:00".into(),
        procedures: 5738,
        with_detail: 2952,
        previous_version: Some(6),
        network: NetworkStatus {
            url: String::new(),
            last_attempt: None,
            last_success: None,
            last_error: None,
        },
        usb: vec![
            UsbBundle {
                path: "/media/usb/motcua/du-lieu-8".into(),
                version: Some(8),
                created: Some("2026-11-26 10:00".into()),
                publisher: "test".into(),
                problem: None,
            },
            UsbBundle {
                path: "/media/usb/motcua/du-lieu-5".into(),
                version: Some(5),
                created: Some("2026-10-01 10:00".into()),
                publisher: "test".into(),
                problem: None,
            },
        ],
        history: Vec::new(),
        usage: Default::default(),
        age: DataAge {
            published: None,
            days: 7,
            limit_days: 60,
            stale: false,
        },
        changes: None,
    }
}

#[test]
fn staff_actions_are_confirmed_first() {
    let k = kiosk();
    let w = &k.window;
    let calls = Rc::new(RefCell::new(Vec::<String>::new()));
    let sa = w.global::<StaffAdapter>();
    let c = calls.clone();
    sa.on_apply_usb(move |p| c.borrow_mut().push(format!("apply {p}")));
    let c = calls.clone();
    sa.on_rollback(move || c.borrow_mut().push("rollback".into()));
    let c = calls.clone();
    sa.on_restart(move || c.borrow_mut().push("restart".into()));
    let c = calls.clone();
    sa.on_export_stats(move || c.borrow_mut().push("export".into()));
    k.shell.navigate(Page::Staff);
    staff::show_pin_result(w, &PinCheck::Granted);
    staff::show_staff_status(
        w,
        &StaffView::new(&staff_status(), chrono::Local::now().date_naive()),
    );
    assert!(has_label(
        w,
        "Dữ liệu phiên bản 7 tạo ngày 20/11/2026 08:00 (7 ngày trước)"
    ));

    // Only the newer bundle can be applied (the list keeps the app's order).
    let apply: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(w, "Áp dụng")
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(apply.len(), 2);
    assert!(has_label(
        w,
        "Không mới hơn dữ liệu đang dùng (phiên bản 7)."
    ));
    apply[1].mock_single_click(PointerEventButton::Left);
    assert!(!has_label(w, "Áp dụng dữ liệu phiên bản 5 từ USB?"));
    assert!(!has_label(w, "Đồng ý"));
    let newer = &apply[0];

    // Asked first; "Hủy" does nothing.
    newer.mock_single_click(PointerEventButton::Left);
    assert!(has_label(w, "Áp dụng dữ liệu phiên bản 8 từ USB?"));
    click(w, "Hủy");
    assert!(calls.borrow().is_empty());
    newer.mock_single_click(PointerEventButton::Left);
    click(w, "Đồng ý");
    assert!(has_label(w, "Phiên bản trước: 6"));
    click(w, "Quay lại phiên bản trước");
    assert!(has_label(w, "Quay lại dữ liệu phiên bản 6?"));
    click(w, "Đồng ý");
    click(w, "Khởi động lại kiosk");
    click(w, "Đồng ý");
    click(w, "Xuất thống kê ra USB");
    assert_eq!(
        *calls.borrow(),
        vec![
            "apply /media/usb/motcua/du-lieu-8".to_string(),
            "rollback".into(),
            "restart".into(),
            "export".into(),
        ]
    );

    // The refresh's progress, then the refusal in the app's own words.
    staff::show_progress(
        w,
        Stage::Storing {
            done: 10,
            total: 40,
        },
    );
    assert!(sa.get_busy());
    assert!(has_label(w, "Đang lưu thủ tục (10/40)…"));
    staff::show_result(w, false, "the bundle is not signed");
    assert!(!sa.get_busy());
    assert!(has_label(
        w,
        "Không thực hiện được the bundle is not signed"
    ));
    staff::show_applied(w, 8, "");
    assert!(has_label(w, "Đã áp dụng dữ liệu phiên bản 8"));
}

/// What `RatingAdapter.rate` was called with, in order.
type Rated = Rc<RefCell<Vec<(i32, String)>>>;

fn rating_kiosk() -> (Kiosked, Rated, Rc<RefCell<usize>>) {
    let k = kiosk();
    let rated = Rc::new(RefCell::new(Vec::new()));
    let r = rated.clone();
    let ra = k.window.global::<RatingAdapter>();
    ra.on_rate(move |level, reason| r.borrow_mut().push((level, reason.to_string())));
    let skipped = Rc::new(RefCell::new(0));
    let s = skipped.clone();
    ra.on_skip(move || *s.borrow_mut() += 1);
    (k, rated, skipped)
}

fn open_rating(k: &Kiosked) {
    k.shell.navigate(Page::Rating);
    rating::show_rating(&k.window);
    settle();
}

#[test]
fn rating_buttons_send_the_level_and_reason() {
    let (k, rated, skipped) = rating_kiosk();
    let w = &k.window;
    let kiosk = w.global::<Kiosk>();

    // "Xong" on a procedure is the way in.
    let finished = Rc::new(RefCell::new(0));
    let f = finished.clone();
    kiosk.on_finish_visit(move || *f.borrow_mut() += 1);
    k.shell.navigate(Page::Procedure);
    click(w, "Xong");
    assert_eq!(*finished.borrow(), 1);

    for (label, level) in [("Rất hài lòng", 4), ("Hài lòng", 3), ("Bình thường", 2)] {
        open_rating(&k);
        click(w, label);
        assert_eq!(rated.borrow().last(), Some(&(level, String::new())));
        assert!(has_label(w, "Cảm ơn bạn!"));
    }

    // "Không hài lòng" asks why first; a reason is optional.
    open_rating(&k);
    click(w, "Không hài lòng");
    assert_eq!(
        rated.borrow().len(),
        3,
        "nothing sent before the reason step"
    );
    assert!(has_label(w, "Điều gì làm bạn chưa hài lòng?"));
    click(w, "Thiếu thông tin");
    click(w, "Thông tin khó hiểu");
    click(w, "Gửi");
    assert_eq!(
        rated.borrow().last(),
        Some(&(1, "Thông tin khó hiểu".to_string()))
    );
    open_rating(&k);
    click(w, "Không hài lòng");
    click(w, "Bỏ qua");
    assert_eq!(rated.borrow().last(), Some(&(1, String::new())));

    // "Bỏ qua" on the first step rates nothing and goes home.
    open_rating(&k);
    click(w, "Bỏ qua");
    settle();
    assert_eq!(*skipped.borrow(), 1);
    assert_eq!(rated.borrow().len(), 5);
    assert_eq!(kiosk.get_page(), Page::Home);

    // Every reason the page offers is one the app accepts.
    for r in rating::REASONS {
        assert!(
            ElementHandle::find_by_accessible_label(w, r)
                .next()
                .is_none(),
            "not on screen now"
        );
        assert!(rating::parse_rating(1, r).is_some_and(|(_, x)| x == Some(r)));
    }
}

#[test]
fn the_thanks_goes_home_after_3_seconds() {
    let (k, rated, _) = rating_kiosk();
    let w = &k.window;
    let kiosk = w.global::<Kiosk>();
    open_rating(&k);
    click(w, "Hài lòng");
    assert_eq!(rated.borrow().len(), 1);
    settle();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(2900));
    assert_eq!(kiosk.get_page(), Page::Rating, "still thanking");
    assert!(has_label(w, "Cảm ơn bạn!"));
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(200));
    assert_eq!(kiosk.get_page(), Page::Home);
    assert_eq!(
        w.global::<RatingAdapter>().get_step(),
        RatingStep::Choose,
        "ready for the next person"
    );

    // The same when Rust shows the thanks.
    open_rating(&k);
    rating::show_thanks(w);
    settle();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(2900));
    assert_eq!(kiosk.get_page(), Page::Rating);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(200));
    assert_eq!(kiosk.get_page(), Page::Home);
}
