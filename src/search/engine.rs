//! Running a query: lookups that need no index (a procedure code, a phone number), then the
//! passes of growing tolerance (`passes`), ranking with the kiosk's context (`rank`), facets,
//! snippets, and suggestions when nothing matched. The tantivy query itself is built in
//! `query`.

use std::collections::HashMap;

use super::passes::{self, Chosen};
use super::rank::{self, Filter, snippet_of};
use super::{GuideHit, HotlineHit, Query, Relaxation, Results, SearchError, SearchIndex, plan};

pub(super) fn search(ix: &SearchIndex, q: &Query) -> Result<Results, SearchError> {
    let limit = q.limit.clamp(1, 500);
    let text = q.text.trim();
    if text.is_empty() {
        return Ok(Results::default());
    }
    if let Some(r) = super::lookup::exact_code(ix, text)? {
        return Ok(r);
    }
    let filter = Filter::new(ix, &q.filters);
    if let Some(r) = super::lookup::code_start(ix, text, &filter, limit)? {
        return Ok(r);
    }
    let phone_hits = super::lookup::phone_matches(ix, text);

    let plan = plan::parse(&q.text, &ix.synonyms, &|b| ix.vocab.bigram.contains(b));
    let mut res = Results {
        asks: plan.asks,
        ..Results::default()
    };
    if plan.concepts.is_empty() {
        return Ok(res);
    }
    let searcher = ix.reader.searcher();
    let mut relax = Relaxation::default();
    let chosen = passes::ladder(
        ix,
        &searcher,
        q,
        &plan,
        &filter,
        phone_hits.len(),
        &mut relax,
    )?;
    let Some(chosen) = chosen else {
        res.relaxed = Some(Relaxation {
            typo: passes::typo_possible(&plan),
            dropped_filters: !q.filters.is_empty(),
            any_word: true,
            corrections: Vec::new(),
        });
        res.hotlines = super::lookup::phone_hotlines(ix, &phone_hits, limit)?;
        res.suggestions = super::facets::suggestions(ix, &plan);
        return Ok(res);
    };
    if relax != Relaxation::default() {
        relax.corrections = chosen.out.corrections.clone();
        res.relaxed = Some(relax);
    }
    rank::procedures(ix, &searcher, q, &chosen, &filter, limit, &mut res)?;
    res.hotlines = hotlines(ix, &chosen, &phone_hits, limit)?;
    res.guides = guides(ix, &chosen, limit)?;
    Ok(res)
}

/// Hotlines: a typed number first, then text matches.
fn hotlines(
    ix: &SearchIndex,
    chosen: &Chosen,
    phone_hits: &[(u32, f32)],
    limit: usize,
) -> Result<Vec<HotlineHit>, SearchError> {
    let mut hot: HashMap<u32, f32> = phone_hits.iter().copied().collect();
    for m in &chosen.out.hotlines {
        let e = hot.entry(m.ord).or_default();
        *e = e.max(m.score);
    }
    let mut hot: Vec<(u32, f32)> = hot.into_iter().collect();
    hot.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    hot.into_iter()
        .take(limit)
        .map(|(o, score)| {
            let h = ix.hotline(o)?;
            Ok(HotlineHit {
                hotline: h.clone(),
                score,
                snippet: snippet_of(&chosen.out.hl, &h.name, || Some(h.purpose.clone())),
            })
        })
        .collect()
}

fn guides(ix: &SearchIndex, chosen: &Chosen, limit: usize) -> Result<Vec<GuideHit>, SearchError> {
    let mut guides = chosen.out.guides.clone();
    guides.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.ord.cmp(&b.ord)));
    guides
        .into_iter()
        .take(limit)
        .map(|m| {
            let g = ix.guide(m.ord)?;
            Ok(GuideHit {
                guide: g.clone(),
                score: m.score,
                snippet: snippet_of(&chosen.out.hl, &g.title, || {
                    Some(format!("{}\n{}", g.summary, g.steps.join("\n")))
                }),
            })
        })
        .collect()
}
