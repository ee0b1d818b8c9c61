//! The English interface on real data (issue 11, defect 9's leftovers): what the window says
//! around the procedures is English, the procedures' own words stay Vietnamese. Quantities
//! ("1 original"), the counter to go to, fee amounts ("20,000 VND"), the answers on result cards
//! ("Time limit: …") and the hotlines' scope follow the language switch both ways, live.

use std::sync::Arc;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::{ComponentHandle, Model, SharedString};

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;
use motcua::ui::run::Attached;
use motcua::ui::{Kiosk as KioskGlobal, MainWindow, Page, SearchAdapter};

use super::support::{self, KioskOnce, has_label, search, settle};

/// The small real dataset with the office's counter 3 taking Hộ tịch, opened once.
fn office_kiosk() -> Arc<Kiosk> {
    static KIOSK: KioskOnce = KioskOnce::new();
    KIOSK.get(|dir| {
        let cfg = Config {
            counters: vec![support::counter_3(&["Hộ tịch"])],
            ..Config::default()
        };
        support::small_kiosk(dir, cfg)
    })
}

fn english() -> (MainWindow, Attached) {
    let (w, a) = support::attached_window(office_kiosk(), false);
    language(&w, "en");
    (w, a)
}

fn language(w: &MainWindow, lang: &str) {
    w.global::<KioskGlobal>()
        .invoke_set_language(SharedString::from(lang));
    settle();
}

/// Every text on screen (only what is in view: what a visitor can read).
fn texts(w: &MainWindow) -> Vec<String> {
    ElementHandle::find_by_element_type_name(w, "Text")
        .filter(|t| t.size().height > 0.0)
        .filter_map(|t| t.accessible_label().map(|l| l.to_string()))
        .collect()
}

/// Whether a result card on screen gives this answer (what it shows under its name, and what
/// a screen reader says of it).
fn card_says(w: &MainWindow, answer: &str) -> bool {
    w.root_element()
        .query_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .iter()
        .any(|b| b.accessible_description().is_some_and(|d| d == answer))
}

#[test]
fn the_procedure_page_speaks_english_around_vietnamese_content() {
    let (w, a) = english();
    a.open_procedure("1.001193");
    settle();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Procedure);
    // The counter for Hộ tịch, the first document's quantity, the fee of the usual channel.
    assert!(
        has_label(&w, "Submit your dossier at counter 3 (Tầng 1)"),
        "{:?}",
        texts(&w)
    );
    assert!(has_label(&w, "1 original"), "{:?}", texts(&w));
    assert!(has_label(&w, "Free of charge"));
    let shown = texts(&w);
    for vi in ["bản chính", "bản sao", "Nộp hồ sơ tại quầy", "Miễn phí"] {
        assert!(
            shown.iter().all(|t| !t.contains(vi)),
            "{vi:?} in English: {shown:?}"
        );
    }
    // The content stays as published.
    assert!(has_label(&w, "Thủ tục đăng ký khai sinh"));

    // Back to Vietnamese on the same page, live.
    language(&w, "vi");
    assert!(has_label(&w, "Nộp hồ sơ tại quầy số 3 (Tầng 1)"));
    assert!(has_label(&w, "1 bản chính"));
    assert!(!has_label(&w, "1 original"));
}

#[test]
fn fee_amounts_are_written_the_english_way() {
    let (w, a) = english();
    // The first procedure of the data whose usual channel states an amount.
    let kiosk = a.kiosk().clone();
    let rows = kiosk
        .list(&motcua::store::ListFilter::default())
        .expect("list");
    // "Lệ phí: 100.000 đồng" → "Charge: 100,000 VND": the words and the separators.
    let amount_of = |fee: &str| -> Option<String> {
        let amount = fee.rsplit(": ").next()?.strip_suffix(" đồng")?;
        (amount.len() > 3 && amount.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .then(|| amount.replace('.', ","))
    };
    let (code, fee_vi, amount) = rows
        .iter()
        .find_map(|r| {
            let v = kiosk.procedure_view(&r.code).ok()??;
            let fee = v.usual?.fee;
            let amount = amount_of(&fee)?;
            Some((r.code.clone(), fee, amount))
        })
        .expect("a procedure with a fee amount in the small dataset");
    a.open_procedure(&code);
    settle();
    let shown = texts(&w);
    assert!(
        shown.iter().any(|t| t.ends_with(&format!("{amount} VND"))),
        "{code}: {fee_vi:?} in English: {shown:?}"
    );
    assert!(
        shown.iter().all(|t| t != &fee_vi),
        "{code}: {fee_vi:?} still shown"
    );
    language(&w, "vi");
    assert!(has_label(&w, &fee_vi), "{code}: {fee_vi:?}");
}

#[test]
fn answers_on_the_result_cards_follow_the_language() {
    let (w, a) = english();
    search(&w, &a, "đăng ký khai sinh mất bao lâu");
    let results = w.global::<SearchAdapter>().get_results();
    let first = results.row_data(0).expect("a result");
    assert!(
        first.answer_en.starts_with("Time limit: "),
        "{:?}",
        first.answer_en
    );
    assert!(first.answer.starts_with("Thời hạn: "), "{:?}", first.answer);
    assert!(card_says(&w, &first.answer_en));
    assert!(!card_says(&w, &first.answer));

    search(&w, &a, "đăng ký khai sinh cần giấy tờ gì");
    let first = w
        .global::<SearchAdapter>()
        .get_results()
        .row_data(0)
        .expect("a result");
    assert!(
        first.answer_en.starts_with("Bring: "),
        "{:?}",
        first.answer_en
    );
    assert!(card_says(&w, &first.answer_en));

    language(&w, "vi");
    assert!(card_says(&w, &first.answer));
    assert!(!card_says(&w, &first.answer_en));
}

#[test]
fn the_hotlines_nationwide_scope_is_translated() {
    let (w, a) = english();
    a.shell().navigate(Page::Hotlines);
    settle();
    assert!(has_label(&w, "Nationwide"), "{:?}", texts(&w));
    assert!(!has_label(&w, "Toàn quốc"));
}
