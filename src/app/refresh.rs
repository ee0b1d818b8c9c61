//! Where new data comes from: USB sticks (found by watching the mount table and the configured
//! mount roots) and an HTTPS address pulled on a schedule through `net` (conditional requests, a
//! size cap, resumable downloads): a bundle, or a province feed's signed `latest.json` that says
//! which bundle is current, so a kiosk downloads only what is newer. Neither applies anything by itself: a USB bundle waits for a staff
//! confirmation; a downloaded bundle goes through the same verification as any other.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::bundle::{self, archive, feed, package};
use crate::net;
use crate::store::{RefreshOutcome, RefreshRecord, RefreshSource};

/// The longest a whole bundle download may take: at the default 200 MB cap, about 170 KB/s. A
/// download cut off by it resumes at the next check.
const DOWNLOAD_DEADLINE: Duration = Duration::from_secs(20 * 60);

/// A bundle found on a USB stick, with what its manifest says (or why it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbBundle {
    pub path: PathBuf,
    pub version: Option<u64>,
    pub created: Option<String>,
    pub publisher: String,
    /// Set when the manifest cannot be read; such a bundle is listed but cannot be applied.
    pub problem: Option<String>,
}

/// Mount points listed in `/proc/self/mountinfo` (field 5). The kernel writes space, tab,
/// newline and backslash as octal escapes (`\040`); every other byte is the path's own, so a
/// label such as `USB Hồ sơ` arrives as raw UTF-8 bytes and must be kept as bytes.
pub fn mount_points(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(decode_mount_path)
        .collect()
}

