//! motcua's own bundle format: `manifest.json` (format, version, creation and expiry times, and
//! the size and SHA-256 of every content file) beside the content files, with an optional
//! detached signature `manifest.json.minisig`. See `docs/bundle-format.md`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{BundleError, ImportReport, curated, jsonl};
use crate::domain::{Dataset, Guide, Hotline, LifeEvent, Procedure, Synonym};

pub const FORMAT: &str = "motcua-bundle";
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.minisig";

/// What a content file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// JSON Lines, one procedure per line.
    Procedures,
    Hotlines,
    Guides,
    LifeEvents,
    Synonyms,
    /// Codes shown as "most used" on a new kiosk.
    Featured,
    /// The import report (informational; never shown to citizens).
    Report,
}

impl Role {
    pub fn file_name(self) -> &'static str {
        match self {
            Role::Procedures => "procedures.jsonl",
            Role::Hotlines => "hotlines.json",
            Role::Guides => "guides.json",
            Role::LifeEvents => "life-events.json",
            Role::Synonyms => "synonyms.json",
            Role::Featured => "featured.json",
            Role::Report => "import-report.json",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub role: Role,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// Monotonically increasing: a kiosk refuses a bundle not newer than the one it has.
    pub version: u64,
    pub created: DateTime<Utc>,
    /// After this instant the bundle is refused (so stale data cannot be replayed forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub description: String,
    /// Record counts, informational.
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    pub files: Vec<FileEntry>,
}

/// Options for writing a bundle.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub version: u64,
    pub created: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    pub publisher: String,
    pub description: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Serialises the dataset's content files (role, bytes), in a fixed order.
pub fn content_files(
    ds: &Dataset,
    report: Option<&ImportReport>,
) -> Result<Vec<(Role, Vec<u8>)>, serde_json::Error> {
    let mut procs = Vec::with_capacity(ds.procedures.len() * 4096);
    for p in &ds.procedures {
        serde_json::to_writer(&mut procs, p)?;
        procs.push(b'\n');
    }
    let mut files = vec![
        (Role::Procedures, procs),
        (Role::Hotlines, serde_json::to_vec_pretty(&ds.hotlines)?),
        (Role::Guides, serde_json::to_vec_pretty(&ds.guides)?),
        (
            Role::LifeEvents,
            serde_json::to_vec_pretty(&ds.life_events)?,
        ),
        (Role::Synonyms, serde_json::to_vec_pretty(&ds.synonyms)?),
        (Role::Featured, serde_json::to_vec_pretty(&ds.featured)?),
    ];
    if let Some(r) = report {
        files.push((Role::Report, serde_json::to_vec_pretty(r)?));
    }
    Ok(files)
}

fn manifest_for(ds: &Dataset, files: &[(Role, Vec<u8>)], opts: &WriteOptions) -> Manifest {
    let mut counts = BTreeMap::new();
    counts.insert("procedures".into(), ds.procedures.len() as u64);
    counts.insert(
        "with_detail".into(),
        ds.procedures.iter().filter(|p| p.has_detail()).count() as u64,
    );
    counts.insert("hotlines".into(), ds.hotlines.len() as u64);
    counts.insert("guides".into(), ds.guides.len() as u64);
    counts.insert("life_events".into(), ds.life_events.len() as u64);
    counts.insert("synonyms".into(), ds.synonyms.len() as u64);
    Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        version: opts.version,
        created: opts.created,
        expires: opts.expires,
        publisher: opts.publisher.clone(),
        description: opts.description.clone(),
        counts,
        files: files
            .iter()
            .map(|(role, bytes)| FileEntry {
                path: role.file_name().into(),
                role: *role,
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect(),
    }
}

/// The bundle as files in memory: manifest bytes and content, ready to write to a directory or
/// a zip (and to sign: the signature covers exactly `manifest_bytes`).
#[derive(Debug, Clone)]
pub struct Built {
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub files: Vec<(String, Vec<u8>)>,
}

pub fn build(
    ds: &Dataset,
    report: Option<&ImportReport>,
    opts: &WriteOptions,
) -> Result<Built, serde_json::Error> {
    let files = content_files(ds, report)?;
    let manifest = manifest_for(ds, &files, opts);
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    manifest_bytes.push(b'\n');
    Ok(Built {
        manifest,
        manifest_bytes,
        files: files
            .into_iter()
            .map(|(r, b)| (r.file_name().to_string(), b))
            .collect(),
    })
}

/// The bytes of a file the manifest lists; an integrity error when the bundle lacks it.
fn listed_file<'a>(
    bundle: &Path,
    files: &'a BTreeMap<String, Vec<u8>>,
    entry: &FileEntry,
) -> Result<&'a Vec<u8>, BundleError> {
    files
        .get(&entry.path)
        .ok_or_else(|| BundleError::Integrity {
            bundle: bundle.to_path_buf(),
            file: entry.path.clone(),
            message: "listed in the manifest but missing".into(),
        })
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl Built {
    /// Writes a bundle directory (created if missing; existing bundle files are replaced).
    pub fn write_dir(&self, out: &Path) -> Result<(), BundleError> {
        std::fs::create_dir_all(out).map_err(|e| BundleError::io(out, e))?;
        for (name, bytes) in &self.files {
            let p = out.join(name);
            write_synced(&p, bytes).map_err(|e| BundleError::io(&p, e))?;
        }
        let stale_sig = out.join(SIGNATURE);
        if stale_sig.exists() {
            std::fs::remove_file(&stale_sig).map_err(|e| BundleError::io(&stale_sig, e))?;
        }
        let p = out.join(MANIFEST);
        write_synced(&p, &self.manifest_bytes).map_err(|e| BundleError::io(&p, e))?;
        Ok(())
    }
}

/// Parses manifest bytes and checks the format fields.
pub fn parse_manifest(bundle: &Path, bytes: &[u8]) -> Result<Manifest, BundleError> {
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| BundleError::Manifest {
        bundle: bundle.to_path_buf(),
        message: format!("line {}, column {}: {e}", e.line(), e.column()),
    })?;
    if m.format != FORMAT {
        return Err(BundleError::Manifest {
            bundle: bundle.to_path_buf(),
            message: format!("format is `{}`, expected `{FORMAT}`", m.format),
        });
    }
    if m.format_version != FORMAT_VERSION {
        return Err(BundleError::Manifest {
            bundle: bundle.to_path_buf(),
            message: format!(
                "format_version {} is not supported (this kiosk reads {FORMAT_VERSION})",
                m.format_version
            ),
        });
    }
    for f in &m.files {
        if !is_safe_name(&f.path) {
            return Err(BundleError::Manifest {
                bundle: bundle.to_path_buf(),
                message: format!("file path `{}` is not a plain file name", f.path),
            });
        }
    }
    Ok(m)
}

