//! Where new data comes from: USB sticks (found by watching the mount table and the configured
//! mount roots) and an HTTPS address pulled on a schedule with conditional requests, a size cap
//! and resumable downloads. Neither applies anything by itself: a USB bundle waits for a staff
//! confirmation; a downloaded bundle goes through the same verification as any other.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::bundle::{archive, package};

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("cannot reach {url}: {message}")]
    Offline { url: String, message: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the download is larger than the {limit_mb} MB limit")]
    TooLarge { url: String, limit_mb: u64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RefreshError + '_ {
    move |source| RefreshError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The validators of the last download, sent back so an unchanged bundle is not downloaded twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    NotModified,
    Downloaded { path: PathBuf, state: FetchState },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PartMeta {
    url: String,
    validator: Option<String>,
    state: FetchState,
}

/// Downloads `url` into `inbox` (created if missing). A partial download left by an earlier
/// attempt is resumed with a range request when the server still has the same file; otherwise it
/// starts again. The cap is enforced on bytes received, whatever the server declares.
pub fn fetch(
    url: &str,
    inbox: &Path,
    previous: &FetchState,
    timeout: Duration,
    max_bytes: u64,
) -> Result<Fetched, RefreshError> {
    std::fs::create_dir_all(inbox).map_err(io(inbox))?;
    let part = inbox.join("download.part");
    let part_meta_path = inbox.join("download.part.json");
    let part_meta: Option<PartMeta> = std::fs::read(&part_meta_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|m: &PartMeta| m.url == url && m.validator.is_some());
    let have = if part_meta.is_some() {
        std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0)
    } else {
        0
    };

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .build()
        .into();
    let mut req = agent.get(url);
    if have > 0
        && let Some(v) = part_meta.as_ref().and_then(|m| m.validator.as_deref())
    {
        req = req
            .header("Range", &format!("bytes={have}-"))
            .header("If-Range", v);
    } else {
        if let Some(e) = &previous.etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(lm) = &previous.last_modified {
            req = req.header("If-Modified-Since", lm);
        }
    }
    let resp = req.call().map_err(|e| RefreshError::Offline {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let status = resp.status().as_u16();
    if status == 304 {
        return Ok(Fetched::NotModified);
    }
    if status != 200 && status != 206 {
        if status == 416 {
            // Our partial file no longer fits the server's file: start over next time.
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&part_meta_path);
        }
        return Err(RefreshError::Status {
            url: url.to_string(),
            status,
        });
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let state = FetchState {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let resume = status == 206 && have > 0;
    // What the server says the whole file is: a connection dropped early must not pass for a
    // complete download.
    let expected_total: Option<u64> = if status == 206 {
        header("content-range")
            .and_then(|cr| cr.rsplit('/').next().and_then(|t| t.trim().parse().ok()))
    } else {
        header("content-length").and_then(|l| l.trim().parse().ok())
    };
    let meta = PartMeta {
        url: url.to_string(),
        validator: state.etag.clone().or(state.last_modified.clone()),
        state: state.clone(),
    };
    std::fs::write(
        &part_meta_path,
        serde_json::to_vec(&meta).unwrap_or_default(),
    )
    .map_err(io(&part_meta_path))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resume)
        .truncate(!resume)
        .open(&part)
        .map_err(io(&part))?;
    let mut written = if resume { have } else { 0 };
    let mut body = resp.into_body();
    let mut reader = body.as_reader();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                // Keep what arrived: the next attempt resumes from here.
                let _ = file.sync_all();
                return Err(RefreshError::Offline {
                    url: url.to_string(),
                    message: format!("download interrupted after {written} bytes: {e}"),
                });
            }
        };
        written += n as u64;
        if written > max_bytes {
            drop(file);
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&part_meta_path);
            return Err(RefreshError::TooLarge {
                url: url.to_string(),
                limit_mb: max_bytes / (1024 * 1024),
            });
        }
        file.write_all(&buf[..n]).map_err(io(&part))?;
    }
    file.sync_all().map_err(io(&part))?;
    drop(file);
    if let Some(total) = expected_total
        && written != total
    {
        return Err(RefreshError::Offline {
            url: url.to_string(),
            message: format!("download interrupted after {written} of {total} bytes"),
        });
    }
    let done = inbox.join(format!(
        "network-{}.zip",
        chrono::Utc::now().format("%Y%m%dT%H%M%S")
    ));
    std::fs::rename(&part, &done).map_err(io(&done))?;
    let _ = std::fs::remove_file(&part_meta_path);
    Ok(Fetched::Downloaded { path: done, state })
}

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

