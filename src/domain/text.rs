//! Vietnamese text rules shared by every layer: NFC cleaning on the way in, diacritic folding for
//! search, and the "tone key" that makes old and new tone placement (hoà/hòa) compare equal while
//! keeping different words (thuế/thuê) apart.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters that carry no meaning but break matching or the screen: zero-width spaces and
/// joiners, direction marks, embeddings, overrides and isolates (U+202E turns text around), the
/// byte-order mark, soft hyphens, and control characters (NUL, BEL, ESC, C1) other than the line
/// breaks and tabs that [`clean`] turns into plain ones.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// NFC, invisible characters removed, non-breaking and odd spaces turned into plain spaces,
/// runs of spaces collapsed, lines trimmed, blank-line runs collapsed, the whole trimmed.
pub fn clean(s: &str) -> String {
    if is_clean(s) {
        return s.to_string();
    }
    clean_slow(s)
}

/// Whether [`clean`] would return `s` unchanged, found in one pass without normalising: NFC
/// already (quick check), no character [`clean`] removes or replaces, no whitespace but plain
/// spaces and line breaks, nothing to trim or collapse. Most imported text is clean already.
fn is_clean(s: &str) -> bool {
    use unicode_normalization::{IsNormalized, is_nfc_quick};
    if s.starts_with([' ', '\n']) || s.ends_with([' ', '\n']) {
        return false;
    }
    if s.contains("  ") || s.contains(" \n") || s.contains("\n ") || s.contains("\n\n\n") {
        return false;
    }
    let odd = |c: char| {
        c != ' ' && c != '\n' && (c.is_whitespace() || is_invisible(c) || c.is_control())
            || matches!(
                c,
                '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
            )
    };
    if s.is_ascii() {
        return !s.chars().any(odd);
    }
    !s.chars().any(odd) && is_nfc_quick(s.chars()) == IsNormalized::Yes
}

fn clean_slow(s: &str) -> String {
    let nfc: String = s
        .nfc()
        .filter(|c| !is_invisible(*c))
        .map(|c| match c {
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\t' => {
                ' '
            }
            '\r' => '\n',
            c => c,
        })
        .collect();
    let mut out = String::with_capacity(nfc.len());
    let mut blank_run = 0;
    for line in nfc.split('\n') {
        let mut l = String::with_capacity(line.len());
        let mut prev_space = false;
        for c in line.trim().chars() {
            if c == ' ' {
                if !prev_space {
                    l.push(c);
                }
                prev_space = true;
            } else {
                l.push(c);
                prev_space = false;
            }
        }
        if l.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&l);
    }
    out.trim().to_string()
}

/// `clean` for one-line values (names, codes): newlines become spaces.
pub fn clean_line(s: &str) -> String {
    clean(&s.replace(['\n', '\r'], " "))
}

/// Lowercase, every diacritic removed, đ → d. Works the same on NFC and NFD input.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) || is_invisible(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// One folded character (for callers that walk text and need offsets).
pub fn fold_char(c: char) -> char {
    let mut it = c.to_string().nfd().collect::<Vec<char>>().into_iter();
    let base = it.next().unwrap_or(c);
    match base {
        'đ' | 'Đ' => 'd',
        b => b.to_lowercase().next().unwrap_or(b),
    }
}

/// The key that sorts names in Vietnamese alphabetical order: letters by the alphabet
/// (a ă â b c d đ e ê … o ô ơ … u ư …), case and tones ignored, then the tones to break ties.
pub fn alphabet_key(s: &str) -> String {
    let mut letters = String::with_capacity(s.len() * 2);
    let mut tones = String::new();
    // Each letter is its base and a shape digit, so "an" sorts before "ăn" and "dz" before "đa".
    for c in s.nfc() {
        if is_invisible(c) {
            continue;
        }
        let mut base = None;
        let mut shape = '0';
        for d in c.to_string().nfd() {
            match d {
                '\u{0306}' => shape = '1', // ă
                '\u{0302}' => shape = '2', // â ê ô
                '\u{031B}' => shape = '3', // ơ ư
                'đ' | 'Đ' => {
                    base = Some('d');
                    shape = '1';
                }
                d if tone_digit(d).is_some() => tones.extend(tone_digit(d)),
                d if is_combining_mark(d) => {}
                d if base.is_none() => base = d.to_lowercase().next(),
                _ => {}
            }
        }
        if let Some(b) = base {
            letters.push(b);
            letters.push(shape);
        }
    }
    letters.push('\u{0}');
    letters.push_str(&tones);
    letters
}

