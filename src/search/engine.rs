//! Running a query: code and phone-number lookups, then passes of growing tolerance (strict, typo,
//! without filters, any word), ranking with the kiosk's context, facets, snippets and
//! suggestions.
//!
//! Scoring: each content concept is a required clause whose score sums BM25 over the fields,
//! weighted name ≫ keywords/fields ≫ body; a typed diacritic adds the exact-diacritics field;
//! the word being typed matches the edge n-gram fields; synonyms add the official wording as
//! alternatives; filler words are optional and light; adjacent typed words that are adjacent in
//! a name (the syllable-bigram field) add a proximity boost.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, Occur, PhraseQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, Score, SegmentReader, TantivyDocument, Term};

use super::analyzer::{EDGE_MAX, char_prefix, within_one_edit};
use super::index::{DocKind, ProcMeta, province_key};
use super::plan::{self, Concept, Plan, QWord};
use super::snippet::{Group, Highlights};
use super::{
    Facets, Filters, GuideHit, Hit, HotlineHit, Query, RankContext, Relaxation, Results,
    SearchIndex, Snippet,
};
use crate::domain::{Level, ProcedureKind, normalize_code_query};

type BoxQuery = Box<dyn tantivy::query::Query>;
/// A ranked procedure: score, ordinal, address.
type Ranked = (f32, u32, DocAddress);
/// A hit being assembled: its record and the same-name records folded into it.
type Shown = (f32, u32, DocAddress, Vec<Ranked>);

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
/// The strict pass must find at least this many records, or the typo pass runs.
const MIN_STRICT_HITS: usize = 1;
/// Longest body passage in a snippet (bytes).
const EXCERPT_BYTES: usize = 220;

/// How much a name the query covers entirely counts over one it does not cover at all: the text
/// score is multiplied by `1 + W_COVER · coverage` (see `closeness`).
const W_COVER: f32 = 1.0;
/// The same for how much of the query the name says (see `closeness`).
const W_SAID: f32 = 0.5;

