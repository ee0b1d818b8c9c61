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

mod channels;
mod dossier;
mod legal;
mod results;

use std::path::Path;

use serde::{Deserialize, Deserializer};

use self::channels::parse_channels;
use self::dossier::parse_dossier;
use self::legal::parse_legal;
use self::results::parse_results;
use super::report::SourceReport;
use super::{BundleError, jsonl, steps};
use crate::domain::text::{clean, clean_line, fold};
use crate::domain::{Agencies, Level, Procedure, RawSection, Source};

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

#[cfg(test)]
mod tests;
