//! What a province does with bundles away from the kiosk (`motcua bundle build|sign|verify`,
//! `motcua keygen`): write a dataset as a bundle directory or zip, signed or not; sign an existing
//! bundle; check one exactly as a kiosk would, without installing it; make a key pair.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::archive::{self, Limits};
use super::package::{self, Verified, WriteOptions};
use super::sign::{self, SignError};
use super::{Built, Manifest, SIGNATURE};
use super::{BundleError, ImportReport};
use crate::domain::Dataset;

/// How `bundle build` labels and signs what it writes.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Must increase with every bundle (YYYYMMDDNN); `None`: the creation day and its quarter
    /// hour (UTC).
    pub version: Option<u64>,
    /// Days until the bundle expires (0: never).
    pub expires_days: u32,
    pub publisher: String,
    pub description: String,
    /// Sign with this (unencrypted) minisign secret key.
    pub secret_key: Option<PathBuf>,
}

/// The default bundle version in the YYYYMMDDNN scheme: the creation day, then the quarter hour
/// of the day (00-95, UTC), so bundles built at least 15 minutes apart are newer.
pub fn version_at(created: DateTime<Utc>) -> u64 {
    use chrono::{Datelike, Timelike};
    let (y, m, d) = (
        u64::try_from(created.year()).unwrap_or(0),
        u64::from(created.month()),
        u64::from(created.day()),
    );
    let quarter = u64::from(created.hour() * 4 + created.minute() / 15);
    ((y * 100 + m) * 100 + d) * 100 + quarter
}

/// The trusted comment of a bundle signature (minisign shows it on verification).
pub fn signature_comment(version: u64) -> String {
    format!("motcua bundle version {version}")
}

/// A zip when the path ends in `.zip`, a directory otherwise.
pub fn is_zip(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Writes `ds` as a bundle to `out` (a directory, or a zip when it ends in `.zip`), signed when
/// asked. Returns the manifest written.
pub fn build(
    ds: &Dataset,
    report: Option<&ImportReport>,
    out: &Path,
    opts: &BuildOptions,
) -> Result<Manifest, BundleError> {
    let created = Utc::now();
    let version = opts.version.unwrap_or_else(|| version_at(created));
    // What every kiosk would refuse is not written.
    package::check_version_scheme(out, version, created)?;
    let built = package::build(
        ds,
        report,
        &WriteOptions {
            version,
            created,
            expires: (opts.expires_days > 0)
                .then(|| created + chrono::Duration::days(i64::from(opts.expires_days))),
            publisher: opts.publisher.clone(),
            description: opts.description.clone(),
        },
    )
    .map_err(|e| BundleError::Invalid {
        path: out.to_path_buf(),
        message: format!("cannot serialise the bundle: {e}"),
    })?;
    let signature = match &opts.secret_key {
        Some(key) => {
            let sk = sign::read_secret_key(key, None)?;
            Some(sign::sign(
                &sk,
                &built.manifest_bytes,
                &signature_comment(version),
            )?)
        }
        None => None,
    };
    write(&built, out, signature.as_deref())?;
    Ok(built.manifest)
}

/// Writes a built bundle as a zip or a directory (see [`is_zip`]), with its signature if given.
pub fn write(built: &Built, out: &Path, signature: Option<&str>) -> Result<(), BundleError> {
    if is_zip(out) {
        return built.write_zip(out, signature);
    }
    built.write_dir(out)?;
    if let Some(s) = signature {
        let p = out.join(SIGNATURE);
        std::fs::write(&p, s).map_err(|e| BundleError::io(&p, e))?;
    }
    Ok(())
}

/// Signs an existing bundle's manifest in place (a zip is rewritten with the signature beside
/// the manifest, content copied byte for byte). Returns the manifest signed.
pub fn sign_bundle(
    bundle: &Path,
    secret_key: &Path,
    password: Option<String>,
) -> Result<Manifest, BundleError> {
    let sk = sign::read_secret_key(secret_key, password)?;
    let raw = archive::read(bundle, Limits::default())?;
    let manifest = package::parse_manifest(bundle, &raw.manifest)?;
    let sig = sign::sign(&sk, &raw.manifest, &signature_comment(manifest.version))?;
    if is_zip(bundle) {
        let built = Built {
            manifest: manifest.clone(),
            manifest_bytes: raw.manifest,
            files: raw.files.into_iter().collect(),
        };
        built.write_zip(bundle, Some(&sig))?;
    } else {
        let p = bundle.join(SIGNATURE);
        std::fs::write(&p, &sig).map_err(|e| BundleError::io(&p, e))?;
    }
    Ok(manifest)
}

/// Every check a kiosk makes before installing (signature by one of `keys`, expiry, file list,
/// sizes and hashes, content), with no installed version to compare against.
pub fn verify_bundle(bundle: &Path, keys: &[PathBuf]) -> Result<Verified, BundleError> {
    let keys = keys
        .iter()
        .map(|k| sign::read_public_key_file(k))
        .collect::<Result<Vec<_>, _>>()?;
    let raw = archive::read(bundle, Limits::default())?;
    package::verify(
        &raw,
        &package::Policy {
            trusted_keys: &keys,
            require_signature: true,
            installed_version: None,
            now: Utc::now(),
        },
    )
}

/// A key pair written by [`keygen`].
#[derive(Debug, Clone)]
pub struct KeyFiles {
    pub public: PathBuf,
    pub secret: PathBuf,
    /// The public key as one line, for `[updates] trusted_keys` in kiosk.toml.
    pub public_line: String,
}

/// Writes `STEM.pub` and `STEM.key` (minisign formats; the folder is created if missing).
pub fn keygen(stem: &Path) -> Result<KeyFiles, SignError> {
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| SignError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let public = stem.with_extension("pub");
    let secret = stem.with_extension("key");
    let pk = sign::keygen(&public, &secret)?;
    Ok(KeyFiles {
        public,
        secret,
        public_line: sign::public_key_line(&pk),
    })
}
