//! A province's feed: a static folder that any web server or object store can serve, with every
//! published bundle under `bundles/` and a signed `latest.json` that says which one is current
//! (version, creation and expiry, size and SHA-256 of the zip, and what changed). Kiosks poll
//! `latest.json` and fetch the bundle only when it is newer than their data. See
//! `docs/bundle-format.md`.
//!
//! ```text
//! FEED/latest.json                 the current bundle and its change list (signed)
//! FEED/latest.json.minisig         minisign signature over latest.json's exact bytes
//! FEED/bundles/<version>.zip       signed bundles, the newest `keep` of them
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::archive::{self, Limits};
use super::package::{self, Policy, WriteOptions, sha256_hex};
use super::{BundleError, ImportReport, sign};
use crate::domain::Dataset;
use crate::domain::changes::{Change, ChangeCounts, Changes};

pub const FEED_FORMAT: &str = "motcua-feed";
pub const FEED_FORMAT_VERSION: u32 = 1;
pub const LATEST: &str = "latest.json";
pub const LATEST_SIGNATURE: &str = "latest.json.minisig";
pub const BUNDLES: &str = "bundles";

/// The bundle `latest.json` points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleRef {
    /// Relative to `latest.json`: `bundles/<version>.zip`.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The change list as `latest.json` carries it (the bundle carries the same, and more).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<u64>,
    #[serde(default)]
    pub new: Vec<Change>,
    #[serde(default)]
    pub changed: Vec<Change>,
    #[serde(default)]
    pub withdrawn: Vec<Change>,
}

impl ChangeSummary {
    pub fn counts(&self) -> ChangeCounts {
        ChangeCounts {
            new: self.new.len(),
            changed: self.changed.len(),
            withdrawn: self.withdrawn.len(),
        }
    }
}

impl From<&Changes> for ChangeSummary {
    fn from(c: &Changes) -> Self {
        ChangeSummary {
            from_version: c.from_version,
            new: c.new.clone(),
            changed: c.changed.clone(),
            withdrawn: c.withdrawn.clone(),
        }
    }
}

/// `latest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latest {
    pub format: String,
    pub format_version: u32,
    /// The bundle's version (the same number as in its manifest).
    pub version: u64,
    /// When this `latest.json` was written.
    pub created: DateTime<Utc>,
    /// After this instant a kiosk refuses this `latest.json`: a feed that is no longer
    /// re-published (or is replayed by someone else) cannot freeze kiosks on old data.
    pub expires: DateTime<Utc>,
    #[serde(default)]
    pub publisher: String,
    pub bundle: BundleRef,
    pub changes: ChangeSummary,
}

/// Reads `latest.json` bytes and checks the format fields.
pub fn parse_latest(at: &str, bytes: &[u8]) -> Result<Latest, BundleError> {
    let bad = |message: String| BundleError::Invalid {
        path: PathBuf::from(at),
        message,
    };
    let l: Latest = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    if l.format != FEED_FORMAT {
        return Err(bad(format!(
            "format is `{}`, expected `{FEED_FORMAT}`",
            l.format
        )));
    }
    if l.format_version != FEED_FORMAT_VERSION {
        return Err(bad(format!(
            "format_version {} is not supported (this kiosk reads {FEED_FORMAT_VERSION})",
            l.format_version
        )));
    }
    if !is_bundle_path(&l.bundle.path) {
        return Err(bad(format!(
            "bundle path `{}` is not `{BUNDLES}/<name>.zip`",
            l.bundle.path
        )));
    }
    Ok(l)
}

/// `bundles/<plain name>.zip` and nothing else: no other folder, no `..`, no address.
pub fn is_bundle_path(p: &str) -> bool {
    p.strip_prefix("bundles/").is_some_and(|name| {
        super::is_safe_name(name)
            && name.len() > 4
            && name.to_ascii_lowercase().ends_with(".zip")
            && !name.starts_with('.')
    })
}

