//! The kiosk window rendered with the software renderer, as a screenshot would be, and checked
//! in the pixels: QR codes decode from the frame (procedure and home, both orientations, high
//! contrast), and on real data every page draws the header in its colour and its key buttons
//! with something inside them where the layout puts them.

use std::sync::Arc;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::{ComponentHandle, SharedString};

use motcua::app::usage::Recorder;
use motcua::app::view::ProcedureView;
use motcua::domain::{self, Channel, Method, Procedure, Step};
use motcua::ui::run::attach;
use motcua::ui::{self, Kiosk, MainWindow, Page, SearchAdapter, Theme};

use super::support::{self, shared_kiosk};

fn procedure() -> Procedure {
    Procedure {
        code: "1.001193".into(),
        name: "Thủ tục đăng ký khai sinh".into(),
        portal_id: Some("019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7".into()),
        fields: vec!["Hộ tịch".into()],
        levels: vec![domain::Level::Commune],
        steps: vec![Step {
            title: "Bước 1".into(),
            text: "Nộp hồ sơ tại Bộ phận Một cửa.".into(),
        }],
        channels: vec![Channel {
            method: Method::Direct,
            time: Default::default(),
            fees: Vec::new(),
            note: String::new(),
        }],
        ..Default::default()
    }
}

fn show(window: &MainWindow, p: &Procedure) -> String {
    let link = p.portal_link(domain::PORTAL_PROCEDURE_BASE, domain::PORTAL_SEARCH_URL);
    let view = ProcedureView::new(p, link, Some("Nộp hồ sơ tại quầy số 3".into()));
    ui::show_procedure(window, &view);
    window.global::<Kiosk>().set_page(Page::Procedure);
    view.link.url
}

/// A rendered frame.
struct Frame {
    width: usize,
    height: usize,
    rgba: Vec<slint::Rgba8Pixel>,
}

impl Frame {
    fn of(window: &MainWindow, size: (u32, u32)) -> Frame {
        let f = ui::screenshot::snapshot(window, size).expect("render");
        Frame {
            width: f.width() as usize,
            height: f.height() as usize,
            rgba: f.as_slice().to_vec(),
        }
    }

    fn px(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let p = self.rgba[y * self.width + x];
        (p.r, p.g, p.b)
    }

    /// Every QR code in the frame.
    fn qr_codes(&self) -> Vec<String> {
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(self.width, self.height, |x, y| {
                let (r, g, b) = self.px(x, y);
                ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8
            });
        img.detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, text)| text))
            .collect()
    }

    /// How many different colours the rectangle holds (1: nothing drawn in it).
    fn colours_in(&self, x: f32, y: f32, w: f32, h: f32) -> usize {
        let mut seen = std::collections::HashSet::new();
        let (x0, y0) = (x.max(0.0) as usize, y.max(0.0) as usize);
        let x1 = ((x + w) as usize).min(self.width);
        let y1 = ((y + h) as usize).min(self.height);
        for yy in y0..y1 {
            for xx in x0..x1 {
                seen.insert(self.px(xx, yy));
            }
        }
        seen.len()
    }
}

#[test]
fn the_procedure_qr_decodes_from_a_rendered_frame() {
    let window = ui::screenshot::new_window().expect("headless window");
    let url = show(&window, &procedure());
    assert!(url.ends_with("019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7"));
    for size in [(1920, 1080), (1080, 1920)] {
        assert_eq!(
            Frame::of(&window, size).qr_codes(),
            vec![url.clone()],
            "at {size:?}"
        );
    }
    window.global::<Theme>().set_high_contrast(true);
    assert_eq!(
        Frame::of(&window, (1920, 1080)).qr_codes(),
        vec![url.clone()],
        "high contrast"
    );
}

#[test]
fn without_a_verified_link_the_qr_leads_to_the_portal() {
    let window = ui::screenshot::new_window().expect("headless window");
    let p = Procedure {
        portal_id: None,
        ..procedure()
    };
    let url = show(&window, &p);
    assert_eq!(url, domain::PORTAL_SEARCH_URL);
    assert_eq!(Frame::of(&window, (1080, 1920)).qr_codes(), vec![url]);
}

/// The buttons with this accessible label that the frame shows.
fn buttons(window: &MainWindow, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect()
}

/// Every button labelled one of `keys` is inside the window, drawn, and at least 48 px each way.
fn buttons_on_screen(w: &MainWindow, f: &Frame, size: (u32, u32), page: &str, keys: &[&str]) {
    for label in keys {
        let found = buttons(w, label);
        assert!(!found.is_empty(), "{page} at {size:?}: no {label:?}");
        for b in found {
            let (p, s) = (b.absolute_position(), b.size());
            assert!(
                p.x >= 0.0
                    && p.y >= 0.0
                    && p.x + s.width <= size.0 as f32
                    && p.y + s.height <= size.1 as f32,
                "{page} at {size:?}: {label:?} at {p:?} {s:?} is off the window"
            );
            assert!(
                s.width >= 48.0 && s.height >= 48.0,
                "{page} at {size:?}: {label:?} is {s:?}, under 48 px"
            );
            assert!(
                f.colours_in(p.x, p.y, s.width, s.height) > 2,
                "{page} at {size:?}: {label:?} is drawn empty"
            );
        }
    }
}

