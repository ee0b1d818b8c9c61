//! Finding usage exports on disk and reading one export completely or not at all: its manifest
//! (format and version first), then each listed file's size and SHA-256, then every CSV row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::FleetError;
use crate::app::usage::{EVENTS_HEADER, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, ExportManifest};

/// An export whose manifest was read; its files are checked when it is loaded.
#[derive(Debug, Clone)]
pub struct Export {
    pub manifest_path: PathBuf,
    pub manifest: ExportManifest,
}

/// Something that looked like an export and was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Found {
    pub exports: Vec<Export>,
    pub skipped: Vec<Skipped>,
}

/// What a usage record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Session,
    Search,
    View,
    Rating,
}

/// One row of an events file, checked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Event {
    pub kind: Kind,
    /// RFC 3339 in the kiosk's local time; its first 10 characters are the kiosk's day.
    pub at: String,
    /// The query, the procedure code, or empty.
    pub subject: String,
    /// A search's result count or a rating's level (0 otherwise).
    pub value: u64,
    /// A rating's reason (a session's end time is dropped: it changes between exports).
    pub detail: String,
}

impl Event {
    pub fn day(&self) -> &str {
        &self.at[..10]
    }
}

/// Exports larger than this are refused (a year of a busy kiosk is a few MB).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;
/// How deep under each given folder exports are looked for (e.g. province/district/kiosk/).
const MAX_DEPTH: usize = 6;

/// Finds every export under `paths`: folders are searched for `motcua-export-*.json` manifests;
/// a file given by name is read as a manifest. CSV files of an export without its manifest
/// (written by an older motcua, or copied without the .json) are listed as skipped.
pub fn find_exports(paths: &[PathBuf]) -> Result<Found, FleetError> {
    let mut manifests = BTreeSet::new();
    let mut csvs = BTreeSet::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| FleetError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, 0, &mut manifests, &mut csvs)?;
        } else {
            manifests.insert(canonical(p));
        }
    }
    let mut found = Found::default();
    for csv in &csvs {
        // An export's files share the manifest's stamp; the manifest, readable or not, speaks
        // for them.
        let name = csv
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let stamp = name
            .trim_start_matches("motcua-usage-")
            .trim_start_matches("motcua-daily-")
            .trim_end_matches(".csv");
        let manifest = csv.with_file_name(format!("motcua-export-{stamp}.json"));
        if !manifests.contains(&manifest) {
            found.skipped.push(Skipped {
                path: csv.clone(),
                reason: "no export manifest (motcua-export-….json) beside it: written by an \
                         older motcua or copied without it; export again from the kiosk"
                    .into(),
            });
        }
    }
    for path in manifests {
        match read_manifest(&path) {
            Ok(manifest) => found.exports.push(Export {
                manifest_path: path,
                manifest,
            }),
            Err(reason) => found.skipped.push(Skipped { path, reason }),
        }
    }
    Ok(found)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn walk(
    dir: &Path,
    depth: usize,
    manifests: &mut BTreeSet<PathBuf>,
    csvs: &mut BTreeSet<PathBuf>,
) -> Result<(), FleetError> {
    let io = |source| FleetError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_dir() && depth < MAX_DEPTH {
            walk(&path, depth + 1, manifests, csvs)?;
        } else if kind.is_file() && name.starts_with("motcua-export-") && name.ends_with(".json") {
            manifests.insert(canonical(&path));
        } else if kind.is_file()
            && (name.starts_with("motcua-usage-") || name.starts_with("motcua-daily-"))
            && name.ends_with(".csv")
        {
            csvs.insert(canonical(&path));
        }
    }
    Ok(())
}

fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len > cap {
        return Err(format!(
            "{}: {len} bytes, more than the {cap} accepted",
            path.display()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a manifest: the format and its version are checked before anything else, so a newer
/// export says so instead of failing on a field.
pub fn read_manifest(path: &Path) -> Result<ExportManifest, String> {
    let bytes = read_capped(path, MAX_MANIFEST_BYTES)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(EXPORT_FORMAT) => {}
        Some(other) => return Err(format!("format `{other}` is not a motcua usage export")),
        None => return Err("no `format`: not a motcua usage export".into()),
    }
    match value.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(EXPORT_FORMAT_VERSION) => {}
        Some(v) => {
            return Err(format!(
                "format version {v} is not supported (this motcua reads version \
                 {EXPORT_FORMAT_VERSION}): update motcua"
            ));
        }
        None => return Err("no `format_version`".into()),
    }
    let m: ExportManifest = serde_path_to_error::deserialize(value)
        .map_err(|e| format!("field `{}`: {}", e.path(), e.inner()))?;
    if m.kiosk.id.trim().is_empty() {
        return Err("field `kiosk.id` is empty".into());
    }
    if chrono::DateTime::parse_from_rfc3339(&m.exported_at).is_err() {
        return Err(format!(
            "field `exported_at`: `{}` is not a time",
            m.exported_at
        ));
    }
    let mut roles = BTreeMap::new();
    for f in &m.files {
        let plain = Path::new(&f.name).file_name().map(|n| n.to_string_lossy())
            == Some(f.name.as_str().into());
        if !plain || f.name.starts_with('.') {
            return Err(format!("file `{}` is not a plain file name", f.name));
        }
        *roles.entry(f.role.as_str()).or_insert(0) += 1;
    }
    if roles.get("events") != Some(&1) {
        return Err("the manifest must list exactly one `events` file".into());
    }
    if let Some(r) = roles.keys().find(|r| !matches!(**r, "events" | "daily")) {
        return Err(format!("unknown file role `{r}`"));
    }
    Ok(m)
}

/// Checks every file of `export` and returns its events; any problem refuses the whole export.
pub fn load_events(export: &Export) -> Result<Vec<Event>, String> {
    let dir = export
        .manifest_path
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut events = None;
    for f in &export.manifest.files {
        let path = dir.join(&f.name);
        let bytes = read_capped(&path, MAX_FILE_BYTES)?;
        if bytes.len() as u64 != f.bytes {
            return Err(format!(
                "{}: {} bytes, the manifest says {} (truncated or changed)",
                f.name,
                bytes.len(),
                f.bytes
            ));
        }
        if !crate::bundle::package::sha256_hex(&bytes).eq_ignore_ascii_case(&f.sha256) {
            return Err(format!("{}: SHA-256 differs from the manifest", f.name));
        }
        if f.role == "events" {
            let text = String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", f.name))?;
            let parsed = parse_events(&text).map_err(|e| format!("{}: {e}", f.name))?;
            if parsed.len() as u64 != f.rows {
                return Err(format!(
                    "{}: {} rows, the manifest says {}",
                    f.name,
                    parsed.len(),
                    f.rows
                ));
            }
            events = Some(parsed);
        }
    }
    events.ok_or_else(|| "no events file".into())
}

fn parse_events(text: &str) -> Result<Vec<Event>, String> {
    let records = super::csv::parse(text)?;
    let mut it = records.into_iter();
    match it.next() {
        Some((_, h)) if h.join(",") == EVENTS_HEADER => {}
        Some((_, h)) => {
            return Err(format!(
                "line 1: header `{}`, expected `{EVENTS_HEADER}`",
                h.join(",")
            ));
        }
        None => return Err("empty file".into()),
    }
    it.map(|(line, fields)| parse_event(fields).map_err(|e| format!("line {line}: {e}")))
        .collect()
}

fn parse_event(fields: Vec<String>) -> Result<Event, String> {
    let Ok::<[String; 5], _>([kind, at, subject, value, detail]) = fields.try_into() else {
        return Err("expected 5 fields".into());
    };
    let kind = match kind.as_str() {
        "session" => Kind::Session,
        "search" => Kind::Search,
        "view" => Kind::View,
        "rating" => Kind::Rating,
        other => return Err(format!("unknown record kind `{other}`")),
    };
    if at.len() < 10 || chrono::DateTime::parse_from_rfc3339(&at).is_err() {
        return Err(format!("`{at}` is not a time"));
    }
    let number = |max: u64| -> Result<u64, String> {
        value
            .parse::<u64>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| format!("value `{value}` is not a number up to {max}"))
    };
    let (value, detail) = match kind {
        Kind::Session => (0, String::new()),
        Kind::Search => (number(u64::MAX)?, String::new()),
        Kind::View => (0, String::new()),
        Kind::Rating => match number(4)? {
            0 => return Err("rating level 0".into()),
            l => (l, detail),
        },
    };
    if matches!(kind, Kind::Search | Kind::View) && subject.trim().is_empty() {
        return Err("empty subject".into());
    }
    Ok(Event {
        kind,
        at,
        subject,
        value,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_field_by_field() {
        let ok = format!(
            "\u{feff}{EVENTS_HEADER}\nsession,2026-11-30T08:00:00+07:00,,,2026-11-30T08:03:00+07:00\n\
             search,2026-11-30T08:01:00+07:00,\"giấy, phép\",0,\nrating,2026-11-30T08:02:00+07:00,1.001193,1,Chờ lâu\n"
        );
        let e = parse_events(&ok).expect("parse");
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].subject, "giấy, phép");
        assert_eq!(e[2].value, 1);
        assert_eq!(e[2].day(), "2026-11-30");

        for (row, why) in [
            ("visit,2026-11-30T08:00:00+07:00,,,", "unknown record kind"),
            ("search,yesterday,x,1,", "is not a time"),
            ("search,2026-11-30T08:00:00+07:00,x,many,", "not a number"),
            ("rating,2026-11-30T08:00:00+07:00,,5,", "up to 4"),
            ("view,2026-11-30T08:00:00+07:00,1.001193", "5 fields"),
        ] {
            let err = parse_events(&format!("{EVENTS_HEADER}\n{row}\n")).expect_err(row);
            assert!(
                err.starts_with("line 2: ") && err.contains(why),
                "{row}: {err}"
            );
        }
        assert!(
            parse_events("kind,at,subject\n")
                .expect_err("header")
                .contains("header")
        );
    }
}
