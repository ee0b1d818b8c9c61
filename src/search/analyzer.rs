//! The Vietnamese analyzers, shared by indexing (as tantivy tokenizers) and by query building,
//! snippets and the vocabulary (as plain functions), so both sides always cut and fold text the
//! same way.
//!
//! Every mode splits text into words with [`text::words`] (runs of letters, digits and combining
//! marks, so NFD input is never split inside a letter) and keeps byte offsets into the ORIGINAL
//! text, which is what lets snippets highlight diacritic text from folded matches.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::domain::text;

/// Tokenizer names registered on the index.
pub(crate) const FOLD: &str = "vi_fold";
pub(crate) const TONE: &str = "vi_tone";
pub(crate) const EDGE: &str = "vi_edge";
pub(crate) const BIGRAM: &str = "vi_bigram";
pub(crate) const TONE_BIGRAM: &str = "vi_tone_bigram";

/// Longest edge n-gram, in letters. Vietnamese syllables have at most 7 letters ("nghiêng").
pub(crate) const EDGE_MAX: usize = 8;

/// Longest token kept (bytes); longer runs are junk (URLs without separators, base64).
const MAX_TOKEN_BYTES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// NFC + lowercase + every diacritic removed (`text::fold`): "Đăng" → "dang".
    Fold,
    /// The exact-diacritics key (`text::tone_key`): "thuế" → "thuê1", "hoá" = "hóa" → "hoa1".
    Tone,
    /// Folded edge n-grams of every word, 1 to [`EDGE_MAX`] letters: "dang" → d, da, dan, dang.
    Edge,
    /// Folded syllable bigrams: "đăng ký khai" → "dangky", "kykhai".
    Bigram,
    /// Tone-key bigrams, for the proximity of words typed with diacritics: "thuế đất" →
    /// "thuê1_đât1" (and not "thuê_đât1").
    ToneBigram,
}

/// The tone-key bigram term of two words.
pub(crate) fn tone_bigram(a: &str, b: &str) -> String {
    format!("{a}_{b}")
}

/// Folds one word exactly as `text::fold` does. ASCII words only need lowercasing; precomposed
/// Latin letters (all of Vietnamese in NFC) are looked up in a table built from `text::fold`
/// itself; anything else (NFD input, other scripts) goes through `text::fold`.
pub(crate) fn fold_word(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    fold_word_into(w, &mut out);
    out
}

/// [`fold_word`] appended to `out`, for callers that fold many words into one buffer.
pub(crate) fn fold_word_into(w: &str, out: &mut String) {
    let at = out.len();
    if w.is_ascii() {
        out.extend(w.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        return;
    }
    let table = fold_table();
    for c in w.chars() {
        let folded = if c.is_ascii() {
            Some(c.to_ascii_lowercase())
        } else {
            let i = c as usize;
            if (FOLD_LO..FOLD_HI).contains(&i) {
                table[i - FOLD_LO]
            } else {
                None
            }
        };
        match folded {
            Some(f) => out.push(f),
            None => {
                out.truncate(at);
                out.push_str(&text::fold(w));
                return;
            }
        }
    }
}

/// The code points the table covers: Latin-1 Supplement to Latin Extended-B, and Latin Extended
/// Additional (ạ…ỹ).
const FOLD_LO: usize = 0x00C0;
const FOLD_HI: usize = 0x1F00;

fn fold_table() -> &'static [Option<char>] {
    static T: std::sync::OnceLock<Vec<Option<char>>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        (FOLD_LO..FOLD_HI)
            .map(|i| {
                let c = char::from_u32(i as u32)?;
                if (0x0250..0x1E00).contains(&i) || !c.is_alphabetic() {
                    return None;
                }
                let f = text::fold(&c.to_string());
                let mut it = f.chars();
                match (it.next(), it.next()) {
                    (Some(x), None) => Some(x),
                    _ => None,
                }
            })
            .collect()
    })
}

/// A word of some text: byte range in the original and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    pub start: usize,
    pub end: usize,
    pub raw: &'a str,
    pub folded: String,
}