/// Checks a fetched `latest.json` the way a kiosk must before acting on it: signature by a
/// trusted key, format, not expired, not from the future.
pub fn verify_latest(
    at: &str,
    bytes: &[u8],
    signature: &str,
    keys: &[sign::PublicKey],
    now: DateTime<Utc>,
) -> Result<Latest, BundleError> {
    let rejected = |message: String| BundleError::Rejected {
        bundle: PathBuf::from(at),
        message,
    };
    sign::verify(bytes, signature, keys)
        .map_err(|e| rejected(format!("latest.json signature rejected: {e}")))?;
    let latest = parse_latest(at, bytes)?;
    if latest.expires <= now {
        return Err(rejected(format!(
            "latest.json expired on {} (the feed is no longer being published; ask the province)",
            latest.expires.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    if latest.created > now + chrono::Duration::days(2) {
        return Err(rejected(format!(
            "latest.json says it was written on {}, in the future: check the kiosk's clock",
            latest.created.format("%Y-%m-%d")
        )));
    }
    Ok(latest)
}

/// The address of the bundle a `latest.json` fetched from `latest_url` points at: its
/// `bundles/<name>.zip` path (checked by [`parse_latest`]) beside `latest.json`.
pub fn bundle_url(latest_url: &str, latest: &Latest) -> String {
    let base = match latest_url.rfind('/') {
        Some(i) => &latest_url[..=i],
        None => "",
    };
    format!("{base}{}", latest.bundle.path)
}

/// Checks a downloaded bundle against the size and SHA-256 `latest.json` gives, reading it in
/// pieces (a bundle can be hundreds of megabytes).
pub fn check_download(path: &Path, latest: &Latest) -> Result<(), BundleError> {
    use sha2::Digest;
    use std::io::Read;
    let rejected = |message: String| BundleError::Rejected {
        bundle: path.to_path_buf(),
        message,
    };
    let mut f = std::fs::File::open(path).map_err(|e| BundleError::io(path, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| BundleError::io(path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    if size != latest.bundle.size {
        return Err(rejected(format!(
            "{} bytes, latest.json says {}: not the bundle the feed published",
            size, latest.bundle.size
        )));
    }
    let sha: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if sha != latest.bundle.sha256 {
        return Err(rejected(format!(
            "SHA-256 {sha}, latest.json says {}: the bundle was altered",
            latest.bundle.sha256
        )));
    }
    Ok(())
}

/// How `publish` labels, signs and keeps bundles.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    pub now: DateTime<Utc>,
    /// The new bundle's version; `None`: the time as YYYYMMDDHHMM (and always above the last).
    pub version: Option<u64>,
    /// Days a bundle stays valid.
    pub bundle_days: u32,
    /// Days `latest.json` stays valid: the feed must be re-published within this time.
    pub latest_days: u32,
    /// Bundles kept in `bundles/` (the current one always is).
    pub keep: usize,
    pub publisher: String,
    pub description: String,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            now: Utc::now(),
            version: None,
            bundle_days: 180,
            latest_days: 14,
            keep: 5,
            publisher: String::new(),
            description: String::new(),
        }
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub version: u64,
    /// A new bundle was written (else the data was unchanged and only `latest.json` was
    /// renewed).
    pub new_bundle: bool,
    pub bundle: PathBuf,
    pub bundle_size: u64,
    pub counts: ChangeCounts,
    pub from_version: Option<u64>,
    /// Old bundles deleted by the retention count.
    pub pruned: Vec<PathBuf>,
    /// Everything in the feed folder, in bytes.
    pub feed_size: u64,
}

/// The feed's current bundle, read back and checked against `latest.json`.
struct Current {
    latest: Latest,
    dataset: Dataset,
    expires: Option<DateTime<Utc>>,
}

/// The feed folder is the publisher's own: its current bundle is checked against `latest.json`
/// and its manifest (sizes, hashes, content) but not against a key, so a province that rotates
/// its key keeps its change history.
fn read_current(feed: &Path) -> Result<Option<Current>, BundleError> {
    let latest_path = feed.join(LATEST);
    let bytes = match std::fs::read(&latest_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(BundleError::io(&latest_path, e)),
    };
    let at = latest_path.display().to_string();
    let latest = parse_latest(&at, &bytes)?;
    let zip = feed.join(&latest.bundle.path);
    let zip_bytes = std::fs::read(&zip).map_err(|e| BundleError::io(&zip, e))?;
    if zip_bytes.len() as u64 != latest.bundle.size
        || sha256_hex(&zip_bytes) != latest.bundle.sha256
    {
        return Err(BundleError::Integrity {
            bundle: zip.clone(),
            file: LATEST.into(),
            message: "the feed's current bundle does not match latest.json (altered?)".into(),
        });
    }
    drop(zip_bytes);
    let mut raw = archive::read(&zip, Limits::default())?;
    raw.signature = None;
    let manifest = package::parse_manifest(&zip, &raw.manifest)?;
    let verified = package::verify(
        &raw,
        &Policy {
            trusted_keys: &[],
            require_signature: false,
            installed_version: None,
            // Checked as of its own creation: an expired bundle still holds what kiosks have.
            now: manifest.created,
        },
    )?;
    Ok(Some(Current {
        latest,
        expires: verified.manifest.expires,
        dataset: verified.dataset,
    }))
}

fn signing_failed(feed: &Path, e: sign::SignError) -> BundleError {
    BundleError::Invalid {
        path: feed.to_path_buf(),
        message: format!("cannot sign: {e}"),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    res.map_err(|e| BundleError::io(path, e))
}

/// Same procedures, hotlines, guides, life events, synonyms and featured list: nothing for
/// kiosks to fetch.
fn same_content(a: &Dataset, b: &Dataset) -> bool {
    a.procedures == b.procedures
        && a.hotlines == b.hotlines
        && a.guides == b.guides
        && a.life_events == b.life_events
        && a.synonyms == b.synonyms
        && a.featured == b.featured
}

/// Publishes `ds` into the feed folder `feed`: when it differs from the feed's current bundle (or
/// that bundle would expire before the new `latest.json`), a new signed bundle with its change
/// list against the current one; then a freshly signed `latest.json`; then old bundles beyond
/// `keep` are deleted. Each file is written whole (temporary name, sync, rename) and the bundle
/// before the `latest.json` that names it, so a kiosk never sees a pointer to a missing file.
pub fn publish(
    feed: &Path,
    mut ds: Dataset,
    report: Option<&ImportReport>,
    secret: &sign::SecretKey,
    opts: &PublishOptions,
) -> Result<Published, BundleError> {
    let bundles = feed.join(BUNDLES);
    std::fs::create_dir_all(&bundles).map_err(|e| BundleError::io(&bundles, e))?;
    let current = read_current(feed)?;
    let latest_expires = opts.now + chrono::Duration::days(i64::from(opts.latest_days.max(1)));
    let reuse = current.as_ref().filter(|c| {
        same_content(&c.dataset, &ds)
            && c.expires.is_none_or(|e| e > latest_expires)
            && feed.join(&c.latest.bundle.path).is_file()
    });

    let (version, bundle_ref, summary, new_bundle) = match reuse {
        Some(c) => (
            c.latest.version,
            c.latest.bundle.clone(),
            c.latest.changes.clone(),
            false,
        ),
        None => {
            let stamp = super::authoring::version_at(opts.now);
            let floor = current.as_ref().map(|c| c.latest.version + 1).unwrap_or(1);
            let version = opts.version.unwrap_or(stamp).max(floor);
            if let Some(v) = opts.version
                && v < floor
            {
                return Err(BundleError::Invalid {
                    path: feed.to_path_buf(),
                    message: format!(
                        "version {v} is not above the feed's current version {}",
                        floor - 1
                    ),
                });
            }
            let empty = Changes::default();
            let previous = current.as_ref().map(|c| {
                (
                    c.latest.version,
                    &c.dataset,
                    c.dataset.changes.as_ref().unwrap_or(&empty),
                )
            });
            let changes = Changes::between(previous, &ds, opts.now.date_naive());
            let summary = ChangeSummary::from(&changes);
            ds.changes = Some(changes);
            let built = package::build(
                &ds,
                report,
                &WriteOptions {
                    version,
                    created: opts.now,
                    expires: Some(
                        opts.now + chrono::Duration::days(i64::from(opts.bundle_days.max(1))),
                    ),
                    publisher: opts.publisher.clone(),
                    description: opts.description.clone(),
                },
            )
            .map_err(|e| BundleError::Invalid {
                path: feed.to_path_buf(),
                message: format!("cannot serialise the bundle: {e}"),
            })?;
            let signature = sign::sign(
                secret,
                &built.manifest_bytes,
                &super::authoring::signature_comment(version),
            )
            .map_err(|e| signing_failed(feed, e))?;
            let rel = format!("{BUNDLES}/{version}.zip");
            let zip = feed.join(&rel);
            built.write_zip(&zip, Some(&signature))?;
            let bytes = std::fs::read(&zip).map_err(|e| BundleError::io(&zip, e))?;
            let r = BundleRef {
                path: rel,
                size: bytes.len() as u64,
                sha256: sha256_hex(&bytes),
            };
            (version, r, summary, true)
        }
    };

    let latest = Latest {
        format: FEED_FORMAT.into(),
        format_version: FEED_FORMAT_VERSION,
        version,
        created: opts.now,
        expires: latest_expires,
        publisher: opts.publisher.clone(),
        bundle: bundle_ref.clone(),
        changes: summary.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&latest).map_err(|e| BundleError::Invalid {
        path: feed.join(LATEST),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    let signature = sign::sign(secret, &bytes, &format!("motcua feed version {version}"))
        .map_err(|e| signing_failed(feed, e))?;
    // The signature first: a kiosk that reads between the two renames sees a mismatch and
    // tries again at its next poll, never an unsigned pointer.
    write_atomic(&feed.join(LATEST_SIGNATURE), signature.as_bytes())?;
    write_atomic(&feed.join(LATEST), &bytes)?;

    let pruned = prune(&bundles, &bundle_ref.path, opts.keep)?;
    Ok(Published {
        version,
        new_bundle,
        bundle: feed.join(&bundle_ref.path),
        bundle_size: bundle_ref.size,
        counts: summary.counts(),
        from_version: summary.from_version,
        pruned,
        feed_size: crate::files::tree_bytes(feed),
    })
}

/// Deletes all but the newest `keep` bundles (by version number in the name); the current one
/// is never deleted.
fn prune(bundles: &Path, current: &str, keep: usize) -> Result<Vec<PathBuf>, BundleError> {
    let current_name = current.rsplit('/').next().unwrap_or(current);
    let mut found: BTreeMap<u64, PathBuf> = BTreeMap::new();
    for e in std::fs::read_dir(bundles)
        .map_err(|e| BundleError::io(bundles, e))?
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(v) = name
            .strip_suffix(".zip")
            .and_then(|s| s.parse::<u64>().ok())
        {
            found.insert(v, e.path());
        }
    }
    let mut pruned = Vec::new();
    let excess = found.len().saturating_sub(keep.max(1));
    for (_, p) in found.into_iter().take(excess) {
        if p.file_name().is_some_and(|n| n == current_name) {
            continue;
        }
        std::fs::remove_file(&p).map_err(|e| BundleError::io(&p, e))?;
        pruned.push(p);
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_bundle_paths_are_followed() {
        assert!(is_bundle_path("bundles/2026113000.zip"));
        for bad in [
            "bundles/../latest.json",
            "https://evil.example/x.zip",
            "/etc/passwd",
            "bundles/a/b.zip",
            "bundles/.zip",
            "other/1.zip",
            "bundles/1.tar",
        ] {
            assert!(!is_bundle_path(bad), "{bad}");
        }
    }
}
