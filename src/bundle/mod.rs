//! Data bundles. Reads the national portal's real formats (detail API, detail pages, catalog,
//! official Excel lists) and motcua's curated files (hotlines, guides, life events, synonyms)
//! into a [`Dataset`], and reads and writes motcua's own bundle format (a manifest with the size
//! and SHA-256 of every content file). Knows nothing of storage: it yields records, `app` loads
//! them.

pub mod archive;
pub mod authoring;
mod catalog;
pub mod content;
pub mod curated;
mod error;
pub mod feed;
mod jsonl;
mod layout;
pub mod merge;
mod official_list;
pub mod package;
mod portal_api;
mod portal_pages;
pub mod report;
pub mod sign;
pub mod steps;
pub mod zst;

use std::path::{Path, PathBuf};

pub use catalog::{is_published, parse_one as parse_catalog_item};
pub use error::BundleError;
pub use layout::{
    Built, Entries, FORMAT, FORMAT_VERSION, FileEntry, MANIFEST, Manifest, RawBundle, Role,
    SIGNATURE, is_safe_name,
};
pub use portal_api::parse_one as parse_detail_answer;
pub use report::{ImportReport, SourceReport};

use crate::domain::{Dataset, Procedure, Source};

/// What a file given to `bundle build --from` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    PortalApi,
    PortalPages,
    Catalog,
    OfficialList,
    Hotlines,
    Guides,
    LifeEvents,
    Synonyms,
    Featured,
}

impl SourceFormat {
    /// Decides by file name first, then by sniffing the first record of a JSON Lines file.
    /// A `.zst` suffix is looked through: `portal-pages.jsonl.zst` is a portal-pages file.
    pub fn detect(path: &Path) -> Result<Option<SourceFormat>, BundleError> {
        let full = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = zst::plain_name(&full);
        let by_name = match name {
            "hotlines.json" => Some(SourceFormat::Hotlines),
            "guides.json" => Some(SourceFormat::Guides),
            "life-events.json" => Some(SourceFormat::LifeEvents),
            "synonyms.tsv" => Some(SourceFormat::Synonyms),
            "featured.json" => Some(SourceFormat::Featured),
            n if n.ends_with(".xlsx") => Some(SourceFormat::OfficialList),
            n if n.contains("portal-api-details") => Some(SourceFormat::PortalApi),
            n if n.contains("portal-pages") => Some(SourceFormat::PortalPages),
            n if n.contains("portal-catalog") => Some(SourceFormat::Catalog),
            _ => None,
        };
        if by_name.is_some() || !name.ends_with(".jsonl") {
            return Ok(by_name);
        }
        let bytes = jsonl::read_bytes(path)?;
        let Some(first) = jsonl::lines(path, &bytes).next() else {
            return Ok(None);
        };
        let (line, text) = first?;
        let v: serde_json::Value = jsonl::parse_line(path, line, text)?;
        Ok(if v.get("data").is_some() && v.get("code").is_some() {
            Some(SourceFormat::PortalApi)
        } else if v.get("ma_thu_tuc").is_some() {
            Some(SourceFormat::PortalPages)
        } else if v.get("code").is_some() && v.get("name").is_some() {
            Some(SourceFormat::Catalog)
        } else {
            None
        })
    }

    fn source(self) -> Option<Source> {
        match self {
            SourceFormat::PortalApi => Some(Source::PortalApi),
            SourceFormat::PortalPages => Some(Source::PortalPages),
            SourceFormat::Catalog => Some(Source::Catalog),
            SourceFormat::OfficialList => Some(Source::OfficialList),
            _ => None,
        }
    }
}

