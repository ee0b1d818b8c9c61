//! The invitation screen (issue 11, "Help and invitation") under the testing backend with mock
//! time, on real data: the untouched start screen gives way to it after `[idle]
//! attract_seconds`, it shows the office, the invitation and the most used procedures, its
//! content moves to another place every 8 seconds, and one touch anywhere brings the start
//! screen back. A visit in progress never sees it.

use std::sync::Arc;
use std::time::Duration;

use i_slint_backend_testing::{ElementHandle, mock_elapsed_time};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, Model};

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;
use motcua::ui::run::Attached;
use motcua::ui::{HomeAdapter, Kiosk as KioskGlobal, MainWindow, Page};

use super::support::{self, KioskOnce};

const INVITATION: &str = "Chạm vào màn hình để tra cứu thủ tục";

/// The small real dataset with the data's most used list (`data/src/featured.json`, which the
/// home page and the invitation show), opened once.
fn featured_kiosk() -> Arc<Kiosk> {
    static KIOSK: KioskOnce = KioskOnce::new();
    KIOSK.get(|dir| {
        let mut inputs = support::corpus::small_inputs();
        inputs.push(support::corpus::data_src().join("featured.json"));
        let (ds, report) = motcua::bundle::read_sources(&inputs, &mut ()).expect("sources");
        let built = support::corpus::bundle_of(&ds, &report, 1, chrono::Utc::now());
        support::seeded_kiosk(dir, Config::default(), move || built)
    })
}

fn kiosk() -> (MainWindow, Attached) {
    let mut options = support::mock_clock();
    options.idle = options.idle.with_attract(Duration::from_secs(60));
    support::attached_window_with(featured_kiosk(), options, false)
}

/// The texts the invitation screen shows, in order.
fn texts(w: &MainWindow) -> Vec<String> {
    let screen = ElementHandle::find_by_element_type_name(w, "AttractScreen")
        .next()
        .expect("the invitation screen is shown");
    screen
        .query_descendants()
        .match_type_name("Text")
        .find_all()
        .into_iter()
        .filter(|t| t.size().height > 0.0)
        .filter_map(|t| t.accessible_label().map(|l| l.to_string()))
        .collect()
}

fn block_position(w: &MainWindow) -> (f32, f32) {
    let b = ElementHandle::find_by_element_id(w, "AttractScreen::block")
        .next()
        .expect("the moving block");
    let p = b.absolute_position();
    (p.x, p.y)
}

fn tap(w: &MainWindow, x: f32, y: f32) {
    let position = slint::LogicalPosition::new(x, y);
    w.window().dispatch_event(WindowEvent::PointerPressed {
        position,
        button: PointerEventButton::Left,
    });
    w.window().dispatch_event(WindowEvent::PointerReleased {
        position,
        button: PointerEventButton::Left,
    });
    mock_elapsed_time(Duration::ZERO);
}

#[test]
fn the_quiet_start_screen_invites_moves_slowly_and_one_touch_brings_it_back() {
    let (w, _a) = kiosk();
    let k = w.global::<KioskGlobal>();
    mock_elapsed_time(Duration::from_secs(59));
    assert!(!k.get_attract(), "not before attract_seconds");
    mock_elapsed_time(Duration::from_secs(1));
    assert!(k.get_attract());
    assert_eq!(k.get_page(), Page::Home);

    // The office, the invitation and the first six most used procedures of the home page.
    let shown = texts(&w);
    assert_eq!(shown[0], k.get_office_name().to_string());
    assert_eq!(shown[1], INVITATION);
    assert_eq!(shown[2], "Thủ tục được tìm nhiều");
    let popular = w.global::<HomeAdapter>().get_popular();
    assert!(
        popular.row_count() >= 6,
        "the data has most used procedures"
    );
    let names: Vec<String> = (0..6)
        .filter_map(|i| popular.row_data(i))
        .map(|p| p.name.to_string())
        .collect();
    assert_eq!(shown[3..].to_vec(), names);

    // It stays in place between steps, then jumps far enough to spare the panel.
    let first = block_position(&w);
    mock_elapsed_time(Duration::from_secs(7));
    assert_eq!(block_position(&w), first);
    let mut seen = vec![first];
    for _ in 0..4 {
        mock_elapsed_time(Duration::from_secs(8));
        let here = block_position(&w);
        let last = *seen.last().expect("a position");
        let moved = ((here.0 - last.0).powi(2) + (here.1 - last.1).powi(2)).sqrt();
        assert!(moved >= 40.0, "moved {moved} px from {last:?} to {here:?}");
        seen.push(here);
    }

    // One touch anywhere: the start screen, as it was, and the wait starts over.
    tap(&w, 30.0, 1050.0);
    assert!(!k.get_attract());
    assert_eq!(k.get_page(), Page::Home);
    mock_elapsed_time(Duration::from_secs(59));
    assert!(!k.get_attract());
    mock_elapsed_time(Duration::from_secs(1));
    assert!(k.get_attract());
}

#[test]
fn a_visit_in_progress_never_sees_the_invitation() {
    let (w, a) = kiosk();
    let k = w.global::<KioskGlobal>();
    a.shell().navigate(Page::Hotlines);
    // The countdown comes (90 s), not the invitation; after the reset the start screen waits
    // its 60 s again before inviting.
    mock_elapsed_time(Duration::from_secs(91));
    assert!(k.get_idle_warning());
    assert!(!k.get_attract());
    for _ in 0..30 {
        mock_elapsed_time(Duration::from_secs(1));
    }
    assert!(!k.get_idle_warning());
    assert_eq!(k.get_page(), Page::Home);
    assert!(!k.get_attract());
    mock_elapsed_time(Duration::from_secs(61));
    assert!(k.get_attract());
}
