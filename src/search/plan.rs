//! Query understanding: what the citizen typed, cut into *concepts* — a content word, a phrase
//! the synonym table knows (with the words official names use instead), or a filler (question
//! and dialect words that must not drown the content words). No tantivy here.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::analyzer::{self, fold_word};
use crate::domain::{Synonym, text};

/// Question, dialect and grammar words that carry no procedure meaning. They stay in the query
/// as optional words (they still add a little score where they occur) but never decide whether
/// a record matches. Matched on folded form, or on the tone key when typed with diacritics, so
/// "mở" (open) is not taken for "mô" (Central "where").
const FILLERS: &[&str] = &[
    // Question words, standard and Central/Southern dialect.
    "gì",
    "chi",
    "nào",
    "sao",
    "đâu",
    "rứa",
    "ni",
    "nớ",
    "mấy",
    "bao nhiêu",
    "bao nhiêu tiền",
    "bao lâu",
    "mất bao lâu",
    "bao giờ",
    "khi nào",
    "lúc nào",
    "thế nào",
    "như thế nào",
    "ra sao",
    "làm sao",
    "làm thế nào",
    "ở đâu",
    "chỗ nào",
    "nơi nào",
    "được không",
    "hay không",
    "có không",
    "không",
    "chưa",
    "hả",
    "ạ",
    "à",
    "nhé",
    "nha",
    "vậy",
    "thế",
    // Asking and wanting.
    "tôi",
    "mình",
    "hỏi",
    "xin hỏi",
    "cho hỏi",
    "xin",
    "muốn",
    "cần",
    "phải",
    "nên",
    "được",
    "có",
    "là",
    "thì",
    "mà",
    "và",
    "với",
    "của",
    "cho",
    "các",
    "những",
    "một",
    "về",
    "để",
    "khi",
    "ở",
    "tại",
    "đi",
    "đến",
    "mang",
    "theo",
    "như",
    "làm",
    "gồm",
    "cần chuẩn bị",
    "chuẩn bị",
    "nộp",
    // Words that name the kiosk's whole subject rather than one procedure.
    "thủ tục",
    "thủ tục hành chính",
    "lệ phí",
    "phí",
    "giấy tờ",
    "hồ sơ",
    "hướng dẫn",
    "quy trình",
    "cách",
    "thực hiện",
];

/// One typed word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QWord {
    pub raw: String,
    pub folded: String,
    /// The exact-diacritics key, only when the citizen typed diacritics.
    pub tone: Option<String>,
    /// The last word, still being typed (the input does not end after it).
    pub prefix: bool,
    /// Dictionary words within one typing error, tried as weaker alternatives (typo pass only).
    pub fuzzy: Vec<String>,
}

/// A unit of meaning in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Concept {
    /// The typed words it covers, in order.
    pub words: Vec<QWord>,
    /// What official names say instead (folded words of each expansion), from the synonym table.
    pub alts: Vec<Vec<String>>,
    /// The exact-diacritics keys of the words of each expansion (same order as `alts`), which
    /// tell "cấp lại giấy phép lái xe" from "cấp giấy phép lái xe" where folding cannot.
    pub alt_tones: Vec<Vec<String>>,
    /// Optional: a question or dialect word.
    pub filler: bool,
    /// A word that may be a filler or a content word ("can" without diacritics: "cần" or "căn"):
    /// it ranks like a content word but does not filter.
    pub optional: bool,
}

impl Concept {
    pub fn key(&self) -> String {
        let mut k: Vec<&str> = self.words.iter().map(|w| w.folded.as_str()).collect();
        if self.words.last().is_some_and(|w| w.prefix) {
            k.push("*");
        }
        k.join(" ")
    }
}

/// A parsed query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub words: Vec<QWord>,
    pub concepts: Vec<Concept>,
}

