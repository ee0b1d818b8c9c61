//! Ranking the procedures a pass matched: the text score times how closely the query covers the
//! name (see `closeness`), times the record and the kiosk's context (full detail, own level, own
//! province); the screen's filters; and records with the same name folded into one hit.

use std::collections::HashMap;

use tantivy::schema::Value;
use tantivy::{DocAddress, TantivyDocument};

use super::index::{ProcMeta, province_key};
use super::passes::Chosen;
use super::query::tune;
use super::snippet::Highlights;
use super::{
    Filters, Hit, Query, RankContext, Results, SearchError, SearchIndex, Snippet, closeness, plan,
};
use crate::domain::{Level, ProcedureKind};

/// How much a name the query covers entirely counts over one it does not cover at all: the text
/// score is multiplied by `1 + W_COVER · coverage` (see `closeness`).
const W_COVER: f32 = 1.0;
/// The same for how much of the query the name says (see `closeness`).
const W_SAID: f32 = 0.5;

// Ranking with the record and the kiosk's context (multiplies the text score).
const F_DETAIL: f32 = 1.25;
const F_OWN_LEVEL: f32 = 1.15;
const F_OWN_PROVINCE: f32 = 1.3;
const F_OTHER_PROVINCE: f32 = 0.8;
const F_SPECIFIC_NO_CONTEXT: f32 = 0.85;
const F_INTERNAL: f32 = 0.9;

/// A name qualifier the query does not ask for ("nước ngoài", "lại", "lưu động"…; see
/// `closeness::qualifier_mask`) multiplies the score by this, for at most two of them.
const F_QUALIFIER: f32 = 0.8;
const MAX_QUALIFIERS_COUNTED: u32 = 2;
/// The popularity prior (0..=1, see `records::Prior`) adds at most this share to the score:
/// enough to order near-equal matches ("khai" → khai sinh before khai tử), never enough to
/// lift a record over a clearly better one.
const W_PRIOR: f32 = 0.1;
/// A bare word ("khai", "thuế") matches many names equally well, and which of them citizens
/// mean is best told by what they open most: the prior weighs more there, still only among
/// the records that match the word.
const W_PRIOR_BARE_WORD: f32 = 0.6;

/// Longest body passage in a snippet (bytes).
const EXCERPT_BYTES: usize = 220;

/// Filters resolved once per search: the field named by its id.
pub(super) struct Filter {
    online_only: bool,
    level: Option<Level>,
    /// `Some(None)`: a field no procedure has.
    field: Option<Option<u32>>,
}

impl Filter {
    pub fn new(ix: &SearchIndex, f: &Filters) -> Filter {
        Filter {
            online_only: f.online_only,
            level: f.level,
            field: f.field.as_ref().map(|name| {
                let want = plan::fold(name.trim());
                ix.records
                    .field_names
                    .iter()
                    .position(|n| plan::fold(n) == want)
                    .map(|i| i as u32)
            }),
        }
    }

    pub fn passes(&self, ix: &SearchIndex, ord: u32) -> Result<bool, SearchError> {
        let p = ix.procedure(ord)?;
        if self.online_only && !p.online {
            return Ok(false);
        }
        if let Some(l) = self.level
            && !p.levels.contains(&l)
        {
            return Ok(false);
        }
        Ok(match self.field {
            None => true,
            Some(None) => false,
            Some(Some(id)) => ix.field_ids(ord)?.contains(&id),
        })
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

/// A ranked procedure, its record resolved once.
#[derive(Clone, Copy)]
struct Ranked<'a> {
    score: f32,
    ord: u32,
    addr: DocAddress,
    group: u32,
    p: &'a ProcMeta,
}

/// Best first; equal scores: full detail, then national before provincial, then by code.
fn order(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    let (pa, pb) = (a.p, b.p);
    b.score
        .total_cmp(&a.score)
        .then_with(|| pb.has_detail.cmp(&pa.has_detail))
        .then_with(|| {
            (pa.kind == ProcedureKind::Specific).cmp(&(pb.kind == ProcedureKind::Specific))
        })
        .then_with(|| pa.code.cmp(&pb.code))
}

/// A hit being assembled: its record and the same-name records folded into it.
struct Shown<'a> {
    best: Ranked<'a>,
    others: Vec<Ranked<'a>>,
    /// The best score in the group: where the hit stands in the list.
    score: f32,
    /// Provinces other than the office's whose own copies are folded in.
    other_provinces: u32,
}

pub(super) fn hit(p: &ProcMeta, score: f32, snippet: Snippet, exact_code: bool) -> Hit {
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
        other_provinces: 0,
    }
}

/// A name with nothing highlighted.
pub(super) fn plain(name: &str) -> Snippet {
    Snippet {
        name: super::Highlighted {
            text: name.to_string(),
            ranges: Vec::new(),
        },
        excerpt: None,
    }
}

