//! `ket_qua_xu_ly`: the results, each closed by its code (`Mã: KQ.G12.001222`), then the
//! portal's own search box, which is dropped.

use super::{Parse, from, info, says_nothing};
use crate::domain::text::{clean, clean_line};

/// Where the portal's own page furniture starts after the results.
const RESULT_NOISE: [&str; 3] = [
    "Từ khóa",
    "Chọn cơ quan thực hiện",
    "Hệ thống chỉ hiển thị những cơ quan",
];

pub(super) struct ResultsParse {
    pub(super) results: Vec<String>,
    pub(super) keywords: Vec<String>,
    pub(super) description: String,
    pub(super) leftover: Vec<String>,
    pub(super) outcome: Parse,
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

pub(super) fn parse_results(raw: &str) -> ResultsParse {
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
