//! Issue 11's taps per task: four things citizens come for, done from the start screen the way a
//! citizen does them (every tap a click on what the window shows, the on-screen keyboard's keys
//! included, "Xuống" where what is wanted is below the fold), on the built-in data, in
//! landscape 1920×1080 and portrait 1080×1920. Each task checks where it arrived and that it
//! took no more taps than today: a path that gets longer, or breaks, fails here.

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, LogicalSize, Model};

use motcua::config::Config;
use motcua::ui::run::Attached;
use motcua::ui::{
    BrowseAdapter, BrowseTab, HomeAdapter, Kiosk as KioskGlobal, MainWindow, Page,
    ProcedureAdapter, SearchAdapter,
};

use super::support::{self, built_in_kiosk, built_in_kiosk_with};

/// Birth registration, the procedure most asked for.
const BIRTH: &str = "1.001193";
const BIRTH_NAME: &str = "Thủ tục đăng ký khai sinh";

/// The most taps each task takes today, in landscape and in portrait.
const TODAY: [(&str, usize, usize); 4] = [
    ("birth registration via search", 6, 6),
    ("birth registration via home", 1, 1),
    ("field Hộ tịch, commune office", 4, 3),
    ("life event Có con nhỏ", 2, 2),
];

/// A visitor at a fresh window, counting every tap.
struct Citizen {
    w: MainWindow,
    _attached: Attached,
    taps: usize,
}

impl Citizen {
    fn at(config: Option<Config>, portrait: bool) -> Citizen {
        let kiosk = match config {
            Some(c) => built_in_kiosk_with(c),
            None => built_in_kiosk(),
        };
        let (w, attached) = support::attached_window(kiosk, false);
        if portrait {
            w.window().set_size(LogicalSize::new(1080.0, 1920.0));
        }
        support::settle();
        assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Home);
        Citizen {
            w,
            _attached: attached,
            taps: 0,
        }
    }

    /// The one element labelled `label` a finger can tap (a button, a box, the search field)
    /// that the window shows, if any.
    fn find(&self, label: &str) -> Option<ElementHandle> {
        let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(&self.w, label)
            .filter(|e| {
                matches!(
                    e.accessible_role(),
                    Some(
                        AccessibleRole::Button
                            | AccessibleRole::Checkbox
                            | AccessibleRole::TextInput
                    )
                )
            })
            .collect();
        assert!(
            found.len() <= 1,
            "one element labelled {label:?}, not {}",
            found.len()
        );
        found.into_iter().next()
    }

    /// Taps `e` where a finger would (its centre) and lets the window react.
    fn tap_element(&mut self, e: &ElementHandle) {
        e.mock_single_click(PointerEventButton::Left);
        self.taps += 1;
        support::settle();
    }

    fn tap(&mut self, label: &str) {
        let e = self
            .find(label)
            .unwrap_or_else(|| panic!("{label:?} on screen after {} taps", self.taps));
        self.tap_element(&e);
    }

    /// Whether the element labelled `label` is wholly inside the scrolling view that holds it.
    fn in_view(&self, label: &str) -> bool {
        let Some(e) = self.find(label) else {
            return false;
        };
        let (p, s) = (e.absolute_position(), e.size());
        ElementHandle::find_by_element_type_name(&self.w, "Flickable").any(|f| {
            let holds = {
                let mut found = false;
                f.visit_descendants(|d| {
                    found = d.accessible_label().is_some_and(|l| l == label)
                        && d.accessible_role() == e.accessible_role();
                    if found {
                        std::ops::ControlFlow::Break(())
                    } else {
                        std::ops::ControlFlow::Continue(())
                    }
                });
                found
            };
            let (fp, fs) = (f.absolute_position(), f.size());
            holds
                && p.y >= fp.y - 0.5
                && p.y + s.height <= fp.y + fs.height + 0.5
                && p.x >= fp.x - 0.5
                && p.x + s.width <= fp.x + fs.width + 0.5
        })
    }

    /// Taps "Xuống" until the element labelled `label` is wholly in view, then taps it.
    fn scroll_and_tap(&mut self, label: &str) {
        for _ in 0..20 {
            if self.in_view(label) {
                return self.tap(label);
            }
            let down = self
                .find("Xuống")
                .unwrap_or_else(|| panic!("{label:?} out of view and no \"Xuống\""));
            assert_eq!(
                down.accessible_enabled(),
                Some(true),
                "{label:?} below the end"
            );
            self.tap_element(&down);
        }
        panic!("{label:?} not in view after 20 taps of \"Xuống\"");
    }

    fn page(&self) -> Page {
        self.w.global::<KioskGlobal>().get_page()
    }
}