pub(super) fn snippet_of(
    hl: &Highlights,
    name: &str,
    body: impl FnOnce() -> Option<String>,
) -> Snippet {
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

/// Ranks the chosen pass's procedures into `res`: facets (before filters), total (after) and
/// the first `limit` hits with their same-name variants and snippets.
pub(super) fn procedures(
    ix: &SearchIndex,
    searcher: &tantivy::Searcher,
    q: &Query,
    chosen: &Chosen,
    filter: &Filter,
    limit: usize,
    res: &mut Results,
) -> Result<(), SearchError> {
    let out = &chosen.out;
    let province = q.context.province.as_deref().map(province_key);
    let nw = &ix.records.name_words;
    let names = nw.matcher(&out.plan);
    let w_cover = tune("W_COVER", W_COVER);
    let w_said = tune("W_SAID", W_SAID);
    let asked = closeness::asked_qualifiers(&out.plan);
    let prior = ix.priors();
    let w_prior = if bare_word(&out.plan) {
        W_PRIOR_BARE_WORD
    } else {
        W_PRIOR
    };
    let mut ranked: Vec<Ranked> = Vec::with_capacity(out.procs.len());
    for m in &out.procs {
        let p = ix.procedure(m.ord)?;
        let cover =
            (1.0 + w_cover * nw.coverage(&names, m.ord)) * (1.0 + w_said * nw.said(&names, m.ord));
        let unasked = ix
            .records
            .qualifiers
            .get(m.ord as usize)
            .copied()
            .unwrap_or(0)
            & !asked;
        let variant = F_QUALIFIER.powi(unasked.count_ones().min(MAX_QUALIFIERS_COUNTED) as i32);
        let popular = 1.0 + w_prior * prior.of(m.ord);
        ranked.push(Ranked {
            score: m.score
                * cover
                * rank_factor(p, &q.context, province.as_deref())
                * variant
                * popular,
            ord: m.ord,
            addr: m.addr,
            group: ix.group(m.ord)?,
            p,
        });
    }
    let mut by_score: Vec<(f32, u32)> = ranked.iter().map(|r| (r.score, r.ord)).collect();
    by_score.sort_by(|a, b| b.0.total_cmp(&a.0));
    res.facets = super::facets::facets(ix, by_score.into_iter().map(|(_, o)| o))?;
    if chosen.use_filters {
        let mut kept = Vec::with_capacity(ranked.len());
        for r in ranked {
            if filter.passes(ix, r.ord)? {
                kept.push(r);
            }
        }
        ranked = kept;
    }
    res.total = ranked.len();
    let shown = fold_same_names(ranked, limit, province.as_deref());
    let f = ix.fields;
    res.procedures = shown
        .into_iter()
        .map(|s| {
            let p = s.best.p;
            let snip = snippet_of(&out.hl, &p.name, || {
                let d: TantivyDocument = searcher.doc(s.best.addr).ok()?;
                d.get_first(f.body)
                    .and_then(|v| v.as_str().map(str::to_string))
            });
            let mut h = hit(p, s.score, snip, false);
            h.variants = s.others.iter().map(|r| r.p.code.clone()).collect();
            h.other_provinces = s.other_provinces;
            h
        })
        .collect();
    Ok(())
}

/// Whether the query is one bare word: one content concept, one typed word, no synonym.
fn bare_word(plan: &plan::Plan) -> bool {
    let mut content = plan.concepts.iter().filter(|c| !c.filler && !c.optional);
    match (content.next(), content.next()) {
        (Some(c), None) => c.words.len() == 1 && c.alts.is_empty(),
        _ => false,
    }
}

/// Which member of a same-name group stands for it: the office's own province's copy, then the
/// national procedure, then another province's copy.
fn stands_for(r: &Ranked, province: Option<&str>) -> u8 {
    match (r.p.kind, province, r.p.province.as_deref()) {
        (ProcedureKind::Specific, Some(want), Some(have)) if want == have => 2,
        (ProcedureKind::Specific, _, _) => 0,
        _ => 1,
    }
}

/// Records with the same name (a procedure and its province variants) make one hit, at the
/// place of the best ranked; the office's own copy or else the national procedure stands for
/// them, the others are listed as its variants, best first. Only the head of the list is
/// sorted; the tail is read for variants of the hits shown.
fn fold_same_names<'a>(
    mut ranked: Vec<Ranked<'a>>,
    limit: usize,
    province: Option<&str>,
) -> Vec<Shown<'a>> {
    let head = (limit * 8).max(64);
    if ranked.len() > head {
        ranked.select_nth_unstable_by(head - 1, order);
        ranked[..head].sort_by(order);
    } else {
        ranked.sort_by(order);
    }
    let mut slot: HashMap<u32, usize> = HashMap::new();
    let mut shown: Vec<Shown<'a>> = Vec::new();
    let mut place = |r: Ranked<'a>, shown: &mut Vec<Shown<'a>>, open: bool| match slot.get(&r.group)
    {
        Some(&i) => shown[i].others.push(r),
        None if open && shown.len() < limit => {
            slot.insert(r.group, shown.len());
            shown.push(Shown {
                best: r,
                others: Vec::new(),
                score: r.score,
                other_provinces: 0,
            });
        }
        None => {}
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
    for s in &mut shown {
        s.others.sort_by(order);
        let rank = stands_for(&s.best, province);
        let better = s
            .others
            .iter()
            .enumerate()
            .filter(|(_, r)| stands_for(r, province) > rank)
            .max_by_key(|(i, r)| (stands_for(r, province), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        if let Some(i) = better {
            let r = s.others.remove(i);
            s.others.push(std::mem::replace(&mut s.best, r));
            s.others.sort_by(order);
        }
        let mut others: Vec<&str> = s
            .others
            .iter()
            .filter(|r| r.p.kind == ProcedureKind::Specific)
            .filter_map(|r| r.p.province.as_deref())
            .filter(|p| Some(*p) != province && Some(*p) != s.best.p.province.as_deref())
            .collect();
        others.sort_unstable();
        others.dedup();
        s.other_provinces = others.len() as u32;
    }
    shown
}