/// Whether `c` belongs to a word, exactly as [`text::words`] decides (letters, digits, combining
/// marks), with fast paths for ASCII and precomposed Latin letters.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let i = c as usize;
    if (FOLD_LO..FOLD_HI).contains(&i) && fold_table()[i - FOLD_LO].is_some() {
        return true;
    }
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// The words of `s` (as [`text::words`] cuts them) with their offsets and folded forms.
pub(crate) fn words(s: &str) -> Vec<Word<'_>> {
    word_spans(s)
        .map(|(start, raw)| Word {
            start,
            end: start + raw.len(),
            raw,
            folded: fold_word(raw),
        })
        .collect()
}

/// The words of `s` as [`words`] cuts them, each with its byte offset, without folding them.
pub(crate) fn word_spans(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = s.as_ptr() as usize;
    s.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .filter(|w| w.len() <= MAX_TOKEN_BYTES)
        .map(move |w| (w.as_ptr() as usize - base, w))
}

/// The first `n` characters of `s`.
pub(crate) fn char_prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Runs one analyzer over `s`, appending tokens to `out`.
pub(crate) fn analyze(mode: Mode, s: &str, out: &mut Vec<Token>) {
    let ws = words(s);
    match mode {
        Mode::Fold | Mode::Tone => {
            for (i, w) in ws.iter().enumerate() {
                let t = if mode == Mode::Fold {
                    w.folded.clone()
                } else {
                    text::tone_key(w.raw)
                };
                out.push(token(t, w.start, w.end, i));
            }
        }
        Mode::Edge => {
            for (i, w) in ws.iter().enumerate() {
                let mut ends: Vec<usize> =
                    w.folded.char_indices().map(|(b, _)| b).skip(1).collect();
                ends.push(w.folded.len());
                for end in ends.into_iter().take(EDGE_MAX) {
                    out.push(token(w.folded[..end].to_string(), w.start, w.end, i));
                }
            }
        }
        Mode::Bigram => {
            for (i, pair) in ws.windows(2).enumerate() {
                let t = format!("{}{}", pair[0].folded, pair[1].folded);
                out.push(token(t, pair[0].start, pair[1].end, i));
            }
        }
        Mode::ToneBigram => {
            for (i, pair) in ws.windows(2).enumerate() {
                let t = tone_bigram(&text::tone_key(pair[0].raw), &text::tone_key(pair[1].raw));
                out.push(token(t, pair[0].start, pair[1].end, i));
            }
        }
    }
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    }
}

/// The tantivy side of [`analyze`].
#[derive(Clone)]
pub(crate) struct ViTokenizer {
    mode: Mode,
    buf: Vec<Token>,
}

impl ViTokenizer {
    pub(crate) fn new(mode: Mode) -> ViTokenizer {
        ViTokenizer {
            mode,
            buf: Vec::new(),
        }
    }
}

pub(crate) struct VecTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for ViTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.buf.clear();
        analyze(self.mode, text, &mut self.buf);
        VecTokenStream {
            tokens: &mut self.buf,
            next: 0,
        }
    }
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

