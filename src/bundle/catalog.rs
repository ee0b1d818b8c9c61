//! The portal's public catalog (`portal-catalog.jsonl`): brief records for every published code,
//! with the UUID that makes deep links work. No detail text.

use std::path::Path;

use serde::Deserialize;

use super::report::SourceReport;
use super::{BundleError, jsonl};
use crate::domain::text::clean_line;
use crate::domain::{Agencies, Procedure, ProcedureKind, Source};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    id: Option<String>,
    code: String,
    name: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    departments: Vec<String>,
    #[serde(default)]
    department_promulgate: Option<String>,
    #[serde(default)]
    formality_target_type: Vec<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn list(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.iter().map(|s| clean_line(s)).filter(|s| !s.is_empty()) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

pub fn read(path: &Path, report: &mut SourceReport) -> Result<Vec<Procedure>, BundleError> {
    let mut out = Vec::new();
    for (line, it) in jsonl::read::<Item>(path)? {
        let code = checked_code(path, line, &it)?;
        if let Some(state) = it.state.as_deref()
            && !is_published(state)
        {
            report.skip(line, format!("{code}: state {state}"));
            continue;
        }
        out.push(convert(it, code));
    }
    report.records = out.len();
    Ok(out)
}

/// The states in which the portal publishes a procedure; any other state means withdrawn.
pub fn is_published(state: &str) -> bool {
    matches!(state, "ACTIVE" | "UPDATED")
}

fn checked_code(path: &Path, line: usize, it: &Item) -> Result<String, BundleError> {
    let code = clean_line(&it.code);
    if !crate::domain::is_valid_code(&code) {
        return Err(BundleError::Field {
            path: path.to_path_buf(),
            line,
            field: "code".into(),
            message: format!("`{code}` is not a procedure code"),
        });
    }
    Ok(code)
}

/// Checks one catalog item the way [`read`] would take it from a file. Returns the procedure
/// and whether the portal still publishes it (its `state`).
pub fn parse_one(text: &str) -> Result<(Procedure, bool), BundleError> {
    let at = Path::new("<catalog item>");
    if text.contains('\n') {
        return Err(BundleError::Invalid {
            path: at.to_path_buf(),
            message: "an item must be one line".into(),
        });
    }
    let it: Item = jsonl::parse_line(at, 1, text)?;
    let code = checked_code(at, 1, &it)?;
    let published = it.state.as_deref().is_none_or(is_published);
    Ok((convert(it, code), published))
}

fn convert(it: Item, code: String) -> Procedure {
    Procedure {
        code,
        name: clean_line(&it.name),
        portal_id: it
            .id
            .map(|s| s.trim().to_string())
            .filter(|s| crate::domain::is_uuid(s)),
        fields: list(&it.categories),
        kind: it
            .kind
            .as_deref()
            .map(ProcedureKind::parse)
            .unwrap_or_default(),
        issuer: it
            .department_promulgate
            .as_deref()
            .map(clean_line)
            .unwrap_or_default(),
        agencies: Agencies {
            executing: list(&it.departments),
            ..Default::default()
        },
        subjects: list(&it.formality_target_type),
        sources: vec![Source::Catalog],
        ..Default::default()
    }
}