/// The letter a name is listed under in an A–Z index: its first letter in capitals with its
/// vowel shape and without its tone ("Đất đai" → "Đ", "Ẩm thực" → "Â"); "" when it has none.
pub fn initial(s: &str) -> String {
    let Some(first) = s.trim_start().chars().find(|c| c.is_alphanumeric()) else {
        return String::new();
    };
    let bare: String = first
        .to_string()
        .nfd()
        .filter(|c| tone_digit(*c).is_none())
        .collect::<String>()
        .nfc()
        .collect();
    bare.to_uppercase()
}

/// The tone marks of Vietnamese, as combining characters, with the digit the tone key uses.
fn tone_digit(c: char) -> Option<char> {
    match c {
        '\u{0301}' => Some('1'), // sắc
        '\u{0300}' => Some('2'), // huyền
        '\u{0309}' => Some('3'), // hỏi
        '\u{0303}' => Some('4'), // ngã
        '\u{0323}' => Some('5'), // nặng
        _ => None,
    }
}

/// The exact-diacritics key of one word: lowercase letters with their vowel shapes (â ă ê ô ơ ư đ)
/// and the tone as a trailing digit, so `hoá` and `hóa` give `hoa1` and `thuế` gives `thuê1`
/// while `thuê` gives `thuê`.
pub fn tone_key(word: &str) -> String {
    let mut base = String::with_capacity(word.len() + 1);
    let mut tone = None;
    for c in word.nfd() {
        if let Some(d) = tone_digit(c) {
            tone = Some(d);
        } else if !is_invisible(c) {
            base.extend(c.to_lowercase());
        }
    }
    let mut out: String = base.nfc().collect();
    if let Some(d) = tone {
        out.push(d);
    }
    out
}

/// Whether a word carries any Vietnamese diacritic (tone or vowel shape, or đ).
pub fn has_diacritics(word: &str) -> bool {
    word.nfd()
        .any(|c| is_combining_mark(c) || c == 'đ' || c == 'Đ')
}

/// Split into words: runs of letters and digits (after NFC), keeping Vietnamese letters whole.
pub fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
        .filter(|w| !w.is_empty())
}

/// Whether the folded `haystack` contains the folded `needle` as whole words.
pub fn contains_words(haystack: &str, needle: &str) -> bool {
    let h: Vec<&str> = words(haystack).collect();
    let n: Vec<&str> = words(needle).collect();
    if n.is_empty() || n.len() > h.len() {
        return false;
    }
    h.windows(n.len()).any(|w| w == n.as_slice())
}

