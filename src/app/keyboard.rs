//! The on-screen Vietnamese keyboard's composition rules, as pure text functions: what the query
//! becomes when a key is pressed. Owns tone placement (which vowel of a syllable carries the
//! tone mark) and Telex typing (`aa` → `â`, `dd` → `đ`, `s` → sắc, …). No window involved: the
//! `ui` module only forwards key ids here and shows the result.
//!
//! Tone placement follows the classic convention ("kiểu cũ"), the one most common on the
//! national portal: in an open syllable with the pairs oa, oe, uy the tone goes on the first
//! vowel (`hóa`, `khỏe`, `thủy`), with a final consonant on the second (`hoàn`, `toán`,
//! `huýt`). A vowel with a shape mark (â ă ê ô ơ ư) always carries the tone (`thuế`, `nguyền`,
//! `người`); `qu` and `gi` count as consonants (`quý`, `giữa`). Search folds both conventions
//! to the same key, so a citizen typing the other one still finds the same procedures.
//!
//! Output is always NFC.

use unicode_normalization::UnicodeNormalization;

/// The five Vietnamese tone marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// Sắc (á), Telex `s`.
    Sac,
    /// Huyền (à), Telex `f`.
    Huyen,
    /// Hỏi (ả), Telex `r`.
    Hoi,
    /// Ngã (ã), Telex `x`.
    Nga,
    /// Nặng (ạ), Telex `j`.
    Nang,
}

impl Tone {
    pub const ALL: [Tone; 5] = [Tone::Sac, Tone::Huyen, Tone::Hoi, Tone::Nga, Tone::Nang];

    /// The combining mark.
    fn mark(self) -> char {
        match self {
            Tone::Sac => '\u{0301}',
            Tone::Huyen => '\u{0300}',
            Tone::Hoi => '\u{0309}',
            Tone::Nga => '\u{0303}',
            Tone::Nang => '\u{0323}',
        }
    }

    fn from_mark(c: char) -> Option<Tone> {
        Tone::ALL.into_iter().find(|t| t.mark() == c)
    }

    fn from_telex(c: char) -> Option<Tone> {
        match c {
            's' => Some(Tone::Sac),
            'f' => Some(Tone::Huyen),
            'r' => Some(Tone::Hoi),
            'x' => Some(Tone::Nga),
            'j' => Some(Tone::Nang),
            _ => None,
        }
    }

    /// The key id the on-screen keyboard sends (`tone-sac`, …).
    pub fn id(self) -> &'static str {
        match self {
            Tone::Sac => "tone-sac",
            Tone::Huyen => "tone-huyen",
            Tone::Hoi => "tone-hoi",
            Tone::Nga => "tone-nga",
            Tone::Nang => "tone-nang",
        }
    }
}

/// One key of the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// A letter, digit or punctuation mark, typed as is (or interpreted as Telex).
    Char(char),
    /// Put this tone on the word being typed; pressing the same tone again removes it.
    Tone(Tone),
    /// Remove the tone of the word being typed.
    NoTone,
    Backspace,
    Space,
    /// Empty the whole query.
    Clear,
}

impl Key {
    /// Parses the id a key sends: one character (`"a"`, `"đ"`, `"7"`), `"tone-sac"`,
    /// `"tone-huyen"`, `"tone-hoi"`, `"tone-nga"`, `"tone-nang"`, `"tone-none"`, `"backspace"`,
    /// `"space"` or `"clear"`. Control characters from a hardware keyboard are understood too
    /// (backspace `\u{8}`, space).
    pub fn from_id(id: &str) -> Option<Key> {
        match id {
            "backspace" | "\u{8}" => return Some(Key::Backspace),
            "space" | " " => return Some(Key::Space),
            "clear" => return Some(Key::Clear),
            "tone-none" => return Some(Key::NoTone),
            _ => {}
        }
        if let Some(t) = Tone::ALL.into_iter().find(|t| t.id() == id) {
            return Some(Key::Tone(t));
        }
        let nfc: String = id.nfc().collect();
        let mut chars = nfc.chars();
        match (chars.next(), chars.next()) {
            // Private-use code points are how toolkits name arrow and function keys.
            (Some(c), None) if !c.is_control() && !('\u{E000}'..='\u{F8FF}').contains(&c) => {
                Some(Key::Char(c))
            }
            _ => None,
        }
    }
}

