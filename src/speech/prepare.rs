//! Text made ready for a speech engine: what a person would say for what is written. Numbers,
//! money ("50.000 đồng", "50.000đ"), dates ("21/12/2022"), times ("7:30", "7h30"), ranges,
//! percentages, procedure codes (read digit by digit), phone numbers, the numbers of legal
//! documents ("104/2022/NĐ-CP" → "một trăm linh bốn năm hai nghìn không trăm hai mươi hai"),
//! abbreviations expanded from data (UBND, CCCD, BHXH, ...), list markers dropped, brackets and
//! slashes turned into pauses and "hoặc". Engines (espeak-ng, Piper) read digits and capitals
//! badly or not at all in Vietnamese, so nothing numeric or abbreviated reaches them.

use std::path::Path;

use super::SpeechError;
use super::numbers;
use crate::domain::text;

/// Abbreviations and how to say them. Matching is exact (case included) on whole words.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// (written, spoken), longest written form first.
    entries: Vec<(Vec<char>, String)>,
}

/// The built-in list (`data/speech/abbreviations.tsv`).
const BUILTIN: &str = include_str!("../../data/speech/abbreviations.tsv");

impl Lexicon {
    pub fn builtin() -> Lexicon {
        // The built-in file is checked by a unit test; a bad line would be skipped, never fatal.
        Lexicon::parse(BUILTIN, Path::new("data/speech/abbreviations.tsv")).unwrap_or_default()
    }

