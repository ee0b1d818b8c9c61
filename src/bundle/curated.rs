//! motcua's curated files: hotlines, online-service guides, life-event groups (with the rule that
//! assigns procedures to them) and search synonyms. Staff can update every one of them with a
//! bundle. Text is NFC-cleaned on the way in.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::{BundleError, jsonl};
use crate::domain::text::{clean, clean_line};
use crate::domain::{Guide, Hotline, LifeEvent, Synonym};

/// Parses a whole JSON file; errors carry line, column and the field path.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, BundleError> {
    let bytes = jsonl::read_bytes(path)?;
    parse_json_bytes(path, &bytes)
}

/// Parses JSON bytes that came from `path` (a file, or a file inside a bundle).
pub(crate) fn parse_json_bytes<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
) -> Result<T, BundleError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        BundleError::NotText {
            path: path.to_path_buf(),
            line,
        }
    })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let v = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let msg = msg
            .rfind(" at line ")
            .map_or(msg.clone(), |i| msg[..i].to_string());
        if inner.is_data() && field != "." {
            BundleError::Field {
                path: path.to_path_buf(),
                line: inner.line(),
                field,
                message: msg,
            }
        } else {
            BundleError::Json {
                path: path.to_path_buf(),
                line: inner.line(),
                column: inner.column(),
                message: msg,
            }
        }
    })?;
    de.end().map_err(|e| BundleError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: "trailing data after the JSON value".into(),
    })?;
    Ok(v)
}

fn required(path: &Path, index: usize, field: &str, value: &str) -> Result<(), BundleError> {
    if value.trim().is_empty() {
        return Err(BundleError::Invalid {
            path: path.to_path_buf(),
            message: format!("item {index}: `{field}` is empty"),
        });
    }
    Ok(())
}

pub fn read_hotlines(path: &Path) -> Result<Vec<Hotline>, BundleError> {
    let mut v: Vec<Hotline> = read_json(path)?;
    for (i, h) in v.iter_mut().enumerate() {
        h.name = clean_line(&h.name);
        h.number = clean_line(&h.number);
        h.hours = clean_line(&h.hours);
        h.purpose = clean(&h.purpose);
        h.scope = clean_line(&h.scope);
        required(path, i, "name", &h.name)?;
        if h.digits().len() < 3 {
            return Err(BundleError::Invalid {
                path: path.to_path_buf(),
                message: format!("item {i} ({}): `number` has no phone number", h.name),
            });
        }
    }
    Ok(v)
}

pub fn read_guides(path: &Path) -> Result<Vec<Guide>, BundleError> {
    let mut v: Vec<Guide> = read_json(path)?;
    for (i, g) in v.iter_mut().enumerate() {
        g.id = clean_line(&g.id);
        g.title = clean_line(&g.title);
        g.summary = clean(&g.summary);
        g.steps = g
            .steps
            .iter()
            .map(|s| clean(s))
            .filter(|s| !s.is_empty())
            .collect();
        g.link = g.link.trim().to_string();
        required(path, i, "id", &g.id)?;
        required(path, i, "title", &g.title)?;
        if g.steps.is_empty() {
            return Err(BundleError::Invalid {
                path: path.to_path_buf(),
                message: format!("item {i} ({}): `steps` is empty", g.id),
            });
        }
        if !g.link.starts_with("https://") {
            return Err(BundleError::Invalid {
                path: path.to_path_buf(),
                message: format!("item {i} ({}): `link` must be an https:// URL", g.id),
            });
        }
    }
    Ok(v)
}

pub fn read_life_events(path: &Path) -> Result<Vec<LifeEvent>, BundleError> {
    let mut v: Vec<LifeEvent> = read_json(path)?;
    for (i, e) in v.iter_mut().enumerate() {
        e.slug = clean_line(&e.slug);
        e.label = clean_line(&e.label);
        e.audience = clean_line(&e.audience);
        e.name_phrases = e.name_phrases.iter().map(|s| clean_line(s)).collect();
        e.fields = e.fields.iter().map(|s| clean_line(s)).collect();
        required(path, i, "slug", &e.slug)?;
        required(path, i, "label", &e.label)?;
    }
    Ok(v)
}

/// `synonyms.tsv`: a header line, then `term<TAB>expansions`; a term may list spellings
/// separated by ` / `, expansions are separated by ` | `. `#` starts a comment line.
pub fn read_synonyms(path: &Path) -> Result<Vec<Synonym>, BundleError> {
    let bytes = jsonl::read_bytes(path)?;
    let mut out = Vec::new();
    for item in jsonl::lines(path, &bytes) {
        let (line, text) = item?;
        let text = text.trim_end_matches('\r');
        if text.trim_start().starts_with('#') || (line == 1 && text.starts_with("term\t")) {
            continue;
        }
        let mut cols = text.split('\t');
        let (Some(terms), Some(exps)) = (cols.next(), cols.next()) else {
            return Err(BundleError::Field {
                path: path.to_path_buf(),
                line,
                field: "expansions".into(),
                message: "expected two tab-separated columns: term and expansions".into(),
            });
        };
        let expansions: Vec<String> = exps
            .split('|')
            .map(clean_line)
            .filter(|s| !s.is_empty())
            .collect();
        if expansions.is_empty() {
            return Err(BundleError::Field {
                path: path.to_path_buf(),
                line,
                field: "expansions".into(),
                message: "no expansion given".into(),
            });
        }
        for term in terms.split(" / ").map(clean_line).filter(|s| !s.is_empty()) {
            out.push(Synonym {
                term,
                expansions: expansions.clone(),
            });
        }
    }
    Ok(out)
}

/// `featured.json`: procedure codes for the home screen's "most used" tiles, in order.
pub fn read_featured(path: &Path) -> Result<Vec<String>, BundleError> {
    let v: Vec<String> = read_json(path)?;
    for (i, c) in v.iter().enumerate() {
        if !crate::domain::is_procedure_code(c) {
            return Err(BundleError::Invalid {
                path: path.to_path_buf(),
                message: format!("item {i}: `{c}` is not a procedure code"),
            });
        }
    }
    Ok(v)
}