/// The longest query the keyboard builds; more keys are ignored.
pub const MAX_CHARS: usize = 80;

/// The text after pressing `key` on a query reading `text`. With `telex`, letter keys follow
/// Telex rules as Vietnamese phone keyboards do: `aa` `ee` `oo` give â ê ô, `aw` `ow` `uw` give
/// ă ơ ư (`uow` gives ươ, a lone `w` gives ư), `dd` gives đ, `s f r x j` put a tone on the word,
/// `z` removes it, and repeating a Telex key undoes it (`ass` → `as`, `aaa` → `aa`).
pub fn apply_key(text: &str, key: Key, telex: bool) -> String {
    let text: String = text.nfc().collect();
    let (prefix, word) = split_word(&text);
    let mut syl = Syllable::parse(word);
    match key {
        Key::Clear => return String::new(),
        Key::Space => {
            if text.is_empty() || text.ends_with(' ') || text.chars().count() >= MAX_CHARS {
                return text;
            }
            return text + " ";
        }
        Key::Backspace => {
            if syl.base.is_empty() {
                let mut t = text;
                t.pop();
                return t;
            }
            syl.base.pop();
            if syl.vowel_range().is_none() {
                syl.tone = None;
            }
        }
        Key::NoTone => syl.tone = None,
        Key::Tone(t) => {
            if syl.vowel_range().is_none() {
                return text;
            }
            syl.tone = if syl.tone == Some(t) { None } else { Some(t) };
        }
        Key::Char(c) => {
            if text.chars().count() >= MAX_CHARS {
                return text;
            }
            if !c.is_alphabetic() {
                return text + &c.to_string();
            }
            // A letter may carry a tone itself (typed on a hardware keyboard with an IME).
            let (base, tone) = strip_tone(c);
            if let Some(t) = tone {
                syl.base.push(base);
                syl.tone = Some(t);
            } else if !(telex && syl.telex(base)) {
                syl.base.push(base);
            }
        }
    }
    let mut out = prefix.to_string();
    out.push_str(&syl.render());
    out.nfc().collect()
}

/// The text before the word being typed, and that word (the trailing run of letters).
fn split_word(text: &str) -> (&str, &str) {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(text.len(), |(i, _)| i);
    text.split_at(start)
}

/// A word split into its letters without tone (shape marks kept) and its tone.
#[derive(Debug, Clone, PartialEq)]
struct Syllable {
    base: Vec<char>,
    tone: Option<Tone>,
}

fn strip_tone(c: char) -> (char, Option<Tone>) {
    let mut tone = None;
    let rest: String = c
        .to_string()
        .nfd()
        .filter(|&m| match Tone::from_mark(m) {
            Some(t) => {
                tone = Some(t);
                false
            }
            None => true,
        })
        .nfc()
        .collect();
    (rest.chars().next().unwrap_or(c), tone)
}

