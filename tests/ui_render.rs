//! The kiosk window rendered with the software renderer, as a screenshot would be: the QR code
//! on the procedure page must decode from the rendered pixels, in both orientations and in
//! high contrast, and every page renders at both sizes.

use slint::ComponentHandle;

use motcua::app::view::ProcedureView;
use motcua::domain::{self, Channel, Method, Procedure, Step};
use motcua::ui::{self, Kiosk, MainWindow, Page, Theme};

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
    let m = motcua::qr::encode(&view.link.url).expect("encode");
    ui::show_procedure(window, &view, ui::qr_image(m.size, &m.modules, 1));
    window.global::<Kiosk>().set_page(Page::Procedure);
    view.link.url
}

/// Every QR code found in the rendered window.
fn decode(window: &MainWindow, size: (u32, u32)) -> Vec<String> {
    let frame = ui::screenshot::snapshot(window, size).expect("render");
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let px = frame.as_slice();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let p = px[y * w + x];
        ((u16::from(p.r) + u16::from(p.g) + u16::from(p.b)) / 3) as u8
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

#[test]
fn the_procedure_qr_decodes_from_a_rendered_frame() {
    let window = ui::screenshot::new_window().expect("headless window");
    let url = show(&window, &procedure());
    assert!(url.ends_with("019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7"));
    for size in [(1920, 1080), (1080, 1920)] {
        assert_eq!(decode(&window, size), vec![url.clone()], "at {size:?}");
    }
    window.global::<Theme>().set_high_contrast(true);
    assert_eq!(
        decode(&window, (1920, 1080)),
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
    assert_eq!(decode(&window, (1080, 1920)), vec![url]);
}

#[test]
fn every_page_renders_in_both_orientations() {
    let window = ui::screenshot::new_window().expect("headless window");
    for page in [
        Page::Home,
        Page::Search,
        Page::Procedure,
        Page::Browse,
        Page::Hotlines,
        Page::Guides,
        Page::Guide,
    ] {
        window.global::<Kiosk>().set_page(page);
        for size in [(1920, 1080), (1080, 1920)] {
            let png = ui::screenshot::render(&window, size).expect("render");
            assert!(png.starts_with(b"\x89PNG"), "{page:?} at {size:?}");
        }
    }
}