impl Plan {
    #[cfg(test)]
    pub fn content(&self) -> impl Iterator<Item = &Concept> {
        self.concepts.iter().filter(|c| !c.filler)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    term: Vec<String>,
    expansions: Vec<Vec<String>>,
    /// Tone keys of the words of each expansion.
    tones: Vec<Vec<String>>,
}

/// Expansions: folded words and tone keys of each, in parallel.
type Expansions = (Vec<Vec<String>>, Vec<Vec<String>>);

fn add_expansion(to: &mut Expansions, words: &[String], tones: &[String]) {
    if !to.0.iter().any(|x| x == words) {
        to.0.push(words.to_vec());
        to.1.push(tones.to_vec());
    }
}

/// The synonym table, keyed by folded words so "sổ đỏ", "so do" and "Sổ Đỏ" all match.
#[derive(Debug, Clone, Default)]
pub(crate) struct SynonymTable {
    entries: Vec<Entry>,
    by_first: HashMap<String, Vec<usize>>,
}

fn folded_words(s: &str) -> Vec<String> {
    analyzer::words(s).into_iter().map(|w| w.folded).collect()
}

fn tone_words(s: &str) -> Vec<String> {
    analyzer::words(s)
        .into_iter()
        .map(|w| text::tone_key(w.raw))
        .collect()
}

impl SynonymTable {
    pub fn new(synonyms: &[Synonym]) -> SynonymTable {
        let mut merged: Vec<Entry> = Vec::new();
        let mut at: HashMap<Vec<String>, usize> = HashMap::new();
        for s in synonyms {
            let term = folded_words(&s.term);
            if term.is_empty() {
                continue;
            }
            let i = *at.entry(term.clone()).or_insert_with(|| {
                merged.push(Entry {
                    term,
                    expansions: Vec::new(),
                    tones: Vec::new(),
                });
                merged.len() - 1
            });
            for e in &s.expansions {
                let ew = folded_words(e);
                if !ew.is_empty() && ew != merged[i].term && !merged[i].expansions.contains(&ew) {
                    merged[i].expansions.push(ew);
                    merged[i].tones.push(tone_words(e));
                }
            }
        }
        merged.retain(|e| !e.expansions.is_empty());
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in merged.iter().enumerate() {
            by_first.entry(e.term[0].clone()).or_default().push(i);
        }
        SynonymTable {
            entries: merged,
            by_first,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether a folded word is a word of some term (or, unfinished, the start of one): such a
    /// word is not a typo even when no record contains it ("DNTN").
    pub fn knows(&self, w: &str, prefix: bool) -> bool {
        self.entries.iter().any(|e| {
            e.term
                .iter()
                .any(|t| if prefix { t.starts_with(w) } else { t == w })
        })
    }

    /// The longest entry matching `words[i..]`; an unfinished last word matches the start of a
    /// term word (two letters at least when the term is one word). Several entries can match a
    /// prefix ("bh" → BHXH, BHYT, BHTN): their expansions are merged.
    fn longest_at(&self, words: &[QWord], i: usize) -> Option<(usize, Expansions)> {
        let first = &words[i];
        let candidates: Vec<usize> = if first.prefix {
            self.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.term[0].starts_with(&first.folded))
                .map(|(j, _)| j)
                .collect()
        } else {
            self.by_first
                .get(&first.folded)
                .cloned()
                .unwrap_or_default()
        };
        let mut best: Option<(usize, Expansions)> = None;
        for j in candidates {
            let e = &self.entries[j];
            let k = e.term.len();
            if i + k > words.len() {
                continue;
            }
            let ok = e.term.iter().enumerate().all(|(o, tw)| {
                let qw = &words[i + o];
                if qw.prefix {
                    tw.starts_with(&qw.folded) && (k > 1 || qw.folded.chars().count() >= 2)
                } else {
                    *tw == qw.folded
                }
            });
            if !ok {
                continue;
            }
            match &mut best {
                Some((bk, exps)) if *bk == k => {
                    for (x, t) in e.expansions.iter().zip(&e.tones) {
                        add_expansion(exps, x, t);
                    }
                }
                Some((bk, _)) if *bk > k => {}
                _ => best = Some((k, (e.expansions.clone(), e.tones.clone()))),
            }
        }
        best
    }
}

/// Filler phrases, folded, with the tone keys of their words.
struct Fillers {
    phrases: Vec<(Vec<String>, Vec<String>)>,
    words: HashSet<String>,
}

fn fillers() -> &'static Fillers {
    static F: std::sync::OnceLock<Fillers> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let phrases: Vec<(Vec<String>, Vec<String>)> = FILLERS
            .iter()
            .map(|p| {
                let ws = analyzer::words(p);
                (
                    ws.iter().map(|w| w.folded.clone()).collect(),
                    ws.iter().map(|w| text::tone_key(w.raw)).collect(),
                )
            })
            .collect();
        let words = phrases
            .iter()
            .filter(|(f, _)| f.len() == 1)
            .map(|(f, _)| f[0].clone())
            .collect();
        Fillers { phrases, words }
    })
}