fn with_tone(c: char, tone: Tone) -> char {
    let s: String = [c, tone.mark()].iter().collect::<String>().nfc().collect();
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// Lowercase plain-or-shaped vowel, or None for consonants.
fn vowel(c: char) -> Option<char> {
    let l = c.to_lowercase().next().unwrap_or(c);
    matches!(
        l,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
    .then_some(l)
}

fn is_shaped(v: char) -> bool {
    matches!(v, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư')
}

/// Replaces the lowercase letter `c` keeping the case of `like`.
fn same_case(like: char, c: char) -> char {
    if like.is_uppercase() {
        c.to_uppercase().next().unwrap_or(c)
    } else {
        c
    }
}

/// The shape a Telex letter gives a vowel: (plain, key) → shaped.
fn telex_shape(plain: char, key: char) -> Option<char> {
    Some(match (plain, key) {
        ('a', 'a') => 'â',
        ('e', 'e') => 'ê',
        ('o', 'o') => 'ô',
        ('a', 'w') => 'ă',
        ('o', 'w') => 'ơ',
        ('u', 'w') => 'ư',
        _ => return None,
    })
}

/// The plain vowel under a shaped one.
fn unshape(v: char) -> char {
    match v {
        'ă' | 'â' => 'a',
        'ê' => 'e',
        'ô' | 'ơ' => 'o',
        'ư' => 'u',
        c => c,
    }
}

impl Syllable {
    fn parse(word: &str) -> Syllable {
        let mut tone = None;
        let base = word
            .chars()
            .map(|c| {
                let (b, t) = strip_tone(c);
                if t.is_some() {
                    tone = t;
                }
                b
            })
            .collect();
        Syllable { base, tone }
    }

    /// The vowel nucleus: the first run of vowels, with the `u` of `qu` and the `i` of `gi`
    /// counted as consonants when another vowel follows.
    fn vowel_range(&self) -> Option<(usize, usize)> {
        let lower: Vec<Option<char>> = self.base.iter().map(|&c| vowel(c)).collect();
        let mut start = lower.iter().position(Option::is_some)?;
        let mut end = start;
        while end < lower.len() && lower[end].is_some() {
            end += 1;
        }
        if end - start > 1 && start > 0 {
            let before = self.base[start - 1].to_lowercase().next();
            if (before == Some('q') && lower[start] == Some('u'))
                || (before == Some('g') && lower[start] == Some('i'))
            {
                start += 1;
            }
        }
        Some((start, end))
    }

    /// Which letter carries the tone.
    fn tone_index(&self) -> Option<usize> {
        let (start, end) = self.vowel_range()?;
        let vowels: Vec<char> = self.base[start..end]
            .iter()
            .filter_map(|&c| vowel(c))
            .collect();
        if let Some(i) = vowels.iter().rposition(|&v| is_shaped(v)) {
            return Some(start + i);
        }
        Some(match vowels.len() {
            1 => start,
            2 if end < self.base.len() => start + 1,
            2 => start,
            _ => start + 1,
        })
    }

    fn render(&self) -> String {
        let mut letters = self.base.clone();
        if let (Some(t), Some(i)) = (self.tone, self.tone_index()) {
            letters[i] = with_tone(letters[i], t);
        }
        letters.into_iter().collect()
    }

    /// Applies a Telex letter; `false` when it is an ordinary letter to append.
    fn telex(&mut self, key_char: char) -> bool {
        let key = key_char.to_lowercase().next().unwrap_or(key_char);
        let has_vowel = self.vowel_range().is_some();
        if let Some(t) = Tone::from_telex(key).filter(|_| has_vowel) {
            if self.tone == Some(t) {
                self.tone = None;
                self.base.push(key_char);
            } else {
                self.tone = Some(t);
            }
            return true;
        }
        match key {
            'z' if self.tone.is_some() => {
                self.tone = None;
                true
            }
            'd' => self.telex_d(key_char),
            'a' | 'e' | 'o' => self.telex_circumflex(key, key_char),
            'w' => self.telex_w(key_char),
            _ => false,
        }
    }

    fn telex_d(&mut self, key_char: char) -> bool {
        match self.base.first().copied() {
            Some(first @ ('d' | 'D')) => {
                self.base[0] = same_case(first, 'đ');
                true
            }
            Some(first @ ('đ' | 'Đ')) if self.base.len() == 1 => {
                self.base[0] = same_case(first, 'd');
                self.base.push(key_char);
                true
            }
            _ => false,
        }
    }

    /// `aa` `ee` `oo`: shape the last vowel of the word when it is the same letter, or undo.
    fn telex_circumflex(&mut self, key: char, key_char: char) -> bool {
        let Some(i) = self.base.iter().rposition(|&c| vowel(c).is_some()) else {
            return false;
        };
        let Some(v) = vowel(self.base[i]) else {
            return false;
        };
        let shaped = telex_shape(key, key);
        if v == key {
            if let Some(s) = shaped {
                self.base[i] = same_case(self.base[i], s);
                return true;
            }
        } else if Some(v) == shaped {
            self.base[i] = same_case(self.base[i], key);
            self.base.push(key_char);
            return true;
        }
        false
    }

    /// `aw` `ow` `uw` (and `uow` → ươ); a lone `w` is ư; `w` again undoes.
    fn telex_w(&mut self, key_char: char) -> bool {
        let Some((start, end)) = self.vowel_range() else {
            self.base.push(same_case(key_char, 'ư'));
            return true;
        };
        // The u of "qu" is a consonant, but "quơ" and "qua" still take the w on the o/a.
        let lower: Vec<char> = self.base[start..end]
            .iter()
            .map(|&c| vowel(c).unwrap_or(c))
            .collect();
        if let Some(j) = lower.windows(2).position(|w| {
            matches!(w[0], 'u' | 'ư') && matches!(w[1], 'o' | 'ơ') && (w[0] == 'u' || w[1] == 'o')
        }) {
            let (iu, io) = (start + j, start + j + 1);
            self.base[iu] = same_case(self.base[iu], 'ư');
            self.base[io] = same_case(self.base[io], 'ơ');
            return true;
        }
        if let Some(j) = lower.iter().rposition(|&v| matches!(v, 'a' | 'o' | 'u')) {
            let i = start + j;
            if let Some(s) = telex_shape(lower[j], 'w') {
                self.base[i] = same_case(self.base[i], s);
                return true;
            }
        }
        if let Some(j) = lower.iter().rposition(|&v| matches!(v, 'ă' | 'ơ' | 'ư')) {
            let i = start + j;
            self.base[i] = same_case(self.base[i], unshape(lower[j]));
            if lower[j] == 'ơ' && j > 0 && lower[j - 1] == 'ư' {
                self.base[i - 1] = same_case(self.base[i - 1], 'u');
            }
            self.base.push(key_char);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Types each character of `keys` (Telex on when `telex`); `'<'` is backspace and the
    /// digits 1–5 are the on-screen tone keys sắc, huyền, hỏi, ngã, nặng.
    fn typed(keys: &str, telex: bool) -> String {
        keys.chars().fold(String::new(), |t, c| {
            let key = match c {
                '<' => Key::Backspace,
                ' ' => Key::Space,
                '1' => Key::Tone(Tone::Sac),
                '2' => Key::Tone(Tone::Huyen),
                '3' => Key::Tone(Tone::Hoi),
                '4' => Key::Tone(Tone::Nga),
                '5' => Key::Tone(Tone::Nang),
                c => Key::Char(c),
            };
            apply_key(&t, key, telex)
        })
    }

    fn telex(keys: &str) -> String {
        typed(keys, true)
    }

    fn plain(keys: &str) -> String {
        typed(keys, false)
    }

    #[test]
    fn tone_keys_go_on_the_main_vowel() {
        assert_eq!(plain("hoa1"), "hóa");
        assert_eq!(plain("thuê1"), "thuế");
        assert_eq!(plain("quy1"), "quý");
        assert_eq!(plain("nguyên2"), "nguyền");
        assert_eq!(plain("hoan2"), "hoàn");
        assert_eq!(plain("toan1"), "toán");
        assert_eq!(plain("khoe3"), "khỏe");
        assert_eq!(plain("thuy3"), "thủy");
        assert_eq!(plain("ngươi2"), "người");
        assert_eq!(plain("giưa4"), "giữa");
        assert_eq!(plain("gi2"), "gì");
        assert_eq!(plain("qua1"), "quá");
        assert_eq!(plain("quôc1"), "quốc");
        assert_eq!(plain("ngoai2"), "ngoài");
        assert_eq!(plain("khuyu3"), "khuỷu");
        assert_eq!(plain("mua1"), "múa");
        assert_eq!(plain("tai5"), "tại");
        assert_eq!(plain("sô3 đo3"), "sổ đỏ");
    }

    #[test]
    fn the_tone_follows_the_word_as_it_grows() {
        // Tone typed before the final consonant moves to the right vowel.
        assert_eq!(plain("hoa1n"), "hoán");
        assert_eq!(telex("toasn"), "toán");
        assert_eq!(telex("hoafn"), "hoàn");
        // and back when the consonant is deleted.
        assert_eq!(plain("hoan1<"), "hóa");
    }

    #[test]
    fn pressing_the_same_tone_again_removes_it() {
        assert_eq!(plain("an11"), "an");
        assert_eq!(plain("an12"), "àn");
        assert_eq!(apply_key("hóa", Key::NoTone, false), "hoa");
        // A tone key with no vowel to carry it changes nothing.
        assert_eq!(plain("kh1"), "kh");
        assert_eq!(plain("1"), "");
    }

    #[test]
    fn telex_shapes_vowels_and_d() {
        assert_eq!(telex("ddawng"), "đăng");
        assert_eq!(telex("ddang"), "đang");
        assert_eq!(telex("caan"), "cân");
        assert_eq!(telex("cana"), "cân");
        assert_eq!(telex("khoong"), "không");
        assert_eq!(telex("thuees"), "thuế");
        assert_eq!(telex("nguoiwf"), "người");
        assert_eq!(telex("truwowngf"), "trường");
        assert_eq!(telex("truowngf"), "trường");
        assert_eq!(telex("tw"), "tư");
        assert_eq!(telex("so"), "so");
        assert_eq!(telex("sor ddor"), "sỏ đỏ");
        assert_eq!(telex("soor ddor"), "sổ đỏ");
        assert_eq!(telex("nguyeenf"), "nguyền");
        assert_eq!(telex("quys"), "quý");
        assert_eq!(telex("hoas"), "hóa");
    }

    #[test]
    fn repeating_a_telex_key_undoes_it() {
        assert_eq!(telex("ass"), "as");
        assert_eq!(telex("aaa"), "aa");
        assert_eq!(telex("aww"), "aw");
        assert_eq!(telex("ddd"), "dd");
        assert_eq!(telex("asz"), "a");
        assert_eq!(telex("uoww"), "uow");
    }

    #[test]
    fn letters_without_a_vowel_stay_letters() {
        // Abbreviations citizens type must survive Telex.
        assert_eq!(telex("cccd"), "cccd");
        assert_eq!(telex("gplx"), "gplx");
        assert_eq!(telex("bhxh"), "bhxh");
        assert_eq!(telex("z"), "z");
    }

    #[test]
    fn without_telex_letters_are_just_letters() {
        assert_eq!(plain("ddawng ass"), "ddawng ass");
        assert_eq!(plain("đăng"), "đăng");
    }

    #[test]
    fn editing_keys() {
        assert_eq!(plain("ab<"), "a");
        assert_eq!(plain("<"), "");
        assert_eq!(plain("a <"), "a");
        assert_eq!(plain("  a  b"), "a b");
        assert_eq!(apply_key("khai sinh", Key::Clear, true), "");
    }

    #[test]
    fn digits_and_codes_pass_through() {
        assert_eq!(apply_key("1.00119", Key::Char('3'), true), "1.001193");
        assert_eq!(apply_key("", Key::Char('7'), true), "7");
    }

    #[test]
    fn output_is_nfc_even_from_nfd_input() {
        let nfd: String = "thuê".nfd().collect();
        let out = apply_key(&nfd, Key::Tone(Tone::Sac), false);
        assert_eq!(out, "thuế");
        assert!(unicode_normalization::is_nfc(&out));
        let out = apply_key("", Key::from_id("e\u{0302}").expect("key"), true);
        assert_eq!(out, "ê");
        for keys in ["ddawng", "nguoiwf", "hoa1n", "soor ddor"] {
            assert!(unicode_normalization::is_nfc(&typed(keys, true)));
        }
    }

    #[test]
    fn uppercase_keeps_its_case() {
        assert_eq!(apply_key("HOA", Key::Tone(Tone::Sac), false), "HÓA");
        assert_eq!(telex("DDa"), "Đa");
    }

    #[test]
    fn key_ids_parse() {
        assert_eq!(Key::from_id("a"), Some(Key::Char('a')));
        assert_eq!(Key::from_id("đ"), Some(Key::Char('đ')));
        assert_eq!(Key::from_id("tone-nga"), Some(Key::Tone(Tone::Nga)));
        assert_eq!(Key::from_id("tone-none"), Some(Key::NoTone));
        assert_eq!(Key::from_id("backspace"), Some(Key::Backspace));
        assert_eq!(Key::from_id("\u{8}"), Some(Key::Backspace));
        assert_eq!(Key::from_id("space"), Some(Key::Space));
        assert_eq!(Key::from_id("clear"), Some(Key::Clear));
        assert_eq!(Key::from_id("ab"), None);
        assert_eq!(Key::from_id(""), None);
        assert_eq!(Key::from_id("\u{1b}"), None);
        // An arrow key from a hardware keyboard types nothing.
        assert_eq!(Key::from_id("\u{F702}"), None);
    }

    #[test]
    fn the_query_has_a_length_limit() {
        let long = "a".repeat(MAX_CHARS);
        assert_eq!(apply_key(&long, Key::Char('b'), false), long);
        assert_eq!(apply_key(&long, Key::Space, false), long);
    }
}
