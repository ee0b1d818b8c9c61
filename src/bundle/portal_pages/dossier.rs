//! `thanh_phan_ho_so`: the dossier, by case, each item closed by its quantity cell
//! (`1 bản chính`) and sometimes by the file name of its form.

use super::{Parse, first_char, from, says_nothing};
use crate::domain::text::{clean, clean_line, fold};
use crate::domain::{DossierCase, DossierItem};

const DOSSIER_HEADER: &str = "Tên giấy tờMẫu đơn, tờ khaiSố lượng";

/// Longer text before a dossier table is a paragraph, not a case heading.
const MAX_CASE_NAME: usize = 300;

pub(super) struct DossierParse {
    pub(super) cases: Vec<DossierCase>,
    pub(super) leftover: Vec<String>,
    pub(super) outcome: Parse,
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
pub(super) fn parse_items(body: &str) -> (Vec<DossierItem>, &str) {
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

pub(super) fn parse_dossier(raw: &str) -> DossierParse {
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
pub(super) fn split_form(item: &str) -> (String, Option<String>) {
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
