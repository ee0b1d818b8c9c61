//! The procedure page at the sizes import allows (issue 10 item 16). 400 dossier items used to
//! crash the software renderer ("Overflow"); import now bounds every list in a record at
//! `bundle::content::MAX_LIST_ITEMS`, and the page must draw a procedure whose lists are all at
//! that bound, in both orientations and in large text.

use slint::ComponentHandle;

use motcua::app::view::ProcedureView;
use motcua::bundle::content::MAX_LIST_ITEMS;
use motcua::domain::{self, DossierCase, DossierItem, LegalDoc, Procedure, Step};
use motcua::ui::{self, Kiosk, Page, Theme};

/// A name as long as the longest real ones, so that rows wrap.
const LONG: &str = "Tờ khai đăng ký khai sinh theo mẫu, có xác nhận của Ủy ban nhân dân cấp xã \
                    nơi cư trú của người yêu cầu đối với trường hợp ủy quyền cho người khác thực hiện";

fn at_the_bound() -> Procedure {
    let n = MAX_LIST_ITEMS;
    Procedure {
        code: "1.001193".into(),
        name: "Thủ tục đăng ký khai sinh".into(),
        fields: vec!["Hộ tịch".into()],
        levels: vec![domain::Level::Commune],
        steps: (1..=n)
            .map(|i| Step {
                title: format!("Bước {i}"),
                text: LONG.into(),
            })
            .collect(),
        dossier: vec![DossierCase {
            name: String::new(),
            items: (1..=n)
                .map(|i| DossierItem {
                    name: format!("{i}. {LONG}"),
                    originals: 1,
                    copies: 1,
                    required: true,
                    form: None,
                    electronic_form: false,
                })
                .collect(),
        }],
        results: (1..=n).map(|i| format!("Kết quả {i}: {LONG}")).collect(),
        legal_basis: (1..=n)
            .map(|i| LegalDoc {
                code: format!("{i}/2020/NĐ-CP"),
                title: LONG.into(),
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn the_procedure_page_draws_every_list_at_the_import_bound() {
    let window = ui::screenshot::new_window().expect("headless window");
    let p = at_the_bound();
    let link = p.portal_link(domain::PORTAL_PROCEDURE_BASE, domain::PORTAL_SEARCH_URL);
    ui::show_procedure(&window, &ProcedureView::new(&p, link, None));
    window.global::<Kiosk>().set_page(Page::Procedure);
    for large in [false, true] {
        window.global::<Theme>().set_large_text(large);
        for size in [(1920, 1080), (1080, 1920)] {
            let frame = ui::screenshot::snapshot(&window, size).expect("render");
            assert_eq!((frame.width(), frame.height()), size, "large text {large}");
        }
    }
}
