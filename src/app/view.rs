//! What the screens show, as plain data: domain records turned into the words and rows a citizen
//! reads (labels, time limits, fees in đồng, dossier checklist lines). The `ui` module only copies
//! these into Slint models, so everything here is testable without a window.

use crate::domain::{self, Channel, Method, Procedure, checklist};

/// A procedure in a list (search results, browse, most-used).
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureRow {
    pub code: String,
    pub name: String,
    /// "Hộ tịch · Cấp xã"
    pub subtitle: String,
    /// "Hộ tịch · Commune": the English interface translates the level, not the field (data).
    pub subtitle_en: String,
    pub has_detail: bool,
    pub online: bool,
    /// Changed in the last 30 days: "Mới cập nhật" (set by `Kiosk::mark_recent`).
    pub recent: bool,
}

impl ProcedureRow {
    pub fn from_procedure(p: &Procedure) -> Self {
        ProcedureRow {
            code: p.code.clone(),
            name: p.name.clone(),
            subtitle: subtitle(&p.fields, &p.levels),
            subtitle_en: subtitle_en(&p.fields, &p.levels),
            has_detail: p.has_detail(),
            online: p.online(),
            recent: false,
        }
    }
}

/// How many characters of a name a home tile shows at most (about four lines of a tile).
pub const TILE_NAME_CHARS: usize = 90;

/// A procedure's name for a tile of [`TILE_NAME_CHARS`]: whole when it fits, else cut after the
/// last clause that fits (at ", " or "; "), or at a word, with "…", so it never stops in the
/// middle of a phrase ("Cấp Phiếu Lý lịch tư pháp … người nước…"). The page has the whole name.
pub fn tile_name(name: &str) -> String {
    if name.chars().count() <= TILE_NAME_CHARS {
        return name.to_string();
    }
    let head: String = name.chars().take(TILE_NAME_CHARS + 1).collect();
    let clause = head
        .rfind([',', ';'])
        .filter(|i| head[..*i].chars().count() >= TILE_NAME_CHARS / 3);
    let end = clause.or_else(|| head.rfind(' ')).unwrap_or(head.len());
    format!("{}…", head[..end].trim_end())
}

pub fn subtitle(fields: &[String], levels: &[domain::Level]) -> String {
    subtitle_with(fields, levels, domain::Level::label_vi)
}

/// [`subtitle`] with the levels in English.
pub fn subtitle_en(fields: &[String], levels: &[domain::Level]) -> String {
    subtitle_with(fields, levels, domain::Level::label_en)
}

fn subtitle_with(
    fields: &[String],
    levels: &[domain::Level],
    label: fn(domain::Level) -> &'static str,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(f) = fields.first() {
        parts.push(f.clone());
    }
    if !levels.is_empty() {
        parts.push(levels_text(levels, label));
    }
    parts.join(" · ")
}