/// Mount points listed in `/proc/self/mountinfo` (field 5, with octal escapes decoded).
pub fn mount_points(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| {
            let mut out = String::new();
            let b = p.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'\\'
                    && i + 3 < b.len()
                    && let Ok(v) = u8::from_str_radix(&p[i + 1..i + 4], 8)
                {
                    out.push(v as char);
                    i += 4;
                    continue;
                }
                out.push(b[i] as char);
                i += 1;
            }
            PathBuf::from(out)
        })
        .collect()
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
    let mut found = Vec::new();
    for m in candidate_mounts(roots, mountinfo) {
        let dir = m.join(folder);
        if !dir.is_dir() {
            continue;
        }
        let mut paths = Vec::new();
        if dir.join(package::MANIFEST).is_file() {
            paths.push(dir.clone());
        } else if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let p = e.path();
                let is_zip = p.extension().is_some_and(|x| x.eq_ignore_ascii_case("zip"));
                if (p.is_dir() && p.join(package::MANIFEST).is_file()) || (p.is_file() && is_zip) {
                    paths.push(p);
                }
            }
        }
        paths.sort();
        for p in paths {
            found.push(describe(&p));
        }
    }
    found
}

fn describe(path: &Path) -> UsbBundle {
    let read = archive::read(path, archive::Limits::default())
        .and_then(|raw| package::parse_manifest(path, &raw.manifest));
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
        let previous = FetchState {
            etag: db.setting(ETAG).ok().flatten().filter(|s| !s.is_empty()),
            last_modified: db
                .setting(LAST_MODIFIED)
                .ok()
                .flatten()
                .filter(|s| !s.is_empty()),
        };
        let inbox = self.data_dir().root().join("inbox");
        let limit = self
            .config()
            .updates
            .max_bundle_mb
            .saturating_mul(1024 * 1024);
        let timeout = Duration::from_secs(self.config().updates.timeout_seconds.max(1));
        let result = fetch(&url, &inbox, &previous, timeout, limit)
            .map_err(|e| super::AppError::Refresh(e.to_string()))
            .and_then(|f| match f {
                Fetched::NotModified => Ok(NetworkOutcome::NotModified),
                Fetched::Downloaded { path, state } => {
                    let applied =
                        self.apply_bundle(&path, &[], super::kiosk::Origin::Network, progress);
                    let _ = std::fs::remove_file(&path);
                    // Remember the validators even when the bundle was refused, so the same bad
                    // file is not downloaded again and again; a new file has a new ETag.
                    let _ = db.set_setting(ETAG, state.etag.as_deref().unwrap_or(""));
                    let _ =
                        db.set_setting(LAST_MODIFIED, state.last_modified.as_deref().unwrap_or(""));
                    applied.map(|m| NetworkOutcome::Applied { version: m.version })
                }
            });
        match &result {
            Ok(_) => {
                let _ = db.set_setting(LAST_SUCCESS, &now);
                let _ = db.set_setting(LAST_ERROR, "");
            }
            Err(e) => {
                tracing::warn!("network refresh from {url}: {e}");
                let _ = db.set_setting(LAST_ERROR, &e.to_string());
            }
        }
        result
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
        scan(
            &self.usb_roots(),
            &self.config().updates.usb_folder,
            &read_mountinfo(),
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
