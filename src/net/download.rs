//! Downloads to a file: conditional (an unchanged file is not fetched again) and resumable (a
//! download cut off half-way continues with a range request, as long as the server still has the
//! same file). The cap counts the whole file, resumed part included.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Client, Method, NetError, Validators, header, validators};

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The server's file has the validators we sent: nothing was transferred.
    NotModified,
    /// The complete file is at `path`.
    Downloaded {
        path: PathBuf,
        validators: Validators,
    },
}

/// Beside the partial file: what it is part of, so a later attempt resumes only the same file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PartMeta {
    url: String,
    validator: Option<String>,
    state: Validators,
}

/// The partial download in `dir` (left by an interrupted attempt), if any.
pub fn partial_files(dir: &Path) -> [PathBuf; 2] {
    [dir.join("download.part"), dir.join("download.part.json")]
}

/// Deletes everything in `dir` (a download folder) except, when `keep_partial`, a partial
/// download of `url` that can still be resumed (its server validator is known and it is within
/// `max_bytes`). Returns the bytes freed. Leftovers of failed or killed downloads would otherwise
/// stay until the disk is full.
pub fn tidy(dir: &Path, url: &str, max_bytes: u64, keep_partial: bool) -> Result<u64, NetError> {
    let [part, part_meta_path] = partial_files(dir);
    let resumable = keep_partial
        && std::fs::read(&part_meta_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<PartMeta>(&b).ok())
            .is_some_and(|m| m.url == url && m.validator.is_some())
        && std::fs::symlink_metadata(&part).is_ok_and(|m| m.is_file() && m.len() <= max_bytes);
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(dir)(e)),
    };
    let mut freed = 0;
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let p = entry.path();
        if resumable && (p == part || p == part_meta_path) {
            continue;
        }
        let meta = entry.metadata().map_err(io(&p))?;
        if meta.is_dir() {
            std::fs::remove_dir_all(&p).map_err(io(&p))?;
        } else {
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
        freed += meta.len();
    }
    Ok(freed)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NetError + '_ {
    move |source| NetError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Client {
    /// Downloads `url` to `dir/name` (`dir` is created if missing). `previous` are the validators
    /// of the last complete download: the server answers 304 when nothing changed. A partial
    /// file left by an interrupted attempt is resumed with `Range`/`If-Range`; a server that no
    /// longer has the same file sends it whole. At most `max_bytes` are kept, whatever the
    /// server declares.
    pub fn download(
        &self,
        url: &str,
        dir: &Path,
        name: &str,
        previous: &Validators,
        max_bytes: u64,
    ) -> Result<Fetched, NetError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let [part, part_meta_path] = partial_files(dir);
        let part_meta: Option<PartMeta> = std::fs::read(&part_meta_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|m: &PartMeta| m.url == url && m.validator.is_some());
        let have = if part_meta.is_some() {
            std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0)
        } else {
            0
        };
        let range = format!("bytes={have}-");
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if have > 0
            && let Some(v) = part_meta.as_ref().and_then(|m| m.validator.as_deref())
        {
            headers.push(("Range", &range));
            headers.push(("If-Range", v));
        } else {
            if let Some(e) = &previous.etag {
                headers.push(("If-None-Match", e));
            }
            if let Some(lm) = &previous.last_modified {
                headers.push(("If-Modified-Since", lm));
            }
        }
        let (at, resp) = self.exchange(url, Method::Get, &headers)?;
        let at = at.as_str().to_string();
        let status = resp.status().as_u16();
        let forget_partial = || {
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&part_meta_path);
        };
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if status != 200 && status != 206 {
            if status == 416 {
                // Our partial file no longer fits the server's file: start over next time.
                forget_partial();
            }
            return Err(NetError::Status { url: at, status });
        }
        let state = validators(&resp);
        let resume = status == 206 && have > 0;
        // What the server says the whole file is: a connection dropped early must not pass for
        // a complete download.
        let expected_total: Option<u64> = if status == 206 {
            let cr = header(&resp, "content-range").unwrap_or_default();
            // `bytes <first>-<last>/<total>`: the part must start where ours ends.
            let first = cr
                .trim()
                .strip_prefix("bytes ")
                .and_then(|r| r.split('-').next())
                .and_then(|f| f.trim().parse::<u64>().ok());
            if !resume || first != Some(have) {
                forget_partial();
                return Err(NetError::BadRange { url: at, range: cr });
            }
            cr.rsplit('/').next().and_then(|t| t.trim().parse().ok())
        } else {
            header(&resp, "content-length").and_then(|l| l.trim().parse().ok())
        };
        let too_large = |url: String| NetError::TooLarge {
            url,
            limit: max_bytes,
        };
        if expected_total.is_some_and(|t| t > max_bytes) {
            forget_partial();
            return Err(too_large(at));
        }
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
        let mut reader = resp.into_body().into_reader();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    // Keep what arrived: the next attempt resumes from here.
                    let _ = file.sync_all();
                    return Err(NetError::Interrupted {
                        url: at,
                        got: written,
                        total: expected_total,
                        cause: e.to_string(),
                    });
                }
            };
            written += n as u64;
            if written > max_bytes {
                drop(file);
                forget_partial();
                return Err(too_large(at));
            }
            file.write_all(&buf[..n]).map_err(io(&part))?;
        }
        file.sync_all().map_err(io(&part))?;
        drop(file);
        if let Some(total) = expected_total
            && written != total
        {
            return Err(NetError::Interrupted {
                url: at,
                got: written,
                total: Some(total),
                cause: "the connection closed early".into(),
            });
        }
        let done = dir.join(name);
        std::fs::rename(&part, &done).map_err(io(&done))?;
        let _ = std::fs::remove_file(&part_meta_path);
        Ok(Fetched::Downloaded {
            path: done,
            validators: state,
        })
    }
}