/// Optimal-string-alignment distance of at most one edit (insert, delete, replace, or swap of two
/// adjacent letters), in linear time and without allocating for ASCII (folded) words.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return one_edit(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    one_edit(&a, &b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if la == lb {
        if p == la {
            return true;
        }
        // One replacement, or one swap of adjacent letters.
        if a[p + 1..] == b[p + 1..] {
            return true;
        }
        return p + 1 < la && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..];
    }
    let (long, short) = if la > lb { (a, b) } else { (b, a) };
    long[p + 1..] == short[p..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    fn run(mode: Mode, s: &str) -> Vec<Token> {
        let mut tk = ViTokenizer::new(mode);
        let mut ts = tk.token_stream(s);
        let mut out = Vec::new();
        while let Some(t) = ts.next() {
            out.push(t.clone());
        }
        out
    }

    fn texts(mode: Mode, s: &str) -> Vec<String> {
        run(mode, s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn fold_analyzer_covers_the_whole_alphabet_in_nfc_and_nfd() {
        let letters: Vec<char> = text::VIETNAMESE_LETTERS.chars().collect();
        assert_eq!(letters.len(), 146);
        for c in letters {
            let nfc = format!("x{c}y");
            let nfd: String = nfc.nfd().collect();
            for input in [&nfc, &nfd] {
                let toks = run(Mode::Fold, input);
                assert_eq!(
                    toks.len(),
                    1,
                    "{c:?} ({input:?}) must stay one word: {toks:?}"
                );
                let t = &toks[0];
                assert_eq!(t.text.chars().count(), 3, "{c} folds to one letter");
                assert!(t.text.is_ascii(), "{c} folds to ASCII: {}", t.text);
                assert_eq!(t.text, text::fold(&nfc));
                // Offsets cover the original word, whatever its normal form.
                assert_eq!((t.offset_from, t.offset_to), (0, input.len()));
            }
        }
        assert_eq!(
            texts(Mode::Fold, "Đăng ký KHAI SINH"),
            ["dang", "ky", "khai", "sinh"]
        );
    }

    #[test]
    fn tone_analyzer_unifies_placement_but_not_words() {
        let old: String = "hoà thuế".nfd().collect();
        assert_eq!(texts(Mode::Tone, &old), ["hoa2", "thuê1"]);
        assert_eq!(texts(Mode::Tone, "hòa thuê"), ["hoa2", "thuê"]);
    }

    #[test]
    fn edge_and_bigram_analyzers() {
        assert_eq!(texts(Mode::Edge, "Đăng"), ["d", "da", "dan", "dang"]);
        let long = texts(Mode::Edge, "abcdefghijk");
        assert_eq!(long.len(), EDGE_MAX);
        assert_eq!(long.last().map(String::as_str), Some("abcdefgh"));
        let bi = run(Mode::Bigram, "Đăng ký khai");
        assert_eq!(
            bi.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            ["dangky", "kykhai"]
        );
        assert_eq!((bi[0].offset_from, bi[0].offset_to), (0, "Đăng ký".len()));
    }

    #[test]
    fn fast_fold_agrees_with_text_fold() {
        for i in 0..0x2000u32 {
            let Some(c) = char::from_u32(i) else { continue };
            if !c.is_alphanumeric() {
                continue;
            }
            let w = format!("a{c}b");
            assert_eq!(fold_word(&w), text::fold(&w), "{c:?}");
        }
        let nfd: String = "Đường".nfd().collect();
        assert_eq!(fold_word(&nfd), "duong");
        // Appended to a buffer that already holds text, including a word that takes the slow
        // path (NFD, another script) half-way through.
        let mut buf = String::new();
        let ws = ["Đăng", "KÝ", nfd.as_str(), "Ελλάδα", "1.001193"];
        for w in ws {
            fold_word_into(w, &mut buf);
        }
        assert_eq!(buf, ws.iter().map(|w| text::fold(w)).collect::<String>());
    }

    #[test]
    fn word_cutting_agrees_with_text_words() {
        let mut s = String::new();
        for i in 0..0x3000u32 {
            if let Some(c) = char::from_u32(i) {
                s.push(c);
                if i % 7 == 0 {
                    s.push(' ');
                }
            }
        }
        s.push_str(&"Đường ĐĂNG ký, 1.001193 (cấp xã)".nfd().collect::<String>());
        let ours: Vec<&str> = words(&s).into_iter().map(|w| w.raw).collect();
        let theirs: Vec<&str> = text::words(&s)
            .filter(|w| w.len() <= MAX_TOKEN_BYTES)
            .collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("dang", "dnag"));
        assert!(within_one_edit("dang", "dan"));
        assert!(within_one_edit("dang", "dangg"));
        assert!(within_one_edit("dang", "dong"));
        assert!(!within_one_edit("dang", "dnga"));
        assert!(!within_one_edit("dang", "da"));
        assert!(within_one_edit("", "a"));
    }
}
