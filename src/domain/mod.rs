//! The kiosk's vocabulary: procedures, hotlines, online-service guides, fields, life events and
//! synonyms, as pure data with the rules that belong to them. No I/O lives here; every other module
//! speaks these types.

pub mod changes;
pub mod checklist;
pub mod contact;
pub mod text;

use serde::{Deserialize, Serialize};

/// Where a procedure record came from. Order matters: a lower value wins when records are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The portal's structured detail API (`portal-api-details.jsonl`).
    PortalApi,
    /// The portal's detail pages as text (`portal-pages.jsonl`).
    PortalPages,
    /// A ministry's official Excel list (`official-lists/*.xlsx`).
    OfficialList,
    /// The portal's public catalog (`portal-catalog.jsonl`).
    Catalog,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::PortalApi,
        Source::PortalPages,
        Source::OfficialList,
        Source::Catalog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::PortalApi => "portal_api",
            Source::PortalPages => "portal_pages",
            Source::OfficialList => "official_list",
            Source::Catalog => "catalog",
        }
    }
}

/// The tier of government that carries a procedure out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cấp bộ (a ministry or a central agency).
    Ministry,
    /// Cấp tỉnh.
    Province,
    /// Cấp xã (commune or ward, after the 2025 two-tier reform).
    Commune,
    /// Cơ quan khác (courts, vertical agencies, …).
    Other,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Ministry,
        Level::Province,
        Level::Commune,
        Level::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ministry => "ministry",
            Level::Province => "province",
            Level::Commune => "commune",
            Level::Other => "other",
        }
    }

    /// The label the portal itself uses.
    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Ministry => "Cấp bộ",
            Level::Province => "Cấp tỉnh",
            Level::Commune => "Cấp xã",
            Level::Other => "Cơ quan khác",
        }
    }

    /// The label in the English interface.
    pub fn label_en(self) -> &'static str {
        match self {
            Level::Ministry => "Ministry",
            Level::Province => "Province",
            Level::Commune => "Commune",
            Level::Other => "Other agencies",
        }
    }

    /// Accepts the machine name (`province`) or the portal's label (`Cấp tỉnh`, any case and
    /// with or without diacritics).
    pub fn parse(s: &str) -> Option<Level> {
        let f = text::fold(s);
        let f = f.trim();
        Level::ALL.into_iter().find(|l| {
            f == l.as_str()
                || f == text::fold(l.label_vi())
                || (*l == Level::Commune && (f == "ward" || f == "cap phuong" || f == "xa"))
                || (*l == Level::Province && f == "tinh")
                || (*l == Level::Ministry && f == "bo")
        })
    }

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// STANDARD procedures apply nationwide; SPECIFIC ones are a province's own variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureKind {
    Standard,
    Specific,
    StandardInternal,
    #[default]
    Unknown,
}

impl ProcedureKind {
    pub fn parse(s: &str) -> ProcedureKind {
        match s.trim() {
            "STANDARD" => ProcedureKind::Standard,
            "SPECIFIC" => ProcedureKind::Specific,
            "STANDARD_INTERNAL" => ProcedureKind::StandardInternal,
            _ => ProcedureKind::Unknown,
        }
    }
}

/// How a dossier can be handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Trực tiếp: at the counter.
    Direct,
    /// Trực tuyến: on the public service portal.
    Online,
    /// Dịch vụ bưu chính: by the public postal service.
    Postal,
}

impl Method {
    pub fn label_vi(self) -> &'static str {
        match self {
            Method::Direct => "Trực tiếp",
            Method::Online => "Trực tuyến",
            Method::Postal => "Dịch vụ bưu chính",
        }
    }

    /// The English interface's words (the same as its translations of [`Self::label_vi`]).
    pub fn label_en(self) -> &'static str {
        match self {
            Method::Direct => "In person",
            Method::Online => "Online",
            Method::Postal => "By post",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Direct => "direct",
            Method::Online => "online",
            Method::Postal => "postal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    WorkingDay,
    Day,
    Hour,
    Month,
    Year,
}

