//! The content rules every bundle meets when a kiosk reads it, whoever built it: a signature
//! proves who published a bundle, not that its text is fit for the screen. Every text is NFC and
//! cleaned of control and bidi-override characters, every list is bounded (a page must be able to
//! lay out whatever passes), hotline numbers are digits, and links lead only over https to hosts
//! the kiosk's configuration allows.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::BundleError;
use crate::domain::Dataset;
use crate::domain::contact::{host_allowed, https_host, is_phone_number};
use crate::domain::text::clean;

/// The most items any list in a procedure, guide or hotline list may have (dossier items, steps,
/// channels, legal bases, guide steps…). The real portal data peaks at 94 dossier items.
pub const MAX_LIST_ITEMS: usize = 300;

/// The most procedures a life event may list (the real data peaks at 701; browse lists are
/// paged).
pub const MAX_GROUP_CODES: usize = 20_000;

/// Where a record came from, for error messages: the file and, in JSON Lines, the line.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a Path,
    pub line: Option<usize>,
}

fn field_error(at: Origin<'_>, field: &str, message: String) -> BundleError {
    match at.line {
        Some(line) => BundleError::Field {
            path: at.file.to_path_buf(),
            line,
            field: field.to_string(),
            message,
        },
        None => BundleError::Invalid {
            path: at.file.to_path_buf(),
            message: format!("`{field}`: {message}"),
        },
    }
}

/// Cleans every string of `item` (NFC, no control or bidi characters) and refuses any list
/// longer than `max_items`, naming the field.
pub fn sanitize<T: Serialize + DeserializeOwned>(
    at: Origin<'_>,
    item: T,
    max_items: usize,
) -> Result<T, BundleError> {
    let mut v = serde_json::to_value(&item).map_err(|e| field_error(at, ".", e.to_string()))?;
    let mut path = String::new();
    walk(&mut v, &mut path, max_items)
        .map_err(|(field, message)| field_error(at, &field, message))?;
    serde_json::from_value(v).map_err(|e| field_error(at, ".", e.to_string()))
}

fn walk(v: &mut Value, path: &mut String, max: usize) -> Result<(), (String, String)> {
    match v {
        Value::String(s) => {
            let c = clean(s);
            if c != *s {
                *s = c;
            }
        }
        Value::Array(items) => {
            if items.len() > max {
                let field = if path.is_empty() { "." } else { path.as_str() };
                return Err((
                    field.to_string(),
                    format!("{} items; the limit is {max} per list", items.len()),
                ));
            }
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, max)?;
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                walk(item, path, max)?;
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

/// The rules that depend on the kiosk (the hosts its QR codes may lead to), applied to a whole
/// dataset after [`sanitize`] cleaned each record.
pub fn check_dataset(
    bundle: &Path,
    ds: &Dataset,
    link_hosts: &[String],
) -> Result<(), BundleError> {
    let refuse = |file: &str, message: String| BundleError::Invalid {
        path: bundle.join(file),
        message,
    };
    for (i, g) in ds.guides.iter().enumerate() {
        match https_host(&g.link) {
            None => {
                return Err(refuse(
                    "guides.json",
                    format!(
                        "item {i} ({}): link `{}` is not an https:// address",
                        g.id, g.link
                    ),
                ));
            }
            Some(host) if !host_allowed(&host, link_hosts) => {
                return Err(refuse(
                    "guides.json",
                    format!(
                        "item {i} ({}): link `{}` leads to {host}, which is not one of the hosts this kiosk allows ([portal] link_hosts: {})",
                        g.id,
                        g.link,
                        link_hosts.join(", ")
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    for (i, h) in ds.hotlines.iter().enumerate() {
        if !is_phone_number(&h.number) {
            return Err(refuse(
                "hotlines.json",
                format!(
                    "item {i} ({}): number `{}` is not a phone number (digits in groups, 3 to 15 digits)",
                    h.name, h.number
                ),
            ));
        }
    }
    Ok(())
}