fn tune(name: &str, default: f32) -> f32 {
    std::env::var(format!("MOTCUA_{name}"))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// Ranking with the record and the kiosk's context (multiplies the text score).
const F_DETAIL: f32 = 1.25;
const F_OWN_LEVEL: f32 = 1.15;
const F_OWN_PROVINCE: f32 = 1.3;
const F_OTHER_PROVINCE: f32 = 0.8;
const F_SPECIFIC_NO_CONTEXT: f32 = 0.85;
const F_INTERNAL: f32 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pass {
    any_word: bool,
    fuzzy: bool,
}

#[derive(Debug, Clone, Copy)]
struct Matched {
    ord: u32,
    score: f32,
    addr: DocAddress,
}

#[derive(Default)]
struct PassOut {
    procs: Vec<Matched>,
    hotlines: Vec<Matched>,
    guides: Vec<Matched>,
    hl: Highlights,
    corrections: Vec<(String, String)>,
    /// The plan the pass ran (the typo pass reads mistyped words as dictionary words).
    plan: Plan,
}

/// Collects every match with its score, kind and ordinal (the sets are small: at most a few
/// thousand records), so ranking, filters and facets happen in one place afterwards.
struct AllMatches;

struct AllMatchesSeg {
    seg: u32,
    kind: std::sync::Arc<dyn ColumnValues<u64>>,
    ord: std::sync::Arc<dyn ColumnValues<u64>>,
    out: Vec<(u8, Matched)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(u8, Matched)>;
    type Child = AllMatchesSeg;

    fn for_segment(&self, seg: u32, reader: &SegmentReader) -> tantivy::Result<AllMatchesSeg> {
        let ff = reader.fast_fields();
        Ok(AllMatchesSeg {
            seg,
            kind: ff.u64("kind")?.first_or_default_col(0),
            ord: ff.u64("ord")?.first_or_default_col(0),
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u8, Matched)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for AllMatchesSeg {
    type Fruit = Vec<(u8, Matched)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.out.push((
            self.kind.get_val(doc) as u8,
            Matched {
                ord: self.ord.get_val(doc) as u32,
                score,
                addr: DocAddress::new(self.seg, doc),
            },
        ));
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
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

/// Builds the tantivy query of one pass and records what to highlight.
struct Builder<'a> {
    ix: &'a SearchIndex,
    any_word: bool,
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

    fn build(&mut self, plan: &Plan) -> (BoxQuery, Highlights) {
        let f = self.ix.fields;
        let mut clauses: Vec<(Occur, BoxQuery)> = Vec::new();
        let mut content: Vec<BoxQuery> = Vec::new();
        let mut hl = Highlights::default();
        for c in &plan.concepts {
            let mut g = Group::default();
            let q = self.concept(c, &mut g);
            let one_letter = c.alts.is_empty()
                && c.words.len() == 1
                && c.words[0].prefix
                && c.words[0].folded.chars().count() < 2
                && plan.concepts.len() > 1;
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
        if self.any_word {
            clauses.push((Occur::Must, union(content)));
        } else {
            clauses.extend(content.into_iter().map(|q| (Occur::Must, q)));
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

fn run_pass(
    ix: &SearchIndex,
    searcher: &tantivy::Searcher,
    plan: &Plan,
    pass: Pass,
) -> tantivy::Result<PassOut> {
    let (plan, corrections) = if pass.fuzzy {
        typo_plan(ix, plan)
    } else {
        (plan.clone(), Vec::new())
    };
    let mut b = Builder {
        ix,
        any_word: pass.any_word,
    };
    let (query, hl) = b.build(&plan);
    let mut out = PassOut {
        hl,
        corrections,
        plan,
        ..PassOut::default()
    };
    for (kind, m) in searcher.search(&*query, &AllMatches)? {
        match DocKind::from_u64(kind as u64) {
            Some(DocKind::Procedure) => out.procs.push(m),
            Some(DocKind::Hotline) => out.hotlines.push(m),
            Some(DocKind::Guide) => out.guides.push(m),
            None => {}
        }
    }
    Ok(out)
}

/// The plan of the typo pass: a word the index does not know is read as its most frequent
/// dictionary neighbour within one edit (then synonyms and fillers are looked up again, so
/// "nậhp khẩu" still means "nhập khẩu" → thường trú); every word also gets its other neighbours
/// as weaker alternatives.
fn typo_plan(ix: &SearchIndex, plan: &Plan) -> (Plan, Vec<(String, String)>) {
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
        let known = ix.synonyms.knows(&fw, prefix)
            || if prefix {
                v.name.with_prefix(&fw).next().is_some()
                    || v.kw.with_prefix(&fw).next().is_some()
                    || v.body.with_prefix(&fw).next().is_some()
            } else {
                v.name.contains(&fw) || v.kw.contains(&fw) || v.body.contains(&fw)
            };
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

/// Filters resolved once per search: the field named by its id.
struct Filter {
    online_only: bool,
    level: Option<Level>,
    /// `Some(None)`: a field no procedure has.
    field: Option<Option<u32>>,
}

impl Filter {
    fn new(ix: &SearchIndex, f: &Filters) -> Filter {
        Filter {
            online_only: f.online_only,
            level: f.level,
            field: f.field.as_ref().map(|name| {
                let want = plan::fold(name.trim());
                ix.field_names
                    .iter()
                    .position(|n| plan::fold(n) == want)
                    .map(|i| i as u32)
            }),
        }
    }

    fn passes(&self, ix: &SearchIndex, ord: u32) -> bool {
        let p = &ix.meta.procedures[ord as usize];
        if self.online_only && !p.online {
            return false;
        }
        if let Some(l) = self.level
            && !p.levels.contains(&l)
        {
            return false;
        }
        match self.field {
            None => true,
            Some(None) => false,
            Some(Some(id)) => ix.field_ids[ord as usize].contains(&id),
        }
    }
}

fn rank_factor(p: &ProcMeta, ctx: &RankContext, province: Option<&str>) -> f32 {
    let mut f = 1.0;
    if p.has_detail {
        f *= F_DETAIL;
    }
    if let Some(l) = ctx.level
        && p.levels.contains(&l)
    {
        f *= F_OWN_LEVEL;
    }
    match p.kind {
        ProcedureKind::Specific => {
            f *= match (province, p.province.as_deref()) {
                (Some(want), Some(have)) if want == have => F_OWN_PROVINCE,
                (Some(_), _) => F_OTHER_PROVINCE,
                (None, _) => F_SPECIFIC_NO_CONTEXT,
            }
        }
        ProcedureKind::StandardInternal => f *= F_INTERNAL,
        _ => {}
    }
    f
}

fn facets(ix: &SearchIndex, ords: impl Iterator<Item = u32>) -> Facets {
    let mut fields = vec![0u32; ix.field_names.len()];
    let mut levels = [0u32; 4];
    let mut online = 0;
    for o in ords {
        let p = &ix.meta.procedures[o as usize];
        for &f in &ix.field_ids[o as usize] {
            fields[f as usize] += 1;
        }
        for l in &p.levels {
            levels[*l as usize] += 1;
        }
        online += u32::from(p.online);
    }
    let mut fields: Vec<(String, u32)> = fields
        .into_iter()
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .map(|(i, n)| (ix.field_names[i].clone(), n))
        .collect();
    fields.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Facets {
        fields,
        levels: Level::ALL
            .into_iter()
            .filter(|l| levels[*l as usize] > 0)
            .map(|l| (l, levels[l as usize]))
            .collect(),
        online,
    }
}

fn hit(p: &ProcMeta, score: f32, snippet: Snippet, exact_code: bool) -> Hit {
    Hit {
        code: p.code.clone(),
        name: p.name.clone(),
        score,
        snippet,
        has_detail: p.has_detail,
        fields: p.fields.clone(),
        levels: p.levels.clone(),
        online: p.online,
        exact_code,
        variants: Vec::new(),
    }
}

/// The digits of a query that is a phone number ("1800 1096", "1800-1096", "113").
fn phone_digits(text: &str) -> Option<String> {
    let t = text.trim();
    let ok = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '+' | '(' | ')'));
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    (ok && digits.len() >= 3).then_some(digits)
}

/// A code being typed: "1.0011" (a dot makes it a code, not a phone number).
fn code_prefix(text: &str) -> Option<&str> {
    let t = text.trim();
    let (a, b) = t.split_once('.')?;
    let ok = !a.is_empty()
        && a.len() <= 2
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.len() < 6
        && b.bytes().all(|c| c.is_ascii_digit());
    ok.then_some(t)
}

fn snippet_of(hl: &Highlights, name: &str, body: impl FnOnce() -> Option<String>) -> Snippet {
    let (name_hl, covered) = hl.whole(name);
    let excerpt = if covered || hl.groups.is_empty() {
        None
    } else {
        body().and_then(|b| hl.excerpt(&b, EXCERPT_BYTES))
    };
    Snippet {
        name: name_hl,
        excerpt,
    }
}

pub(super) fn search(ix: &SearchIndex, q: &Query) -> tantivy::Result<Results> {
    let limit = q.limit.clamp(1, 500);
    let mut res = Results::default();
    let text = q.text.trim();
    if text.is_empty() {
        return Ok(res);
    }
    // A procedure code: that procedure, flagged.
    if let Some(code) = normalize_code_query(text)
        && let Some(&ord) = ix.by_code.get(&code)
    {
        let p = &ix.meta.procedures[ord as usize];
        res.procedures.push(hit(
            p,
            f32::MAX,
            Snippet {
                name: super::Highlighted {
                    text: p.name.clone(),
                    ranges: Vec::new(),
                },
                excerpt: None,
            },
            true,
        ));
        res.total = 1;
        res.facets = facets(ix, std::iter::once(ord));
        return Ok(res);
    }
    let filter = Filter::new(ix, &q.filters);
    if let Some(prefix) = code_prefix(text) {
        let mut ords: Vec<u32> = ix
            .meta
            .procedures
            .iter()
            .enumerate()
            .filter(|(i, p)| p.code.starts_with(prefix) && filter.passes(ix, *i as u32))
            .map(|(i, _)| i as u32)
            .collect();
        ords.sort_by(|a, b| {
            ix.meta.procedures[*a as usize]
                .code
                .cmp(&ix.meta.procedures[*b as usize].code)
        });
        if !ords.is_empty() {
            res.total = ords.len();
            res.facets = facets(ix, ords.iter().copied());
            res.procedures = ords
                .iter()
                .take(limit)
                .map(|&o| {
                    let p = &ix.meta.procedures[o as usize];
                    let s = Snippet {
                        name: super::Highlighted {
                            text: p.name.clone(),
                            ranges: Vec::new(),
                        },
                        excerpt: None,
                    };
                    hit(p, 1.0, s, false)
                })
                .collect();
            return Ok(res);
        }
    }
    // A phone number: the hotlines that have it.
    let mut phone_hits: Vec<(u32, f32)> = Vec::new();
    if let Some(d) = phone_digits(text) {
        for (i, h) in ix.meta.hotlines.iter().enumerate() {
            let hd = h.digits();
            if hd == d {
                phone_hits.push((i as u32, 100.0));
            } else if hd.starts_with(&d) {
                phone_hits.push((i as u32, 50.0));
            } else if hd.contains(&d) {
                phone_hits.push((i as u32, 20.0));
            }
        }
    }

    let plan = plan::parse(&q.text, &ix.synonyms, &|b| ix.vocab.bigram.contains(b));
    if plan.concepts.is_empty() {
        return Ok(res);
    }
    let searcher = ix.reader.searcher();
    let filtered = |out: &PassOut| -> usize {
        out.procs
            .iter()
            .filter(|m| filter.passes(ix, m.ord))
            .count()
            + out.hotlines.len()
            + out.guides.len()
            + phone_hits.len()
    };
    let unfiltered = |out: &PassOut| out.procs.len() + out.hotlines.len() + out.guides.len();
    let typo_possible = plan
        .words
        .iter()
        .any(|w| w.folded.chars().count() >= TYPO_MIN_LEN);

    let mut relax = Relaxation::default();
    let strict = run_pass(
        ix,
        &searcher,
        &plan,
        Pass {
            any_word: false,
            fuzzy: false,
        },
    )?;
    let chosen: Option<(PassOut, bool)> = 'ladder: {
        if filtered(&strict) >= MIN_STRICT_HITS {
            break 'ladder Some((strict, true));
        }
        let typo = if typo_possible {
            Some(run_pass(
                ix,
                &searcher,
                &plan,
                Pass {
                    any_word: false,
                    fuzzy: true,
                },
            )?)
        } else {
            None
        };
        if let Some(t) = typo.as_ref()
            && filtered(t) > 0
        {
            relax.typo = true;
            break 'ladder typo.map(|t| (t, true));
        }
        if filtered(&strict) > 0 {
            break 'ladder Some((strict, true));
        }
        if !q.filters.is_empty() {
            if unfiltered(&strict) > 0 {
                relax.dropped_filters = true;
                break 'ladder Some((strict, false));
            }
            if let Some(t) = typo.as_ref()
                && unfiltered(t) > 0
            {
                relax.dropped_filters = true;
                relax.typo = true;
                break 'ladder typo.map(|t| (t, false));
            }
        }
        relax.any_word = true;
        for fuzzy in [false, true] {
            if fuzzy && !typo_possible {
                continue;
            }
            let out = run_pass(
                ix,
                &searcher,
                &plan,
                Pass {
                    any_word: true,
                    fuzzy,
                },
            )?;
            relax.typo = fuzzy;
            if filtered(&out) > 0 {
                break 'ladder Some((out, true));
            }
            if unfiltered(&out) > 0 {
                relax.dropped_filters = true;
                break 'ladder Some((out, false));
            }
        }
        None
    };

    let Some((out, use_filters)) = chosen else {
        res.relaxed = Some(Relaxation {
            typo: typo_possible,
            dropped_filters: !q.filters.is_empty(),
            any_word: true,
            corrections: Vec::new(),
        });
        res.hotlines = phone_hotlines(ix, &phone_hits, limit);
        res.suggestions = suggestions(ix, &plan);
        return Ok(res);
    };
    if relax != Relaxation::default() {
        relax.corrections = out.corrections.clone();
        res.relaxed = Some(relax);
    }

    // Procedures: rank with how much of the name the query covers, the record and the kiosk's
    // context.
    let province = q.context.province.as_deref().map(province_key);
    let names = ix.name_words.matcher(&out.plan);
    let w_cover = tune("W_COVER", W_COVER);
    let w_said = tune("W_SAID", W_SAID);
    let mut ranked: Vec<(f32, u32, DocAddress)> = out
        .procs
        .iter()
        .map(|m| {
            let p = &ix.meta.procedures[m.ord as usize];
            let cover = (1.0 + w_cover * ix.name_words.coverage(&names, m.ord))
                * (1.0 + w_said * ix.name_words.said(&names, m.ord));
            (
                m.score * cover * rank_factor(p, &q.context, province.as_deref()),
                m.ord,
                m.addr,
            )
        })
        .collect();
    res.facets = facets(ix, ranked.iter().map(|r| r.1));
    if use_filters {
        ranked.retain(|r| filter.passes(ix, r.1));
    }
    let meta = &ix.meta.procedures;
    let order = |a: &(f32, u32, DocAddress), b: &(f32, u32, DocAddress)| {
        let (pa, pb) = (&meta[a.1 as usize], &meta[b.1 as usize]);
        b.0.total_cmp(&a.0)
            .then_with(|| pb.has_detail.cmp(&pa.has_detail))
            .then_with(|| {
                (pa.kind == ProcedureKind::Specific).cmp(&(pb.kind == ProcedureKind::Specific))
            })
            .then_with(|| pa.code.cmp(&pb.code))
    };
    res.total = ranked.len();
    // Records with the same name (a procedure and its province variants) make one hit: the best
    // ranked stands for them, the others are listed as its variants. Only the head of the list
    // is sorted; the tail is read for variants of the hits shown.
    let head = (limit * 8).max(64);
    if ranked.len() > head {
        ranked.select_nth_unstable_by(head - 1, order);
        ranked[..head].sort_by(order);
    } else {
        ranked.sort_by(order);
    }
    let mut slot: HashMap<u32, usize> = HashMap::new();
    let mut shown: Vec<Shown> = Vec::new();
    let mut place = |r: (f32, u32, DocAddress), shown: &mut Vec<_>, open: bool| {
        let g = ix.groups[r.1 as usize];
        match slot.get(&g) {
            Some(&i) => {
                let s: &mut Shown = &mut shown[i];
                s.3.push(r);
            }
            None if open && shown.len() < limit => {
                slot.insert(g, shown.len());
                shown.push((r.0, r.1, r.2, Vec::new()));
            }
            None => {}
        }
    };
    let sorted = ranked.len().min(head);
    for &r in &ranked[..sorted] {
        place(r, &mut shown, true);
    }
    if shown.len() < limit && ranked.len() > sorted {
        // Many duplicates in the head: sort the rest too.
        ranked[sorted..].sort_by(order);
        for &r in &ranked[sorted..] {
            place(r, &mut shown, true);
        }
    } else {
        for &r in &ranked[sorted..] {
            place(r, &mut shown, false);
        }
    }
    let shown: Vec<(f32, u32, DocAddress, Vec<String>)> = shown
        .into_iter()
        .map(|(score, ord, addr, mut v)| {
            v.sort_by(order);
            let codes = v.iter().map(|r| meta[r.1 as usize].code.clone()).collect();
            (score, ord, addr, codes)
        })
        .collect();
    let f = ix.fields;
    res.procedures = shown
        .into_iter()
        .map(|(score, ord, addr, variants)| {
            let p = &meta[ord as usize];
            let snip = snippet_of(&out.hl, &p.name, || {
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                d.get_first(f.body)
                    .and_then(|v| v.as_str().map(str::to_string))
            });
            let mut h = hit(p, score, snip, false);
            h.variants = variants;
            h
        })
        .collect();

    // Hotlines: a typed number first, then text matches.
    let mut hot: HashMap<u32, f32> = phone_hits.iter().copied().collect();
    for m in &out.hotlines {
        let e = hot.entry(m.ord).or_default();
        *e = e.max(m.score);
    }
    let mut hot: Vec<(u32, f32)> = hot.into_iter().collect();
    hot.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    res.hotlines = hot
        .into_iter()
        .take(limit)
        .map(|(o, score)| {
            let h = &ix.meta.hotlines[o as usize];
            HotlineHit {
                hotline: h.clone(),
                score,
                snippet: snippet_of(&out.hl, &h.name, || Some(h.purpose.clone())),
            }
        })
        .collect();
    let mut guides = out.guides.clone();
    guides.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.ord.cmp(&b.ord)));
    res.guides = guides
        .into_iter()
        .take(limit)
        .map(|m| {
            let g = &ix.meta.guides[m.ord as usize];
            GuideHit {
                guide: g.clone(),
                score: m.score,
                snippet: snippet_of(&out.hl, &g.title, || {
                    Some(format!("{}\n{}", g.summary, g.steps.join("\n")))
                }),
            }
        })
        .collect();
    Ok(res)
}

fn phone_hotlines(ix: &SearchIndex, hits: &[(u32, f32)], limit: usize) -> Vec<HotlineHit> {
    let mut v = hits.to_vec();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter()
        .take(limit)
        .map(|(o, score)| {
            let h = &ix.meta.hotlines[o as usize];
            HotlineHit {
                hotline: h.clone(),
                score,
                snippet: Snippet {
                    name: super::Highlighted {
                        text: h.name.clone(),
                        ranges: Vec::new(),
                    },
                    excerpt: None,
                },
            }
        })
        .collect()
}

/// When nothing matched: field names close to the typed words (a word within one typing error
/// or starting like one), then common procedures.
fn suggestions(ix: &SearchIndex, plan: &Plan) -> Vec<String> {
    let typed: Vec<&str> = plan
        .words
        .iter()
        .map(|w| w.folded.as_str())
        .filter(|w| w.len() >= 2)
        .collect();
    let mut scored: Vec<(usize, u32, &str)> = ix
        .field_counts
        .iter()
        .filter_map(|(name, n)| {
            let fw: Vec<String> = super::analyzer::words(name)
                .into_iter()
                .map(|w| w.folded)
                .collect();
            let s = typed
                .iter()
                .filter(|t| {
                    fw.iter()
                        .any(|w| w.starts_with(*t) || (t.len() >= 3 && within_one_edit(t, w)))
                })
                .count();
            (s > 0).then_some((s, *n, name.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let mut out: Vec<String> = scored
        .into_iter()
        .take(3)
        .map(|s| s.2.to_string())
        .collect();
    for p in &ix.popular {
        if out.len() >= 6 {
            break;
        }
        out.push(p.clone());
    }
    out
}
