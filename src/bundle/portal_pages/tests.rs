//! The pages importer on the real `portal-pages` file and on hand-made lines.

use super::channels::parse_channels;
use super::dossier::{parse_dossier, parse_items, split_form};
use super::legal::parse_legal;
use super::results::parse_results;
use super::*;
use crate::domain::{Method, TimeUnit};
use std::collections::HashMap;
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus/portal-pages.jsonl.zst")
}

/// The whole real file, read once for all tests.
fn all() -> &'static (Vec<Procedure>, SourceReport) {
    static ALL: std::sync::OnceLock<(Vec<Procedure>, SourceReport)> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let path = corpus();
        let mut report = SourceReport::new(Source::PortalPages, &path);
        let recs = read(&path, &mut report).expect("the real pages file reads");
        (recs, report)
    })
}

fn by_code(recs: &[Procedure]) -> HashMap<&str, &Procedure> {
    recs.iter().map(|p| (p.code.as_str(), p)).collect()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("temp file");
    p
}

#[test]
fn every_page_becomes_a_procedure() {
    let (recs, report) = all();
    assert_eq!(recs.len(), 2642);
    assert_eq!(report.records, 2642);
    assert!(report.skipped.is_empty());
    for p in recs {
        assert_eq!(p.sources, vec![Source::PortalPages]);
        assert!(!p.name.is_empty(), "{} has a name", p.code);
        assert!(p.portal_id.is_some(), "{} has its UUID", p.code);
    }
}

#[test]
fn plain_fields_of_a_page() {
    let (recs, _) = all();
    let m = by_code(recs);
    let p = m["1.000178"];
    assert_eq!(
        p.portal_id.as_deref(),
        Some("019d2bf7-4fc1-768b-9ba3-94be4bca58ee")
    );
    assert_eq!(p.levels, vec![Level::Ministry]);
    assert_eq!(p.fields, vec!["Khiếu nại, tố cáo".to_string()]);
    assert_eq!(
        p.subjects,
        vec![
            "Tổ chức (không bao gồm doanh nghiệp, HTX)".to_string(),
            "Công dân Việt Nam".to_string()
        ]
    );
    assert_eq!(p.agencies.competent, vec!["Bộ Công an".to_string()]);
    assert_eq!(p.agencies.executing, vec!["Thanh tra Bộ".to_string()]);
    assert_eq!(p.decision, "QĐ/0001-BCA");
    assert!(p.steps.len() >= 4, "{:?}", p.steps);
    assert_eq!(p.steps[0].title, "Bước 1");
    assert!(p.requirements.starts_with("Đảm bảo đúng quy định"));
    assert_eq!(p.kind, crate::domain::ProcedureKind::Unknown);
    assert!(p.issuer.is_empty());
    assert_eq!(
        p.results,
        vec!["Quyết định giải quyết khiếu nại lần 1, lần 2".to_string()]
    );
    assert!(p.keywords.is_empty());
    // Commas inside an agency's name do not split it.
    let split = split_list("Cục cảnh sát quản lý hành chính về trật tự, xã hội, Công an tỉnh");
    assert_eq!(
        split,
        vec![
            "Cục cảnh sát quản lý hành chính về trật tự, xã hội",
            "Công an tỉnh"
        ]
    );
}

#[test]
fn legal_basis_with_numbers_inside_titles() {
    let (recs, _) = all();
    let m = by_code(recs);
    let p = m["1.000178"];
    let codes: Vec<&str> = p.legal_basis.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "68/2013/TT-BCA",
            "02/2011/QH13",
            "11/2015/TT-BCA",
            "05/2012/NĐ-CP"
        ]
    );
    assert_eq!(p.legal_basis[1].title, "Luật Khiếu nại năm 2011");
    assert_eq!(p.legal_basis[3].title, "Nghị định 05/2012/NĐ-CP");
    assert!(
        p.legal_basis[0]
            .title
            .starts_with("Hướng dẫn xử lý khiếu nại")
    );

    let l = parse_legal(
        "Tên văn bản pháp lýMã văn bảnLuật 54/2014/QH1354/2014/QH13Nghị định 121/2021/NĐ-CP121/2021/NĐ-CPThông tư quy định mức thu64/2025/TT-BTCThông tư 24/2026/NQ-CP24/2026/NQ-CPQuy định03/2023/TT-BTP",
    );
    let got: Vec<(&str, &str)> = l
        .docs
        .iter()
        .map(|d| (d.code.as_str(), d.title.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("54/2014/QH13", "Luật 54/2014/QH13"),
            ("121/2021/NĐ-CP", "Nghị định 121/2021/NĐ-CP"),
            ("64/2025/TT-BTC", "Thông tư quy định mức thu"),
            ("24/2026/NQ-CP", "Thông tư 24/2026/NQ-CP"),
            ("03/2023/TT-BTP", "Quy định"),
        ]
    );
    assert_eq!(l.outcome, Parse::Full);
    assert!(l.leftover.is_empty());
}