fn levels_text(levels: &[domain::Level], label: fn(domain::Level) -> &'static str) -> String {
    levels
        .iter()
        .map(|l| label(*l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One way to submit, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    /// "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính"
    pub method: String,
    pub method_key: String,
    /// "7 ngày làm việc", or empty when the source gives none.
    pub time: String,
    /// "7 working days" for the English interface.
    pub time_en: String,
    /// "Miễn phí", "20.000 đồng", or the source's words.
    pub fee: String,
    /// The same for the English interface ("Charge: 20,000 VND"); the source's own words stay.
    pub fee_en: String,
    /// No fee at all ("Miễn phí", which the English interface translates).
    pub free: bool,
    /// Conditions and notes on fees and time.
    pub note: String,
}

impl ChannelRow {
    pub fn from_channel(c: &Channel) -> Self {
        let fee = fee_text(c, "Miễn phí", domain::FeeKind::label_vi, domain::format_vnd);
        let fee_en = fee_text(
            c,
            "Free of charge",
            domain::FeeKind::label_en,
            domain::format_vnd_en,
        );
        let mut notes: Vec<String> = c
            .fees
            .iter()
            .filter(|f| f.amount_vnd.is_some_and(|v| v > 0) && !f.text.is_empty())
            .map(|f| f.text.clone())
            .collect();
        if !c.note.is_empty() {
            notes.push(c.note.clone());
        }
        if c.time.amount.is_some() && !c.time.text.is_empty() {
            notes.push(c.time.text.clone());
        }
        ChannelRow {
            method: c.method.label_vi().to_string(),
            method_key: c.method.as_str().to_string(),
            time: c.time.display(),
            time_en: c.time.display_en(),
            free: !c.fees.is_empty() && c.is_free(),
            fee,
            fee_en,
            note: notes.join("\n"),
        }
    }
}

/// A channel's fees in one line, in the words of one language; the source's own words (a fee
/// without an amount) stay as they are.
fn fee_text(
    c: &Channel,
    free: &str,
    kind: fn(domain::FeeKind) -> &'static str,
    money: fn(i64) -> String,
) -> String {
    if c.fees.is_empty() {
        String::new()
    } else if c.is_free() {
        free.to_string()
    } else {
        c.fees
            .iter()
            .filter(|f| !f.is_free())
            .map(|f| match f.amount_vnd {
                Some(v) if v > 0 => {
                    let label = match f.kind {
                        domain::FeeKind::Unspecified => String::new(),
                        k => format!("{}: ", kind(k)),
                    };
                    format!("{label}{}", money(v))
                }
                _ => f.text.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One line of the dossier checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierRow {
    pub name: String,
    /// "1 bản chính, 1 bản sao"; empty when the source gives no number.
    pub quantity: String,
    pub form: String,
    pub required: bool,
}

/// "1 bản chính, 2 bản sao": the wording read-aloud and the receipt use too.
pub fn quantity_text(originals: u32, copies: u32) -> String {
    crate::domain::checklist::quantity(originals, copies)
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierGroup {
    pub title: String,
    pub items: Vec<DossierRow>,
}

/// One thing to bring on the procedure page: the source's words without list markers, and how
/// many copies.
#[derive(Debug, Clone, PartialEq)]
pub struct BringRow {
    pub text: String,
    /// "1 bản chính, 1 bản sao"; empty when the source gives no number.
    pub quantity: String,
    /// "1 original, 1 copy" for the English interface.
    pub quantity_en: String,
}

impl BringRow {
    fn from_entry(e: &checklist::Entry) -> Self {
        BringRow {
            text: e.text.clone(),
            quantity: e.quantity.clone(),
            quantity_en: e.quantity_en.clone(),
        }
    }
}

/// The procedure page's "what to bring, first": the documents every applicant brings, the ones
/// for particular cases (one tap away) and the dossier's notes shown as notes
/// (`domain::checklist` sorts them, as read-aloud and the printed list do).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BringView {
    pub documents: Vec<BringRow>,
    /// "Trường hợp khác".
    pub other_cases: Vec<BringRow>,
    pub notes: Vec<String>,
    /// When the source names no document every applicant brings, every case is listed first
    /// (and `other_cases` is empty): the page then says "theo từng trường hợp".
    pub by_case: bool,
}

impl BringView {
    pub fn new(p: &Procedure) -> Self {
        let c = checklist::checklist(p);
        let rows = |v: &[checklist::Entry]| v.iter().map(BringRow::from_entry).collect::<Vec<_>>();
        let notes = c.notes.iter().map(|e| e.text.clone()).collect();
        if c.documents.is_empty() && !c.conditional.is_empty() {
            BringView {
                documents: rows(&c.conditional),
                other_cases: Vec::new(),
                notes,
                by_case: true,
            }
        } else {
            BringView {
                documents: rows(&c.documents),
                other_cases: rows(&c.conditional),
                notes,
                by_case: false,
            }
        }
    }
}

/// The way most visitors at the counter submit: in person when the procedure allows it, else
/// the first channel the source lists.
pub fn usual_channel(p: &Procedure) -> Option<ChannelRow> {
    p.channels
        .iter()
        .find(|c| c.method == Method::Direct)
        .or_else(|| p.channels.first())
        .map(ChannelRow::from_channel)
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub number: usize,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegalRow {
    pub code: String,
    pub title: String,
}

/// Everything the procedure page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureView {
    pub code: String,
    pub name: String,
    pub fields: String,
    pub levels: String,
    pub levels_en: String,
    pub agency: String,
    pub receiving_address: String,
    pub subjects: String,
    pub channels: Vec<ChannelRow>,
    /// The time and fee the first screen shows ([`usual_channel`]).
    pub usual: Option<ChannelRow>,
    /// The dossier as the source groups it (`motcua show`).
    pub dossier: Vec<DossierGroup>,
    /// The dossier as the page shows it: what to bring first.
    pub bring: BringView,
    pub steps: Vec<StepRow>,
    pub requirements: String,
    pub results: Vec<String>,
    pub legal: Vec<LegalRow>,
    /// Extra source text that could not be structured, with its heading.
    pub other: Vec<(String, String)>,
    pub fully_online: bool,
    pub has_detail: bool,
    pub link: domain::PortalLink,
    /// The QR code for `link` (none when it cannot be made).
    pub qr: Option<super::screen::QrMatrix>,
    /// "Nộp hồ sơ tại quầy số 3 (Tầng 1)" when the office maps one of the fields to a counter.
    pub counter: Option<String>,
    /// The same sentence for the English interface ("Submit your dossier at counter 3 (Tầng 1)").
    pub counter_en: Option<String>,
    pub updated: String,
    /// Changed in the last 30 days: "Mới cập nhật" (set by `Kiosk::procedure_view`).
    pub recently_updated: bool,
}

fn raw_heading(field: &str) -> &'static str {
    match field {
        "cach_thuc_thuc_hien" => "Cách thức thực hiện",
        "thanh_phan_ho_so" => "Thành phần hồ sơ",
        "can_cu_phap_ly" => "Căn cứ pháp lý",
        "ket_qua_xu_ly" => "Kết quả thực hiện",
        "trinh_tu_thuc_hien" | "executionSteps" => "Trình tự thực hiện",
        _ => "Thông tin khác",
    }
}

impl ProcedureView {
    pub fn new(p: &Procedure, link: domain::PortalLink, counter: Option<String>) -> Self {
        // The source tells required items from optional ones only when it marks some item
        // required; when it does not, no item is labelled "Nếu có".
        let marks_optional = p.dossier.iter().flat_map(|c| &c.items).any(|i| i.required);
        let mut agency: Vec<String> = p.agencies.executing.clone();
        for c in &p.agencies.competent {
            if !agency.contains(c) {
                agency.push(c.clone());
            }
        }
        ProcedureView {
            code: p.code.clone(),
            name: p.name.clone(),
            fields: p.fields.join(", "),
            levels: levels_text(&p.levels, domain::Level::label_vi),
            levels_en: levels_text(&p.levels, domain::Level::label_en),
            agency: agency.join("; "),
            receiving_address: p.agencies.receiving_address.clone(),
            subjects: p.subjects.join(", "),
            channels: p.channels.iter().map(ChannelRow::from_channel).collect(),
            usual: usual_channel(p),
            bring: BringView::new(p),
            dossier: p
                .dossier
                .iter()
                .map(|c| DossierGroup {
                    title: c.name.clone(),
                    items: c
                        .items
                        .iter()
                        .map(|i| DossierRow {
                            name: i.name.clone(),
                            quantity: quantity_text(i.originals, i.copies),
                            form: i.form.clone().unwrap_or_default(),
                            required: i.required || !marks_optional,
                        })
                        .collect(),
                })
                .collect(),
            steps: p
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepRow {
                    number: i + 1,
                    // "Bước 2" repeats the number drawn beside the step.
                    title: if domain::text::fold(s.title.trim()) == format!("buoc {}", i + 1) {
                        String::new()
                    } else {
                        s.title.clone()
                    },
                    text: s.text.clone(),
                })
                .collect(),
            requirements: p.requirements.clone(),
            results: p.results.clone(),
            legal: p
                .legal_basis
                .iter()
                .map(|l| LegalRow {
                    code: l.code.clone(),
                    title: l.title.clone(),
                })
                .collect(),
            other: p
                .unparsed
                .iter()
                .map(|r| (raw_heading(&r.field).to_string(), r.text.clone()))
                .collect(),
            fully_online: p.fully_online,
            has_detail: p.has_detail(),
            qr: super::screen::qr(&link.url),
            link,
            counter,
            counter_en: None,
            updated: super::screen::date_vi(p.updated.as_deref().unwrap_or_default()),
            recently_updated: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DossierCase, DossierItem, Fee, FeeKind, Method, TimeLimit, TimeUnit};

    #[test]
    fn channel_rows_read_like_the_portal() {
        let c = Channel {
            method: Method::Direct,
            time: TimeLimit {
                amount: Some(7.0),
                unit: Some(TimeUnit::WorkingDay),
                text: String::new(),
            },
            fees: vec![Fee {
                kind: FeeKind::Fee,
                amount_vnd: Some(20000),
                text: "Miễn cho người cao tuổi".into(),
            }],
            note: String::new(),
        };
        let r = ChannelRow::from_channel(&c);
        assert_eq!(r.method, "Trực tiếp");
        assert_eq!(r.time, "7 ngày làm việc");
        assert_eq!(r.fee, "Phí: 20.000 đồng");
        assert_eq!(r.fee_en, "Fee: 20,000 VND");
        assert_eq!(r.note, "Miễn cho người cao tuổi");
        let free = Channel {
            fees: vec![Fee {
                kind: FeeKind::Charge,
                amount_vnd: Some(0),
                text: String::new(),
            }],
            ..c
        };
        assert_eq!(ChannelRow::from_channel(&free).fee, "Miễn phí");
        assert_eq!(ChannelRow::from_channel(&free).fee_en, "Free of charge");
        assert_eq!(quantity_text(1, 2), "1 bản chính, 2 bản sao");
    }

    fn item(name: &str, originals: u32) -> DossierItem {
        DossierItem::for_test(name, originals)
    }

    fn channel(method: Method, days: f64) -> Channel {
        Channel {
            method,
            time: TimeLimit {
                amount: Some(days),
                unit: Some(TimeUnit::WorkingDay),
                text: String::new(),
            },
            fees: Vec::new(),
            note: String::new(),
        }
    }

    /// Issue 11: the page leads with the documents everyone brings (the portal lists the
    /// abandoned-child case first), cases one tap away, notes as notes, no list markers; the
    /// time and fee shown first are the counter's.
    #[test]
    fn the_page_leads_with_what_everyone_brings_and_the_counters_time() {
        let p = Procedure {
            code: "1.001193".into(),
            dossier: vec![
                DossierCase {
                    name: "* Giấy tờ phải nộp:".into(),
                    items: vec![
                        item("- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản", 1),
                        item("- Giấy chứng sinh", 1),
                    ],
                },
                DossierCase {
                    name: "* Lưu ý:".into(),
                    items: vec![item("+ Cá nhân có quyền lựa chọn nơi đăng ký", 0)],
                },
            ],
            channels: vec![channel(Method::Online, 1.0), channel(Method::Direct, 3.0)],
            ..Default::default()
        };
        let v = ProcedureView::new(
            &p,
            p.portal_link(domain::PORTAL_PROCEDURE_BASE, domain::PORTAL_SEARCH_URL),
            None,
        );
        fn texts(r: &[BringRow]) -> Vec<&str> {
            r.iter().map(|b| b.text.as_str()).collect()
        }
        assert_eq!(texts(&v.bring.documents), ["Giấy chứng sinh"]);
        assert_eq!(v.bring.documents[0].quantity, "1 bản chính");
        assert_eq!(
            texts(&v.bring.other_cases),
            ["Trường hợp trẻ em bị bỏ rơi thì phải có biên bản"]
        );
        assert_eq!(v.bring.notes, ["Cá nhân có quyền lựa chọn nơi đăng ký"]);
        assert!(!v.bring.by_case);
        let usual = v.usual.expect("a usual channel");
        assert_eq!(
            (usual.method.as_str(), usual.time.as_str()),
            ("Trực tiếp", "3 ngày làm việc")
        );
    }

    #[test]
    fn when_every_document_depends_on_the_case_the_cases_come_first() {
        let p = Procedure {
            dossier: vec![DossierCase {
                name: String::new(),
                items: vec![
                    item("- Trường hợp A: tờ khai A", 1),
                    item("- Trường hợp B: tờ khai B", 1),
                ],
            }],
            channels: vec![channel(Method::Online, 1.0)],
            ..Default::default()
        };
        let v = ProcedureView::new(
            &p,
            p.portal_link(domain::PORTAL_PROCEDURE_BASE, domain::PORTAL_SEARCH_URL),
            None,
        );
        assert_eq!(v.bring.documents.len(), 2);
        assert!(v.bring.other_cases.is_empty() && v.bring.by_case);
        assert_eq!(v.usual.map(|c| c.method), Some("Trực tuyến".to_string()));
    }

    #[test]
    fn tile_names_are_cut_at_a_clause_never_mid_phrase() {
        let lltp = "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam, người Việt Nam đang cư trú ở nước ngoài";
        let t = tile_name(lltp);
        assert!(
            t.ends_with('…') && t.chars().count() <= TILE_NAME_CHARS + 1,
            "{t}"
        );
        assert!(lltp.starts_with(t.trim_end_matches('…')), "{t}");
        let cut_at = t.trim_end_matches('…').chars().count();
        assert_eq!(lltp.chars().nth(cut_at), Some(','), "cut at a clause: {t}");
        assert_eq!(tile_name("Đổi giấy phép lái xe"), "Đổi giấy phép lái xe");
        // No clause in reach: at a word.
        let long = "Thủ tục ".repeat(20);
        let t = tile_name(&long);
        assert!(t.ends_with("tục…"), "{t}");
    }
}
