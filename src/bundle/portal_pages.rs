//! The portal's procedure detail pages as text (`portal-pages.jsonl`): one page per line, for six
//! ministries and the courts. Plain fields map straight onto a [`Procedure`]; the four table
//! fields (`cach_thuc_thuc_hien`, `thanh_phan_ho_so`, `can_cu_phap_ly`, `ket_qua_xu_ly`) arrive
//! as table cells run together without separators and are split here by the shapes their cells
//! take (a channel name then a time then a fee, a quantity such as `1 bản chính`, a document number
//! such as `54/2014/QH13`, a result code such as `Mã: KQ.G12.001222`). Whatever cannot be split is
//! kept readable in [`Procedure::unparsed`] and listed in the report; no page is ever dropped for
//! its tables.
//!
//! Pages do not say STANDARD or SPECIFIC, nor which ministry issued the procedure: `kind` stays
//! unknown and `issuer` empty (the merge fills both from the catalog).

use std::path::Path;

use serde::{Deserialize, Deserializer};

use super::report::SourceReport;
use super::{BundleError, jsonl, steps};
use crate::domain::text::{clean, clean_line, fold};
use crate::domain::{
    Agencies, Channel, DossierCase, DossierItem, Fee, FeeKind, LegalDoc, Level, Method, Procedure,
    RawSection, Source, TimeLimit, TimeUnit,
};

/// One line of the file. Every text field may be missing or `null`; only the code is required.
#[derive(Deserialize)]
struct Page {
    ma_thu_tuc: String,
    #[serde(default, deserialize_with = "text")]
    ten_thu_tuc: String,
    #[serde(default, deserialize_with = "text")]
    detail_url: String,
    #[serde(default, deserialize_with = "text")]
    formality_id: String,
    #[serde(default, deserialize_with = "text")]
    so_quyet_dinh: String,
    #[serde(default, deserialize_with = "text")]
    cap_thuc_hien: String,
    #[serde(default, deserialize_with = "text")]
    linh_vuc: String,
    #[serde(default, deserialize_with = "text")]
    doi_tuong_thuc_hien: String,
    #[serde(default, deserialize_with = "text")]
    co_quan_co_tham_quyen: String,
    #[serde(default, deserialize_with = "text")]
    co_quan_thuc_hien: String,
    #[serde(default, deserialize_with = "text")]
    co_quan_duoc_uy_quyen: String,
    #[serde(default, deserialize_with = "text")]
    co_quan_phoi_hop: String,
    #[serde(default, deserialize_with = "text")]
    dia_chi_tiep_nhan: String,
    #[serde(default, deserialize_with = "text")]
    trinh_tu_thuc_hien: String,
    #[serde(default, deserialize_with = "text")]
    cach_thuc_thuc_hien: String,
    #[serde(default, deserialize_with = "text")]
    thanh_phan_ho_so: String,
    #[serde(default, deserialize_with = "text")]
    can_cu_phap_ly: String,
    #[serde(default, deserialize_with = "text")]
    yeu_cau_dieu_kien: String,
    #[serde(default, deserialize_with = "text")]
    ket_qua_xu_ly: String,
}

/// A string that may also be `null`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// How far a table field was taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Parse {
    /// Empty, or "Không có thông tin".
    Empty,
    /// Every cell found its place.
    Full,
    /// Structure was found, but some text could not be placed (it is kept in `unparsed`) or a
    /// cell boundary had to be guessed.
    Partial,
    /// No structure found: the whole field is kept as text.
    Raw,
}

/// The outcome of each table field of one page.
#[derive(Debug, Clone, Copy)]
struct Outcomes {
    channels: Parse,
    dossier: Parse,
    legal: Parse,
    results: Parse,
}

/// Reads the file; every line becomes a procedure. A line that is not JSON, a field of the wrong
/// type or a code that is not a procedure code is an error naming the line (and the field).
pub fn read(path: &Path, report: &mut SourceReport) -> Result<Vec<Procedure>, BundleError> {
    let mut out = Vec::new();
    // Tables taken apart completely, per table field.
    let mut full = [0usize; 4];
    for (line, page) in jsonl::read::<Page>(path)? {
        let code = clean_line(&page.ma_thu_tuc);
        if !crate::domain::is_procedure_code(&code) {
            return Err(BundleError::Field {
                path: path.to_path_buf(),
                line,
                field: "ma_thu_tuc".into(),
                message: format!("`{code}` is not a procedure code"),
            });
        }
        let (p, o) = convert(&page, code, report);
        for (n, v) in full
            .iter_mut()
            .zip([o.channels, o.dossier, o.legal, o.results])
        {
            *n += usize::from(matches!(v, Parse::Full | Parse::Empty));
        }
        out.push(p);
    }
    report.records = out.len();
    tracing::debug!(
        path = %path.display(),
        records = out.len(),
        channels = full[0],
        dossier = full[1],
        legal_basis = full[2],
        results = full[3],
        "portal pages: tables parsed completely"
    );
    Ok(out)
}

/// Collects the text that could not be parsed, on the procedure and in the report.
struct Leftovers<'a> {
    code: &'a str,
    report: &'a mut SourceReport,
    sections: Vec<RawSection>,
}

impl Leftovers<'_> {
    fn keep(&mut self, field: &str, text: &str) {
        let t = clean(text);
        if t.is_empty() {
            return;
        }
        self.report.unparsed(self.code, field, &t);
        self.sections.push(RawSection {
            field: field.to_string(),
            text: t,
        });
    }
}

