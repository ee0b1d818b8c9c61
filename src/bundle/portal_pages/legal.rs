//! `can_cu_phap_ly`: the legal basis, document titles and document numbers (`54/2014/QH13`)
//! run together.

use super::{Parse, first_char, from, says_nothing};
use crate::domain::LegalDoc;
use crate::domain::text::{clean, clean_line, fold};

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

pub(super) struct LegalParse {
    pub(super) docs: Vec<LegalDoc>,
    pub(super) leftover: Vec<String>,
    pub(super) outcome: Parse,
}

pub(super) fn parse_legal(raw: &str) -> LegalParse {
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
