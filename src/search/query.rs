//! Building the tantivy query of one pass from a parsed [`Plan`]: each content concept is a
//! required clause whose score sums BM25 over the fields, weighted name ≫ keywords/fields ≫
//! body; a typed diacritic adds the exact-diacritics field; the word being typed matches the edge
//! n-gram fields; synonyms add the official wording as alternatives; filler words are optional
//! and light; adjacent typed words that are adjacent in a name (the syllable-bigram field) add a
//! proximity boost. The typo pass first rereads unknown words as dictionary words
//! ([`typo_plan`]).

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, Occur, PhraseQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use super::SearchIndex;
use super::analyzer::{EDGE_MAX, char_prefix};
use super::plan::{self, Concept, Plan, QWord};
use super::snippet::{Group, Highlights};

pub(super) type BoxQuery = Box<dyn tantivy::query::Query>;

// Field weights: name ≫ keywords/fields ≫ body.
const W_NAME: f32 = 3.0;
const W_BIGRAM_WORD: f32 = 2.5;
const W_KW: f32 = 1.2;
const W_BODY: f32 = 0.4;
/// A typed diacritic that matches exactly (thuế, not thuê).
const W_TONE: f32 = 5.0;
/// The word being typed, when it is already a whole word of the name.
const W_PREFIX_WHOLE: f32 = 1.0;
/// Two typed words that stand side by side in a name.
const W_PAIR: f32 = 1.5;
/// An expansion's words as a phrase in a name.
const W_PHRASE: f32 = 2.0;
/// The official wording a synonym stands for, relative to the typed words.
const W_SYN: f32 = 0.9;
/// What the other readings of a concept (typed words, synonym expansions) add to the best one.
const T_ALT: f32 = 0.1;
/// A dictionary word within one typing error.
const W_FUZZY: f32 = 0.6;
/// Question and dialect words: optional and light.
const W_FILLER: f32 = 0.25;

/// Body words tried for the word being typed (most frequent first).
const BODY_PREFIX_TERMS: usize = 12;
/// Dictionary words tried per mistyped word, and considered when choosing its reading.
const FUZZY_TERMS: usize = 6;
const FUZZY_CANDIDATES: usize = 16;
/// Words shorter than this are never corrected (distance 1 from this length on). Vietnamese
/// syllables are short (DESIGN: 13% have five letters or more). Measured on dev.jsonl with the
/// real corpus: from 3 letters, Success@5 is 1.000 on the `typo` variant and 30/30 with a swap in
/// a 3–4-letter word; from 4 letters 1.000 and 29/30; from 5 letters 0.867 and 26/30. Two-letter
/// words are never corrected: dozens of syllables lie within one edit of each.
pub(crate) const TYPO_MIN_LEN: usize = 3;
/// A tuning knob read from `MOTCUA_<NAME>` (developer experiments), else its default. The
/// environment is read once: knobs are asked for on every keystroke, several times a query.
pub(super) fn tune(name: &str, default: f32) -> f32 {
    static KNOBS: std::sync::OnceLock<std::collections::HashMap<String, f32>> =
        std::sync::OnceLock::new();
    KNOBS
        .get_or_init(|| {
            std::env::vars()
                .filter_map(|(k, v)| {
                    Some((k.strip_prefix("MOTCUA_")?.to_string(), v.parse().ok()?))
                })
                .collect()
        })
        .get(name)
        .copied()
        .unwrap_or(default)
}

fn tq(field: Field, text: &str, boost: f32) -> BoxQuery {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// A term of a name field, counted once however often the name repeats it: "Cấp bản sao Trích
/// lục hộ tịch, bản sao Giấy khai sinh" is no more about "bản sao" than "Chứng thực bản sao".
/// (Without frequencies tantivy scores every posting with a frequency of one; the field length
/// still counts.)
fn tq_name(field: Field, text: &str, boost: f32) -> BoxQuery {
    let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic);
    Box::new(BoostQuery::new(Box::new(q), boost))
}

fn union(mut qs: Vec<BoxQuery>) -> BoxQuery {
    match qs.len() {
        0 => Box::new(EmptyQuery),
        1 => qs.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(BooleanQuery::union(qs)),
    }
}

/// How many content concepts a record must match in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Required {
    All,
    AtLeast(usize),
}

/// Builds the tantivy query of one pass and records what to highlight.
pub(super) struct Builder<'a> {
    pub ix: &'a SearchIndex,
    pub required: Required,
}