impl TimeUnit {
    pub fn label_vi(self) -> &'static str {
        match self {
            TimeUnit::WorkingDay => "ngày làm việc",
            TimeUnit::Day => "ngày",
            TimeUnit::Hour => "giờ",
            TimeUnit::Month => "tháng",
            TimeUnit::Year => "năm",
        }
    }

    /// Singular; "s" makes the plural of each.
    pub fn label_en(self) -> &'static str {
        match self {
            TimeUnit::WorkingDay => "working day",
            TimeUnit::Day => "day",
            TimeUnit::Hour => "hour",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }
}

/// A time limit: an amount with a unit when the source states one, and the source's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TimeLimit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<TimeUnit>,
    /// Free text from the source ("Trong ngày", "Thời hạn giải quyết … 30 ngày").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl TimeLimit {
    /// A short human form: "7 ngày làm việc", or the source's words.
    pub fn display(&self) -> String {
        match (self.amount, self.unit) {
            (Some(a), Some(u)) => format!("{} {}", format_amount(a), u.label_vi()),
            (Some(a), None) => format_amount(a),
            _ => self.text.clone(),
        }
    }

    /// [`display`](Self::display) for the English interface: "1 working day", "15 days"; the
    /// source's own words stay as they are.
    pub fn display_en(&self) -> String {
        match (self.amount, self.unit) {
            (Some(a), Some(u)) => {
                let unit = u.label_en();
                let plural = if a == 1.0 { "" } else { "s" };
                format!("{} {unit}{plural}", format_amount(a).replace(',', "."))
            }
            (Some(a), None) => format_amount(a).replace(',', "."),
            _ => self.text.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.amount.is_none() && self.text.is_empty()
    }
}

