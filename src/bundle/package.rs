//! motcua's own bundle format: `manifest.json` (format, version, creation and expiry times, and
//! the size and SHA-256 of every content file) beside the content files, with an optional
//! detached signature `manifest.json.minisig`. Builds a dataset into a [`Built`] bundle and
//! verifies a [`RawBundle`] into a dataset; reading and writing the files is `archive`'s job.
//! See `docs/bundle-format.md`.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::Path;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::layout::{
    Built, Entries, FORMAT, FORMAT_VERSION, FileEntry, Manifest, RawBundle, Role, is_safe_name,
};
use super::{BundleError, ImportReport, content, curated, jsonl, sign};
use crate::domain::changes::Changes;
use crate::domain::{Dataset, Procedure};

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
    if let Some(c) = &ds.changes {
        files.push((Role::Changes, serde_json::to_vec_pretty(c)?));
    }
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

/// A curated JSON list, every text cleaned and every list bounded (see [`content`]).
fn curated_list<T: serde::Serialize + serde::de::DeserializeOwned>(
    display: &Path,
    bytes: &[u8],
    max_items: usize,
) -> Result<Vec<T>, BundleError> {
    let items: Vec<T> = parse_json(display, bytes)?;
    let at = content::Origin {
        file: display,
        line: None,
    };
    content::sanitize(at, items, max_items)
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
    pub trusted_keys: &'a [sign::PublicKey],
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

/// The newest version a kiosk accepts at `now`. Versions follow YYYYMMDDNN (the day the data was
/// published, then a serial 00-99), so a version dated after the day after tomorrow (time-zone
/// slack, as for `created`) is refused: once installed, it would block every later bundle.
pub fn newest_acceptable_version(now: DateTime<Utc>) -> u64 {
    use chrono::Datelike;
    let day = now + chrono::Duration::days(2);
    let (y, m, d) = (
        u64::try_from(day.year()).unwrap_or(0),
        u64::from(day.month()),
        u64::from(day.day()),
    );
    ((y * 100 + m) * 100 + d) * 100 + 99
}

/// Refuses a version outside the scheme (0, or dated after the day after tomorrow).
pub fn check_version_scheme(
    bundle: &Path,
    version: u64,
    now: DateTime<Utc>,
) -> Result<(), BundleError> {
    let newest = newest_acceptable_version(now);
    if version == 0 || version > newest {
        return Err(BundleError::Rejected {
            bundle: bundle.to_path_buf(),
            message: format!(
                "version {version} is outside the version scheme YYYYMMDDNN (the publication day, then a serial 00-99): the newest version accepted today is {newest}"
            ),
        });
    }
    Ok(())
}

/// Refuses a bundle version not newer than the installed one (no rollback by replay).
pub fn check_newer(bundle: &Path, version: u64, installed: u64) -> Result<(), BundleError> {
    if version <= installed {
        return Err(BundleError::Rejected {
            bundle: bundle.to_path_buf(),
            message: format!(
                "version {version} is not newer than the installed version {installed} (an old bundle cannot replace newer data)"
            ),
        });
    }
    Ok(())
}

/// A bundle whose signature, manifest, version, expiry, file list and every file's size and
/// SHA-256 passed, with everything but its procedures parsed. The procedures are read after,
/// by [`Checked::procedures`], one at a time.
#[derive(Debug, Clone)]
pub struct Checked {
    pub manifest: Manifest,
    pub manifest_sha256: String,
    /// The key that signed it, when signed.
    pub key_id: Option<String>,
    /// Hotlines, guides, life events, synonyms, the "most used" list and the change list; no
    /// procedures.
    pub dataset: Dataset,
}

/// Reads at most `entry.size + 1` bytes of `r`, hashing them; keeps them when `keep`.
fn hash_stream(
    bundle: &Path,
    entry: &FileEntry,
    r: &mut dyn Read,
    keep: bool,
) -> Result<(u64, String, Vec<u8>), BundleError> {
    let mut hasher = Sha256::new();
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    let mut r = r.take(entry.size.saturating_add(1));
    loop {
        let n = r.read(&mut buf).map_err(|e| BundleError::Integrity {
            bundle: bundle.to_path_buf(),
            file: entry.path.clone(),
            message: format!("cannot be read: {e}"),
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if keep {
            kept.extend_from_slice(&buf[..n]);
        }
        len += n as u64;
    }
    let digest = hasher.finalize();
    Ok((
        len,
        digest.iter().map(|b| format!("{b:02x}")).collect(),
        kept,
    ))
}

/// Compares what was read of a file with its manifest entry.
fn check_read(bundle: &Path, entry: &FileEntry, len: u64, sha256: &str) -> Result<(), BundleError> {
    let integrity = |message: String| BundleError::Integrity {
        bundle: bundle.to_path_buf(),
        file: entry.path.clone(),
        message,
    };
    if len > entry.size {
        return Err(integrity(format!(
            "larger than the {} bytes the manifest says (altered)",
            entry.size
        )));
    }
    if len < entry.size {
        return Err(integrity(format!(
            "size is {len} bytes, the manifest says {} (truncated or altered)",
            entry.size
        )));
    }
    if !sha256.eq_ignore_ascii_case(&entry.sha256) {
        return Err(integrity(
            "SHA-256 does not match the manifest (the file was altered)".into(),
        ));
    }
    Ok(())
}

/// Checks signature, version, expiry, the file list and every file's size and hash, in that
/// order and before parsing anything; then parses every file but the procedures. Each file is
/// read as a stream: only the small files that are parsed here are kept in memory.
pub fn check(src: &mut dyn Entries, policy: &Policy<'_>) -> Result<Checked, BundleError> {
    let bundle = src.bundle().to_path_buf();
    let bundle = bundle.as_path();
    let rejected = |message: String| BundleError::Rejected {
        bundle: bundle.to_path_buf(),
        message,
    };
    let key_id = match (src.signature(), policy.require_signature) {
        (None, true) => {
            return Err(rejected(
                "the bundle is not signed (manifest.json.minisig is missing)".into(),
            ));
        }
        (None, false) => None,
        (Some(sig), _) => Some(
            sign::verify(src.manifest_bytes(), sig, policy.trusted_keys)
                .map_err(|e| rejected(format!("signature rejected: {e}")))?,
        ),
    };
    let manifest = parse_manifest(bundle, src.manifest_bytes())?;
    check_version_scheme(bundle, manifest.version, policy.now)?;
    if let Some(installed) = policy.installed_version {
        check_newer(bundle, manifest.version, installed)?;
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
    let names = src.names();
    for name in &names {
        if !manifest.files.iter().any(|f| &f.path == name) {
            return Err(BundleError::Integrity {
                bundle: bundle.to_path_buf(),
                file: name.clone(),
                message: "not listed in the manifest (extra files are refused)".into(),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut small = BTreeMap::new();
    for entry in &manifest.files {
        if !seen.insert(entry.path.as_str()) {
            return Err(BundleError::Manifest {
                bundle: bundle.to_path_buf(),
                message: format!("`{}` is listed twice", entry.path),
            });
        }
        let keep = !matches!(entry.role, Role::Procedures | Role::Report);
        let (len, sha256, bytes) = {
            let mut r = src.open(&entry.path, entry.size)?;
            hash_stream(bundle, entry, &mut r, keep)?
        };
        check_read(bundle, entry, len, &sha256)?;
        if keep {
            small.insert(entry.path.clone(), bytes);
        }
    }
    if !manifest.files.iter().any(|f| f.role == Role::Procedures) {
        return Err(rejected("the bundle has no procedures".into()));
    }
    let dataset = parse_small(bundle, &manifest, &small)?;
    Ok(Checked {
        manifest_sha256: sha256_hex(src.manifest_bytes()),
        manifest,
        key_id,
        dataset,
    })
}

/// Parses the verified files other than the procedures.
fn parse_small(
    bundle: &Path,
    manifest: &Manifest,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Dataset, BundleError> {
    let mut ds = Dataset::default();
    for entry in &manifest.files {
        let Some(bytes) = files.get(&entry.path) else {
            continue;
        };
        let display = bundle.join(&entry.path);
        match entry.role {
            Role::Hotlines => ds.hotlines = curated_list(&display, bytes, content::MAX_LIST_ITEMS)?,
            Role::Guides => ds.guides = curated_list(&display, bytes, content::MAX_LIST_ITEMS)?,
            Role::LifeEvents => {
                ds.life_events = curated_list(&display, bytes, content::MAX_GROUP_CODES)?
            }
            Role::Synonyms => {
                ds.synonyms = curated_list(&display, bytes, content::MAX_GROUP_CODES)?
            }
            Role::Featured => ds.featured = curated_list(&display, bytes, content::MAX_LIST_ITEMS)?,
            Role::Changes => {
                let at = content::Origin {
                    file: &display,
                    line: None,
                };
                let changes = parse_json::<Changes>(&display, bytes)?;
                ds.changes = Some(content::sanitize(at, changes, content::MAX_GROUP_CODES)?)
            }
            Role::Procedures | Role::Report => {}
        }
    }
    Ok(ds)
}

/// A reader that hashes and counts what passes through it.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    hasher: Sha256,
    len: u64,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

impl Checked {
    /// Reads the procedures one at a time, in file order, giving each to `each` once it is
    /// parsed, cleaned and validated (errors name the file, the line and the field). A code seen
    /// twice and a bundle without procedures are refused. The files are hashed again as they
    /// are read: one that changed since [`check`] read it (a USB stick written meanwhile) is an
    /// integrity error at its end, so whatever `each` built from it must be thrown away on any
    /// error. Returns how many procedures there were.
    pub fn procedures<E: From<BundleError>>(
        &self,
        src: &mut dyn Entries,
        each: &mut dyn FnMut(Procedure) -> Result<(), E>,
    ) -> Result<usize, E> {
        let bundle = src.bundle().to_path_buf();
        let mut codes: std::collections::HashSet<String> = std::collections::HashSet::new();
        for entry in self
            .manifest
            .files
            .iter()
            .filter(|f| f.role == Role::Procedures)
        {
            let display = bundle.join(&entry.path);
            let mut opened = src.open(&entry.path, entry.size)?;
            let mut limited = (&mut opened).take(entry.size.saturating_add(1));
            let mut hashing = Hashing {
                inner: &mut limited,
                hasher: Sha256::new(),
                len: 0,
            };
            let mut reader = std::io::BufReader::with_capacity(256 * 1024, &mut hashing);
            let mut raw = Vec::new();
            let mut line = 0usize;
            loop {
                raw.clear();
                let n = reader
                    .read_until(b'\n', &mut raw)
                    .map_err(|e| BundleError::Integrity {
                        bundle: bundle.clone(),
                        file: entry.path.clone(),
                        message: format!("cannot be read: {e}"),
                    })?;
                if n == 0 {
                    break;
                }
                line += 1;
                if raw.last() == Some(&b'\n') {
                    raw.pop();
                }
                if jsonl::is_blank(&raw) {
                    continue;
                }
                let text = jsonl::line_text(&display, line, &raw)?;
                let p: Procedure = jsonl::parse_line(&display, line, text)?;
                let at = content::Origin {
                    file: &display,
                    line: Some(line),
                };
                let p = content::sanitize(at, p, content::MAX_LIST_ITEMS)?;
                validate_procedure(&display, line, &p)?;
                if !codes.insert(p.code.clone()) {
                    return Err(BundleError::Rejected {
                        bundle: bundle.clone(),
                        message: format!("procedure {} appears twice", p.code),
                    }
                    .into());
                }
                each(p)?;
            }
            drop(reader);
            let digest = hashing.hasher.finalize();
            let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            check_read(&bundle, entry, hashing.len, &sha256).map_err(|e| match e {
                BundleError::Integrity {
                    bundle,
                    file,
                    message,
                } => BundleError::Integrity {
                    bundle,
                    file,
                    message: format!("{message}; it changed while it was being read"),
                },
                other => other,
            })?;
        }
        if codes.is_empty() {
            return Err(BundleError::Rejected {
                bundle,
                message: "the bundle has no procedures".into(),
            }
            .into());
        }
        Ok(codes.len())
    }
}

/// [`check`] and [`Checked::procedures`] on a bundle in memory, every procedure collected.
pub fn verify(raw: &RawBundle, policy: &Policy<'_>) -> Result<Verified, BundleError> {
    let mut src = raw;
    let checked = check(&mut src, policy)?;
    let mut procedures = Vec::new();
    checked.procedures(&mut src, &mut |p| {
        procedures.push(p);
        Ok::<(), BundleError>(())
    })?;
    let mut dataset = checked.dataset;
    dataset.procedures = procedures;
    Ok(Verified {
        manifest: checked.manifest,
        manifest_sha256: checked.manifest_sha256,
        key_id: checked.key_id,
        dataset,
    })
}
