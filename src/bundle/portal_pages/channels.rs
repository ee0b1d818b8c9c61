//! `cach_thuc_thuc_hien`: the submission channels, each a channel name, a time limit, the fees
//! and a description, run together without separators.

use super::{NO_INFO, Parse, bracket, first_char, from, says_nothing};
use crate::domain::text::{clean, clean_line, fold};
use crate::domain::{Channel, Fee, FeeKind, Method, TimeLimit, TimeUnit};

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

pub(super) struct ChannelsParse {
    pub(super) channels: Vec<Channel>,
    pub(super) leftover: Vec<String>,
    pub(super) outcome: Parse,
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
        if i > 0 && (d.len() - i).is_multiple_of(3) {
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

pub(super) fn parse_channels(raw: &str) -> ChannelsParse {
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