/// Issue 11: on the small landscape panels offices buy, the whole keyboard (its bottom row with
/// "Dấu cách" and "Tìm") is on screen with every key at least 48 px, and the procedure's QR
/// fits its card and decodes.
#[test]
fn the_keyboard_and_the_procedure_qr_fit_the_small_landscape_panels() {
    let kiosk = shared_kiosk();
    let w = ui::screenshot::new_window().expect("headless window");
    let a = attach(
        &w,
        kiosk.clone(),
        support::mock_clock(),
        Arc::new(Recorder::new(false)),
    );
    let keyboard: &[&str] = &[
        "Tìm",
        "Xóa hết",
        "Dấu cách",
        "Xóa lùi",
        "Dấu chấm",
        "Bỏ dấu",
        "Dấu sắc",
        "q",
        "đ",
        "a",
        "â",
        "z",
        "ư",
    ];
    for size in [(1280, 720), (1280, 800), (1366, 768)] {
        a.shell().home();
        a.shell().navigate(Page::Search);
        w.global::<SearchAdapter>()
            .set_query(SharedString::from("khai sinh"));
        a.search_now();
        let f = Frame::of(&w, size);
        buttons_on_screen(&w, &f, size, "search", keyboard);

        a.open_procedure("1.001193");
        let f = Frame::of(&w, size);
        buttons_on_screen(&w, &f, size, "procedure", &["Quay lại", "Trang đầu"]);
        let url = w.global::<ui::ProcedureAdapter>().get_link_url();
        assert_eq!(f.qr_codes(), vec![url.to_string()], "procedure at {size:?}");
        let qr: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(&w, "Mã QR").collect();
        assert_eq!(qr.len(), 1);
        let (p, s) = (qr[0].absolute_position(), qr[0].size());
        assert!(
            p.x + s.width <= size.0 as f32 - 32.0,
            "procedure at {size:?}: the QR at {p:?} {s:?} spills past its card"
        );
    }
}

#[test]
fn every_page_draws_its_header_and_key_buttons_on_real_data() {
    let kiosk = shared_kiosk();
    let w = ui::screenshot::new_window().expect("headless window");
    let a = attach(
        &w,
        kiosk.clone(),
        support::mock_clock(),
        Arc::new(Recorder::new(false)),
    );
    let lookup = kiosk.config().portal.lookup_url.clone();
    let pages: [(&str, &[&str]); 8] = [
        ("home", &["Chữ lớn", "Tương phản", "English"]),
        ("search", &["Quay lại", "Trang đầu", "Tìm", "Xóa hết"]),
        ("procedure", &["Quay lại", "Trang đầu", "Xong"]),
        ("browse", &["Quay lại", "Trang đầu"]),
        ("hotlines", &["Quay lại", "Trang đầu"]),
        ("guides", &["Quay lại", "Trang đầu"]),
        ("guide", &["Quay lại", "Trang đầu"]),
        ("staff", &["Hủy", "Xác nhận"]),
    ];
    for (page, keys) in pages {
        a.shell().home();
        match page {
            "home" => {}
            "search" => {
                a.shell().navigate(Page::Search);
                w.global::<SearchAdapter>()
                    .set_query(SharedString::from("khai sinh"));
                a.search_now();
            }
            "procedure" => a.open_procedure("1.001193"),
            "browse" => a.open_group("Hộ tịch"),
            "hotlines" => a.shell().navigate(Page::Hotlines),
            "guides" => a.shell().navigate(Page::Guides),
            "guide" => {
                let id = kiosk.guides().first().map(|g| g.id.clone()).expect("guide");
                a.open_guide(&id);
            }
            _ => a.shell().navigate(Page::Staff),
        }
        for size in [(1920, 1080), (1080, 1920)] {
            let f = Frame::of(&w, size);
            // The header in its colour (deep blue) at the left edge.
            assert_eq!(f.px(4, 4), (0x0b, 0x3a, 0x82), "{page} at {size:?}: header");
            buttons_on_screen(&w, &f, size, page, keys);
            match page {
                "home" => assert_eq!(f.qr_codes(), vec![lookup.clone()], "home at {size:?}"),
                "procedure" => {
                    let url = w.global::<ui::ProcedureAdapter>().get_link_url();
                    assert_eq!(f.qr_codes(), vec![url.to_string()], "procedure at {size:?}");
                }
                _ => {}
            }
        }
    }
}
