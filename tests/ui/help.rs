//! "Gọi cán bộ hỗ trợ" in the window (issue 11, issue 15's help signal), on real data under the
//! testing backend: one button in the header of every page, the panel naming the office's
//! counter and its place, the press counted and in the heartbeat, the panel closed by "Đóng"
//! and by the idle countdown; an office that does not signal only shows the counter.

use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;

use motcua::app::kiosk::Kiosk;
use motcua::app::usage;
use motcua::config::Config;
use motcua::ui::run::Attached;
use motcua::ui::{HelpAdapter, HelpSignal, Kiosk as KioskGlobal, MainWindow, Page};

use super::support::{self, button, click, has_label};

const HELP: &str = "Gọi cán bộ hỗ trợ";

fn office(edit: impl FnOnce(&mut Config)) -> (tempfile::TempDir, Arc<Kiosk>, MainWindow, Attached) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config {
        counters: vec![support::counter_3(&["Hộ tịch"])],
        ..Config::default()
    };
    cfg.help.counter = 3;
    edit(&mut cfg);
    let (kiosk, window, attached) = support::kiosk_window(dir.path(), cfg, false);
    (dir, kiosk, window, attached)
}

#[test]
fn every_page_has_the_button_and_a_press_names_the_counter_and_tells_the_office() {
    let (_dir, kiosk, w, a) = office(|_| {});
    let k = w.global::<KioskGlobal>();
    let pages = [
        Page::Home,
        Page::Search,
        Page::Procedure,
        Page::Browse,
        Page::Hotlines,
        Page::Guides,
        Page::Guide,
        Page::Staff,
        Page::Rating,
    ];
    for page in pages {
        match page {
            Page::Procedure => a.open_procedure("1.001193"),
            other => a.shell().navigate(other),
        }
        assert_eq!(k.get_page(), page);
        // One button, on screen in the header.
        let b = button(&w, HELP);
        let (at, size) = (b.absolute_position(), b.size());
        assert!(
            at.y >= 0.0 && at.y + size.height <= 196.0,
            "{page:?}: in the header"
        );
        assert!(
            size.width >= 48.0 && size.height >= 48.0,
            "{page:?}: a touch target"
        );
    }

    a.open_procedure("1.001193");
    let h = w.global::<HelpAdapter>();
    assert!(!h.get_open());
    click(&w, HELP);
    assert!(h.get_open());
    assert_eq!(h.get_counter(), 3);
    assert_eq!(h.get_place(), "Tầng 1 · Tư pháp – Hộ tịch");
    assert!(has_label(&w, "Quầy số 3"));
    assert!(has_label(&w, "Tầng 1 · Tư pháp – Hộ tịch"));
    // Without a worker the office work ran here: told, counted, in the heartbeat.
    assert_eq!(h.get_signal(), HelpSignal::Sent);
    assert!(has_label(&w, "Đã báo cho cán bộ."));
    let (count, at) = kiosk.help_requests().expect("counted");
    assert_eq!(count, 1);
    assert!(at.is_some());
    let beat = usage::heartbeat_path(&kiosk).expect("heartbeat path");
    let text = std::fs::read_to_string(&beat).expect("heartbeat written at once");
    assert!(text.contains("\nmotcua_help_requests_total 1\n"), "{text}");
    // The page under the panel is untouched; "Đóng" closes it.
    assert_eq!(k.get_page(), Page::Procedure);
    click(&w, "Đóng");
    assert!(!h.get_open());

    // Asked again, then left alone: the countdown closes the panel with the visit.
    click(&w, HELP);
    assert!(h.get_open());
    assert_eq!(kiosk.help_requests().expect("counted").0, 2);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(91));
    assert!(k.get_idle_warning());
    assert!(!h.get_open());
}

#[test]
fn an_office_without_a_signal_or_a_counter_only_says_where_to_ask() {
    let (_dir, kiosk, w, _a) = office(|c| {
        c.help.counter = 0;
        c.help.signal = false;
    });
    click(&w, HELP);
    let h = w.global::<HelpAdapter>();
    assert!(h.get_open());
    assert_eq!(h.get_counter(), 0);
    assert_eq!(h.get_signal(), HelpSignal::None);
    assert!(has_label(
        &w,
        "Mời bạn hỏi cán bộ tại quầy tiếp nhận hồ sơ."
    ));
    assert!(!has_label(&w, "Đã báo cho cán bộ."));
    assert_eq!(kiosk.help_requests().expect("read"), (0, None));
}