/// The 146 letters of the Vietnamese alphabet that folding must handle: the 12 vowels (a ă â e ê
/// i o ô ơ u ư y) each in 6 tones, and đ, in lowercase and uppercase.
pub const VIETNAMESE_LETTERS: &str = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_covers_the_whole_alphabet_in_nfc_and_nfd() {
        let letters: Vec<char> = VIETNAMESE_LETTERS.chars().collect();
        assert_eq!(letters.len(), 146);
        for c in letters {
            let nfc = c.to_string();
            let nfd: String = nfc.nfd().collect();
            let f = fold(&nfc);
            assert_eq!(f.chars().count(), 1, "{c} folds to one letter");
            assert!(
                f.chars().all(|x| x.is_ascii_lowercase()),
                "{c} folds to ascii: {f}"
            );
            assert_eq!(fold(&nfd), f, "NFD {c} folds like NFC");
            assert_eq!(fold_char(c), f.chars().next().unwrap_or(' '));
        }
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
    }

    #[test]
    fn tone_key_unifies_placement_but_not_words() {
        assert_eq!(tone_key("hoá"), "hoa1");
        assert_eq!(tone_key("hóa"), "hoa1");
        assert_eq!(tone_key("thuế"), "thuê1");
        assert_eq!(tone_key("thuê"), "thuê");
        assert_ne!(tone_key("thuế"), tone_key("thuê"));
        assert_eq!(tone_key("Thuỷ"), tone_key("thủy"));
        let nfd: String = "Đất".nfd().collect();
        assert_eq!(tone_key(&nfd), "đât1");
    }

    #[test]
    fn clean_normalises_and_strips_invisibles() {
        let nfd: String = "Thủ tục".nfd().collect();
        assert_eq!(
            clean(&format!(
                "  {nfd}\u{00A0}\u{00A0}đăng k\u{200E}ý \r\n\n\n x "
            )),
            "Thủ tục đăng ký\n\nx"
        );
        assert_eq!(clean_line("a\nb"), "a b");
    }

    /// The quick check never lets through a string the full cleaning would change.
    #[test]
    fn the_clean_fast_path_agrees_with_the_full_cleaning() {
        let nfd: String = "Thủ tục".nfd().collect();
        let pieces = [
            "a",
            "Thủ tục",
            "đăng ký",
            " ",
            "  ",
            "\n",
            "\n\n",
            "\n\n\n",
            "\r",
            "\t",
            "\u{00A0}",
            "\u{2003}",
            "\u{200B}",
            "\u{202E}",
            "\u{FEFF}",
            "\u{0085}",
            "\u{2028}",
            "\u{3000}",
            "\u{0007}",
            "\u{1680}",
            &nfd,
            "e\u{0301}",
            "x",
            "1.001193",
            "(",
            "…",
        ];
        let mut cases = vec![String::new()];
        for a in &pieces {
            for b in &pieces {
                for c in &pieces {
                    cases.push(format!("{a}{b}{c}"));
                    cases.push(format!("{a}x{b}y{c}"));
                }
            }
        }
        let mut fast = 0;
        for s in &cases {
            assert_eq!(clean(s), clean_slow(s), "{s:?}");
            if is_clean(s) {
                fast += 1;
                assert_eq!(clean_slow(s), *s, "{s:?} passed as clean");
            }
        }
        assert!(
            fast > 500,
            "the fast path is taken ({fast} of {})",
            cases.len()
        );
        assert!(!is_clean(&nfd) && !is_clean("a  b") && is_clean("Thủ tục\n\nđăng ký"));
    }

    #[test]
    fn whole_word_containment() {
        assert!(contains_words("dang ky khai sinh", "khai sinh"));
        assert!(!contains_words("dang ky khai sinhx", "khai sinh"));
    }

    #[test]
    fn names_sort_in_vietnamese_alphabetical_order() {
        let mut names = vec![
            "Đường bộ",
            "Ăn uống",
            "Dược phẩm",
            "An toàn thực phẩm",
            "Ẩm thực",
            "Bảo hiểm",
            "Ơ",
            "Ô tô",
            "Thuế",
            "thuê nhà",
            "Đất đai",
            "Dz",
        ];
        names.sort_by_key(|n| alphabet_key(n));
        assert_eq!(
            names,
            [
                "An toàn thực phẩm",
                "Ăn uống",
                "Ẩm thực",
                "Bảo hiểm",
                "Dược phẩm",
                "Dz",
                "Đất đai",
                "Đường bộ",
                "Ô tô",
                "Ơ",
                "Thuế",
                "thuê nhà",
            ]
        );
        assert_eq!(initial("Đất đai"), "Đ");
        assert_eq!(initial("ẩm thực"), "Â");
        assert_eq!(initial(" Hộ tịch"), "H");
        assert_eq!(initial("…"), "");
    }
}