#[test]
fn channels_free_on_two_methods() {
    let (recs, _) = all();
    let m = by_code(recs);
    let p = m["1.007664"];
    assert_eq!(p.channels.len(), 2, "{:?}", p.channels);
    assert_eq!(p.channels[0].method, Method::Direct);
    assert_eq!(p.channels[1].method, Method::Online);
    for c in &p.channels {
        assert_eq!(c.time.amount, Some(1.0));
        assert_eq!(c.time.unit, None);
        assert_eq!(c.fees.len(), 1);
        assert!(c.fees[0].is_free());
        assert!(c.is_free());
    }
    assert_eq!(p.free_of_charge(), Some(true));
    assert!(p.online());
}

#[test]
fn channels_with_working_days_and_forms() {
    let (recs, _) = all();
    let m = by_code(recs);
    let p = m["1.000823"];
    assert!(!p.channels.is_empty());
    for c in &p.channels {
        assert_eq!(c.time.amount, Some(22.0), "{c:?}");
        assert_eq!(c.time.unit, Some(TimeUnit::WorkingDay));
        assert_eq!(c.time.display(), "22 ngày làm việc");
    }
    // Its dossier names the form file of each item.
    let items = &p.dossier[0].items;
    assert_eq!(p.dossier.len(), 1);
    assert_eq!(p.dossier[0].name, "");
    assert!(
        items[0]
            .name
            .starts_with("Đơn đề nghị chuyển đổi Giấy phép")
    );
    assert!(
        items[0].name.ends_with("ngày 27/12/2021"),
        "{}",
        items[0].name
    );
    assert_eq!(items[0].form.as_deref(), Some("Mus08.docx"));
    assert_eq!(items[0].originals, 1);
    assert_eq!(items[0].copies, 0);
    assert_eq!(items[1].form.as_deref(), Some("Mus09.docx"));
    let last = items.last().expect("items");
    assert_eq!(last.form, None);
    assert!(p.unparsed.is_empty(), "{:?}", p.unparsed);
}

#[test]
fn a_real_fee_in_dong() {
    let (recs, _) = all();
    let m = by_code(recs);
    // "Trực tiếp7 Ngày làm việc50,000 Việt Nam Đồng(Luật Căn cước: 50.000 đồng/thẻ căn cước; …"
    let p = m["1.000889"];
    let c = p
        .channels
        .iter()
        .find(|c| c.method == Method::Direct)
        .expect("a counter channel");
    assert_eq!(c.time.display(), "7 ngày làm việc");
    assert_eq!(c.fees.len(), 1);
    assert_eq!(c.fees[0].amount_vnd, Some(50_000));
    assert!(c.fees[0].text.starts_with("Luật Căn cước: 50.000 đồng"));
    assert!(!c.is_free());
    assert_eq!(p.free_of_charge(), Some(false));

    // "70,000 VNĐ" with its words in brackets.
    let p = m["1.004002"];
    assert_eq!(p.channels.len(), 3);
    for c in &p.channels {
        assert_eq!(c.fees[0].amount_vnd, Some(70_000));
        assert_eq!(c.fees[0].text, "70.000 đồng/Giấy chứng nhận");
        assert_eq!(c.time.display(), "2 ngày làm việc");
    }
}

