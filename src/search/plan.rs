//! Query understanding: what the citizen typed, cut into *concepts* — a content word, a phrase
//! the synonym table knows (with the words official names use instead), or a filler (question
//! and dialect words that must not drown the content words). No tantivy here.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::analyzer::{self, fold_word};
use super::words;
use crate::domain::{Synonym, text};

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
    /// What the question asks about the procedure, if anything ("bao lâu" → the time limit).
    pub asks: Option<words::Ask>,
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
    fn longest_at(&self, words: &[QWord], i: usize) -> Option<(Vec<usize>, Expansions)> {
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
        let mut best: Option<(Vec<usize>, Expansions)> = None;
        for j in candidates {
            let e = &self.entries[j];
            let Some(at) = match_term(&e.term, words, i) else {
                continue;
            };
            // The longest term wins (then the shortest span); equally long ones merge.
            let span = |p: &[usize]| p.last().map_or(0, |l| l + 1 - i);
            match &mut best {
                Some((b, exps)) if b.len() == at.len() && span(b) == span(&at) => {
                    for (x, t) in e.expansions.iter().zip(&e.tones) {
                        add_expansion(exps, x, t);
                    }
                }
                Some((b, _))
                    if b.len() > at.len() || (b.len() == at.len() && span(b) < span(&at)) => {}
                _ => best = Some((at, (e.expansions.clone(), e.tones.clone()))),
            }
        }
        best
    }
}

/// Most filler and context words a synonym term may step over ("bố tôi mất" is "bố mất").
const MAX_SKIPPED: usize = 2;