impl Builder<'_> {
    /// A whole folded word in every field, scaled by `w`.
    fn whole_word(&self, fw: &str, w: f32, out: &mut Vec<BoxQuery>) {
        let (f, v) = (&self.ix.fields, &self.ix.vocab);
        if v.name.contains(fw) {
            out.push(tq_name(f.name, fw, W_NAME * w));
        }
        if v.bigram.contains(fw) {
            out.push(tq_name(f.name_bigram, fw, W_BIGRAM_WORD * w));
        }
        if v.kw.contains(fw) {
            out.push(tq(f.kw, fw, tune("W_KW", W_KW) * w));
        }
        if v.body.contains(fw) {
            out.push(tq(f.body, fw, tune("W_BODY", W_BODY) * w));
        }
    }

    fn word(&mut self, w: &QWord, g: &mut Group) -> BoxQuery {
        let f = self.ix.fields;
        let v = &self.ix.vocab;
        let fw = w.folded.as_str();
        let mut should: Vec<BoxQuery> = Vec::new();
        if w.prefix {
            let e = char_prefix(fw, EDGE_MAX);
            should.push(tq_name(f.name_edge, e, W_NAME));
            should.push(tq(f.kw_edge, e, tune("W_KW", W_KW)));
            if v.name.contains(fw) {
                should.push(tq_name(f.name, fw, W_PREFIX_WHOLE));
            }
            if v.bigram.contains(fw) {
                should.push(tq_name(f.name_bigram, fw, W_BIGRAM_WORD));
            }
            let body_terms = if fw.chars().count() >= 2 {
                v.body.top_with_prefix(fw, BODY_PREFIX_TERMS)
            } else {
                Vec::new()
            };
            for (t, _) in body_terms {
                should.push(tq(f.body, &t, tune("W_BODY", W_BODY)));
            }
            g.add_prefix(fw);
        } else {
            self.whole_word(fw, 1.0, &mut should);
            g.add_exact(fw);
        }
        if let Some(t) = &w.tone {
            should.push(tq_name(f.name_tone, t, W_TONE));
        }
        for c in &w.fuzzy {
            self.whole_word(c, W_FUZZY, &mut should);
            g.add_exact(c);
        }
        union(should)
    }

    fn concept(&mut self, c: &Concept, g: &mut Group) -> BoxQuery {
        let literal = if c.words.len() == 1 {
            self.word(&c.words[0], g)
        } else {
            let parts: Vec<(Occur, BoxQuery)> = c
                .words
                .iter()
                .map(|w| (Occur::Must, self.word(w, g)))
                .collect();
            Box::new(BooleanQuery::new(parts))
        };
        if c.alts.is_empty() {
            return literal;
        }
        let f = self.ix.fields;
        let mut alts: Vec<BoxQuery> = vec![literal];
        for a in &c.alts {
            let mut parts: Vec<(Occur, BoxQuery)> = Vec::new();
            for (i, x) in a.iter().enumerate() {
                if a[..i].contains(x) {
                    continue;
                }
                let mut should = Vec::new();
                self.whole_word(x, 1.0, &mut should);
                parts.push((Occur::Must, union(should)));
                g.add_exact(x);
            }
            if a.len() >= 2 && a.iter().all(|x| self.ix.vocab.name.contains(x)) {
                let terms = a.iter().map(|x| Term::from_field_text(f.name, x)).collect();
                parts.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), W_PHRASE)),
                ));
            }
            alts.push(Box::new(BoostQuery::new(
                Box::new(BooleanQuery::new(parts)),
                W_SYN,
            )));
        }
        // One reading of the concept counts: what the citizen typed or one official wording,
        // whichever matches best, not the sum of them (a record matching both is no more
        // relevant, and summing favoured records that happen to repeat the citizen's words in
        // their body over the one named in the official words).
        Box::new(DisjunctionMaxQuery::with_tie_breaker(
            alts,
            tune("T_ALT", T_ALT),
        ))
    }

    pub fn build(&mut self, plan: &Plan) -> (BoxQuery, Highlights) {
        let f = self.ix.fields;
        let mut clauses: Vec<(Occur, BoxQuery)> = Vec::new();
        let mut content: Vec<BoxQuery> = Vec::new();
        let mut hl = Highlights::default();
        for c in &plan.concepts {
            let mut g = Group::default();
            let q = self.concept(c, &mut g);
            let one_letter = one_letter(c, plan);
            if c.filler {
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, W_FILLER))));
            } else if one_letter || c.optional {
                // The first letter of the next word ranks, it does not filter yet; nor does a
                // word that may be a filler.
                clauses.push((Occur::Should, q));
                hl.groups.push(g);
            } else {
                content.push(q);
                hl.groups.push(g);
            }
        }
        match self.required {
            Required::AtLeast(1) => clauses.push((Occur::Must, union(content))),
            Required::AtLeast(k) if k < content.len() => {
                let some = content.into_iter().map(|q| (Occur::Should, q)).collect();
                clauses.push((
                    Occur::Must,
                    Box::new(BooleanQuery::with_minimum_required_clauses(some, k)),
                ));
            }
            _ => clauses.extend(content.into_iter().map(|q| (Occur::Must, q))),
        }
        // Proximity: typed neighbours that are neighbours in a name.
        // Typed with diacritics, the neighbours must match with them (thuế đất, not thuê đất).
        for pair in plan.words.windows(2) {
            let joined = format!("{}{}", pair[0].folded, pair[1].folded);
            if let (Some(a), Some(b)) = (&pair[0].tone, &pair[1].tone) {
                let t = super::analyzer::tone_bigram(a, b);
                if self.ix.vocab.tone_bigram.contains(&t) {
                    clauses.push((Occur::Should, tq_name(f.name_tone_bigram, &t, W_PAIR)));
                }
            } else if pair[1].prefix {
                for (t, _) in self.ix.vocab.bigram.top_with_prefix(&joined, 3) {
                    clauses.push((Occur::Should, tq_name(f.name_bigram, &t, W_PAIR)));
                }
            } else if self.ix.vocab.bigram.contains(&joined) {
                clauses.push((Occur::Should, tq_name(f.name_bigram, &joined, W_PAIR)));
            }
        }
        (Box::new(BooleanQuery::new(clauses)), hl)
    }
}