#[test]
fn a_bare_time_running_into_an_amount() {
    let ch = parse_channels(
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp2 GiờMiễn phíNộp tại quầy",
    );
    assert_eq!(ch.outcome, Parse::Full);
    assert_eq!(ch.channels.len(), 2);
    let online = &ch.channels[1];
    assert_eq!(online.method, Method::Online);
    assert_eq!(online.time.amount, Some(1.0));
    assert_eq!(online.fees[0].amount_vnd, Some(20_000));
    let direct = &ch.channels[0];
    assert_eq!(direct.time.display(), "2 giờ");
    assert!(direct.is_free());
    assert_eq!(direct.note, "Nộp tại quầy");
}

#[test]
fn channel_times_in_words_and_missing() {
    let ch = parse_channels(
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíQua Cổng dịch vụ côngDịch vụ bưu chính công íchKhông có thông tinKhông có thông tinGửi qua bưu điện",
    );
    assert_eq!(ch.outcome, Parse::Full);
    assert_eq!(ch.channels.len(), 2);
    assert_eq!(ch.channels[0].method, Method::Online);
    assert_eq!(
        ch.channels[0].time.text,
        "Không phải trả kết quả cho người nộp thuế"
    );
    assert_eq!(ch.channels[0].note, "Qua Cổng dịch vụ công");
    assert_eq!(ch.channels[1].method, Method::Postal);
    assert!(ch.channels[1].time.is_empty());
    assert!(ch.channels[1].fees.is_empty());
    assert_eq!(ch.channels[1].note, "Gửi qua bưu điện");
}

#[test]
fn a_dossier_with_two_cases() {
    let d = parse_dossier(
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai đăng ký;TK01.docx1 bản chínhẢnh 4x60 bản chính,2 bản sao* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượngThẻ căn cước1 bản chính",
    );
    assert_eq!(d.outcome, Parse::Full);
    assert_eq!(d.cases.len(), 2);
    assert_eq!(d.cases[0].name, "Giấy tờ phải nộp");
    assert_eq!(d.cases[0].items.len(), 2);
    assert_eq!(d.cases[0].items[0].name, "Tờ khai đăng ký");
    assert_eq!(d.cases[0].items[0].form.as_deref(), Some("TK01.docx"));
    assert_eq!(d.cases[0].items[1].name, "Ảnh 4x6");
    assert_eq!(
        (d.cases[0].items[1].originals, d.cases[0].items[1].copies),
        (0, 2)
    );
    assert_eq!(d.cases[1].name, "Giấy tờ phải xuất trình");
    assert_eq!(d.cases[1].items[0].name, "Thẻ căn cước");
}

#[test]
fn real_dossiers_with_several_cases() {
    let (recs, _) = all();
    let multi = recs
        .iter()
        .filter(|p| p.dossier.len() >= 2 && p.dossier.iter().all(|c| !c.name.is_empty()))
        .count();
    assert!(multi > 100, "{multi} dossiers with named cases");
    // Names with numbers that run into the quantity: "Nghị định 116" + "1 bản chính".
    let (items, tail) = parse_items(
        "Giấy tờ theo Nghị định 1161 bản chính01 bản sao giấy khai sinh1 bản chính,1 bản sao",
    );
    assert!(tail.is_empty());
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].name, "Giấy tờ theo Nghị định 116");
    assert_eq!(items[1].name, "01 bản sao giấy khai sinh");
    assert_eq!((items[1].originals, items[1].copies), (1, 1));
    // A count written inside the name, right before the real cell, stays in the name.
    let (items, _) = parse_items(
        "Tờ khai nhập khẩu: 01 bản chính.1 bản chínhGiấy đăng ký (01 bản chính)0 bản chính,1 bản sao",
    );
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].name, "Tờ khai nhập khẩu: 01 bản chính.");
    assert_eq!(items[1].name, "Giấy đăng ký (01 bản chính)");
    assert_eq!((items[1].originals, items[1].copies), (0, 1));
}