/// The positions of the query words that match the term's words from `i`, if it matches there.
/// An unfinished last word matches the start of a term word (two letters at least when the term
/// is one word); between the term's words, filler and context words may stand.
fn match_term(term: &[String], words: &[QWord], i: usize) -> Option<Vec<usize>> {
    let k = term.len();
    let mut at = i;
    let mut skipped = 0;
    let mut matched = Vec::with_capacity(k);
    for (o, tw) in term.iter().enumerate() {
        loop {
            let qw = words.get(at)?;
            let hit = if qw.prefix {
                tw.starts_with(&qw.folded) && (k > 1 || qw.folded.chars().count() >= 2)
            } else {
                *tw == qw.folded
            };
            if hit {
                break;
            }
            let skippable = o > 0
                && !qw.prefix
                && skipped < MAX_SKIPPED
                && (words::fillers().has_word(&qw.folded) || words::context().has_word(&qw.folded));
            if !skippable {
                return None;
            }
            skipped += 1;
            at += 1;
        }
        matched.push(at);
        at += 1;
    }
    Some(matched)
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
    !ws.is_empty() && ws.iter().all(|w| words::fillers().has_word(w))
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

/// Groups words into concepts: synonym phrases (longest first), fillers, context words, single
/// words.
pub(crate) fn segment(
    words: Vec<QWord>,
    synonyms: &SynonymTable,
    known_bigram: &dyn Fn(&str) -> bool,
) -> Plan {
    let n = words.len();
    let asks = words::ask(&words);
    let mut concepts: Vec<Concept> = Vec::new();
    let word = |w: &QWord, filler: bool, optional: bool| Concept {
        words: vec![w.clone()],
        alts: Vec::new(),
        alt_tones: Vec::new(),
        filler,
        optional,
    };
    let mut i = 0;
    // Where a purpose clause starts ("… để vay ngân hàng"): what follows says why, not which
    // procedure, so it ranks but filters nothing.
    let mut purpose_from: Option<usize> = None;
    while i < n {
        if purpose_from.is_none()
            && purpose_word(&words, i)
            && concepts.iter().any(|c| !c.filler && !c.optional)
        {
            concepts.push(word(&words[i], true, false));
            purpose_from = Some(concepts.len());
            i += 1;
            continue;
        }
        let syn = synonyms.longest_at(&words, i);
        let mut fill = words::fillers().longest_at(&words, i).map_or(0, |x| x.1);
        let mut ctx = words::context().longest_at(&words, i).map_or(0, |x| x.1);
        // A question mostly ends without a space, so its last word counts as still being
        // typed; a phrase that ends exactly there ("ở đâu", "bao lâu", "giấy tờ gì") is the
        // question, not the start of another word. One bare word ("gi", "dau") may still be
        // one ("giấy", "đầu"): in a sentence it ranks but filters nothing; typed alone or in a
        // short query it stays a word being typed.
        let mut unsure_end = false;
        if let Some((_, k)) = words::fillers().ending_at_end(&words, i)
            && k > fill
        {
            if k > 1 || words[i].tone.is_some() {
                fill = k;
            } else if n >= 4 {
                fill = k;
                unsure_end = true;
            }
        }
        // A context word at the end ("… về quê") is one too when typed with its diacritics or
        // after enough words; as a context word it ranks and filters nothing either way.
        if let Some((_, k)) = words::context().ending_at_end(&words, i)
            && (k > 1 || words[i].tone.is_some() || n >= 4)
            && k > ctx
        {
            ctx = k;
        }
        let syn_len = syn
            .as_ref()
            .map_or(0, |(at, _)| at.last().map_or(0, |l| l + 1 - i));
        if syn_len > 0 && syn_len >= fill && syn_len >= ctx {
            let (mut at, mut alts) = syn.unwrap_or_default();
            // Phrases that overlap say one thing: "làm giấy khai sinh" and "khai sinh cho con"
            // in "làm giấy khai sinh cho con" are one concept with the expansions of both.
            let mut end = i + syn_len;
            let mut j = i + 1;
            while j < end {
                if let Some((more_at, more)) = synonyms.longest_at(&words, j)
                    && more_at.last().is_some_and(|l| l + 1 > end)
                {
                    end = more_at.last().map_or(end, |l| l + 1);
                    at.extend(more_at);
                    for (x, t) in more.0.iter().zip(&more.1) {
                        add_expansion(&mut alts, x, t);
                    }
                }
                j += 1;
            }
            at.sort_unstable();
            at.dedup();
            let filler = alts.0.iter().all(|a| all_fillers(a));
            // Words a term stepped over ("tôi" in "bố tôi mất") are not part of its wording.
            concepts.push(Concept {
                words: at.iter().map(|&p| words[p].clone()).collect(),
                alts: alts.0,
                alt_tones: alts.1,
                filler,
                optional: false,
            });
            i = end;
        } else if fill > 1
            || (fill == 1
                && !unsure_end
                && fill >= ctx
                && !ambiguous_filler(&words, i, known_bigram))
        {
            concepts.push(Concept {
                words: words[i..i + fill].to_vec(),
                alts: Vec::new(),
                alt_tones: Vec::new(),
                filler: true,
                optional: false,
            });
            i += fill;
        } else if ctx > 0 {
            concepts.push(Concept {
                words: words[i..i + ctx].to_vec(),
                alts: Vec::new(),
                alt_tones: Vec::new(),
                filler: false,
                optional: true,
            });
            i += ctx;
        } else {
            let w = &words[i];
            // A number in a sentence ("con 10 tuổi") says how, not what; an ambiguous filler
            // ranks as a content word but filters nothing.
            let number = !w.folded.is_empty() && w.folded.bytes().all(|b| b.is_ascii_digit());
            concepts.push(word(w, false, fill == 1 || number));
            i += 1;
        }
    }
    if let Some(from) = purpose_from {
        for c in concepts.iter_mut().skip(from).filter(|c| !c.filler) {
            c.optional = true;
        }
    }
    // A query of nothing but context and fillers ("ông bà", "thủ tục", "lệ phí") means those
    // words: context words first, fillers when there is nothing else.
    if !concepts.is_empty() && concepts.iter().all(|c| c.filler || c.optional) {
        let has_context = concepts.iter().any(|c| c.optional);
        for c in &mut concepts {
            if c.optional || !has_context {
                c.filler = false;
                c.optional = false;
            }
        }
    }
    // Long titles repeat phrases ("quyền sử dụng đất" five times): keep each concept once.
    let mut seen = HashSet::new();
    concepts.retain(|c| seen.insert((c.key(), c.filler)));
    Plan {
        words,
        concepts,
        asks,
    }
}

/// Whether the word at `i` opens a purpose clause: "để" followed by more words, not "để lại"
/// (to leave behind). Typed without diacritics, "de" is also "đề" (đề nghị) and "đẻ" (con đẻ,
/// mới đẻ): only where neither reading fits.
fn purpose_word(words: &[QWord], i: usize) -> bool {
    let w = &words[i];
    let Some(next) = words.get(i + 1) else {
        return false;
    };
    // A clause of a few words at the end of a question; not a long official name pasted in
    // ("bán hoặc tặng cho hoặc để thừa kế…").
    const MAX_CLAUSE: usize = 6;
    let after_or = i
        .checked_sub(1)
        .is_some_and(|p| matches!(words[p].folded.as_str(), "hoac" | "va" | "hay"));
    if w.folded != "de"
        || w.prefix
        || next.folded == "lai"
        || after_or
        || words.len() - i - 1 > MAX_CLAUSE
    {
        return false;
    }
    match w.tone.as_deref() {
        Some(t) => t == text::tone_key("để"),
        None => {
            const NOT_AFTER: [&str; 6] = ["con", "moi", "vua", "sinh", "da", "sap"];
            const NOT_BEFORE: [&str; 9] =
                ["nghi", "xuat", "an", "tai", "con", "non", "o", "cu", "ra"];
            let prev = i.checked_sub(1).map(|p| words[p].folded.as_str());
            !prev.is_some_and(|p| NOT_AFTER.contains(&p))
                && !NOT_BEFORE.contains(&next.folded.as_str())
        }
    }
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
    fn a_purpose_clause_ranks_but_does_not_filter() {
        let t = table();
        let required = |q: &str| -> Vec<String> {
            parse_t(q, &t)
                .concepts
                .iter()
                .filter(|c| !c.filler && !c.optional)
                .map(Concept::key)
                .collect()
        };
        assert_eq!(
            required("xác nhận độc thân để vay ngân hàng"),
            ["xac", "nhan", "doc", "than"]
        );
        assert_eq!(
            required("xac nhan doc than de vay ngan hang"),
            ["xac", "nhan", "doc", "than"]
        );
        // Not "để lại", "đề nghị", "con đẻ", nor a clause with nothing before it, nor a long
        // official name pasted in ("… hoặc để thừa kế …").
        let opens = |q: &str| -> bool {
            let words = tokenize(q);
            (0..words.len()).any(|i| purpose_word(&words, i))
        };
        assert!(opens("xin giấy độc thân để vay ngân hàng"));
        assert!(opens("xin giay doc than de vay ngan hang"));
        for q in [
            "đất ông bà để lại cho con",
            "de nghi cap lai",
            "con de o benh vien tinh",
            "moi de con xong",
            "tặng cho hoặc để thừa kế",
            "cấp lại để",
            "xin giấy để vay ngân hàng mua nhà ở quê cho con",
        ] {
            assert!(!opens(q), "{q}");
        }
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