/// Expands directories (recursively, sorted) into files.
fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, BundleError> {
    let mut files = Vec::new();
    for p in inputs {
        let meta = std::fs::metadata(p).map_err(|e| BundleError::io(p, e))?;
        if meta.is_dir() {
            files.extend(crate::files::files_sorted(p));
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// Progress of a long read, for a terminal bar or the staff screen.
pub trait Progress {
    fn file(&mut self, _path: &Path, _index: usize, _total: usize) {}
}

impl Progress for () {}

/// Reads every input (files or directories) in the portal's formats and motcua's curated
/// formats, merges procedures by code and resolves life-event membership. A directory's files
/// that are not data are listed as ignored; a file named explicitly must be data.
pub fn read_sources(
    inputs: &[PathBuf],
    progress: &mut dyn Progress,
) -> Result<(Dataset, ImportReport), BundleError> {
    let explicit: Vec<&PathBuf> = inputs.iter().filter(|p| p.is_file()).collect();
    let files = expand(inputs)?;
    let mut report = ImportReport::default();
    let mut records: Vec<Procedure> = Vec::new();
    let mut ds = Dataset::default();
    let total = files.len();
    for (i, path) in files.iter().enumerate() {
        progress.file(path, i, total);
        let Some(format) = SourceFormat::detect(path)? else {
            if explicit.contains(&path) {
                return Err(BundleError::UnknownFormat {
                    path: path.clone(),
                    hint: "expected portal-api-details/portal-pages/portal-catalog .jsonl (or .jsonl.zst), an official-list .xlsx, hotlines.json, guides.json, life-events.json or synonyms.tsv".into(),
                });
            }
            report.ignored_files.push(path.display().to_string());
            continue;
        };
        match format.source() {
            Some(source) => {
                let mut sr = SourceReport::new(source, path);
                let recs = match format {
                    SourceFormat::PortalApi => portal_api::read(path, &mut sr)?,
                    SourceFormat::PortalPages => portal_pages::read(path, &mut sr)?,
                    SourceFormat::Catalog => catalog::read(path, &mut sr)?,
                    SourceFormat::OfficialList => official_list::read(path, &mut sr)?,
                    _ => Vec::new(),
                };
                records.extend(recs);
                report.sources.push(sr);
            }
            None => match format {
                SourceFormat::Hotlines => ds.hotlines.extend(curated::read_hotlines(path)?),
                SourceFormat::Guides => ds.guides.extend(curated::read_guides(path)?),
                SourceFormat::LifeEvents => ds.life_events.extend(curated::read_life_events(path)?),
                SourceFormat::Synonyms => ds.synonyms.extend(curated::read_synonyms(path)?),
                SourceFormat::Featured => ds.featured.extend(curated::read_featured(path)?),
                _ => {}
            },
        }
    }
    drop_mismatched_pages(&mut records, &mut report);
    let (procedures, merged) = merge::merge(records);
    ds.procedures = procedures;
    let known: std::collections::HashSet<&str> =
        ds.procedures.iter().map(|p| p.code.as_str()).collect();
    let mut featured = Vec::new();
    for code in std::mem::take(&mut ds.featured) {
        if known.contains(code.as_str()) && !featured.contains(&code) {
            featured.push(code);
        } else if !known.contains(code.as_str()) {
            report
                .ignored_files
                .push(format!("featured.json: unknown code {code}"));
        }
    }
    ds.featured = featured;
    ds.resolve_life_events();
    report.procedures = ds.procedures.len();
    report.merged = merged;
    report.with_detail = ds.procedures.iter().filter(|p| p.has_detail()).count();
    report.with_portal_link = ds
        .procedures
        .iter()
        .filter(|p| p.portal_id.is_some())
        .count();
    report.hotlines = ds.hotlines.len();
    report.guides = ds.guides.len();
    report.life_events = ds.life_events.len();
    report.synonyms = ds.synonyms.len();
    Ok((ds, report))
}

/// A detail page whose portal UUID differs from the catalog's UUID for the same code is another
/// procedure's page filed under the wrong code (the crawl has such pages: "Hỗ trợ phát triển sản
/// xuất cộng đồng." under 3.000285, …). Merging it would put the wrong steps and fees under a
/// real procedure, so it is left out and reported.
fn drop_mismatched_pages(records: &mut Vec<Procedure>, report: &mut ImportReport) {
    let catalog: std::collections::HashMap<String, String> = records
        .iter()
        .filter(|p| p.sources.first() == Some(&Source::Catalog))
        .filter_map(|p| Some((p.code.clone(), p.portal_id.clone()?)))
        .collect();
    records.retain(|p| {
        if p.sources.first() != Some(&Source::PortalPages) {
            return true;
        }
        match (&p.portal_id, catalog.get(&p.code)) {
            (Some(page), Some(cat)) if page != cat => {
                report.mismatched.push(report::Unparsed {
                    code: p.code.clone(),
                    field: "detail_url".into(),
                    excerpt: format!(
                        "page \"{}\" has portal id {page}, the catalog's is {cat}",
                        p.name.chars().take(60).collect::<String>()
                    ),
                });
                false
            }
            _ => true,
        }
    });
}
