//! Counting what a result list holds (fields, levels, online) before the screen's filters, and
//! the suggestions offered when nothing matched.

use super::analyzer::{self, within_one_edit};
use super::plan::Plan;
use super::{Facets, SearchError, SearchIndex};
use crate::domain::Level;

/// Counts over the procedures `ords`, best match first. Fields come in the order of their
/// relevance to the query: the sum of the reciprocal ranks of their results, so a field holding
/// the first results leads a large one that only matched further down ("khai sinh": Hộ tịch
/// before Thuế, whose "khai thuế" procedures are many but far below).
pub(super) fn facets(
    ix: &SearchIndex,
    ords: impl Iterator<Item = u32>,
) -> Result<Facets, SearchError> {
    let names = &ix.records.field_names;
    let mut fields = vec![0u32; names.len()];
    let mut relevance = vec![0f64; names.len()];
    let mut levels = [0u32; 4];
    let mut online = 0;
    for (rank, o) in ords.enumerate() {
        let p = ix.procedure(o)?;
        for &f in ix.field_ids(o)? {
            if let Some(n) = fields.get_mut(f as usize) {
                *n += 1;
            }
            if let Some(r) = relevance.get_mut(f as usize) {
                *r += 1.0 / (rank as f64 + 1.0);
            }
        }
        for l in &p.levels {
            levels[*l as usize] += 1;
        }
        online += u32::from(p.online);
    }
    let mut fields: Vec<(&String, u32, f64)> = names
        .iter()
        .zip(fields)
        .zip(relevance)
        .filter(|((_, n), _)| *n > 0)
        .map(|((name, n), r)| (name, n, r))
        .collect();
    fields.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.0.cmp(b.0))
    });
    Ok(Facets {
        fields: fields
            .into_iter()
            .map(|(name, n, _)| (name.clone(), n))
            .collect(),
        levels: Level::ALL
            .into_iter()
            .filter(|l| levels[*l as usize] > 0)
            .map(|l| (l, levels[l as usize]))
            .collect(),
        online,
    })
}

/// When nothing matched: field names close to the typed words (a word within one typing error
/// or starting like one), then common procedures.
pub(super) fn suggestions(ix: &SearchIndex, plan: &Plan) -> Vec<String> {
    let typed: Vec<&str> = plan
        .words
        .iter()
        .map(|w| w.folded.as_str())
        .filter(|w| w.len() >= 2)
        .collect();
    let mut scored: Vec<(usize, u32, &str)> = ix
        .records
        .field_counts
        .iter()
        .filter_map(|(name, n)| {
            let fw: Vec<String> = analyzer::words(name)
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
    for p in &ix.records.popular {
        if out.len() >= 6 {
            break;
        }
        out.push(p.clone());
    }
    out
}