fn format_amount(a: f64) -> String {
    if a.fract() == 0.0 && a.abs() < 1e12 {
        format!("{}", a as i64)
    } else {
        format!("{a}").replace('.', ",")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Phí.
    Fee,
    /// Lệ phí.
    Charge,
    /// Mức giá (a price for a service).
    Price,
    /// The source does not say.
    Unspecified,
}

impl FeeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            FeeKind::Fee => "Phí",
            FeeKind::Charge => "Lệ phí",
            FeeKind::Price => "Mức giá",
            FeeKind::Unspecified => "Phí, lệ phí",
        }
    }

    /// The English interface's words: phí is a fee, lệ phí a charge (the state's own English).
    pub fn label_en(self) -> &'static str {
        match self {
            FeeKind::Fee => "Fee",
            FeeKind::Charge => "Charge",
            FeeKind::Price => "Price",
            FeeKind::Unspecified => "Fees and charges",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fee {
    pub kind: FeeKind,
    /// Amount in đồng when the source gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_vnd: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl Fee {
    /// A fee of zero đồng with nothing else said: nothing to pay.
    pub fn is_free(&self) -> bool {
        self.amount_vnd.unwrap_or(0) == 0 && self.text.is_empty()
    }
}

/// Format đồng with the Vietnamese thousands separator: 20000 → "20.000 đồng".
pub fn format_vnd(v: i64) -> String {
    group_thousands(v, '.') + " đồng"
}

/// [`format_vnd`] for the English interface: 20000 → "20,000 VND".
pub fn format_vnd_en(v: i64) -> String {
    group_thousands(v, ',') + " VND"
}

fn group_thousands(v: i64, separator: char) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(ch);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

/// One way to submit, with its time limit and fees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub method: Method,
    #[serde(default, skip_serializing_if = "TimeLimit::is_empty")]
    pub time: TimeLimit,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<Fee>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Channel {
    /// Nothing to pay on this channel (no fee listed, or every fee is zero with no conditions).
    pub fn is_free(&self) -> bool {
        self.fees.iter().all(Fee::is_free)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierItem {
    pub name: String,
    #[serde(default)]
    pub originals: u32,
    #[serde(default)]
    pub copies: u32,
    #[serde(default)]
    pub required: bool,
    /// The form to fill in (file name of the template) when the source names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// The portal offers an electronic form for this item.
    #[serde(default)]
    pub electronic_form: bool,
}

#[cfg(test)]
impl DossierItem {
    /// A plain item for tests: `originals` originals, no copies, optional, no form.
    pub(crate) fn for_test(name: &str, originals: u32) -> DossierItem {
        DossierItem {
            name: name.into(),
            originals,
            copies: 0,
            required: false,
            form: None,
            electronic_form: false,
        }
    }
}

/// Dossier items grouped by case ("Giấy tờ phải nộp", "Trường hợp …").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierCase {
    #[serde(default)]
    pub name: String,
    pub items: Vec<DossierItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalDoc {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Agencies {
    /// Cơ quan thực hiện.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub executing: Vec<String>,
    /// Cơ quan có thẩm quyền.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competent: Vec<String>,
    /// Cơ quan phối hợp.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coordinating: Vec<String>,
    /// Địa chỉ tiếp nhận hồ sơ.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub receiving_address: String,
}

/// A part of a source record that could not be parsed into structure, kept readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawSection {
    /// The source field (`cach_thuc_thuc_hien`, …).
    pub field: String,
    pub text: String,
}

/// One administrative procedure (thủ tục hành chính).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Procedure {
    /// The national code, e.g. `1.001193`.
    pub code: String,
    pub name: String,
    /// The portal's UUID, the only key that makes a verified deep link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
    #[serde(default)]
    pub kind: ProcedureKind,
    /// Cơ quan ban hành: the ministry, or the province for a SPECIFIC variant.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub issuer: String,
    #[serde(default)]
    pub agencies: Agencies,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dossier: Vec<DossierCase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requirements: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<LegalDoc>,
    /// Dịch vụ công trực tuyến toàn trình.
    #[serde(default)]
    pub fully_online: bool,
    /// The decision that published it (số quyết định).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub decision: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// The portal's own service groups for this procedure ("Khai sinh", "Tạm trú").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_groups: Vec<String>,
    /// Last update at the source, as an ISO date (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Which sources contributed, best first.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Source text that could not be parsed into structure, kept readable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<RawSection>,
}

/// The national portal's page for a procedure with a known UUID.
pub const PORTAL_PROCEDURE_BASE: &str = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/";
/// The portal's home page, whose search box finds a procedure by code: the fallback when no
/// verified link exists (no search URL of the portal is published in the corpus).
pub const PORTAL_SEARCH_URL: &str = "https://dichvucong.gov.vn/";
/// Dossier status lookup on the portal.
pub const PORTAL_LOOKUP_URL: &str = "https://dichvucong.gov.vn/tra-cuu-ho-so";
/// Online payment of fees on the portal.
pub const PORTAL_PAYMENT_URL: &str = "https://dichvucong.gov.vn/thanh-toan-truc-tuyen";

/// A link for the QR code, and whether it leads straight to the procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalLink {
    pub url: String,
    /// `true` when the URL is the procedure's own page (a UUID from the portal), `false` for the
    /// portal search fallback.
    pub verified: bool,
}

impl Procedure {
    /// Steps and a dossier: enough for a citizen to act on.
    pub fn has_detail(&self) -> bool {
        !self.steps.is_empty() && !self.dossier.is_empty()
    }

    /// Can be submitted online (a channel says so or it is fully online).
    pub fn online(&self) -> bool {
        self.fully_online || self.channels.iter().any(|c| c.method == Method::Online)
    }

    pub fn levels_mask(&self) -> u8 {
        self.levels.iter().fold(0, |m, l| m | l.bit())
    }

    /// The link to put in the QR code. `search_base` replaces the national portal's search page
    /// when the office configures its own.
    pub fn portal_link(&self, procedure_base: &str, search_base: &str) -> PortalLink {
        match self.portal_id.as_deref().filter(|id| is_uuid(id)) {
            Some(id) => PortalLink {
                url: format!("{procedure_base}{id}"),
                verified: true,
            },
            None => PortalLink {
                url: search_base.to_string(),
                verified: false,
            },
        }
    }

    /// The province that issued a SPECIFIC variant ("UBND Thành phố Huế" → "Thành phố Huế").
    pub fn issuing_province(&self) -> Option<&str> {
        if self.kind != ProcedureKind::Specific {
            return None;
        }
        let i = self.issuer.trim();
        for prefix in ["UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "] {
            if let Some(rest) = i.strip_prefix(prefix) {
                return Some(rest.trim());
            }
        }
        None
    }

    /// Whether there is nothing to pay on any channel that states fees.
    pub fn free_of_charge(&self) -> Option<bool> {
        let with_fees: Vec<&Channel> = self
            .channels
            .iter()
            .filter(|c| !c.fees.is_empty())
            .collect();
        if with_fees.is_empty() {
            return None;
        }
        Some(with_fees.iter().all(|c| c.is_free()))
    }
}

/// A procedure code as the portal writes it: digits, a dot, six digits (`1.001193`).
pub fn is_procedure_code(s: &str) -> bool {
    let Some((a, b)) = s.split_once('.') else {
        return false;
    };
    !a.is_empty()
        && a.len() <= 2
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.len() == 6
        && b.bytes().all(|c| c.is_ascii_digit())
}

/// Whether a string can be a procedure code as the portal actually publishes them: the canonical
/// form, and the few odd ones it also uses (`1.0133611`, `2.009182739`, `1.014955-Xoa`).
pub fn is_valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.contains('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// Turns what a citizen or officer typed ("1.001193", "1001193", " 1 001193") into a code.
pub fn normalize_code_query(s: &str) -> Option<String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if is_procedure_code(&t) {
        return Some(t);
    }
    if t.len() == 7 && t.bytes().all(|c| c.is_ascii_digit()) {
        return Some(format!("{}.{}", &t[..1], &t[1..]));
    }
    None
}

pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// A telephone line citizens can call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotline {
    pub name: String,
    /// As it is dialled, digits and spaces ("1800 1096").
    pub number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hours: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purpose: String,
    /// Who it serves: "Toàn quốc", a province, or the office.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// Where the number was published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl Hotline {
    pub fn digits(&self) -> String {
        self.number.chars().filter(char::is_ascii_digit).collect()
    }
}