fn convert(page: &Page, code: String, report: &mut SourceReport) -> (Procedure, Outcomes) {
    let mut left = Leftovers {
        code: &code,
        report,
        sections: Vec::new(),
    };

    let mut levels: Vec<Level> = Vec::new();
    for label in page.cap_thuc_hien.split([',', ';', '\n']) {
        if info(label).is_empty() {
            continue;
        }
        match Level::parse(label) {
            Some(l) if !levels.contains(&l) => levels.push(l),
            Some(_) => {}
            None => left.keep("cap_thuc_hien", label),
        }
    }
    levels.sort();

    let mut executing = agencies("co_quan_thuc_hien", &page.co_quan_thuc_hien, &mut left);
    for a in agencies(
        "co_quan_duoc_uy_quyen",
        &page.co_quan_duoc_uy_quyen,
        &mut left,
    ) {
        if !executing.contains(&a) {
            executing.push(a);
        }
    }
    let competent = agencies(
        "co_quan_co_tham_quyen",
        &page.co_quan_co_tham_quyen,
        &mut left,
    );
    let coordinating = agencies("co_quan_phoi_hop", &page.co_quan_phoi_hop, &mut left);

    let ch = parse_channels(&page.cach_thuc_thuc_hien);
    for t in &ch.leftover {
        left.keep("cach_thuc_thuc_hien", t);
    }
    let dossier = parse_dossier(&page.thanh_phan_ho_so);
    for t in &dossier.leftover {
        left.keep("thanh_phan_ho_so", t);
    }
    let legal = parse_legal(&page.can_cu_phap_ly);
    for t in &legal.leftover {
        left.keep("can_cu_phap_ly", t);
    }
    let results = parse_results(&page.ket_qua_xu_ly);
    for t in &results.leftover {
        left.keep("ket_qua_xu_ly", t);
    }
    if !results.description.is_empty() {
        // The portal's "Mô tả" box under the results: real text, but no field of ours holds it.
        left.keep("ket_qua_xu_ly.mo_ta", &results.description);
    }

    let outcomes = Outcomes {
        channels: ch.outcome,
        dossier: dossier.outcome,
        legal: legal.outcome,
        results: results.outcome,
    };
    let unparsed = left.sections;

    let field = clean_line(&info(&page.linh_vuc));
    let p = Procedure {
        name: clean_line(&page.ten_thu_tuc),
        portal_id: portal_id(&page.detail_url).or_else(|| {
            let f = page.formality_id.trim().to_ascii_lowercase();
            crate::domain::is_uuid(&f).then_some(f)
        }),
        fields: if field.is_empty() {
            Vec::new()
        } else {
            vec![field]
        },
        levels,
        agencies: Agencies {
            executing,
            competent,
            coordinating,
            receiving_address: info(&page.dia_chi_tiep_nhan),
        },
        subjects: split_list(&info(&page.doi_tuong_thuc_hien)),
        steps: steps::split("", &info(&page.trinh_tu_thuc_hien)),
        channels: ch.channels,
        dossier: dossier.cases,
        results: results.results,
        requirements: info(&page.yeu_cau_dieu_kien),
        legal_basis: legal.docs,
        decision: clean_line(&info(&page.so_quyet_dinh)),
        keywords: results.keywords,
        sources: vec![Source::PortalPages],
        unparsed,
        code,
        ..Default::default()
    };
    (p, outcomes)
}

// ---------------------------------------------------------------------------------------------
// Plain fields

const NO_INFO: &str = "Không có thông tin";

/// Whether a value says nothing: empty, dashes, or "Không có thông tin".
fn says_nothing(s: &str) -> bool {
    let f = fold(s);
    let f = f.trim().trim_end_matches('.').trim();
    f.is_empty() || f == "khong co thong tin" || f.chars().all(|c| c == '-' || c.is_whitespace())
}

/// The cleaned value, or nothing when it says nothing.
fn info(s: &str) -> String {
    let c = clean(s);
    if says_nothing(&c) { String::new() } else { c }
}

/// The UUID at the end of a portal URL (`…/thu-tuc-hanh-chinh/<uuid>`).
fn portal_id(url: &str) -> Option<String> {
    let u = url.trim();
    let u = u
        .split(['?', '#'])
        .next()
        .unwrap_or(u)
        .trim_end_matches('/');
    let last = u.rsplit('/').next()?.to_ascii_lowercase();
    crate::domain::is_uuid(&last).then_some(last)
}

/// Splits a portal list ("Tổ chức (không bao gồm doanh nghiệp, HTX), Công dân Việt Nam") at the
/// commas that separate items: outside brackets and followed by a capital letter, so that
/// "Cán bộ, công chức, viên chức" and "Cục … về trật tự, xã hội" stay whole.
fn split_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |item: &str| {
        let t = clean_line(item);
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    };
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' | ';' if depth == 0 => {
                let next = s[i + 1..].trim_start().chars().next();
                if next.is_some_and(|n| n.is_uppercase()) {
                    push(&s[start..i]);
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    push(&s[start..]);
    out
}

/// An agency field as a list. A value with line breaks is text that slipped into the wrong
/// column on the page: it is kept as unparsed text, not as an agency.
fn agencies(field: &str, raw: &str, left: &mut Leftovers) -> Vec<String> {
    let v = info(raw);
    if v.contains('\n') {
        left.keep(field, &v);
        return Vec::new();
    }
    split_list(&v)
}

// ---------------------------------------------------------------------------------------------
// Small text helpers

