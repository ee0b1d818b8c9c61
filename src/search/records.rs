//! What the query side knows about every record without reading tantivy's document store: the
//! side file's procedures, hotlines and guides, and the tables derived from them at open (code
//! lookup, same-name groups, name words, field ids and counts, suggestions).
//!
//! Records are addressed by their ordinal, which tantivy stores in the `ord` fast field. Every
//! lookup by ordinal is checked: an ordinal the side file does not have means the two halves of
//! the index disagree, which is reported as [`SearchError::Inconsistent`] (the kiosk then
//! rebuilds the index from the store) and never panics the search thread.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use super::closeness::{self, NameWords};
use super::index::{Meta, ProcMeta};
use super::{SearchError, SearchIndex, plan};
use crate::domain::{Guide, Hotline, ProcedureKind};

/// The side file and its derived tables.
#[derive(Debug)]
pub(crate) struct Records {
    pub meta: Meta,
    pub by_code: HashMap<String, u32>,
    /// Per procedure, the id of its name (see `closeness::same_name_key`): same id, same name.
    pub groups: Vec<u32>,
    /// The content words of every name, for the name-coverage ranking.
    pub name_words: NameWords,
    /// Distinct field names with how many procedures each has, most first.
    pub field_counts: Vec<(String, u32)>,
    /// Field names by id, and each procedure's field ids (facets and filters without hashing).
    pub field_names: Vec<String>,
    pub field_ids: Vec<Vec<u32>>,
    /// Names offered when nothing matches: short names of records with full detail.
    pub popular: Vec<String>,
    /// Per procedure, the variant qualifiers its name has (see `closeness::qualifier_mask`).
    pub qualifiers: Vec<u64>,
    /// Per procedure, how much citizens want it, in 0..=1: the data's most-used list...
    pub featured: Vec<f32>,
    /// ... and this kiosk's own use (see [`SearchIndex::set_usage`]).
    pub usage: RwLock<Arc<Vec<f32>>>,
}