/// A step-by-step guide to an online public service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guide {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    pub steps: Vec<String>,
    pub link: String,
    /// Where the guide's facts come from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// A life-event group ("Có con nhỏ") and the rule that says which procedures belong to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifeEvent {
    pub slug: String,
    pub label: String,
    /// "CÔNG DÂN" or "DOANH NGHIỆP".
    pub audience: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub portal_id: String,
    /// Procedures whose folded name contains any of these phrases belong to the group.
    #[serde(default)]
    pub name_phrases: Vec<String>,
    /// Procedures in any of these fields belong to the group.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Resolved membership (codes), filled when a bundle is built.
    #[serde(default)]
    pub codes: Vec<String>,
}

impl LifeEvent {
    pub fn matches(&self, p: &Procedure) -> bool {
        let name = text::fold(&p.name);
        self.name_phrases
            .iter()
            .any(|ph| text::contains_words(&name, &text::fold(ph)))
            || p.fields
                .iter()
                .any(|f| self.fields.iter().any(|g| text::fold(f) == text::fold(g)))
    }
}

/// A citizen word and what official names say instead ("CCCD" → "thẻ căn cước").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synonym {
    pub term: String,
    pub expansions: Vec<String>,
}

/// The few facts a list row needs, without the whole record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureSummary {
    pub code: String,
    pub name: String,
    pub fields: Vec<String>,
    pub levels: Vec<Level>,
    pub has_detail: bool,
    pub online: bool,
}