/// The text from byte `i` on, or nothing when `i` is not a character boundary.
fn from(s: &str, i: usize) -> &str {
    s.get(i..).unwrap_or("")
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

/// Reads the text inside a bracket that opens `s`: returns the inside, the rest after the closing
/// bracket, and whether the brackets balanced. Unbalanced text closes at its last `)`.
fn bracket(s: &str) -> Option<(&str, &str, bool)> {
    if !s.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((&s[1..i], &s[i + 1..], true));
                }
            }
            _ => {}
        }
    }
    match s.rfind(')') {
        Some(i) if i > 0 => Some((&s[1..i], &s[i + 1..], false)),
        _ => Some((&s[1..], "", false)),
    }
}

// ---------------------------------------------------------------------------------------------
// cach_thuc_thuc_hien: submission channels with time and fees

const CHANNEL_HEADER: &str = "Hình thức nộpThời gianPhí, lệ phíMô tả";

/// Channel names as the page writes them, longest first where one starts another.
const CHANNELS: [(&str, Method); 4] = [
    ("Dịch vụ bưu chính công ích", Method::Postal),
    ("Dịch vụ bưu chính", Method::Postal),
    ("Trực tiếp", Method::Direct),
    ("Trực tuyến", Method::Online),
];

const UNITS: [(&str, TimeUnit); 5] = [
    ("Ngày làm việc", TimeUnit::WorkingDay),
    ("Ngày", TimeUnit::Day),
    ("Giờ", TimeUnit::Hour),
    ("Tháng", TimeUnit::Month),
    ("Năm", TimeUnit::Year),
];

const FREE: &str = "Miễn phí";

const CURRENCIES: [&str; 6] = ["Việt Nam Đồng", "VNĐ", "VND", "Đồng", "đồng", "USD"];

/// How the fee cell of a channel begins.
enum FeeHead<'a> {
    Free,
    NoInfo,
    Amount { number: &'a str, currency: &'a str },
}

/// An amount with its currency at the start of `s` ("2,000,000 Việt Nam Đồng", "70,000 VNĐ",
/// "150 USD"): the number, the currency and the length taken.
fn amount(s: &str) -> Option<(&str, &'static str, usize)> {
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let n = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b',' || *b == b'.')
        .count();
    let number = s[..n].trim_end_matches([',', '.']);
    let rest = &s[number.len()..];
    let spaced = rest.strip_prefix(' ').unwrap_or(rest);
    CURRENCIES
        .iter()
        .find(|c| spaced.starts_with(*c))
        .map(|c| (number, *c, s.len() - spaced.len() + c.len()))
}

fn fee_head(s: &str) -> Option<(FeeHead<'_>, usize)> {
    if s.starts_with(FREE) {
        Some((FeeHead::Free, FREE.len()))
    } else if s.starts_with(NO_INFO) {
        Some((FeeHead::NoInfo, NO_INFO.len()))
    } else {
        amount(s).map(|(number, currency, len)| (FeeHead::Amount { number, currency }, len))
    }
}

/// Whether digits (with `.`/`,` thousands separators) are written the way the portal writes an
/// amount: no leading zero, groups of three after the first.
fn plausible_amount(s: &str) -> bool {
    let mut groups = s.split([',', '.']);
    let first = groups.next().unwrap_or("");
    if first.is_empty() || (first.starts_with('0') && s != "0") {
        return false;
    }
    let rest: Vec<&str> = groups.collect();
    (rest.is_empty() || first.len() <= 3) && rest.iter().all(|g| g.len() == 3)
}

/// A time cell at the start of `s`, with the length it takes. A bare number runs straight into an
/// amount ("120,000 VNĐ" is time 1 and fee 20,000): the shortest time that leaves a well-written
/// amount is taken.
fn parse_time(s: &str) -> Option<(TimeLimit, usize)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let value: f64 = s[..digits].parse().ok()?;
        // A number with a unit, maybe with a decimal part ("1.5 Ngày làm việc").
        let fraction = match s[digits..].strip_prefix(['.', ',']) {
            Some(f) => f.bytes().take_while(u8::is_ascii_digit).count(),
            None => 0,
        };
        let number_len = if fraction > 0 {
            digits + 1 + fraction
        } else {
            digits
        };
        let after = &s[number_len..];
        let spaced = after.strip_prefix(' ').unwrap_or(after);
        if let Some((word, unit)) = UNITS.iter().find(|(w, _)| spaced.starts_with(*w)) {
            let time = TimeLimit {
                amount: s[..number_len].replace(',', ".").parse().ok(),
                unit: Some(*unit),
                text: String::new(),
            };
            return Some((time, s.len() - spaced.len() + word.len()));
        }
        let after = &s[digits..];
        if matches!(fee_head(after), Some((FeeHead::Free | FeeHead::NoInfo, _))) {
            let time = TimeLimit {
                amount: Some(value),
                ..Default::default()
            };
            return Some((time, digits));
        }
        let (number, _, _) = amount(s)?;
        let lead = number.bytes().take_while(u8::is_ascii_digit).count();
        let p = (1..lead).find(|p| plausible_amount(&number[*p..]))?;
        let time = TimeLimit {
            amount: s[..p].parse().ok(),
            ..Default::default()
        };
        return Some((time, p));
    }
    if s.starts_with(NO_INFO) && fee_head(&s[NO_INFO.len()..]).is_some() {
        return Some((TimeLimit::default(), NO_INFO.len()));
    }
    // Free words ("Không phải trả kết quả cho người nộp thuế"), then the fee cell.
    if !first_char(s).is_some_and(char::is_uppercase) {
        return None;
    }
    for (n, (i, c)) in s.char_indices().enumerate() {
        if n > 160 || c == '(' || c == ')' {
            return None;
        }
        if i > 0 {
            let rest = &s[i..];
            if CHANNELS.iter().any(|(name, _)| rest.starts_with(name)) {
                return None;
            }
            if fee_head(rest).is_some() {
                let time = TimeLimit {
                    text: clean_line(&s[..i]),
                    ..Default::default()
                };
                return Some((time, i));
            }
        }
    }
    None
}