#[test]
fn form_file_names() {
    let cases = [
        (
            "Danh sách người tham gia theo mẫu Phụ lục III ban hành tại Nghị định 66/2021/NĐ-CP ngày 06/7/2021 của Chính phủ.PL III NĐ 66.doc",
            "PL III NĐ 66.doc",
        ),
        (
            "Đơn đề nghị theo Mẫu số 01 Phụ lục I của Nghị định số 258/2025/NĐ-CPMẫu số 01.docx",
            "Mẫu số 01.docx",
        ),
        (
            "Tờ trình đề nghị điều chỉnh ranh giới khu rừng phòng hộMẫu số 04.docx",
            "Mẫu số 04.docx",
        ),
        (
            "Tờ khai (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA).1.MuCT01banhnhkmtheoThngts53.doc",
            "1.MuCT01banhnhkmtheoThngts53.doc",
        ),
        (
            "Văn bản đề nghị cấp lại hoặc hiệu đínhMẫu I.1.17.docxMẫu I.1.18.docx",
            "Mẫu I.1.17.docx; Mẫu I.1.18.docx",
        ),
        (
            "Bản khai chung (theo mẫu Bản khai chung)MauBankhaichung (3).docx",
            "MauBankhaichung (3).docx",
        ),
    ];
    for (text, form) in cases {
        let (name, got) = split_form(text);
        assert_eq!(got.as_deref(), Some(form), "{text}");
        assert!(!name.is_empty() && !name.contains(".doc"), "{name}");
    }
    let (name, form) = split_form("Quy chế quản lý nội bộ;");
    assert_eq!((name.as_str(), form), ("Quy chế quản lý nội bộ", None));
}

#[test]
fn results_without_the_portal_search_box() {
    let r = parse_results(
        "Giấy chứng nhận kiểm dịch sản phẩmMã: KQ.G10.001245Giấy chứng nhận kiểm dịch động vậtMã: KQ.G10.001246Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phốBộ ngành-- Chọn Bộ ngành --Đơn vị-- Chọn Cơ sở --Nộp hồ sơ",
    );
    assert_eq!(
        r.results,
        [
            "Giấy chứng nhận kiểm dịch sản phẩm",
            "Giấy chứng nhận kiểm dịch động vật"
        ]
    );
    assert_eq!(r.outcome, Parse::Full);
    assert!(r.leftover.is_empty() && r.keywords.is_empty() && r.description.is_empty());
    let r = parse_results(
        "Thẻ căn cướcMã: KQ-G10.000005Từ khóaCấp lại thẻ căn cướcMô tảKhông có thông tin",
    );
    assert_eq!(r.results, ["Thẻ căn cước"]);
    assert_eq!(r.keywords, ["Cấp lại thẻ căn cước"]);
}

#[test]
fn nothing_is_lost_and_all_text_is_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let (recs, report) = all();
    let nfc = |s: &str| s.nfc().collect::<String>() == s;
    for p in recs {
        assert!(nfc(&p.name), "{}", p.code);
        for c in &p.channels {
            assert!(nfc(&c.note));
            for f in &c.fees {
                assert!(nfc(&f.text));
            }
        }
        for c in &p.dossier {
            assert!(nfc(&c.name));
            for i in &c.items {
                assert!(nfc(&i.name) && !i.name.is_empty(), "{}", p.code);
            }
        }
        for u in &p.unparsed {
            assert!(nfc(&u.text) && !u.text.is_empty());
        }
    }
    let reported = report.unparsed.len();
    let kept: usize = recs.iter().map(|p| p.unparsed.len()).sum();
    assert_eq!(reported, kept);
}

/// The parse statistics over the whole file (`cargo test --lib portal_pages -- --nocapture`).
#[test]
fn statistics_over_the_whole_file() {
    let path = corpus();
    let mut report = SourceReport::new(Source::PortalPages, &path);
    let mut counts: HashMap<(&str, Parse), usize> = HashMap::new();
    for (_, page) in jsonl::read::<Page>(&path).expect("reads") {
        let code = clean_line(&page.ma_thu_tuc);
        let (_, o) = convert(&page, code, &mut report);
        for (f, v) in [
            ("cach_thuc_thuc_hien", o.channels),
            ("thanh_phan_ho_so", o.dossier),
            ("can_cu_phap_ly", o.legal),
            ("ket_qua_xu_ly", o.results),
        ] {
            *counts.entry((f, v)).or_default() += 1;
        }
    }
    println!("field                 full  partial  raw  empty");
    for f in [
        "cach_thuc_thuc_hien",
        "thanh_phan_ho_so",
        "can_cu_phap_ly",
        "ket_qua_xu_ly",
    ] {
        let n = |p| counts.get(&(f, p)).copied().unwrap_or(0);
        println!(
            "{f:<20} {:>5} {:>8} {:>4} {:>6}",
            n(Parse::Full),
            n(Parse::Partial),
            n(Parse::Raw),
            n(Parse::Empty)
        );
        assert_eq!(
            n(Parse::Full) + n(Parse::Partial) + n(Parse::Raw) + n(Parse::Empty),
            2642
        );
    }
    let full = |f| counts.get(&(f, Parse::Full)).copied().unwrap_or(0);
    assert!(full("cach_thuc_thuc_hien") > 2500);
    assert!(full("thanh_phan_ho_so") > 2200);
    assert!(full("can_cu_phap_ly") > 2200);
    assert!(full("ket_qua_xu_ly") > 2500);
}