    /// Parses `written TAB spoken` lines; `#` starts a comment line.
    pub fn parse(src: &str, origin: &Path) -> Result<Lexicon, SpeechError> {
        let mut lex = Lexicon::default();
        for (i, line) in src.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((written, spoken)) = line.split_once('\t') else {
                return Err(SpeechError::Lexicon {
                    path: origin.to_path_buf(),
                    line: i + 1,
                    message: "expected `written<TAB>spoken`".into(),
                });
            };
            let (written, spoken) = (text::clean_line(written), text::clean_line(spoken));
            if written.is_empty() || spoken.is_empty() {
                return Err(SpeechError::Lexicon {
                    path: origin.to_path_buf(),
                    line: i + 1,
                    message: "empty written or spoken form".into(),
                });
            }
            lex.insert(&written, &spoken);
        }
        Ok(lex)
    }

    /// Reads an abbreviation file: a regular file of at most 1 MB.
    pub fn load(path: &Path) -> Result<Lexicon, SpeechError> {
        const MAX: u64 = 1 << 20;
        let io = |source| SpeechError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() || meta.len() > MAX {
            return Err(SpeechError::Lexicon {
                path: path.to_path_buf(),
                line: 0,
                message: format!("not a regular file of at most {MAX} bytes"),
            });
        }
        let src = std::fs::read_to_string(path).map_err(io)?;
        Lexicon::parse(&src, path)
    }

    /// Adds or replaces one entry.
    pub fn insert(&mut self, written: &str, spoken: &str) {
        let w: Vec<char> = written.chars().collect();
        self.entries.retain(|(e, _)| *e != w);
        self.entries.push((w, spoken.to_string()));
        self.entries.sort_by_key(|e| std::cmp::Reverse(e.0.len()));
    }

    /// Every entry of `other` over this one's.
    pub fn extend(&mut self, other: &Lexicon) {
        for (w, s) in &other.entries {
            self.insert(&w.iter().collect::<String>(), s);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The longest entry written at `chars[at..]` as a whole word: (length, spoken).
    fn match_at(&self, chars: &[char], at: usize) -> Option<(usize, &str)> {
        if at > 0 && chars[at - 1].is_alphabetic() {
            return None;
        }
        self.entries.iter().find_map(|(w, spoken)| {
            let end = at + w.len();
            let fits = chars.get(at..end) == Some(w.as_slice());
            let word_ends = chars.get(end).is_none_or(|c| !c.is_alphabetic());
            (fits && word_ends).then_some((w.len(), spoken.as_str()))
        })
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '‒' | '−')
}

/// Drops list markers at the start of a line: "- ", "+ ", "* ", "• ", "1. ", "2) ", "a) ",
/// "(i) ", "III. ", repeated ("- - Giấy chứng sinh", "6. Lưu ý - ...").
fn strip_markers(line: &str) -> &str {
    let mut s = line.trim_start();
    loop {
        let before = s;
        if let Some(rest) =
            s.strip_prefix(|c: char| is_dash(c) || matches!(c, '+' | '*' | '•' | '·' | '►' | '▪'))
        {
            s = rest.trim_start();
            continue;
        }
        // "1.", "12)", "a)", "(i)", "IV." followed by a space.
        let inner = s.strip_prefix('(').unwrap_or(s);
        let token_len = inner
            .char_indices()
            .find(|(_, c)| !c.is_alphanumeric())
            .map(|(i, _)| i)
            .unwrap_or(inner.len());
        let token = &inner[..token_len];
        let after = &inner[token_len..];
        let is_number =
            !token.is_empty() && token.len() <= 2 && token.bytes().all(|b| b.is_ascii_digit());
        let is_letter = token.chars().count() == 1 && token.chars().all(|c| c.is_lowercase());
        let is_roman = !token.is_empty()
            && token.len() <= 4
            && (token.chars().all(|c| matches!(c, 'i' | 'v' | 'x'))
                || token.chars().all(|c| matches!(c, 'I' | 'V' | 'X')));
        let closer = after.chars().next();
        let spaced = after.chars().nth(1).is_none_or(char::is_whitespace);
        let marker = match closer {
            Some(')') => is_number || is_letter || is_roman,
            Some('.') => is_number || (is_roman && token.chars().all(char::is_uppercase)),
            _ => false,
        };
        if marker && spaced {
            s = after[1..].trim_start();
        }
        if s == before {
            return s;
        }
    }
}

/// A procedure code as the portal writes it: "1.001193".
fn is_code(run: &str) -> bool {
    crate::domain::is_procedure_code(run)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_u64(s: &str) -> Option<u64> {
    if s.len() > 18 {
        return None;
    }
    s.parse().ok()
}

/// A plain run of digits: phone numbers and zero-padded codes digit by digit, others as a number
/// ("03" → "ba").
fn plain(s: &str) -> String {
    if (s.len() >= 3 && s.starts_with('0')) || s.len() > 9 {
        return numbers::digits(s);
    }
    parse_u64(s)
        .map(numbers::number)
        .unwrap_or_else(|| numbers::digits(s))
}

/// "1.500.000" (dots between groups of three) → 1500000.
fn thousands(s: &str) -> Option<u64> {
    let mut groups = s.split('.');
    let first = groups.next()?;
    if !(1..=3).contains(&first.len()) || !all_digits(first) {
        return None;
    }
    let mut rest = 0;
    for g in groups {
        if g.len() != 3 || !all_digits(g) {
            return None;
        }
        rest += 1;
    }
    (rest > 0).then(|| parse_u64(&s.replace('.', ""))).flatten()
}

fn date_parts(s: &str) -> Option<(u64, u64, u64)> {
    let mut it = s.split('/');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    let (d, m, y) = (parse_u64(d)?, parse_u64(m)?, parse_u64(y)?);
    ((1..=31).contains(&d) && (1..=12).contains(&m)).then_some((d, m, y))
}

fn month_year(s: &str) -> Option<(u64, u64)> {
    let (m, y) = s.split_once('/')?;
    if m.is_empty() || m.len() > 2 || y.len() != 4 || !all_digits(m) || !all_digits(y) {
        return None;
    }
    let (m, y) = (parse_u64(m)?, parse_u64(y)?);
    (1..=12).contains(&m).then_some((m, y))
}

fn clock(h: &str, m: &str) -> Option<String> {
    if h.is_empty() || h.len() > 2 || !all_digits(h) || (m.len() != 2 && !m.is_empty()) {
        return None;
    }
    let hour = parse_u64(h)?;
    if hour > 24 {
        return None;
    }
    let mut s = format!("{} giờ", numbers::number(hour));
    if !m.is_empty() {
        let min = parse_u64(m)?;
        if min >= 60 {
            return None;
        }
        if min > 0 {
            s.push(' ');
            s.push_str(&numbers::number(min));
        }
    }
    Some(s)
}

/// Any other run of digits and separators: each number read, separators said.
fn mixed(run: &str) -> String {
    let mut out = Vec::new();
    let mut num = String::new();
    for c in run.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if !num.is_empty() {
            out.push(plain(&num));
            num.clear();
        }
        out.push(
            match c {
                '.' => "chấm",
                ',' => "phẩy",
                '/' => "trên",
                _ => "",
            }
            .to_string(),
        );
    }
    if !num.is_empty() {
        out.push(plain(&num));
    }
    out.retain(|s| !s.is_empty());
    out.join(" ")
}

struct Writer {
    out: String,
}

impl Writer {
    fn word(&mut self, w: &str) {
        if w.is_empty() {
            return;
        }
        if !self.out.is_empty() && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.out.push_str(w);
    }

    fn pause(&mut self, p: char) {
        let t = self.out.trim_end().len();
        self.out.truncate(t);
        match self.out.chars().last() {
            None => {}
            Some(last) if matches!(last, ',' | ';' | ':' | '.' | '!' | '?') => {
                // A stronger pause replaces a weaker one.
                let rank = |c: char| match c {
                    ',' => 0,
                    ':' | ';' => 1,
                    _ => 2,
                };
                if rank(p) > rank(last) {
                    self.out.pop();
                    self.out.push(p);
                }
            }
            Some(_) => self.out.push(p),
        }
    }

    /// The last word written, folded ("Ngày" → "ngay").
    fn last_word(&self) -> String {
        let w = self
            .out
            .trim_end()
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        text::fold(w)
    }
}

/// One paragraph made ready for speech.
pub fn prepare(input: &str, lex: &Lexicon) -> String {
    let cleaned = text::clean(input);
    let mut w = Writer { out: String::new() };
    for line in cleaned.lines() {
        let line = strip_markers(line);
        if line.is_empty() {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        read_line(&chars, lex, &mut w);
        w.pause('.');
    }
    let t = w.out.trim().to_string();
    t.trim_start_matches([',', '.', ';', ':'])
        .trim()
        .to_string()
}

fn read_line(chars: &[char], lex: &Lexicon, w: &mut Writer) {
    let mut i = 0;
    // Whether the previous thing said was a number (for ranges "5 - 7", "7:30 – 17:00").
    let mut after_number = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            i = read_number(chars, i, w);
            after_number = true;
            continue;
        }
        if c.is_alphabetic() {
            if let Some((len, spoken)) = lex.match_at(chars, i) {
                w.word(spoken);
                i += len;
            } else {
                let start = i;
                while i < chars.len() && chars[i].is_alphabetic() {
                    i += 1;
                }
                w.word(&chars[start..i].iter().collect::<String>());
            }
            after_number = false;
            continue;
        }
        i += 1;
        match c {
            c if c.is_whitespace() => continue,
            '.' if chars.get(i..i + 2) == Some(&['.', '.']) => {
                i += 2;
                w.pause('.');
            }
            '…' => w.pause('.'),
            '.' | '!' | '?' | ';' | ',' => w.pause(c),
            ':' => w.pause(','),
            '(' | ')' | '[' | ']' | '{' | '}' => w.pause(','),
            '&' => w.word("và"),
            '%' => w.word("phần trăm"),
            '/' => {
                if w.last_word() == "dong" {
                    w.word("một");
                } else {
                    w.word("hoặc");
                }
            }
            c if is_dash(c) => {
                let spaced_before = i >= 2 && chars[i - 2].is_whitespace();
                let next = chars[i..].iter().find(|c| !c.is_whitespace());
                if after_number && next.is_some_and(|n| n.is_ascii_digit()) {
                    w.word("đến");
                } else if spaced_before {
                    w.pause(',');
                }
                // A hyphen inside a word ("tư pháp-hộ tịch", "NĐ-CP") is a space.
            }
            _ => {}
        }
        after_number = false;
    }
}

