//! Full-text search over procedures, hotlines and online-service guides. Owns tantivy (no other
//! module touches it): the Vietnamese analyzers, the on-disk index and its side file, query
//! understanding (prefix for the word being typed, synonyms, filler words, typo fallback),
//! ranking (names ≫ fields/keywords ≫ body; full detail, the kiosk's level and province first),
//! facets, relaxation when nothing matches, snippets on the original diacritic text, and the
//! relevance evaluation and keystroke benchmark used by the CLI.
//!
//! The index is derived data: [`SearchIndex::build`] writes it from a [`Dataset`] (the synonym
//! table included, so [`SearchIndex::open`] restores everything), and it can be rebuilt at any
//! time. A [`SearchIndex`] is `Send + Sync`; [`SearchIndex::search`] takes `&self`.

mod analyzer;
mod bench;
mod closeness;
mod engine;
mod eval;
mod facets;
mod index;
mod lookup;
mod passes;
mod plan;
mod query;
mod rank;
mod records;
mod snippet;
#[cfg(test)]
mod tests;
mod vocab;
mod words;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tantivy::IndexReader;

pub use bench::{
    BenchReport, Latency, QueryTiming, VariedQuery, keystroke_bench, keystroke_prefixes,
    read_queries, scaled_dataset, varied_queries,
};
pub use eval::{
    EvalCase, EvalFailure, EvalReport, EvalRow, Variant, evaluate, read_cases, variant,
};
pub use snippet::Highlighted;
pub use words::Ask;

use crate::domain::{Dataset, Guide, Hotline, Level};

/// Errors carry the index directory or the query they concern.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("search index {}: {source}", path.display())]
    Index {
        path: PathBuf,
        source: tantivy::TantivyError,
    },
    #[error("search index {}: {message}", path.display())]
    Meta { path: PathBuf, message: String },
    /// The tantivy index and the side file describe different records: rebuild the index.
    #[error("search index {}: {message}; rebuild it from the store", path.display())]
    Inconsistent { path: PathBuf, message: String },
    #[error("search for {query:?}: {source}")]
    Query {
        query: String,
        source: tantivy::TantivyError,
    },
    #[error("{}, line {line}: {message}", path.display())]
    QueryFile {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Narrowing the result list. Facets are counted before filters, so the screen can show how
/// many records each filter would keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// A field (lĩnh vực) name, compared without case or diacritics.
    pub field: Option<String>,
    pub level: Option<Level>,
    pub online_only: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.field.is_none() && self.level.is_none() && !self.online_only
    }
}

/// Where the kiosk stands: its own level and province rank first, nothing is hidden.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RankContext {
    pub level: Option<Level>,
    /// "Thái Nguyên", "tỉnh Thái Nguyên" or "UBND tỉnh Thái Nguyên" all work.
    pub province: Option<String>,
}

/// One search as the kiosk sends it: the text as typed so far (a last word not followed by a
/// space is still being typed and matches as a prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    /// Procedures to return (hotlines and guides are capped at the same number).
    pub limit: usize,
    pub filters: Filters,
    pub context: RankContext,
}

impl Default for Query {
    fn default() -> Query {
        Query {
            text: String::new(),
            limit: 10,
            filters: Filters::default(),
            context: RankContext::default(),
        }
    }
}

impl Query {
    pub fn new(text: impl Into<String>) -> Query {
        Query {
            text: text.into(),
            ..Query::default()
        }
    }

    pub fn with_context(mut self, context: RankContext) -> Query {
        self.context = context;
        self
    }

    pub fn with_filters(mut self, filters: Filters) -> Query {
        self.filters = filters;
        self
    }
}

/// Highlighted name, and a highlighted body passage when the name alone does not show why the
/// record matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub name: Highlighted,
    pub excerpt: Option<Highlighted>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub code: String,
    pub name: String,
    pub score: f32,
    pub snippet: Snippet,
    pub has_detail: bool,
    pub fields: Vec<String>,
    pub levels: Vec<Level>,
    pub online: bool,
    /// The query was this procedure's code.
    pub exact_code: bool,
    /// Other matching records with the same name (province variants, duplicates), best first.
    /// They are folded into this hit so that one procedure takes one place in the list.
    pub variants: Vec<String>,
    /// How many other provinces' own copies are among the variants ("các tỉnh khác").
    pub other_provinces: u32,
}