/// The first letter of the next word ranks, it does not filter yet.
fn one_letter(c: &Concept, plan: &Plan) -> bool {
    c.alts.is_empty()
        && c.words.len() == 1
        && c.words[0].prefix
        && c.words[0].folded.chars().count() < 2
        && plan.concepts.len() > 1
}

/// How many concepts a record must match in a strict pass.
pub(super) fn content_count(plan: &Plan) -> usize {
    plan.concepts
        .iter()
        .filter(|c| !c.filler && !c.optional && !one_letter(c, plan))
        .count()
}

/// Whether a word is in no record and no synonym term (a typing error, or a word the data
/// does not have).
fn known(ix: &SearchIndex, fw: &str, prefix: bool) -> bool {
    let v = &ix.vocab;
    ix.synonyms.knows(fw, prefix)
        || if prefix {
            v.name.with_prefix(fw).next().is_some()
                || v.kw.with_prefix(fw).next().is_some()
                || v.body.with_prefix(fw).next().is_some()
        } else {
            v.name.contains(fw) || v.kw.contains(fw) || v.body.contains(fw)
        }
}

/// Whether some word long enough to be a typing error is unknown.
pub(super) fn has_unknown_word(ix: &SearchIndex, plan: &Plan) -> bool {
    plan.words.iter().any(|w| {
        w.folded.chars().count() >= TYPO_MIN_LEN
            && !w.folded.chars().any(|c| c.is_ascii_digit())
            && !known(ix, &w.folded, w.prefix)
    })
}

/// The plan of the typo pass: a word the index does not know is read as its most frequent
/// dictionary neighbour within one edit (then synonyms and fillers are looked up again, so
/// "nậhp khẩu" still means "nhập khẩu" → thường trú); every word also gets its other neighbours
/// as weaker alternatives.
pub(super) fn typo_plan(ix: &SearchIndex, plan: &Plan) -> (Plan, Vec<(String, String)>) {
    let v = &ix.vocab;
    let mut corrections = Vec::new();
    let mut words: Vec<QWord> = plan.words.clone();
    let mut unknown_any = false;
    let mut alternatives: Vec<Vec<String>> = vec![Vec::new(); words.len()];
    for i in 0..words.len() {
        let fw = words[i].folded.clone();
        let prefix = words[i].prefix;
        if fw.chars().count() < TYPO_MIN_LEN || fw.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let known = known(ix, &fw, prefix);
        let mut cands: Vec<String> = v
            .within_one_edit(&fw, prefix, FUZZY_CANDIDATES)
            .into_iter()
            .map(|c| c.0)
            .collect();
        if !known && !cands.is_empty() {
            // The neighbour that makes a known pair with the words around it wins ("các trờưng"
            // → "trường", not the more frequent "trung"); then the most frequent.
            let prev = (i > 0).then(|| words[i - 1].folded.clone());
            let next = words.get(i + 1).map(|w| w.folded.clone());
            let support = |c: &str| {
                usize::from(
                    prev.as_ref()
                        .is_some_and(|p| v.bigram.contains(&format!("{p}{c}"))),
                ) + usize::from(
                    next.as_ref()
                        .is_some_and(|n| v.bigram.contains(&format!("{c}{n}"))),
                )
            };
            let best_at = (0..cands.len())
                .max_by_key(|&k| (support(&cands[k]), std::cmp::Reverse(k)))
                .unwrap_or(0);
            let best = cands.remove(best_at);
            corrections.push((words[i].raw.clone(), best.clone()));
            let w = &mut words[i];
            w.folded = best;
            w.tone = None;
            w.prefix = false;
        }
        cands.truncate(FUZZY_TERMS);
        unknown_any |= !known;
        if !known {
            words[i].fuzzy = cands;
        } else {
            alternatives[i] = cands;
        }
    }
    // Known words get alternatives only when every word is known (the typo made another real
    // word); otherwise the correction of the unknown ones is enough, and alternatives for the
    // rest would only add noise.
    if !unknown_any {
        for (w, alts) in words.iter_mut().zip(alternatives) {
            w.fuzzy = alts;
        }
    }
    (
        plan::segment(words, &ix.synonyms, &|b| v.bigram.contains(b)),
        corrections,
    )
}