fn decode_mount_path(field: &str) -> PathBuf {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && let Some(digits) = b.get(i + 1..i + 4)
            && digits.iter().all(|d| (b'0'..=b'7').contains(d))
        {
            let v = digits
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    bytes_to_path(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// Places a stick may be: mount points under the roots, plus the roots' children and
/// grandchildren (`/media/<user>/<label>`), so sticks mounted before the kiosk started are found.
pub fn candidate_mounts(roots: &[PathBuf], mountinfo: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = mount_points(mountinfo)
        .into_iter()
        .filter(|m| roots.iter().any(|r| m.starts_with(r) && m != r))
        .collect();
    for r in roots {
        let Ok(rd) = std::fs::read_dir(r) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.push(p.clone());
                if let Ok(rd2) = std::fs::read_dir(&p) {
                    out.extend(rd2.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Bundles in `<mount>/<folder>/`: the folder itself when it holds a manifest, its
/// subdirectories that do, and its `.zip` files.
pub fn scan(roots: &[PathBuf], folder: &str, mountinfo: &str) -> Vec<UsbBundle> {
    scan_cached(roots, folder, mountinfo, &mut UsbCache::default())
}

/// What [`scan_cached`] remembers of the bundles it described: a bundle whose manifest (for a
/// folder) or archive (for a zip) has the same size and modification time is not read again.
#[derive(Debug, Default)]
pub struct UsbCache {
    seen: std::collections::HashMap<PathBuf, (Option<std::time::SystemTime>, u64, UsbBundle)>,
}

/// [`scan`], reading only the manifest of a bundle that changed since `cache` saw it (the watch
/// thread rescans every few seconds).
pub fn scan_cached(
    roots: &[PathBuf],
    folder: &str,
    mountinfo: &str,
    cache: &mut UsbCache,
) -> Vec<UsbBundle> {
    let mut found = Vec::new();
    for m in candidate_mounts(roots, mountinfo) {
        let dir = m.join(folder);
        if !dir.is_dir() {
            continue;
        }
        let mut paths = Vec::new();
        if dir.join(bundle::MANIFEST).is_file() {
            paths.push(dir.clone());
        } else if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let p = e.path();
                let is_zip = p.extension().is_some_and(|x| x.eq_ignore_ascii_case("zip"));
                if (p.is_dir() && p.join(bundle::MANIFEST).is_file()) || (p.is_file() && is_zip) {
                    paths.push(p);
                }
            }
        }
        paths.sort();
        for p in paths {
            let stamp_of = if p.is_dir() {
                p.join(bundle::MANIFEST)
            } else {
                p.clone()
            };
            let stamp = std::fs::metadata(&stamp_of)
                .map(|m| (m.modified().ok(), m.len()))
                .unwrap_or((None, 0));
            match cache.seen.get(&p) {
                Some((mtime, len, b)) if (*mtime, *len) == stamp && mtime.is_some() => {
                    found.push(b.clone())
                }
                _ => {
                    let b = describe(&p);
                    cache.seen.insert(p, (stamp.0, stamp.1, b.clone()));
                    found.push(b);
                }
            }
        }
    }
    // Forget sticks that went away.
    cache.seen.retain(|p, _| found.iter().any(|b| &b.path == p));
    found
}

fn describe(path: &Path) -> UsbBundle {
    let read = archive::read_manifest(path).and_then(|bytes| package::parse_manifest(path, &bytes));
    match read {
        Ok(m) => UsbBundle {
            path: path.to_path_buf(),
            version: Some(m.version),
            created: Some(m.created.format("%Y-%m-%d %H:%M").to_string()),
            publisher: m.publisher,
            problem: None,
        },
        Err(e) => UsbBundle {
            path: path.to_path_buf(),
            version: None,
            created: None,
            publisher: String::new(),
            problem: Some(e.to_string()),
        },
    }
}

/// Reads the mount table; empty where there is none (non-Linux).
pub fn read_mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_paths_are_decoded() {
        let mi = "36 35 98:0 / /media/kiosk/USB\\040STICK rw,noatime master:1 - vfat /dev/sdb1 rw\n\
                  37 35 98:0 / / rw - ext4 /dev/sda1 rw\n";
        assert_eq!(
            mount_points(mi),
            vec![PathBuf::from("/media/kiosk/USB STICK"), PathBuf::from("/")]
        );
    }

    /// The kernel leaves non-ASCII bytes alone: a Vietnamese label must come back as itself,
    /// not as one Latin-1 character per byte.
    #[test]
    fn mountinfo_keeps_non_ascii_labels() {
        let mi = "40 35 8:17 / /media/kiosk/H\u{1ed2}\\040S\u{01a0}\\134x\\011y rw - vfat /dev/sdb1 rw\n\
                  41 35 8:18 / /mnt/\\777 rw - vfat /dev/sdc1 rw\n";
        assert_eq!(
            mount_points(mi),
            vec![
                PathBuf::from("/media/kiosk/H\u{1ed2} S\u{01a0}\\x\ty"),
                // Not a byte: kept as written.
                PathBuf::from("/mnt/\\777"),
            ]
        );
    }
}

/// What a network check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkOutcome {
    /// No URL configured.
    Disabled,
    /// The server has nothing new.
    NotModified,
    /// A new bundle was downloaded and applied.
    Applied { version: u64 },
}

/// What the staff screen shows about the network source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkStatus {
    pub url: String,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

const ETAG: &str = "network.etag";
const LAST_MODIFIED: &str = "network.last_modified";
const LAST_ATTEMPT: &str = "network.last_attempt";
const LAST_SUCCESS: &str = "network.last_success";
const LAST_ERROR: &str = "network.last_error";
/// The SHA-256 of the last feed bundle refused, so the same bad file is not fetched again.
const REFUSED_SHA256: &str = "network.refused_sha256";
/// `latest.json` carries the change list: thousands of entries at most.
const LATEST_CAP: u64 = 16 * 1024 * 1024;
const SIGNATURE_CAP: u64 = 64 * 1024;

/// A `network_url` naming a feed's `latest.json` (else it names a bundle).
pub fn is_feed_url(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.ends_with("/latest.json")
}

impl super::kiosk::Kiosk {
    /// Pulls the configured URL once: a conditional request, then (when there is a new bundle)
    /// the usual verification and apply. Offline or refused: the data stays as it is and the
    /// failure is recorded for the staff screen.
    pub fn check_network(
        &self,
        progress: &mut dyn FnMut(super::kiosk::Stage),
    ) -> Result<NetworkOutcome, super::AppError> {
        let url = self.config().updates.network_url.clone();
        if url.is_empty() {
            return Ok(NetworkOutcome::Disabled);
        }
        let db = self.kiosk_db();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let _ = db.set_setting(LAST_ATTEMPT, &now);
        if is_feed_url(&url) {
            let result = self.check_feed(&url, progress);
            self.record_network(&url, &now, &result);
            return result;
        }
        let previous = net::Validators {
            etag: db.setting(ETAG).ok().flatten().filter(|s| !s.is_empty()),
            last_modified: db
                .setting(LAST_MODIFIED)
                .ok()
                .flatten()
                .filter(|s| !s.is_empty()),
        };
        let inbox = self.data_dir().inbox();
        let limit = self
            .config()
            .updates
            .max_bundle_mb
            .saturating_mul(1024 * 1024);
        let result = match self.data_dir().try_lock_inbox() {
            Ok(Some(_downloading)) => {
                // What a killed or crashed attempt left (a bundle half applied, a partial the
                // server no longer has) goes first.
                if let Err(e) = net::tidy(&inbox, &url, limit, true) {
                    tracing::warn!("cleaning {}: {e}", inbox.display());
                }
                self.download_and_apply(&url, &inbox, &previous, limit, progress)
            }
            Ok(None) => Err(super::AppError::Refresh(format!(
                "another motcua process is downloading into {} now; try again when it is done",
                inbox.display()
            ))),
            Err(e) => Err(e),
        };
        self.record_network(&url, &now, &result);
        result
    }

    fn record_network(
        &self,
        url: &str,
        now: &str,
        result: &Result<NetworkOutcome, super::AppError>,
    ) {
        let db = self.kiosk_db();
        match result {
            Ok(_) => {
                let _ = db.set_setting(LAST_SUCCESS, now);
                let _ = db.set_setting(LAST_ERROR, "");
                let _ = db.set_setting(super::usage::REFRESH_FAILURES, "0");
            }
            Err(e) => {
                tracing::warn!("network refresh from {url}: {e}");
                let _ = db.set_setting(LAST_ERROR, &e.to_string());
                let _ = db.add_to_counter(super::usage::REFRESH_FAILURES, 1);
            }
        }
    }

    fn network_client(&self) -> net::Client {
        net::Client::new(net::Timeouts {
            stall: Duration::from_secs(self.config().updates.timeout_seconds.max(1)),
            total: DOWNLOAD_DEADLINE,
        })
    }

    /// A province feed: `latest.json` and its signature first (conditional, small), checked
    /// like a bundle manifest (trusted key, not expired); the bundle is downloaded only when it
    /// is newer than the live data, then checked against the size and SHA-256 `latest.json`
    /// names before the usual verification and apply.
    fn check_feed(
        &self,
        url: &str,
        progress: &mut dyn FnMut(super::kiosk::Stage),
    ) -> Result<NetworkOutcome, super::AppError> {
        let refresh = super::AppError::Refresh;
        let db = self.kiosk_db();
        let setting = |k| {
            db.setting(k)
                .ok()
                .flatten()
                .filter(|s: &String| !s.is_empty())
        };
        let previous = net::Validators {
            etag: setting(ETAG),
            last_modified: setting(LAST_MODIFIED),
        };
        let client = self.network_client();
        let reply = match client
            .get(url, &previous, LATEST_CAP)
            .map_err(|e| refresh(e.to_string()))?
        {
            net::Got::NotModified => return Ok(NetworkOutcome::NotModified),
            net::Got::Body(r) => r,
        };
        let sig_url = format!("{url}.minisig");
        let signature = match client
            .get(&sig_url, &net::Validators::default(), SIGNATURE_CAP)
            .map_err(|e| refresh(e.to_string()))?
        {
            net::Got::Body(r) => String::from_utf8(r.body)
                .map_err(|_| refresh(format!("{sig_url}: the signature is not text")))?,
            net::Got::NotModified => return Err(refresh(format!("{sig_url}: no signature"))),
        };
        let keys = self.trusted_keys(&[])?;
        let latest = feed::verify_latest(url, &reply.body, &signature, &keys, chrono::Utc::now())
            .inspect_err(|e| self.log_network_refusal(e))?;
        // Remembered only for a latest.json that was acted on: a refused one is asked for again.
        let remember = || {
            let v = &reply.validators;
            let _ = db.set_setting(ETAG, v.etag.as_deref().unwrap_or(""));
            let _ = db.set_setting(LAST_MODIFIED, v.last_modified.as_deref().unwrap_or(""));
        };
        if latest.version <= self.live().meta.version {
            remember();
            return Ok(NetworkOutcome::NotModified);
        }
        if setting(REFUSED_SHA256).as_deref() == Some(latest.bundle.sha256.as_str()) {
            return Err(refresh(format!(
                "{}: this bundle (version {}) was already refused; waiting for the feed to change",
                feed::bundle_url(url, &latest),
                latest.version
            )));
        }
        let limit = self
            .config()
            .updates
            .max_bundle_mb
            .saturating_mul(1024 * 1024);
        if latest.bundle.size > limit {
            return Err(refresh(format!(
                "version {}: the bundle is {}, over the [updates] max_bundle_mb limit",
                latest.version,
                net::human_size(latest.bundle.size)
            )));
        }
        let bundle_url = feed::bundle_url(url, &latest);
        let inbox = self.data_dir().root().join("inbox");
        let name = format!("feed-{}.zip", latest.version);
        let path = match client
            .download(
                &bundle_url,
                &inbox,
                &name,
                &net::Validators::default(),
                limit,
            )
            .map_err(|e| refresh(e.to_string()))?
        {
            net::Fetched::Downloaded { path, .. } => path,
            net::Fetched::NotModified => {
                return Err(refresh(format!("{bundle_url}: the server sent no bundle")));
            }
        };
        let applied = feed::check_download(&path, &latest)
            .inspect_err(|e| self.log_network_refusal(e))
            .map_err(super::AppError::from)
            .and_then(|()| self.apply_bundle(&path, &[], super::kiosk::Origin::Network, progress));
        let _ = std::fs::remove_file(&path);
        match &applied {
            Ok(_) => {
                remember();
                let _ = db.set_setting(REFUSED_SHA256, "");
            }
            Err(super::AppError::Bundle(_)) => {
                let _ = db.set_setting(REFUSED_SHA256, &latest.bundle.sha256);
            }
            Err(_) => {}
        }
        applied.map(|m| NetworkOutcome::Applied { version: m.version })
    }

    /// A feed refused before its bundle reached `apply_bundle` still goes into the refresh
    /// history, so the staff screen says why nothing changed.
    fn log_network_refusal(&self, e: &bundle::BundleError) {
        let _ = self.kiosk_db().log_refresh(&crate::store::RefreshRecord {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            source: crate::store::RefreshSource::Network,
            outcome: crate::store::RefreshOutcome::Rejected,
            version: None,
            message: e.to_string(),
        });
    }

    /// One download, then the usual verification and apply. Nothing failed stays in `inbox/`
    /// except a partial download the next check can resume; every failure goes into the refresh
    /// history with its reason.
    fn download_and_apply(
        &self,
        url: &str,
        inbox: &Path,
        previous: &net::Validators,
        limit: u64,
        progress: &mut dyn FnMut(super::kiosk::Stage),
    ) -> Result<NetworkOutcome, super::AppError> {
        let db = self.kiosk_db();
        let client = net::Client::new(net::Timeouts {
            stall: Duration::from_secs(self.config().updates.timeout_seconds.max(1)),
            total: DOWNLOAD_DEADLINE,
        });
        let name = format!("network-{}.zip", chrono::Utc::now().format("%Y%m%dT%H%M%S"));
        match client.download(url, inbox, &name, previous, limit) {
            Ok(net::Fetched::NotModified) => Ok(NetworkOutcome::NotModified),
            Ok(net::Fetched::Downloaded {
                path,
                validators: state,
            }) => {
                let applied =
                    self.apply_bundle(&path, &[], super::kiosk::Origin::Network, progress);
                if let Err(e) = std::fs::remove_file(&path) {
                    tracing::warn!("removing {}: {e}", path.display());
                }
                // The validators say "this file is dealt with": only once it is applied or
                // refused for good (a bad signature, an old version: the same file would be
                // refused again). A passing failure (a full disk, an I/O error) must be retried
                // with the same file, or the next check would hear "up to date" while the old
                // data is served.
                let settled = match &applied {
                    Ok(_) => true,
                    Err(super::AppError::Bundle(e)) => !matches!(e, bundle::BundleError::Io { .. }),
                    Err(_) => false,
                };
                if settled
                    && let Err(e) = db.set_settings(&[
                        (ETAG, state.etag.as_deref().unwrap_or("")),
                        (LAST_MODIFIED, state.last_modified.as_deref().unwrap_or("")),
                    ])
                {
                    tracing::warn!("cannot store the download's validators: {e}");
                }
                applied.map(|m| NetworkOutcome::Applied { version: m.version })
            }
            Err(e) => {
                // Only an interrupted transfer is worth keeping; a partial cut off by a full
                // disk or the size cap would only fill the disk again.
                let resumable = matches!(e, net::NetError::Interrupted { .. });
                if let Err(t) = net::tidy(inbox, url, limit, resumable) {
                    tracing::warn!("cleaning {}: {t}", inbox.display());
                }
                let message = e.to_string();
                self.record_refresh(RefreshRecord {
                    at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    source: RefreshSource::Network,
                    outcome: RefreshOutcome::Failed,
                    version: None,
                    message: message.clone(),
                });
                Err(super::AppError::Refresh(message))
            }
        }
    }

    pub fn network_status(&self) -> NetworkStatus {
        let db = self.kiosk_db();
        let get = |k| {
            db.setting(k)
                .ok()
                .flatten()
                .filter(|s: &String| !s.is_empty())
        };
        NetworkStatus {
            url: self.config().updates.network_url.clone(),
            last_attempt: get(LAST_ATTEMPT),
            last_success: get(LAST_SUCCESS),
            last_error: get(LAST_ERROR),
        }
    }

    /// The configured USB mount roots.
    fn usb_roots(&self) -> Vec<PathBuf> {
        self.config()
            .updates
            .usb_mount_roots
            .iter()
            .map(PathBuf::from)
            .collect()
    }

    /// Bundles on USB sticks now.
    pub fn usb_bundles(&self) -> Vec<UsbBundle> {
        self.usb_bundles_cached(&mut UsbCache::default())
    }

    /// Bundles on USB sticks now, reading only manifests that changed since `cache` saw them.
    pub fn usb_bundles_cached(&self, cache: &mut UsbCache) -> Vec<UsbBundle> {
        scan_cached(
            &self.usb_roots(),
            &self.config().updates.usb_folder,
            &read_mountinfo(),
            cache,
        )
    }

    /// Writes the usage statistics as CSV to the first USB stick found, into
    /// `<stick>/<usb_folder>/thong-ke/`; `None` when no stick is there.
    pub fn export_stats_to_usb(&self) -> Result<Option<PathBuf>, super::AppError> {
        let Some(mount) = candidate_mounts(&self.usb_roots(), &read_mountinfo())
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let dir = mount
            .join(&self.config().updates.usb_folder)
            .join("thong-ke");
        super::usage::export_csv(self, &dir)?;
        Ok(Some(dir))
    }
}