/// Reads the number-like run at `chars[start..]`, with the unit right after it; returns the
/// index after what was consumed.
fn read_number(chars: &[char], start: usize, w: &mut Writer) -> usize {
    let mut end = start;
    while end < chars.len() {
        let c = chars[end];
        let sep_then_digit = matches!(c, '.' | ',' | ':' | '/')
            && chars.get(end + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() || sep_then_digit {
            end += 1;
        } else {
            break;
        }
    }
    let run: String = chars[start..end].iter().collect();
    let mut next = end;
    let prev = w.last_word();
    let spoken = if is_code(&run) {
        let (a, b) = run.split_once('.').unwrap_or((&run, ""));
        format!("{} chấm {}", numbers::digits(a), numbers::digits(b))
    } else if let Some((d, m, y)) = date_parts(&run) {
        let day = if prev == "ngay" { "" } else { "ngày " };
        format!(
            "{day}{} tháng {} năm {}",
            numbers::number(d),
            numbers::number(m),
            numbers::number(y)
        )
    } else if let Some((num, year)) = doc_number(&run, chars, end) {
        // "104/2022/NĐ-CP": the issuer code after the year is not read (the kind of document is
        // said before the number, the issuer after it: "... của Chính phủ").
        next = skip_issuer(chars, end);
        format!("{num} năm {}", numbers::number(year))
    } else if let Some((m, y)) = month_year(&run) {
        let month = if prev == "thang" { "" } else { "tháng " };
        format!("{month}{} năm {}", numbers::number(m), numbers::number(y))
    } else if let Some((h, m)) = run.split_once(':')
        && let Some(s) = clock(h, m)
    {
        s
    } else if all_digits(&run)
        && matches!(chars.get(end), Some('h' | 'g'))
        && !chars.get(end + 1).is_some_and(|c| c.is_alphabetic())
    {
        // "7h", "7h30", "15g"
        let mut m_end = end + 1;
        while m_end < chars.len() && chars[m_end].is_ascii_digit() {
            m_end += 1;
        }
        let minutes: String = chars[end + 1..m_end].iter().collect();
        match clock(&run, &minutes) {
            Some(s) if !chars.get(m_end).is_some_and(|c| c.is_alphabetic()) => {
                next = m_end;
                s
            }
            _ => plain(&run),
        }
    } else if let Some(n) = thousands(&run) {
        numbers::number(n)
    } else if let Some((whole, frac)) = run.split_once(',')
        && let Some(n) =
            thousands(whole).or_else(|| all_digits(whole).then(|| parse_u64(whole)).flatten())
        && all_digits(frac)
    {
        numbers::decimal(n, frac)
    } else if all_digits(&run) {
        plain(&run)
    } else {
        mixed(&run)
    };
    w.word(&spoken);
    // Units written right after the number, or after one space.
    let at = if chars.get(next) == Some(&' ') {
        next + 1
    } else {
        next
    };
    let rest: String = chars[at.min(chars.len())..chars.len().min(at + 3)]
        .iter()
        .collect();
    let unit_end = |len: usize| !chars.get(at + len).is_some_and(|c| c.is_alphanumeric());
    if (rest.starts_with('đ') || rest.starts_with('Đ')) && unit_end(1) {
        w.word("đồng");
        next = at + 1;
    } else if (rest.starts_with("m2") || rest.starts_with("m²")) && unit_end(2) {
        w.word("mét vuông");
        next = at + 2;
    }
    next
}

/// "104/2022" followed by "/NĐ-CP": (the number in words, the year).
fn doc_number(run: &str, chars: &[char], end: usize) -> Option<(String, u64)> {
    let (num, year) = run.split_once('/')?;
    if year.len() != 4 || !all_digits(year) || chars.get(end) != Some(&'/') {
        return None;
    }
    if !chars.get(end + 1).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let spoken = if all_digits(num) {
        plain(num)
    } else {
        mixed(num)
    };
    Some((spoken, parse_u64(year)?))
}

/// The index after "/NĐ-CP" (letters, digits and hyphens).
fn skip_issuer(chars: &[char], end: usize) -> usize {
    let mut i = end + 1;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '-') {
        i += 1;
    }
    i
}