#[test]
fn a_truncated_line_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = r#"{"ma_thu_tuc": "1.000001", "ten_thu_tuc": "A"}"#;
    let p = write(
        &dir,
        "portal-pages.jsonl",
        format!("{good}\n{{\"ma_thu_tuc\": \"1.0000\n").as_bytes(),
    );
    let mut r = SourceReport::new(Source::PortalPages, &p);
    let e = read(&p, &mut r).expect_err("truncated");
    assert!(matches!(e, BundleError::Json { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[test]
fn a_wrong_type_names_the_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        &dir,
        "portal-pages.jsonl",
        b"{\"ma_thu_tuc\": \"1.000001\"}\n\n{\"ma_thu_tuc\": 5}\n",
    );
    let mut r = SourceReport::new(Source::PortalPages, &p);
    let e = read(&p, &mut r).expect_err("wrong type");
    match &e {
        BundleError::Field { line, field, .. } => {
            assert_eq!(*line, 3);
            assert_eq!(field, "ma_thu_tuc");
        }
        other => panic!("unexpected {other}"),
    }
    let p = write(
        &dir,
        "portal-pages.jsonl",
        b"{\"ma_thu_tuc\": \"1.000001\", \"thanh_phan_ho_so\": [1]}\n",
    );
    let e = read(&p, &mut r).expect_err("wrong type");
    assert!(
        matches!(&e, BundleError::Field { line: 1, field, .. } if field == "thanh_phan_ho_so"),
        "{e}"
    );
    let p = write(&dir, "portal-pages.jsonl", b"{\"ma_thu_tuc\": \"abc\"}\n");
    let e = read(&p, &mut r).expect_err("bad code");
    assert!(
        matches!(&e, BundleError::Field { line: 1, field, .. } if field == "ma_thu_tuc"),
        "{e}"
    );
}

#[test]
fn empty_and_binary_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(&dir, "portal-pages.jsonl", b"");
    let mut r = SourceReport::new(Source::PortalPages, &p);
    assert!(matches!(read(&p, &mut r), Err(BundleError::Empty { .. })));
    let p = write(&dir, "portal-pages.jsonl", b" \n\n");
    assert!(matches!(read(&p, &mut r), Err(BundleError::Empty { .. })));
    let p = write(
        &dir,
        "portal-pages.jsonl",
        &[0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x9c, 0x10],
    );
    let e = read(&p, &mut r).expect_err("garbage");
    assert!(matches!(e, BundleError::NotText { line: 1, .. }), "{e}");
}

#[test]
fn nulls_and_missing_fields_are_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        &dir,
        "portal-pages.jsonl",
        "{\"ma_thu_tuc\": \"1.000001\", \"ten_thu_tuc\": \"Thu\u{0309} tu\u{0323}c\", \"cach_thuc_thuc_hien\": null, \"can_cu_phap_ly\": \"Không có thông tin\", \"thanh_phan_ho_so\": \"chữ không có bảng\"}\n".as_bytes(),
    );
    let mut r = SourceReport::new(Source::PortalPages, &p);
    let recs = read(&p, &mut r).expect("reads");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].name, "Thủ tục");
    assert!(recs[0].channels.is_empty() && recs[0].legal_basis.is_empty());
    assert_eq!(recs[0].portal_id, None);
    // Text without the table header is kept, and reported.
    assert_eq!(
        recs[0].unparsed,
        vec![RawSection {
            field: "thanh_phan_ho_so".into(),
            text: "chữ không có bảng".into()
        }]
    );
    assert_eq!(r.unparsed.len(), 1);
    assert_eq!(r.unparsed[0].field, "thanh_phan_ho_so");
}