impl Records {
    pub fn new(meta: Meta) -> Records {
        let by_code: HashMap<String, u32> = meta
            .procedures
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i as u32))
            .collect();
        let mut names: HashMap<String, u32> = HashMap::new();
        let groups = meta
            .procedures
            .iter()
            .map(|p| {
                let next = names.len() as u32;
                let key = match p.kind {
                    ProcedureKind::Specific => {
                        closeness::same_name_key_in(&p.name, p.province.as_deref())
                    }
                    _ => closeness::same_name_key(&p.name),
                };
                *names.entry(key).or_insert(next)
            })
            .collect();
        let qualifiers = meta
            .procedures
            .iter()
            .map(|p| closeness::qualifier_mask(&p.name))
            .collect();
        // How often a list's entries are searched falls off steeply with their place (the
        // first is wanted several times as often as the seventh): 1 / (1 + place).
        let mut featured = vec![0f32; meta.procedures.len()];
        for (rank, code) in meta.featured.iter().enumerate() {
            if let Some(&o) = by_code.get(code)
                && let Some(f) = featured.get_mut(o as usize)
            {
                *f = f.max(1.0 / (1.0 + rank as f32));
            }
        }
        let name_words = NameWords::new(meta.procedures.iter().map(|p| p.name.as_str()));
        let mut field_names: Vec<String> = Vec::new();
        let mut field_at: HashMap<String, u32> = HashMap::new();
        let field_ids = meta
            .procedures
            .iter()
            .map(|p| {
                p.fields
                    .iter()
                    .map(|f| {
                        *field_at.entry(f.clone()).or_insert_with(|| {
                            field_names.push(f.clone());
                            field_names.len() as u32 - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for p in &meta.procedures {
            for f in &p.fields {
                *counts.entry(f.as_str()).or_default() += 1;
            }
        }
        let mut field_counts: Vec<(String, u32)> = counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        field_counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut popular: Vec<&ProcMeta> = meta
            .procedures
            .iter()
            .filter(|p| p.has_detail && p.kind != ProcedureKind::Specific)
            .collect();
        popular.sort_by_key(|p| (p.name.chars().count(), p.code.clone()));
        let mut seen = HashSet::new();
        let popular = popular
            .into_iter()
            .filter(|p| seen.insert(plan::fold(&p.name)))
            .take(8)
            .map(|p| p.name.clone())
            .collect();
        Records {
            meta,
            by_code,
            groups,
            name_words,
            field_counts,
            field_names,
            field_ids,
            popular,
            qualifiers,
            featured,
            usage: RwLock::new(Arc::new(Vec::new())),
        }
    }
}

/// Views below this many (most viewed procedure) say nothing about what citizens want here.
const MIN_USAGE: u32 = 5;

impl SearchIndex {
    /// This kiosk's own use: how often each procedure was opened lately. It joins the data's
    /// most-used list as a gentle prior in ranking (never above a clearly better match). Codes
    /// the index does not know are ignored; an empty list clears it.
    pub fn set_usage(&self, views: &[(String, u32)]) {
        let r = &self.records;
        let most = views.iter().map(|v| v.1).max().unwrap_or(0);
        let mut usage = Vec::new();
        if most >= MIN_USAGE {
            usage = vec![0f32; r.meta.procedures.len()];
            let top = (1.0 + most as f32).ln();
            for (code, n) in views {
                if let Some(&o) = r.by_code.get(code)
                    && let Some(u) = usage.get_mut(o as usize)
                {
                    *u = (1.0 + *n as f32).ln() / top;
                }
            }
        }
        *r.usage.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(usage);
    }

    /// The prior of every procedure for one search: the larger of the data's and the kiosk's.
    pub(crate) fn priors(&self) -> Prior<'_> {
        Prior {
            featured: &self.records.featured,
            usage: self
                .records
                .usage
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}

/// The popularity prior as one search sees it.
pub(crate) struct Prior<'a> {
    featured: &'a [f32],
    usage: Arc<Vec<f32>>,
}

impl Prior<'_> {
    pub fn of(&self, ord: u32) -> f32 {
        let i = ord as usize;
        let f = self.featured.get(i).copied().unwrap_or(0.0);
        let u = self.usage.get(i).copied().unwrap_or(0.0);
        f.max(u)
    }
}

impl SearchIndex {
    fn inconsistent(&self, what: &str, ord: u32, have: usize) -> SearchError {
        SearchError::Inconsistent {
            path: self.dir.clone(),
            message: format!(
                "the index refers to {what} #{ord} but the side file lists {have} {what}s"
            ),
        }
    }

    pub(crate) fn procedure(&self, ord: u32) -> Result<&ProcMeta, SearchError> {
        let all = &self.records.meta.procedures;
        all.get(ord as usize)
            .ok_or_else(|| self.inconsistent("procedure", ord, all.len()))
    }

    pub(crate) fn hotline(&self, ord: u32) -> Result<&Hotline, SearchError> {
        let all = &self.records.meta.hotlines;
        all.get(ord as usize)
            .ok_or_else(|| self.inconsistent("hotline", ord, all.len()))
    }

    pub(crate) fn guide(&self, ord: u32) -> Result<&Guide, SearchError> {
        let all = &self.records.meta.guides;
        all.get(ord as usize)
            .ok_or_else(|| self.inconsistent("guide", ord, all.len()))
    }

    /// The same-name group of a procedure.
    pub(crate) fn group(&self, ord: u32) -> Result<u32, SearchError> {
        let all = &self.records.groups;
        all.get(ord as usize)
            .copied()
            .ok_or_else(|| self.inconsistent("procedure", ord, all.len()))
    }

    /// The field ids of a procedure.
    pub(crate) fn field_ids(&self, ord: u32) -> Result<&[u32], SearchError> {
        let all = &self.records.field_ids;
        all.get(ord as usize)
            .map(Vec::as_slice)
            .ok_or_else(|| self.inconsistent("procedure", ord, all.len()))
    }
}