/// Length of the longest filler phrase at `words[i..]` (complete words only).
fn filler_at(words: &[QWord], i: usize) -> usize {
    let mut best = 0;
    for (folded, tones) in &fillers().phrases {
        let k = folded.len();
        if k <= best || i + k > words.len() {
            continue;
        }
        let ok = (0..k).all(|o| {
            let w = &words[i + o];
            !w.prefix && w.folded == folded[o] && w.tone.as_ref().is_none_or(|t| *t == tones[o])
        });
        if ok {
            best = k;
        }
    }
    best
}

/// Whether the one-word filler at `words[i]` may be a content word. Typed without diacritics, in
/// a query typed without any, such a word is ambiguous ("can" is "cần" but also "căn" of "căn
/// cước") when it stands next to a neighbour it forms a name bigram with ("can cuoc"). Someone
/// who types diacritics types them everywhere, so in "giấy phép lao động cho người nước ngoài"
/// the bare "cho" is the filler "cho".
fn ambiguous_filler(words: &[QWord], i: usize, known_bigram: &dyn Fn(&str) -> bool) -> bool {
    if words.iter().any(|w| w.tone.is_some()) {
        return false;
    }
    let w = &words[i].folded;
    let before = i > 0 && known_bigram(&format!("{}{w}", words[i - 1].folded));
    let after = words
        .get(i + 1)
        .is_some_and(|n| !n.prefix && known_bigram(&format!("{w}{}", n.folded)));
    before || after
}

/// Whether a folded word list is made only of filler words.
fn all_fillers(ws: &[String]) -> bool {
    !ws.is_empty() && ws.iter().all(|w| fillers().words.contains(w))
}

/// Cuts `input` into words and concepts. The last word is a prefix unless the input ends with a
/// space or punctuation. `known_bigram` tells whether two folded syllables stand side by side in
/// some name.
pub(crate) fn parse(
    input: &str,
    synonyms: &SynonymTable,
    known_bigram: &dyn Fn(&str) -> bool,
) -> Plan {
    segment(tokenize(input), synonyms, known_bigram)
}

/// The typed words; the last is a prefix unless the input ends with a space or punctuation.
pub(crate) fn tokenize(input: &str) -> Vec<QWord> {
    let cleaned = text::clean_line(input);
    let ends_open = input
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c));
    let ws = analyzer::words(&cleaned);
    let n = ws.len();
    ws.iter()
        .enumerate()
        .map(|(i, w)| QWord {
            raw: w.raw.to_string(),
            folded: w.folded.clone(),
            tone: text::has_diacritics(w.raw).then(|| text::tone_key(w.raw)),
            prefix: ends_open && i + 1 == n,
            fuzzy: Vec::new(),
        })
        .collect()
}

/// Groups words into concepts: synonym phrases (longest first), fillers, single words.
pub(crate) fn segment(
    words: Vec<QWord>,
    synonyms: &SynonymTable,
    known_bigram: &dyn Fn(&str) -> bool,
) -> Plan {
    let n = words.len();
    let mut concepts: Vec<Concept> = Vec::new();
    let mut i = 0;
    while i < n {
        let syn = synonyms.longest_at(&words, i);
        let fill = filler_at(&words, i);
        let syn_len = syn.as_ref().map_or(0, |(k, _)| *k);
        if syn_len > 0 && syn_len >= fill {
            let (mut k, mut alts) = syn.unwrap_or_default();
            // Phrases that overlap say one thing: "làm giấy khai sinh" and "khai sinh cho con"
            // in "làm giấy khai sinh cho con" are one concept with the expansions of both.
            let mut j = i + 1;
            while j < i + k {
                if let Some((k2, more)) = synonyms.longest_at(&words, j)
                    && j + k2 > i + k
                {
                    k = j + k2 - i;
                    for (x, t) in more.0.iter().zip(&more.1) {
                        add_expansion(&mut alts, x, t);
                    }
                }
                j += 1;
            }
            let filler = alts.0.iter().all(|a| all_fillers(a));
            concepts.push(Concept {
                words: words[i..i + k].to_vec(),
                alts: alts.0,
                alt_tones: alts.1,
                filler,
                optional: false,
            });
            i += k;
        } else if fill > 1 || (fill == 1 && !ambiguous_filler(&words, i, known_bigram)) {
            concepts.push(Concept {
                words: words[i..i + fill].to_vec(),
                alts: Vec::new(),
                alt_tones: Vec::new(),
                filler: true,
                optional: false,
            });
            i += fill;
        } else {
            concepts.push(Concept {
                words: vec![words[i].clone()],
                alts: Vec::new(),
                alt_tones: Vec::new(),
                filler: false,
                // An ambiguous filler ranks as a content word but filters nothing.
                optional: fill == 1,
            });
            i += 1;
        }
    }
    // A query of nothing but fillers ("thủ tục", "lệ phí") means those words.
    if !concepts.is_empty() && concepts.iter().all(|c| c.filler || c.optional) {
        for c in &mut concepts {
            c.filler = false;
            c.optional = false;
        }
    }
    // Long titles repeat phrases ("quyền sử dụng đất" five times): keep each concept once.
    let mut seen = HashSet::new();
    concepts.retain(|c| seen.insert((c.key(), c.filler)));
    Plan { words, concepts }
}

