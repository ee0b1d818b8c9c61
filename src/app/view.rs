//! What the screens show, as plain data: domain records turned into the words and rows a citizen
//! reads (labels, time limits, fees in đồng, dossier checklist lines). The `ui` module only copies
//! these into Slint models, so everything here is testable without a window.

use crate::domain::{self, Channel, Procedure};

/// A procedure in a list (search results, browse, most-used).
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureRow {
    pub code: String,
    pub name: String,
    /// "Hộ tịch · Cấp xã"
    pub subtitle: String,
    pub has_detail: bool,
    pub online: bool,
}

impl ProcedureRow {
    pub fn from_procedure(p: &Procedure) -> Self {
        ProcedureRow {
            code: p.code.clone(),
            name: p.name.clone(),
            subtitle: subtitle(&p.fields, &p.levels),
            has_detail: p.has_detail(),
            online: p.online(),
        }
    }
}

pub fn subtitle(fields: &[String], levels: &[domain::Level]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(f) = fields.first() {
        parts.push(f.clone());
    }
    if !levels.is_empty() {
        parts.push(
            levels
                .iter()
                .map(|l| l.label_vi())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    parts.join(" · ")
}

/// One way to submit, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    /// "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính"
    pub method: String,
    pub method_key: String,
    /// "7 ngày làm việc", or empty when the source gives none.
    pub time: String,
    /// "Miễn phí", "20.000 đồng", or the source's words.
    pub fee: String,
    /// Conditions and notes on fees and time.
    pub note: String,
}

impl ChannelRow {
    pub fn from_channel(c: &Channel) -> Self {
        let fee = if c.fees.is_empty() {
            String::new()
        } else if c.is_free() {
            "Miễn phí".to_string()
        } else {
            c.fees
                .iter()
                .filter(|f| !f.is_free())
                .map(|f| match f.amount_vnd {
                    Some(v) if v > 0 => {
                        let label = match f.kind {
                            domain::FeeKind::Unspecified => String::new(),
                            k => format!("{}: ", k.label_vi()),
                        };
                        format!("{label}{}", domain::format_vnd(v))
                    }
                    _ => f.text.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
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
            fee,
            note: notes.join("\n"),
        }
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

pub fn quantity_text(originals: u32, copies: u32) -> String {
    let mut q = Vec::new();
    if originals > 0 {
        q.push(format!("{originals} bản chính"));
    }
    if copies > 0 {
        q.push(format!("{copies} bản sao"));
    }
    q.join(", ")
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierGroup {
    pub title: String,
    pub items: Vec<DossierRow>,
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
    pub agency: String,
    pub receiving_address: String,
    pub subjects: String,
    pub channels: Vec<ChannelRow>,
    pub dossier: Vec<DossierGroup>,
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
    pub updated: String,
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
            levels: p
                .levels
                .iter()
                .map(|l| l.label_vi())
                .collect::<Vec<_>>()
                .join(", "),
            agency: agency.join("; "),
            receiving_address: p.agencies.receiving_address.clone(),
            subjects: p.subjects.join(", "),
            channels: p.channels.iter().map(ChannelRow::from_channel).collect(),
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
            updated: super::screen::date_vi(p.updated.as_deref().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Fee, FeeKind, Method, TimeLimit, TimeUnit};

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
        assert_eq!(quantity_text(1, 2), "1 bản chính, 2 bản sao");
    }
}