/// Content files are plain names at the bundle root: no directories, `..`, absolute paths or
/// drive letters.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Checks a content file's bytes against its manifest entry.
pub fn check_entry(bundle: &Path, entry: &FileEntry, bytes: &[u8]) -> Result<(), BundleError> {
    if bytes.len() as u64 != entry.size {
        return Err(BundleError::Integrity {
            bundle: bundle.to_path_buf(),
            file: entry.path.clone(),
            message: format!(
                "size is {} bytes, the manifest says {} (truncated or altered)",
                bytes.len(),
                entry.size
            ),
        });
    }
    let h = sha256_hex(bytes);
    if !h.eq_ignore_ascii_case(&entry.sha256) {
        return Err(BundleError::Integrity {
            bundle: bundle.to_path_buf(),
            file: entry.path.clone(),
            message: "SHA-256 does not match the manifest (the file was altered)".into(),
        });
    }
    Ok(())
}

/// Parses verified content files into a dataset. `files` maps file name to bytes; every
/// manifest entry must be present. Errors name the file, line and field.
pub fn parse_content(
    bundle: &Path,
    manifest: &Manifest,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Dataset, BundleError> {
    let mut ds = Dataset::default();
    let mut seen_procedures = false;
    for entry in &manifest.files {
        let bytes = listed_file(bundle, files, entry)?;
        let display = bundle.join(&entry.path);
        match entry.role {
            Role::Procedures => {
                seen_procedures = true;
                for item in jsonl::lines(&display, bytes) {
                    let (line, text) = item?;
                    let p: Procedure = jsonl::parse_line(&display, line, text)?;
                    validate_procedure(&display, line, &p)?;
                    ds.procedures.push(p);
                }
            }
            Role::Hotlines => ds.hotlines = parse_json::<Vec<Hotline>>(&display, bytes)?,
            Role::Guides => ds.guides = parse_json::<Vec<Guide>>(&display, bytes)?,
            Role::LifeEvents => ds.life_events = parse_json::<Vec<LifeEvent>>(&display, bytes)?,
            Role::Synonyms => ds.synonyms = parse_json::<Vec<Synonym>>(&display, bytes)?,
            Role::Featured => ds.featured = parse_json::<Vec<String>>(&display, bytes)?,
            Role::Report => {}
        }
    }
    if !seen_procedures || ds.procedures.is_empty() {
        return Err(BundleError::Rejected {
            bundle: bundle.to_path_buf(),
            message: "the bundle has no procedures".into(),
        });
    }
    let mut codes = std::collections::HashSet::new();
    for p in &ds.procedures {
        if !codes.insert(p.code.as_str()) {
            return Err(BundleError::Rejected {
                bundle: bundle.to_path_buf(),
                message: format!("procedure {} appears twice", p.code),
            });
        }
    }
    Ok(ds)
}

fn validate_procedure(path: &Path, line: usize, p: &Procedure) -> Result<(), BundleError> {
    let bad = |field: &str, message: String| BundleError::Field {
        path: path.to_path_buf(),
        line,
        field: field.into(),
        message,
    };
    if !crate::domain::is_valid_code(&p.code) {
        return Err(bad("code", format!("`{}` is not a procedure code", p.code)));
    }
    if p.name.trim().is_empty() {
        return Err(bad("name", "empty".into()));
    }
    if let Some(id) = &p.portal_id
        && !crate::domain::is_uuid(id)
    {
        return Err(bad("portal_id", format!("`{id}` is not a UUID")));
    }
    Ok(())
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, BundleError> {
    curated::parse_json_bytes(path, bytes)
}

/// What a bundle must satisfy before anything in it is parsed.
#[derive(Debug, Clone)]
pub struct Policy<'a> {
    pub trusted_keys: &'a [minisign::PublicKey],
    /// Refuse bundles without a valid signature from a trusted key.
    pub require_signature: bool,
    /// The installed data version: a bundle must be newer (no rollback by replay).
    pub installed_version: Option<u64>,
    pub now: DateTime<Utc>,
}

/// A bundle that passed every check, parsed.
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    pub manifest_sha256: String,
    /// The key that signed it, when signed.
    pub key_id: Option<String>,
    pub dataset: Dataset,
}