/// `fold_word` for callers outside the analyzer.
pub(crate) fn fold(s: &str) -> String {
    fold_word(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SynonymTable {
        SynonymTable::new(&[
            Synonym {
                term: "CCCD".into(),
                expansions: vec!["thẻ căn cước".into(), "căn cước".into()],
            },
            Synonym {
                term: "sổ đỏ".into(),
                expansions: vec!["giấy chứng nhận quyền sử dụng đất".into()],
            },
            Synonym {
                term: "BHXH".into(),
                expansions: vec!["bảo hiểm xã hội".into()],
            },
            Synonym {
                term: "BHYT".into(),
                expansions: vec!["bảo hiểm y tế".into()],
            },
            Synonym {
                term: "cần chi".into(),
                expansions: vec!["cần gì".into()],
            },
        ])
    }

    fn parse_t(s: &str, t: &SynonymTable) -> Plan {
        parse(s, t, &|b| b == "cancuoc")
    }

    fn keys(p: &Plan) -> Vec<(String, bool, usize)> {
        p.concepts
            .iter()
            .map(|c| (c.key(), c.filler, c.alts.len()))
            .collect()
    }

    #[test]
    fn last_word_is_a_prefix_until_a_space() {
        let t = table();
        let p = parse_t("dang ky khai si", &t);
        assert!(p.words.last().is_some_and(|w| w.prefix));
        let p = parse_t("dang ky khai sinh ", &t);
        assert!(p.words.iter().all(|w| !w.prefix));
        let p = parse_t("cộng đồng.", &t);
        assert!(p.words.iter().all(|w| !w.prefix));
    }

    #[test]
    fn synonyms_match_folded_and_by_prefix() {
        let t = table();
        let p = parse_t("xin cap so do ", &t);
        assert_eq!(
            keys(&p),
            [
                ("xin".into(), true, 0),
                ("cap".into(), false, 0),
                ("so do".into(), false, 1)
            ]
        );
        let p = parse_t("lam cccd", &t);
        assert_eq!(p.concepts[1].alts.len(), 2);
        // "bh" is the start of two entries: both expansions are tried.
        let p = parse_t("the bh", &t);
        assert_eq!(p.concepts[1].alts.len(), 2);
        // One letter is too little to guess an abbreviation.
        let p = parse_t("the b", &t);
        assert!(p.concepts[1].alts.is_empty());
    }

    #[test]
    fn fillers_do_not_count_as_content() {
        let t = table();
        let p = parse_t("Làm căn cước cần chi ", &t);
        let content: Vec<String> = p.content().map(Concept::key).collect();
        assert_eq!(content, ["can", "cuoc"]);
        // Typed with diacritics, "mở" is not the dialect "mô".
        let p = parse_t("mở công ty ", &t);
        assert!(!p.concepts[0].filler);
        let p = parse_t("thủ tục ", &t);
        assert!(
            p.concepts.iter().all(|c| !c.filler),
            "all-filler queries keep their words"
        );
        // Without diacritics "can" may be "cần" (filler) or "căn" of "căn cước" (content).
        let p = parse_t("lam can cuoc can chi ", &t);
        let content: Vec<String> = p.content().map(Concept::key).collect();
        assert_eq!(content, ["can", "cuoc"]);
    }
}
