//! The import report: how many records each source gave, how they merged, and every field that
//! could not be parsed, by procedure code. Staff read it to see what the kiosk will show.

use serde::{Deserialize, Serialize};

use crate::domain::Source;

/// A field whose text could not be parsed into structure (kept readable on the procedure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unparsed {
    pub code: String,
    pub field: String,
    /// The start of the text, for a human to look at.
    pub excerpt: String,
}

/// A line or row that was passed over, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceReport {
    pub source: Source,
    pub path: String,
    pub records: usize,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    #[serde(default)]
    pub unparsed: Vec<Unparsed>,
}

impl SourceReport {
    pub fn new(source: Source, path: &std::path::Path) -> Self {
        SourceReport {
            source,
            path: path.display().to_string(),
            records: 0,
            skipped: Vec::new(),
            unparsed: Vec::new(),
        }
    }

    pub fn skip(&mut self, line: usize, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            line,
            reason: reason.into(),
        });
    }

    pub fn unparsed(&mut self, code: &str, field: &str, text: &str) {
        let excerpt: String = text.chars().take(160).collect();
        self.unparsed.push(Unparsed {
            code: code.to_string(),
            field: field.to_string(),
            excerpt,
        });
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub sources: Vec<SourceReport>,
    /// Distinct procedure codes after merging.
    pub procedures: usize,
    /// Codes that more than one source described (merged into one record).
    pub merged: usize,
    /// Procedures with steps and a dossier.
    pub with_detail: usize,
    /// Procedures with a verified portal link (a UUID).
    pub with_portal_link: usize,
    pub hotlines: usize,
    pub guides: usize,
    pub life_events: usize,
    pub synonyms: usize,
    /// Files that were looked at but are not data motcua reads.
    #[serde(default)]
    pub ignored_files: Vec<String>,
    /// Records left out because they describe another procedure than their code says (a detail
    /// page whose portal UUID is not the catalog's UUID for that code).
    #[serde(default)]
    pub mismatched: Vec<Unparsed>,
}

impl ImportReport {
    /// Every unparsed field across sources.
    pub fn unparsed(&self) -> impl Iterator<Item = (&Source, &Unparsed)> {
        self.sources
            .iter()
            .flat_map(|s| s.unparsed.iter().map(move |u| (&s.source, u)))
    }

    /// A short text summary for the terminal.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for src in &self.sources {
            s.push_str(&format!(
                "{:<14} {:>6} records  {:>4} skipped  {:>5} unparsed fields  {}\n",
                src.source.as_str(),
                src.records,
                src.skipped.len(),
                src.unparsed.len(),
                src.path
            ));
        }
        s.push_str(&format!(
            "procedures {} (merged from several sources: {}), with steps and dossier: {}, with portal link: {}\n",
            self.procedures, self.merged, self.with_detail, self.with_portal_link
        ));
        s.push_str(&format!(
            "hotlines {}, guides {}, life events {}, synonyms {}\n",
            self.hotlines, self.guides, self.life_events, self.synonyms
        ));
        for m in &self.mismatched {
            s.push_str(&format!(
                "left out: {} {} ({})\n",
                m.code, m.field, m.excerpt
            ));
        }
        for f in &self.ignored_files {
            s.push_str(&format!("ignored: {f}\n"));
        }
        s
    }
}