impl Hit {
    /// This hit's code or one of its variants'.
    pub fn covers(&self, code: &str) -> bool {
        self.code == code || self.variants.iter().any(|v| v == code)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotlineHit {
    pub hotline: Hotline,
    pub score: f32,
    pub snippet: Snippet,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuideHit {
    pub guide: Guide,
    pub score: f32,
    pub snippet: Snippet,
}

/// Counts over the procedures that match the query, before filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Most relevant to the query first (see `facets::facets`), each with its count.
    pub fields: Vec<(String, u32)>,
    pub levels: Vec<(Level, u32)>,
    pub online: u32,
}

/// How the query was loosened to find something, in the order tried.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Relaxation {
    /// Words were matched within one typing error.
    pub typo: bool,
    /// What the typo pass read a typed word as (typed, dictionary word).
    pub corrections: Vec<(String, String)>,
    /// Nothing matched the filters: results ignore them.
    pub dropped_filters: bool,
    /// Not every word matched: records matching some of them.
    pub any_word: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Results {
    pub procedures: Vec<Hit>,
    pub hotlines: Vec<HotlineHit>,
    pub guides: Vec<GuideHit>,
    /// Procedures matching (after filters).
    pub total: usize,
    pub facets: Facets,
    pub relaxed: Option<Relaxation>,
    /// Something to tap when nothing matched: close field names, then common procedures.
    pub suggestions: Vec<String>,
    /// What the question asks about the procedure ("bao lâu", "lệ phí", "ở đâu", "cần giấy tờ
    /// gì"), so the result cards can answer it.
    pub asks: Option<Ask>,
    pub took_us: u64,
}

impl Results {
    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty() && self.hotlines.is_empty() && self.guides.is_empty()
    }
}

/// An open index. Cheap to share between threads; every search takes `&self`.
pub struct SearchIndex {
    dir: PathBuf,
    reader: IndexReader,
    fields: index::Fields,
    synonyms: plan::SynonymTable,
    vocab: vocab::Vocab,
    records: records::Records,
    open_us: u64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let meta = &self.records.meta;
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .field("procedures", &meta.procedures.len())
            .field("hotlines", &meta.hotlines.len())
            .field("guides", &meta.guides.len())
            .field("synonyms", &self.synonyms.len())
            .finish()
    }
}

/// An index being written from procedures given one at a time ([`SearchIndex::builder`]), so
/// that importing a bundle never holds all of them: the writer's heap is bounded.
pub struct IndexBuilder(index::Builder);

impl std::fmt::Debug for IndexBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexBuilder")
    }
}

impl IndexBuilder {
    /// Adds the next procedure (in the store's order: its ordinal is its position).
    pub fn add_procedure(&mut self, p: &crate::domain::Procedure) -> Result<(), SearchError> {
        self.0.add_procedure(p)
    }

    /// Adds `rest`'s hotlines and guides and its synonyms and "most used" list (its procedures
    /// are not read) and writes the index to disk, merged into one segment.
    pub fn finish(self, rest: &Dataset) -> Result<(), SearchError> {
        self.0.finish(rest).map(drop)
    }
}

impl SearchIndex {
    /// Writes a fresh index for `ds` into `dir` (whatever was there is removed) and opens it.
    pub fn build(dir: &Path, ds: &Dataset) -> Result<SearchIndex, SearchError> {
        index::build(dir, ds)?;
        SearchIndex::open(dir)
    }

    /// Starts a fresh index in `dir` (whatever was there is removed) whose procedures are added
    /// one at a time; open it with [`SearchIndex::open`] once finished.
    pub fn builder(dir: &Path) -> Result<IndexBuilder, SearchError> {
        index::Builder::new(dir).map(IndexBuilder)
    }

    /// Opens an index written by [`SearchIndex::build`], with its synonym table. Fails with
    /// [`SearchError::Inconsistent`] when the tantivy documents and the side file do not
    /// describe the same records.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let t0 = Instant::now();
        let opened = index::open_tantivy(dir)?;
        let meta = index::read_meta(dir)?;
        index::check_consistent(dir, &opened, &meta)?;
        let vocab =
            vocab::Vocab::load(&opened.reader, &opened.fields).map_err(|e| SearchError::Index {
                path: dir.to_path_buf(),
                source: e,
            })?;
        let synonyms = plan::SynonymTable::new(&meta.synonyms);
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            reader: opened.reader,
            fields: opened.fields,
            synonyms,
            vocab,
            records: records::Records::new(meta),
            open_us: t0.elapsed().as_micros() as u64,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes the index directory takes on disk (tantivy files and the side file).
    pub fn size_on_disk(&self) -> u64 {
        crate::files::tree_bytes(&self.dir)
    }

    /// How long [`SearchIndex::open`] took, in microseconds.
    pub fn open_micros(&self) -> u64 {
        self.open_us
    }

    pub fn procedure_count(&self) -> usize {
        self.records.meta.procedures.len()
    }

    pub fn synonym_count(&self) -> usize {
        self.synonyms.len()
    }

    /// Runs one query. See the module documentation for what it does.
    pub fn search(&self, q: &Query) -> Result<Results, SearchError> {
        let t0 = Instant::now();
        let mut r = engine::search(self, q)?;
        r.took_us = t0.elapsed().as_micros() as u64;
        Ok(r)
    }
}