/// The next channel name at or after `from`, longest first on a tie.
fn next_channel(s: &str, start: usize) -> Option<(usize, &'static str, Method)> {
    let hay = from(s, start);
    CHANNELS
        .iter()
        .filter_map(|(name, m)| hay.find(name).map(|i| (start + i, *name, *m)))
        .min_by_key(|(i, name, _)| (*i, usize::MAX - name.len()))
}

struct ChannelsParse {
    channels: Vec<Channel>,
    leftover: Vec<String>,
    outcome: Parse,
}

/// Words in a fee's bracket that add nothing.
fn empty_fee_words(s: &str) -> bool {
    let f = fold(s);
    let f = f
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c == ' ');
    matches!(
        f,
        "" | "khong" | "khong co" | "khong quy dinh" | "khong co thong tin" | "khong thu" | "0"
    )
}

/// The amount in đồng of a VND amount; `None` for other currencies.
fn vnd(number: &str, currency: &str) -> Option<i64> {
    if currency == "USD" {
        return None;
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `20000` with `sep` as thousands separator.
fn grouped(v: i64, sep: char) -> String {
    let d = v.to_string();
    let mut out = String::new();
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn fee_kind(text: &str) -> FeeKind {
    let f = fold(text);
    let f = f.trim_start_matches(|c: char| !c.is_alphanumeric());
    if f.starts_with("le phi") {
        FeeKind::Charge
    } else if f.starts_with("phi") {
        FeeKind::Fee
    } else if f.starts_with("gia") || f.starts_with("muc gia") {
        FeeKind::Price
    } else {
        FeeKind::Unspecified
    }
}

/// One channel's cells after the time: the fee (with its bracket) and the description.
/// Returns the fees, the description, and whether every bracket balanced.
fn fee_and_note(seg: &str) -> (Vec<Fee>, String, bool) {
    let Some((head, len)) = fee_head(seg) else {
        return (Vec::new(), clean(seg), false);
    };
    let mut rest = &seg[len..];
    let mut words = String::new();
    let mut balanced = true;
    if let Some((inside, after, ok)) = bracket(rest) {
        words = clean(inside);
        rest = after;
        balanced = ok;
    }
    if empty_fee_words(&words) {
        words.clear();
    }
    let fees = match head {
        FeeHead::NoInfo if words.is_empty() => Vec::new(),
        FeeHead::NoInfo => vec![Fee {
            kind: fee_kind(&words),
            amount_vnd: None,
            text: words,
        }],
        FeeHead::Free => vec![Fee {
            kind: fee_kind(&words),
            amount_vnd: Some(0),
            text: words,
        }],
        FeeHead::Amount { number, currency } => {
            let mut value = vnd(number, currency);
            // The portal sometimes stores thousands of đồng ("20 VNĐ" over "20.000 vnđ /tờ
            // khai"): when the fee's own words give the amount a thousand times larger, take it.
            if let Some(v) = value
                && v > 0
                && v < 1000
                && (words.contains(&grouped(v * 1000, '.'))
                    || words.contains(&grouped(v * 1000, ',')))
            {
                value = Some(v * 1000);
            }
            // Under a thousand đồng is no real fee: a unit slip ("155 VNĐ" over "155 USD/thẻ",
            // "40 Việt Nam Đồng" over "4.000 đ"). Show the source's words, not a wrong amount.
            if value.is_some_and(|v| v > 0 && v < 1000) {
                value = None;
            }
            let text = if value.is_some() {
                words
            } else {
                clean_line(&format!("{number} {currency} {words}"))
            };
            vec![Fee {
                kind: fee_kind(&text),
                amount_vnd: value,
                text,
            }]
        }
    };
    (fees, clean(rest), balanced)
}

fn parse_channels(raw: &str) -> ChannelsParse {
    let mut out = ChannelsParse {
        channels: Vec::new(),
        leftover: Vec::new(),
        outcome: Parse::Empty,
    };
    let text = clean(raw);
    let Some(body) = text.strip_prefix(CHANNEL_HEADER) else {
        if !says_nothing(&text) {
            out.leftover.push(text);
            out.outcome = Parse::Raw;
        }
        return out;
    };
    if says_nothing(body) {
        return out;
    }
    // Each channel starts where a channel name is followed by a time cell.
    let mut starts: Vec<(usize, Method, TimeLimit, usize)> = Vec::new();
    let mut at = 0;
    while let Some((pos, name, method)) = next_channel(body, at) {
        let j = pos + name.len();
        match parse_time(&body[j..]) {
            Some((time, len)) => {
                starts.push((pos, method, time, j + len));
                at = j + len;
            }
            None => at = j,
        }
    }
    let Some(first) = starts.first() else {
        out.leftover.push(body.to_string());
        out.outcome = Parse::Raw;
        return out;
    };
    let mut full = true;
    if first.0 > 0 {
        out.leftover.push(body[..first.0].to_string());
        full = false;
    }
    for (k, (_, method, time, end)) in starts.iter().enumerate() {
        let stop = starts.get(k + 1).map_or(body.len(), |n| n.0);
        let (fees, note, balanced) = fee_and_note(&body[*end..stop]);
        full &= balanced;
        let ch = Channel {
            method: *method,
            time: time.clone(),
            fees,
            note,
        };
        if !out.channels.contains(&ch) {
            out.channels.push(ch);
        }
    }
    out.channels.sort_by_key(|c| c.method);
    out.outcome = if full { Parse::Full } else { Parse::Partial };
    out
}

// ---------------------------------------------------------------------------------------------
// thanh_phan_ho_so: the dossier, by case

const DOSSIER_HEADER: &str = "Tên giấy tờMẫu đơn, tờ khaiSố lượng";

/// Longer text before a dossier table is a paragraph, not a case heading.
const MAX_CASE_NAME: usize = 300;

struct DossierParse {
    cases: Vec<DossierCase>,
    leftover: Vec<String>,
    outcome: Parse,
}

/// A quantity cell at byte `i` (`1 bản chính`, `0 bản chính,1 bản sao`): originals, copies and
/// the end of the cell. Counts are one digit (the portal's are 0–2); a longer number belongs to
/// the item's name ("Nghị định 116" + "1 bản chính"). The cell must run straight into the next
/// item, not into more words ("01 bản chính văn bản …" is part of a name).
fn quantity(s: &str, i: usize) -> Option<(u32, u32, usize)> {
    let (originals, copies, end) = quantity_shape(s, i)?;
    match first_char(from(s, end)) {
        None => Some((originals, copies, end)),
        Some(c) if c.is_whitespace() || matches!(c, ',' | ';' | ':') => None,
        // "01 bản chính.1 bản chính": the first is words inside the name.
        Some(c @ ('.' | ')')) if quantity_shape(s, end + c.len_utf8()).is_some() => None,
        Some(_) => Some((originals, copies, end)),
    }
}

/// The shape of a quantity cell at byte `i`, wherever it stands.
fn quantity_shape(s: &str, i: usize) -> Option<(u32, u32, usize)> {
    const ORIGINAL: &str = " bản chính";
    const COPY: &str = " bản sao";
    let b = s.as_bytes();
    let d = *b.get(i)?;
    if !d.is_ascii_digit() || !from(s, i + 1).starts_with(ORIGINAL) {
        return None;
    }
    let originals = u32::from(d - b'0');
    let mut end = i + 1 + ORIGINAL.len();
    let mut copies = 0;
    if let Some(r) = from(s, end).strip_prefix(',') {
        let r = r.strip_prefix(' ').unwrap_or(r);
        if let Some(c) = r.bytes().next().filter(u8::is_ascii_digit)
            && r[1..].starts_with(COPY)
        {
            copies = u32::from(c - b'0');
            end = s.len() - r.len() + 1 + COPY.len();
        }
    }
    Some((originals, copies, end))
}

/// Splits one case's body into items; returns the items and the text after the last quantity
/// (the next case's heading, or leftover text).
fn parse_items(body: &str) -> (Vec<DossierItem>, &str) {
    let mut items = Vec::new();
    let mut prev = 0;
    let mut i = 0;
    while i < body.len() {
        if let Some((originals, copies, end)) = quantity(body, i) {
            let (name, form) = split_form(&body[prev..i]);
            if !name.is_empty() {
                items.push(DossierItem {
                    name,
                    originals,
                    copies,
                    required: false,
                    form,
                    electronic_form: false,
                });
            }
            prev = end;
            i = end;
        } else {
            i += 1;
        }
    }
    (items, &body[prev..])
}

/// A case heading: "--" means none; bullets and a trailing colon are dropped.
fn case_name(s: &str) -> String {
    let t = clean_line(s);
    let t = t.trim_start_matches(['-', '*', '–', ' ']);
    let t = t.trim_end_matches([':', ' ']);
    t.to_string()
}

fn parse_dossier(raw: &str) -> DossierParse {
    let mut out = DossierParse {
        cases: Vec::new(),
        leftover: Vec::new(),
        outcome: Parse::Empty,
    };
    let text = clean(raw);
    if says_nothing(&text) {
        return out;
    }
    let mut parts = text.split(DOSSIER_HEADER);
    let head = parts.next().unwrap_or("");
    let bodies: Vec<&str> = parts.collect();
    if bodies.is_empty() {
        out.leftover.push(text.clone());
        out.outcome = Parse::Raw;
        return out;
    }
    let mut full = true;
    let mut name = head;
    let last = bodies.len() - 1;
    for (k, body) in bodies.iter().enumerate() {
        let (items, tail) = parse_items(body);
        if items.is_empty() {
            // A heading with nothing under it: keep its words.
            if !case_name(name).is_empty() {
                out.leftover.push(name.to_string());
            }
            full = false;
        } else {
            let mut heading = case_name(name);
            if heading.chars().count() > MAX_CASE_NAME {
                // Paragraphs before the table are no heading: keep them as text.
                out.leftover.push(name.to_string());
                heading.clear();
                full = false;
            }
            out.cases.push(DossierCase {
                name: heading,
                items,
            });
        }
        if k == last {
            if !says_nothing(tail) {
                out.leftover.push(tail.to_string());
                full = false;
            }
        } else {
            name = tail;
        }
    }
    out.outcome = if out.cases.is_empty() {
        Parse::Raw
    } else if full {
        Parse::Full
    } else {
        Parse::Partial
    };
    out
}

const FORM_EXTENSIONS: [&str; 9] = [
    ".docx", ".doc", ".pdf", ".xlsx", ".xls", ".rtf", ".odt", ".zip", ".rar",
];

/// The byte where a file extension ending `s` starts.
fn extension_at(s: &str) -> Option<usize> {
    let tail_len: usize = s.chars().rev().take(5).map(char::len_utf8).sum();
    // ASCII lowercasing keeps byte offsets.
    let tail = s[s.len() - tail_len..].to_ascii_lowercase();
    FORM_EXTENSIONS
        .iter()
        .find(|e| tail.ends_with(*e))
        .map(|e| s.len() - e.len())
        .filter(|i| *i > 0)
}

/// Words a form's file name usually starts with.
fn form_word(s: &str) -> bool {
    let f = fold(s);
    let f = f.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '.' || c == ' ');
    [
        "mau", "mu", "phu luc", "phuluc", "phlc", "pl", "phieu", "to khai", "tk", "don", "bieu",
        "bm", "van ban", "giay", "danh muc", "ban khai", "de nghi",
    ]
    .iter()
    .any(|w| f.starts_with(w))
}

/// Where the form's file name starts in `s` (which ends with an extension at `ext`): after a `;`,
/// after a `)` or a sentence's `.` that text runs into, after a previous file name, or where a
/// lower-case word runs into a capitalised form word ("phòng hộMẫu số 04.docx").
fn form_start(s: &str, ext: usize) -> Option<usize> {
    let chars: Vec<(usize, char)> = s[..ext].char_indices().collect();
    let window_start = chars.len().saturating_sub(150);
    let mut strong = None;
    let mut camel = None;
    for k in window_start.max(1)..chars.len() {
        let (p, c) = chars[k];
        let a = chars[k - 1].1;
        let next = chars.get(k + 1).map(|x| x.1);
        let is_strong = match a {
            ';' => true,
            ')' => c.is_alphanumeric(),
            '.' => {
                let b = if k >= 2 { chars[k - 2].1 } else { ' ' };
                c.is_alphanumeric()
                    && if b.is_ascii_digit() || b.is_uppercase() {
                        c.is_uppercase() && next.is_some_and(char::is_lowercase)
                    } else {
                        b != ' '
                    }
            }
            _ => c.is_alphanumeric() && extension_at(&s[..p]).is_some(),
        };
        if is_strong {
            strong = Some(p);
        }
        let is_camel = (a.is_alphabetic() || a.is_ascii_digit())
            && ((c.is_uppercase() && next.is_some_and(char::is_lowercase))
                || (a.is_lowercase() && c.is_ascii_digit()));
        if is_camel && form_word(&s[p..]) {
            camel = Some(p);
        }
    }
    let p = match (strong, camel) {
        (Some(s), Some(c)) => s.max(c),
        (s, c) => s.or(c)?,
    };
    // A numbered file name after a bracket or a sentence: ").1.MuCT01….doc".
    let before = s[..p].strip_suffix('.').unwrap_or("");
    let digits = before.bytes().rev().take_while(u8::is_ascii_digit).count();
    if s[..p].ends_with('.')
        && digits > 0
        && before[..before.len() - digits].ends_with([')', ';', '.'])
    {
        return Some(before.len() - digits);
    }
    Some(p)
}

/// Splits an item's text into its name and the form file name(s) that close it.
fn split_form(item: &str) -> (String, Option<String>) {
    // What a previous cell left over: "1 bản chính" then ".Đơn đề nghị …".
    let item = item.trim_start_matches(['.', ',', ';', ':', ')', ' ']);
    let mut rest = item.trim_end();
    let mut forms: Vec<String> = Vec::new();
    while let Some(ext) = extension_at(rest) {
        let Some(start) = form_start(rest, ext) else {
            break;
        };
        forms.push(clean_line(&rest[start..]));
        rest = rest[..start].trim_end();
    }
    let mut name = clean(rest.trim_end_matches([';', ',', ' ']));
    if name.is_empty()
        && let Some(f) = forms.first()
    {
        name = f.clone();
    }
    if forms.is_empty() {
        // A form's file name alone ("Mẫu đơn đề nghị ….docx") is both the item and its form.
        if let Some(ext) = extension_at(&name)
            && form_word(&name)
            && name.chars().count() <= 120
            && !name.contains(';')
        {
            let form = clean_line(&name);
            return (name[..ext].trim_end().to_string(), Some(form));
        }
        return (name, None);
    }
    forms.reverse();
    (name, Some(forms.join("; ")))
}

// ---------------------------------------------------------------------------------------------
// can_cu_phap_ly: legal basis, titles and document numbers run together

const LEGAL_HEADER: &str = "Tên văn bản pháp lýMã văn bản";

/// Lower-case words that run straight on from a document number inside a title
/// ("…/TT-BCAngày 01/7/2025", "…/TT-VPCPquy định"): the capitals before them all belong to
/// the number. Any other lower-case run means the last capital starts the next title
/// ("…/TT-BTCThông tư", "…/NĐ-CPThực hiện").
const RUN_ON_WORDS: [&str; 14] = [
    "ngay", "ve", "quy", "cua", "va", "ban", "huong", "sua", "theo", "tai", "do", "cho", "nam",
    "thang",
];

/// Words an all-capitals title starts with ("…/QH13LUẬT …", "…/TT-BTCQUY ĐỊNH …").
const CAPITAL_TITLE_WORDS: [&str; 11] = [
    "QUY", "LUẬT", "NGHỊ", "THÔNG", "QUYẾT", "PHÁP", "SỬA", "HƯỚNG", "VĂN", "BAN", "VỀ",
];

/// A document number found in the text: where it starts and ends, and its normalised form.
#[derive(Debug, Clone)]
struct DocCode {
    start: usize,
    end: usize,
    code: String,
}

/// The issuer part after `/yyyy/` ("NĐ-CP", "TT-BCA", "QH13", "QĐ-TTg", "NĐ- CP",
/// "TTLT/BGDĐT-BTC"): its form without spaces and its byte length.
fn code_suffix(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = 0;
    loop {
        let rest = from(s, i);
        let run: String = rest.chars().take_while(|c| c.is_uppercase()).collect();
        if run.is_empty() {
            break;
        }
        let mut part = run.clone();
        let mut len = run.len();
        let after = &rest[len..];
        if part.ends_with("QH") {
            let d = after.bytes().take(2).take_while(u8::is_ascii_digit).count();
            part.push_str(&after[..d]);
            len += d;
        } else if part.ends_with("TT")
            && after.starts_with('g')
            && !after[1..].starts_with(char::is_lowercase)
        {
            part.push('g');
            len += 1;
        } else if after.starts_with(char::is_lowercase) {
            let word: String = after.chars().take_while(|c| c.is_lowercase()).collect();
            if part.chars().count() > 1 && !RUN_ON_WORDS.contains(&fold(&word).as_str()) {
                let last = part.chars().last().map_or(0, char::len_utf8);
                part.truncate(part.len() - last);
                len -= last;
            }
        } else if let Some(w) = CAPITAL_TITLE_WORDS
            .iter()
            .find(|w| part.ends_with(*w) && part.len() > w.len() + 1)
        {
            part.truncate(part.len() - w.len());
            len -= w.len();
        }
        out.push_str(&part);
        i += len;
        // A joiner (`-`, `–`, `_`, `/`), maybe with one space on either side, then the next part.
        let rest = from(s, i);
        let lead = usize::from(rest.starts_with(' '));
        let Some(joiner) = from(rest, lead)
            .chars()
            .next()
            .filter(|c| matches!(c, '-' | '–' | '_' | '/'))
        else {
            break;
        };
        let mut j = lead + joiner.len_utf8();
        j += usize::from(from(rest, j).starts_with(' '));
        if !from(rest, j).starts_with(char::is_uppercase) {
            break;
        }
        out.push(if joiner == '–' { '-' } else { joiner });
        i += j;
    }
    if out.is_empty() {
        return None;
    }
    Some((out, i))
}

/// Every document number in the text, in order.
fn doc_codes(s: &str) -> Vec<DocCode> {
    let b = s.as_bytes();
    let mut out: Vec<DocCode> = Vec::new();
    let mut i = 0;
    while i + 6 <= b.len() {
        let is_year =
            b[i] == b'/' && b[i + 1..i + 5].iter().all(u8::is_ascii_digit) && b[i + 5] == b'/';
        if !is_year {
            i += 1;
            continue;
        }
        // The number before the year: digits, maybe with a dot ("66.16").
        let floor = out.last().map_or(0, |c| c.end);
        let mut st = i;
        while st > floor && (b[st - 1].is_ascii_digit() || b[st - 1] == b'.') {
            st -= 1;
        }
        while st < i && b[st] == b'.' {
            st += 1;
        }
        let mut number = &s[st..i];
        if number.is_empty() || !number.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
            i += 1;
            continue;
        }
        // Digits run on from the title before: "năm 201102/2011/QH13", "QH1165/2006/QH11".
        if s[..st].ends_with("QH") && number.len() > 2 {
            st += 2;
        } else if number.len() >= 5
            && number.bytes().all(|c| c.is_ascii_digit())
            && (number.starts_with("19") || number.starts_with("20"))
        {
            st += 4;
        } else if number.len() > 4 && number.bytes().all(|c| c.is_ascii_digit()) {
            st = i - 3;
        }
        number = &s[st..i];
        let year = &s[i + 1..i + 5];
        let Some((suffix, len)) = code_suffix(from(s, i + 6)) else {
            i += 1;
            continue;
        };
        let end = i + 6 + len;
        out.push(DocCode {
            start: st,
            end,
            code: format!("{number}/{year}/{suffix}"),
        });
        i = end;
    }
    out
}

/// Whether nothing but punctuation follows byte `end`.
fn title_ends(s: &str, end: usize) -> bool {
    from(s, end)
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ';' | ','))
        .is_empty()
}