impl From<&Procedure> for ProcedureSummary {
    fn from(p: &Procedure) -> Self {
        ProcedureSummary {
            code: p.code.clone(),
            name: p.name.clone(),
            fields: p.fields.clone(),
            levels: p.levels.clone(),
            has_detail: p.has_detail(),
            online: p.online(),
        }
    }
}

/// Levels from a bit mask made by [`Procedure::levels_mask`].
pub fn levels_from_mask(mask: u8) -> Vec<Level> {
    Level::ALL
        .into_iter()
        .filter(|l| mask & l.bit() != 0)
        .collect()
}

/// A field (lĩnh vực) with how many procedures it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCount {
    pub name: String,
    pub count: u32,
}

/// Everything a bundle carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub procedures: Vec<Procedure>,
    pub hotlines: Vec<Hotline>,
    pub guides: Vec<Guide>,
    pub life_events: Vec<LifeEvent>,
    pub synonyms: Vec<Synonym>,
    /// Codes shown as "most used" until the kiosk has its own statistics (the portal's
    /// most-searched list and the procedures one-stop shops handle most).
    #[serde(default)]
    pub featured: Vec<String>,
    /// What changed against the version before (absent in bundles built without a feed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<changes::Changes>,
}

impl Dataset {
    /// Fill each life event's `codes` from its rule.
    pub fn resolve_life_events(&mut self) {
        for ev in &mut self.life_events {
            let mut codes: Vec<String> = self
                .procedures
                .iter()
                .filter(|p| ev.matches(p))
                .map(|p| p.code.clone())
                .collect();
            codes.sort();
            codes.dedup();
            ev.codes = codes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised_in_the_forms_people_type() {
        assert_eq!(
            normalize_code_query("1.001193").as_deref(),
            Some("1.001193")
        );
        assert_eq!(normalize_code_query("1001193").as_deref(), Some("1.001193"));
        assert_eq!(
            normalize_code_query(" 1.001193 ").as_deref(),
            Some("1.001193")
        );
        assert_eq!(normalize_code_query("khai sinh"), None);
        assert_eq!(normalize_code_query("10011930"), None);
    }

    #[test]
    fn vnd_is_grouped_by_thousands() {
        assert_eq!(format_vnd(0), "0 đồng");
        assert_eq!(format_vnd(20000), "20.000 đồng");
        assert_eq!(format_vnd(1500000), "1.500.000 đồng");
        assert_eq!(format_vnd(100), "100 đồng");
        assert_eq!(format_vnd_en(1500000), "1,500,000 VND");
        assert_eq!(format_vnd_en(100), "100 VND");
        assert_eq!(format_vnd_en(-20000), "-20,000 VND");
    }

    #[test]
    fn links_need_a_real_uuid() {
        let mut p = Procedure {
            code: "1.001193".into(),
            portal_id: Some("019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7".into()),
            ..Default::default()
        };
        let l = p.portal_link(PORTAL_PROCEDURE_BASE, PORTAL_SEARCH_URL);
        assert!(l.verified);
        assert!(l.url.ends_with("019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7"));
        p.portal_id = Some("1.001193".into());
        let l = p.portal_link(PORTAL_PROCEDURE_BASE, PORTAL_SEARCH_URL);
        assert!(!l.verified);
        assert_eq!(l.url, PORTAL_SEARCH_URL);
    }

    #[test]
    fn levels_parse_from_portal_labels() {
        assert_eq!(Level::parse("Cấp tỉnh"), Some(Level::Province));
        assert_eq!(Level::parse("cap xa"), Some(Level::Commune));
        assert_eq!(Level::parse("ministry"), Some(Level::Ministry));
        assert_eq!(Level::parse("Cơ quan khác"), Some(Level::Other));
        assert_eq!(Level::parse("huyện"), None);
    }
}
