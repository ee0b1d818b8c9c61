//! Queries answered without the full-text index: a procedure code (or the start of one) and a
//! phone number.

use super::rank::{Filter, hit, plain};
use super::{HotlineHit, Results, SearchError, SearchIndex};
use crate::domain::normalize_code_query;

/// A whole procedure code: that procedure, flagged as an exact match.
pub(super) fn exact_code(ix: &SearchIndex, text: &str) -> Result<Option<Results>, SearchError> {
    let Some(code) = normalize_code_query(text) else {
        return Ok(None);
    };
    let Some(&ord) = ix.records.by_code.get(&code) else {
        return Ok(None);
    };
    let p = ix.procedure(ord)?;
    Ok(Some(Results {
        procedures: vec![hit(p, f32::MAX, plain(&p.name), true)],
        total: 1,
        facets: super::facets::facets(ix, std::iter::once(ord))?,
        ..Results::default()
    }))
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

/// The procedures whose code starts with what is typed, by code; `None` when the text is not
/// the start of a code or no code starts so.
pub(super) fn code_start(
    ix: &SearchIndex,
    text: &str,
    filter: &Filter,
    limit: usize,
) -> Result<Option<Results>, SearchError> {
    let Some(prefix) = code_prefix(text) else {
        return Ok(None);
    };
    let mut found = Vec::new();
    for (i, p) in ix.records.meta.procedures.iter().enumerate() {
        if p.code.starts_with(prefix) && filter.passes(ix, i as u32)? {
            found.push((i as u32, p));
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    found.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    Ok(Some(Results {
        total: found.len(),
        facets: super::facets::facets(ix, found.iter().map(|f| f.0))?,
        procedures: found
            .iter()
            .take(limit)
            .map(|(_, p)| hit(p, 1.0, plain(&p.name), false))
            .collect(),
        ..Results::default()
    }))
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

/// Hotlines whose number is, starts with or contains the typed digits: (ordinal, score).
pub(super) fn phone_matches(ix: &SearchIndex, text: &str) -> Vec<(u32, f32)> {
    let mut hits = Vec::new();
    if let Some(d) = phone_digits(text) {
        for (i, h) in ix.records.meta.hotlines.iter().enumerate() {
            let hd = h.digits();
            if hd == d {
                hits.push((i as u32, 100.0));
            } else if hd.starts_with(&d) {
                hits.push((i as u32, 50.0));
            } else if hd.contains(&d) {
                hits.push((i as u32, 20.0));
            }
        }
    }
    hits
}

/// The hotlines of [`phone_matches`], best first.
pub(super) fn phone_hotlines(
    ix: &SearchIndex,
    hits: &[(u32, f32)],
    limit: usize,
) -> Result<Vec<HotlineHit>, SearchError> {
    let mut v = hits.to_vec();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter()
        .take(limit)
        .map(|(o, score)| {
            let h = ix.hotline(o)?;
            Ok(HotlineHit {
                hotline: h.clone(),
                score,
                snippet: plain(&h.name),
            })
        })
        .collect()
}