/// Whether a title can start at byte `end` (right after a document number): the end of the text,
/// a capital or a digit straight away, or after a line break or a run of spaces.
fn title_starts(s: &str, end: usize) -> bool {
    if title_ends(s, end) {
        return true;
    }
    let rest = from(s, end);
    let trimmed = rest.trim_start();
    let gap = &rest[..rest.len() - trimmed.len()];
    let capital = first_char(trimmed).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    capital && (gap.is_empty() || gap.contains('\n') || gap.chars().count() >= 2)
}

/// The code cell sometimes starts with words ("Luật số 146/2025/QH15"): they run into the title
/// ("…môi trườngLuật số") and are dropped from it.
fn strip_code_words(title: &str) -> String {
    for w in [
        "Luật số",
        "Thông tư số",
        "Nghị định số",
        "Nghị quyết số",
        "Quyết định số",
        "Luật",
        "Thông tư",
        "Nghị định",
    ] {
        if let Some(head) = title.strip_suffix(w)
            && head.ends_with(|c: char| c.is_alphanumeric())
        {
            return head.to_string();
        }
    }
    title.to_string()
}

struct LegalParse {
    docs: Vec<LegalDoc>,
    leftover: Vec<String>,
    outcome: Parse,
}

fn parse_legal(raw: &str) -> LegalParse {
    let mut out = LegalParse {
        docs: Vec::new(),
        leftover: Vec::new(),
        outcome: Parse::Empty,
    };
    let text = clean(raw);
    if says_nothing(&text) {
        return out;
    }
    let Some(body) = text.strip_prefix(LEGAL_HEADER) else {
        out.leftover.push(text.clone());
        out.outcome = Parse::Raw;
        return out;
    };
    let body = body.trim();
    if says_nothing(body) {
        return out;
    }
    let codes = doc_codes(body);
    // Walk back from the end: each document is a title then its number; a number counts as the
    // end of a document only where a title can start after it and the title before it is not
    // empty (so "Nghị định 121/2021/NĐ-CP121/2021/NĐ-CP" is one document).
    let ends: Vec<&DocCode> = codes.iter().filter(|c| title_starts(body, c.end)).collect();
    let Some(last) = ends.last() else {
        out.leftover.push(body.to_string());
        out.outcome = Parse::Raw;
        return out;
    };
    let mut full = true;
    if !title_ends(body, last.end) {
        out.leftover.push(from(body, last.end).to_string());
        full = false;
    }
    let mut docs: Vec<LegalDoc> = Vec::new();
    let mut cur: &DocCode = last;
    loop {
        let prev = ends
            .iter()
            .rev()
            .find(|c| c.end < cur.start && !body[c.end..cur.start].trim().is_empty());
        let title_start = prev.map_or(0, |p| p.end);
        let title = clean_line(&body[title_start..cur.start]);
        let title = strip_code_words(title.trim_end_matches([':', ',', ';', '-']).trim());
        if title.is_empty() {
            full = false;
        }
        docs.push(LegalDoc {
            code: cur.code.clone(),
            title,
        });
        match prev {
            Some(p) => cur = p,
            None => break,
        }
    }
    docs.reverse();
    let mut uniq: Vec<LegalDoc> = Vec::new();
    for d in docs {
        if !uniq.contains(&d) {
            uniq.push(d);
        }
    }
    out.docs = uniq;
    out.outcome = if full { Parse::Full } else { Parse::Partial };
    out
}