/// Splits prepared text into pieces an engine synthesises one at a time: the first sentence
/// alone (so the first sound comes quickly), then sentences joined up to a moderate length,
/// long sentences cut at commas.
pub fn utterances(prepared: &str) -> Vec<String> {
    const TARGET: usize = 160;
    const MAX: usize = 320;
    let mut sentences: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = prepared.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        cur.push(c);
        let ends = matches!(c, '.' | '!' | '?' | ';')
            && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if ends {
            sentences.push(cur.trim().to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        sentences.push(cur.trim().to_string());
    }
    let mut pieces: Vec<String> = Vec::new();
    for s in sentences.into_iter().filter(|s| !s.is_empty()) {
        for part in cut_long(&s, MAX) {
            let n = pieces.len();
            match pieces.last_mut() {
                Some(last) if n > 1 && last.chars().count() + part.chars().count() < TARGET => {
                    last.push(' ');
                    last.push_str(&part);
                }
                _ => pieces.push(part),
            }
        }
    }
    pieces
}

fn cut_long(s: &str, max: usize) -> Vec<String> {
    if s.chars().count() <= max {
        return vec![s.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    for part in s.split_inclusive(", ") {
        if !cur.is_empty() && cur.chars().count() + part.chars().count() > max {
            out.push(cur.trim().to_string());
            cur.clear();
        }
        cur.push_str(part);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Vietnamese syllables in prepared text (words separated by spaces, punctuation excluded): the
/// unit a speaking rate is measured in.
pub fn syllables(prepared: &str) -> usize {
    prepared
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';' | ':' | '!' | '?'))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        prepare(s, &Lexicon::builtin())
    }

    #[test]
    fn the_builtin_lexicon_parses_every_line() {
        let lex = Lexicon::parse(BUILTIN, Path::new("builtin")).expect("builtin list parses");
        assert!(lex.len() > 60, "{}", lex.len());
    }

    #[test]
    fn money_dates_codes_and_abbreviations() {
        assert_eq!(p("Lệ phí: 50.000 đồng"), "Lệ phí, năm mươi nghìn đồng.");
        assert_eq!(
            p("Phí 1.500.000đ/lần"),
            "Phí một triệu năm trăm nghìn đồng một lần."
        );
        assert_eq!(
            p("Mã thủ tục 1.001193"),
            "Mã thủ tục một chấm không không một một chín ba."
        );
        assert_eq!(
            p("ngày 21/12/2022 của Chính phủ"),
            "ngày hai mươi mốt tháng mười hai năm hai nghìn không trăm hai mươi hai của Chính phủ."
        );
        assert_eq!(
            p("Nộp tại UBND cấp xã, mang CCCD và sổ BHXH"),
            "Nộp tại ủy ban nhân dân cấp xã, mang căn cước công dân và sổ bảo hiểm xã hội."
        );
        assert_eq!(
            p("Nghị định số 104/2022/NĐ-CP ngày 21/12/2022"),
            "Nghị định số một trăm linh bốn năm hai nghìn không trăm hai mươi hai ngày hai mươi mốt tháng mười hai năm hai nghìn không trăm hai mươi hai."
        );
    }

    #[test]
    fn times_ranges_percent_and_phones() {
        assert_eq!(
            p("Thứ Hai – Thứ Sáu: 7:30 – 17:00"),
            "Thứ Hai, Thứ Sáu, bảy giờ ba mươi đến mười bảy giờ."
        );
        assert_eq!(p("từ 7h30 đến 11h"), "từ bảy giờ ba mươi đến mười một giờ.");
        assert_eq!(p("03 ngày làm việc"), "ba ngày làm việc.");
        assert_eq!(p("giảm 50%"), "giảm năm mươi phần trăm.");
        assert_eq!(
            p("Gọi 0208 3855 123"),
            "Gọi không hai không tám ba nghìn tám trăm năm mươi lăm một trăm hai mươi ba."
        );
        assert_eq!(p("từ 5 - 7 ngày"), "từ năm đến bảy ngày.");
        assert_eq!(p("diện tích 1,5 m2"), "diện tích một phẩy năm mét vuông.");
    }

    #[test]
    fn list_markers_brackets_and_slashes() {
        assert_eq!(
            p("- - Giấy chứng sinh [1 bản chính]"),
            "Giấy chứng sinh, một bản chính."
        );
        assert_eq!(p("+ Tờ khai (theo mẫu)"), "Tờ khai, theo mẫu.");
        assert_eq!(p("(ii) Trường hợp khác"), "Trường hợp khác.");
        assert_eq!(p("a) Bản sao"), "Bản sao.");
        assert_eq!(p("Hộ chiếu/Thẻ căn cước"), "Hộ chiếu hoặc Thẻ căn cước.");
        assert_eq!(
            p("1. Nộp hồ sơ\n2. Nhận kết quả"),
            "Nộp hồ sơ. Nhận kết quả."
        );
        // A line that starts with a number is not a marker unless it is followed by ". " or ")".
        assert_eq!(p("2 bản sao"), "hai bản sao.");
    }

    #[test]
    fn lexicon_entries_match_whole_words_only() {
        let mut lex = Lexicon::default();
        lex.insert("TT", "thông tư");
        assert_eq!(prepare("TTHC và TT", &lex), "TTHC và thông tư.");
        assert_eq!(prepare("QH13", &Lexicon::builtin()), "Quốc hội mười ba.");
        let bad = Lexicon::parse("A B\n", Path::new("x.tsv")).expect_err("no tab");
        assert!(
            bad.to_string().contains("x.tsv") && bad.to_string().contains("line 1"),
            "{bad}"
        );
    }

    #[test]
    fn utterances_start_short_and_cut_long_sentences() {
        let text = p("Thủ tục đăng ký khai sinh. Nộp tại quầy số 3. Thời hạn 1 ngày. Miễn phí.");
        let u = utterances(&text);
        assert_eq!(u[0], "Thủ tục đăng ký khai sinh.");
        assert!(u.len() >= 2);
        let long = "một, ".repeat(200);
        assert!(utterances(&long).iter().all(|s| s.chars().count() <= 330));
        assert_eq!(syllables("Thủ tục đăng ký khai sinh."), 6);
    }
}