/// From the start screen: the search field, "khai" on the on-screen keyboard, the first result.
fn birth_by_search(portrait: bool) -> usize {
    let mut c = Citizen::at(None, portrait);
    c.tap("Ô tìm kiếm");
    assert_eq!(c.page(), Page::Search);
    for key in ["k", "h", "a", "i"] {
        c.tap(key);
    }
    let s = c.w.global::<SearchAdapter>();
    assert_eq!(s.get_query(), "khai");
    let first = s.get_results().row_data(0).expect("results for \"khai\"");
    assert_eq!(
        first.code, BIRTH,
        "the first result for \"khai\": {}",
        first.name
    );
    // The first card: the topmost one with its name.
    let card = ElementHandle::find_by_accessible_label(&c.w, &first.name)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .min_by(|a, b| a.absolute_position().y.total_cmp(&b.absolute_position().y))
        .expect("the first result's card on screen");
    c.tap_element(&card);
    arrived_at_birth(&c);
    c.taps
}

/// From the start screen: the tile of "Thủ tục được tìm nhiều".
fn birth_from_home(portrait: bool) -> usize {
    let mut c = Citizen::at(None, portrait);
    let popular = c.w.global::<HomeAdapter>().get_popular();
    assert_eq!(
        popular.row_data(0).map(|p| p.code.to_string()).as_deref(),
        Some(BIRTH),
        "the first most used procedure"
    );
    c.scroll_and_tap(BIRTH_NAME);
    arrived_at_birth(&c);
    c.taps
}

fn arrived_at_birth(c: &Citizen) {
    assert_eq!(c.page(), Page::Procedure, "after {} taps", c.taps);
    let p = c.w.global::<ProcedureAdapter>();
    assert_eq!(
        (p.get_code().as_str(), p.get_name().as_str()),
        (BIRTH, BIRTH_NAME)
    );
}

/// A commune office (no counters configured): from the start screen to the list of Hộ tịch.
fn field_at_a_commune_office(portrait: bool) -> usize {
    let mut cfg = Config::default();
    cfg.office.level = "commune".into();
    let mut c = Citizen::at(Some(cfg), portrait);
    c.scroll_and_tap("Hộ tịch");
    assert_eq!(c.page(), Page::Browse, "after {} taps", c.taps);
    let b = c.w.global::<BrowseAdapter>();
    assert_eq!(
        (b.get_tab(), b.get_selected_key().as_str()),
        (BrowseTab::Fields, "Hộ tịch")
    );
    let rows: Vec<_> = b.get_procedures().iter().collect();
    assert!(!rows.is_empty(), "the field's procedures listed");
    assert!(
        rows.iter().all(|r| r.subtitle.starts_with("Hộ tịch")),
        "only Hộ tịch's procedures"
    );
    c.taps
}

/// From the start screen to the procedures of "Có con nhỏ" (having a baby).
fn life_event(portrait: bool) -> usize {
    let mut c = Citizen::at(None, portrait);
    let event =
        c.w.global::<HomeAdapter>()
            .get_life_events()
            .iter()
            .find(|e| e.label == "Có con nhỏ")
            .expect("the life event on the start screen");
    c.scroll_and_tap(&event.label);
    assert_eq!(c.page(), Page::Browse, "after {} taps", c.taps);
    let b = c.w.global::<BrowseAdapter>();
    assert_eq!(b.get_tab(), BrowseTab::LifeEvents);
    assert_eq!(b.get_selected_key(), event.key);
    assert!(
        b.get_procedures().iter().any(|r| r.code == BIRTH),
        "birth registration among the procedures of {:?}",
        event.label
    );
    c.taps
}

/// Issue 11: taps per task, counted on the window, no more than today's.
#[test]
fn citizen_tasks_take_no_more_taps_than_today() {
    let tasks: [fn(bool) -> usize; 4] = [
        birth_by_search,
        birth_from_home,
        field_at_a_commune_office,
        life_event,
    ];
    let mut longer = Vec::new();
    for ((name, landscape_max, portrait_max), task) in TODAY.into_iter().zip(tasks) {
        for (portrait, max) in [(false, landscape_max), (true, portrait_max)] {
            // A fresh window for each visit: the testing backend allows one per thread.
            let taps = std::thread::spawn(move || task(portrait))
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            let at = if portrait { "1080×1920" } else { "1920×1080" };
            eprintln!("{name} at {at}: {taps} taps");
            if taps > max {
                longer.push(format!("{name} at {at}: {taps} taps, today {max}"));
            }
        }
    }
    assert!(longer.is_empty(), "longer paths: {longer:?}");
}