// ---------------------------------------------------------------------------------------------
// ket_qua_xu_ly: results, each closed by its code, then the portal's search box

/// Where the portal's own page furniture starts after the results.
const RESULT_NOISE: [&str; 3] = [
    "Từ khóa",
    "Chọn cơ quan thực hiện",
    "Hệ thống chỉ hiển thị những cơ quan",
];

struct ResultsParse {
    results: Vec<String>,
    keywords: Vec<String>,
    description: String,
    leftover: Vec<String>,
    outcome: Parse,
}

/// A result code after "Mã:" ("KQ.G12.001222", "KQ-G10.000005", "1.12.03.G12-KQ0001"): its
/// length. A capital that starts the next result's name ("…001245Giấy") is not part of it.
fn result_code_len(s: &str) -> usize {
    let run: usize = s
        .chars()
        .take_while(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
        })
        .map(char::len_utf8)
        .sum();
    let mut code = &s[..run];
    if code.ends_with(|c: char| c.is_ascii_uppercase())
        && from(s, run).starts_with(char::is_lowercase)
    {
        code = &code[..code.len() - 1];
    }
    code.trim_end_matches(['.', '-', '_']).len()
}

fn parse_results(raw: &str) -> ResultsParse {
    let mut out = ResultsParse {
        results: Vec::new(),
        keywords: Vec::new(),
        description: String::new(),
        leftover: Vec::new(),
        outcome: Parse::Empty,
    };
    let text = clean(raw);
    let cut = RESULT_NOISE
        .iter()
        .filter_map(|n| text.find(n))
        .min()
        .unwrap_or(text.len());
    let (body, noise) = text.split_at(cut);
    // "Từ khóa<keywords>Mô tả<description>Chọn cơ quan thực hiện…Nộp hồ sơ"
    if let Some(kw) = noise.strip_prefix("Từ khóa") {
        let (kw, desc) = kw.split_once("Mô tả").unwrap_or((kw, ""));
        let kw = info(kw);
        if !kw.is_empty() {
            out.keywords.push(clean_line(&kw));
        }
        let desc = desc.split("Chọn cơ quan thực hiện").next().unwrap_or("");
        out.description = info(desc);
    }
    let body = body.trim();
    if says_nothing(body) {
        return out;
    }
    let mut full = true;
    let mut rest = body;
    while let Some(i) = rest.find("Mã:") {
        let name = clean_line(&rest[..i]);
        let after = rest[i + "Mã:".len()..].trim_start();
        let len = result_code_len(after);
        if name.is_empty() || len == 0 {
            full = false;
        }
        if !name.is_empty() && !out.results.contains(&name) {
            out.results.push(name);
        }
        rest = &after[len..];
    }
    let tail = clean_line(rest);
    if !says_nothing(&tail) {
        if out.results.is_empty() {
            // One result, written without a code.
            out.results.push(tail);
        } else {
            out.leftover.push(tail);
            full = false;
        }
    }
    out.outcome = if full { Parse::Full } else { Parse::Partial };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::PathBuf;

    fn corpus() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/portal-pages.jsonl")
    }

    /// The whole real file, read once for all tests.
    fn all() -> &'static (Vec<Procedure>, SourceReport) {
        static ALL: std::sync::OnceLock<(Vec<Procedure>, SourceReport)> =
            std::sync::OnceLock::new();
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
}