/// Checks signature, version, expiry, the file list and every hash and size, in that order and
/// before parsing anything; then parses the content.
pub fn verify(
    raw: &super::archive::RawBundle,
    policy: &Policy<'_>,
) -> Result<Verified, BundleError> {
    let bundle = raw.path.as_path();
    let rejected = |message: String| BundleError::Rejected {
        bundle: bundle.to_path_buf(),
        message,
    };
    let key_id = match (&raw.signature, policy.require_signature) {
        (None, true) => {
            return Err(rejected(
                "the bundle is not signed (manifest.json.minisig is missing)".into(),
            ));
        }
        (None, false) => None,
        (Some(sig), _) => Some(
            super::sign::verify(&raw.manifest, sig, policy.trusted_keys)
                .map_err(|e| rejected(format!("signature rejected: {e}")))?,
        ),
    };
    let manifest = parse_manifest(bundle, &raw.manifest)?;
    if let Some(installed) = policy.installed_version
        && manifest.version <= installed
    {
        return Err(rejected(format!(
            "version {} is not newer than the installed version {installed} (an old bundle cannot replace newer data)",
            manifest.version
        )));
    }
    if let Some(exp) = manifest.expires
        && exp <= policy.now
    {
        return Err(rejected(format!(
            "the bundle expired on {} (ask for a fresh one)",
            exp.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    if manifest.created > policy.now + chrono::Duration::days(2) {
        return Err(rejected(format!(
            "the bundle says it was created on {}, in the future: check the kiosk's clock",
            manifest.created.format("%Y-%m-%d")
        )));
    }
    for name in raw.files.keys() {
        if !manifest.files.iter().any(|f| &f.path == name) {
            return Err(BundleError::Integrity {
                bundle: bundle.to_path_buf(),
                file: name.clone(),
                message: "not listed in the manifest (extra files are refused)".into(),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for entry in &manifest.files {
        if !seen.insert(entry.path.as_str()) {
            return Err(BundleError::Manifest {
                bundle: bundle.to_path_buf(),
                message: format!("`{}` is listed twice", entry.path),
            });
        }
        let bytes = listed_file(bundle, &raw.files, entry)?;
        check_entry(bundle, entry, bytes)?;
    }
    let dataset = parse_content(bundle, &manifest, &raw.files)?;
    Ok(Verified {
        manifest_sha256: sha256_hex(&raw.manifest),
        manifest,
        key_id,
        dataset,
    })
}
