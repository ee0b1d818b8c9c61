//! The mirror directory: the raw files the importers read, and beside them the work area that
//! lets a sync killed at any moment resume without fetching again what it already has. Every
//! file is written to a temporary name, synced and renamed into place: a reader never sees a
//! half-written file.
//!
//! ```text
//! DIR/portal-catalog.jsonl        the catalog, one item per line, exactly as the portal sent it
//! DIR/portal-api-details.jsonl    one detail answer per line ({code, data, message})
//! DIR/sync-report.json            what the last complete sync found
//! DIR/.sync/lock                  the process id of the sync at work
//! DIR/.sync/run.json              the sync in progress: catalog cursor and pages
//! DIR/.sync/catalog/<n>.jsonl     catalog pages fetched so far
//! DIR/.sync/done.jsonl            detail records settled in this run, one line each
//! DIR/.sync/details/<uuid>.json   the last good detail answer of every record
//! ```

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PortalError;

pub const CATALOG_FILE: &str = "portal-catalog.jsonl";
pub const DETAILS_FILE: &str = "portal-api-details.jsonl";
pub const REPORT_FILE: &str = "sync-report.json";
const WORK: &str = ".sync";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PortalError + '_ {
    move |source| PortalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// fsync a folder so the names in it (a rename) survive a power cut.
fn sync_dir(dir: &Path) -> Result<(), PortalError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(dir))
}

/// Writes `path` through a temporary file in the same folder: `fill` writes the content, then
/// the file is synced and renamed over `path`, and the folder synced.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), PortalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(PortalError::Io {
            path: tmp,
            source: e,
        });
    }
    std::fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(dir)
}

pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PortalError> {
    write_with(path, |w| w.write_all(bytes))
}

/// The sync in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub started: DateTime<Utc>,
    /// Catalog pages saved so far (`.sync/catalog/1.jsonl` …).
    pub pages: u32,
    /// The `lastId` to ask for the next page with.
    pub cursor: String,
    pub catalog_done: bool,
}

/// How one detail record was settled in a run (a line of `done.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    pub id: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new or different answer was saved.
    Saved,
    /// The portal's record has the same `updatedAt` (or bytes) as the saved one.
    Unchanged,
    /// The portal has no detail for this record.
    NoDetail,
    /// The answer was malformed; the last good copy was kept.
    Malformed,
    /// Every attempt failed; the last good copy was kept.
    Failed,
}

/// The mirror directory and its work area.
#[derive(Debug)]
pub struct Mirror {
    root: PathBuf,
    work: PathBuf,
}

/// Holds the work area for one process; removed when the sync ends (a killed process leaves it,
/// and the next sync sees that its process is gone).
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

impl Mirror {
    pub fn open(root: &Path) -> Result<Mirror, PortalError> {
        let work = root.join(WORK);
        for d in [
            root.to_path_buf(),
            work.clone(),
            work.join("catalog"),
            work.join("details"),
        ] {
            std::fs::create_dir_all(&d).map_err(io(&d))?;
        }
        Ok(Mirror {
            root: root.to_path_buf(),
            work,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the work area, or says which live process has it.
    pub fn lock(&self) -> Result<Lock, PortalError> {
        let path = self.work.join("lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(std::process::id().to_string().as_bytes())
                        .and_then(|_| f.sync_all())
                        .map_err(io(&path))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if pid != std::process::id() && process_alive(pid) => {
                            return Err(PortalError::Busy {
                                dir: self.root.clone(),
                                pid,
                            });
                        }
                        // Left by a sync that was killed: take it over.
                        _ => std::fs::remove_file(&path).map_err(io(&path))?,
                    }
                }
                Err(e) => return Err(PortalError::Io { path, source: e }),
            }
        }
        Err(PortalError::Busy {
            dir: self.root.clone(),
            pid: 0,
        })
    }

    pub fn catalog_file(&self) -> PathBuf {
        self.root.join(CATALOG_FILE)
    }

    pub fn details_file(&self) -> PathBuf {
        self.root.join(DETAILS_FILE)
    }

    pub fn report_file(&self) -> PathBuf {
        self.root.join(REPORT_FILE)
    }

    fn run_file(&self) -> PathBuf {
        self.work.join("run.json")
    }

    fn done_file(&self) -> PathBuf {
        self.work.join("done.jsonl")
    }

    /// The run left by an interrupted sync, if any.
    pub fn run(&self) -> Option<Run> {
        std::fs::read(self.run_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    pub fn save_run(&self, run: &Run) -> Result<(), PortalError> {
        let bytes = serde_json::to_vec_pretty(run).map_err(|e| PortalError::Io {
            path: self.run_file(),
            source: std::io::Error::other(e),
        })?;
        write_file(&self.run_file(), &bytes)
    }

    /// Starts a fresh run: forgets the pages and settled records of an unfinished one.
    pub fn start_run(&self, started: DateTime<Utc>) -> Result<Run, PortalError> {
        let pages = self.work.join("catalog");
        std::fs::remove_dir_all(&pages).map_err(io(&pages))?;
        std::fs::create_dir_all(&pages).map_err(io(&pages))?;
        let done = self.done_file();
        if done.exists() {
            std::fs::remove_file(&done).map_err(io(&done))?;
        }
        let run = Run {
            started,
            pages: 0,
            cursor: String::new(),
            catalog_done: false,
        };
        self.save_run(&run)?;
        Ok(run)
    }

    /// Ends the run: the mirror files are in place, the work state goes (saved details stay).
    pub fn finish_run(&self) -> Result<(), PortalError> {
        for p in [self.done_file(), self.run_file()] {
            if p.exists() {
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
        let pages = self.work.join("catalog");
        std::fs::remove_dir_all(&pages).map_err(io(&pages))?;
        std::fs::create_dir_all(&pages).map_err(io(&pages))?;
        sync_dir(&self.work)
    }

    fn page_file(&self, n: u32) -> PathBuf {
        self.work.join("catalog").join(format!("{n:05}.jsonl"))
    }

    /// Saves catalog page `n` (its items, one per line).
    pub fn save_page(&self, n: u32, items: &[String]) -> Result<(), PortalError> {
        write_with(&self.page_file(n), |w| {
            for it in items {
                w.write_all(it.as_bytes())?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
    }

    /// Every item of pages 1..=n, in order.
    pub fn pages(&self, n: u32) -> Result<Vec<String>, PortalError> {
        let mut out = Vec::new();
        for i in 1..=n {
            let p = self.page_file(i);
            let f = std::fs::File::open(&p).map_err(io(&p))?;
            for line in std::io::BufReader::new(f).lines() {
                let line = line.map_err(io(&p))?;
                if !line.trim().is_empty() {
                    out.push(line);
                }
            }
        }
        Ok(out)
    }

    /// Records settled so far in this run. A line cut short by a kill is ignored (that record
    /// is simply done again).
    pub fn settled(&self) -> Vec<Settled> {
        let Ok(f) = std::fs::File::open(self.done_file()) else {
            return Vec::new();
        };
        std::io::BufReader::new(f)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect()
    }

    /// Opens the settled-records log for appending.
    pub fn settle_log(&self) -> Result<SettleLog, PortalError> {
        let path = self.done_file();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        Ok(SettleLog { path, file })
    }

    fn detail_path(&self, id: &str) -> PathBuf {
        self.work.join("details").join(format!("{id}.json"))
    }

    /// The last good detail answer saved for `id`.
    pub fn detail(&self, id: &str) -> Option<String> {
        std::fs::read_to_string(self.detail_path(id))
            .ok()
            .map(|s| s.trim_end().to_string())
    }

    pub fn save_detail(&self, id: &str, line: &str) -> Result<(), PortalError> {
        write_file(&self.detail_path(id), line.as_bytes())
    }

    /// Deletes saved details of records no longer in the catalog.
    pub fn prune_details(&self, keep: &std::collections::HashSet<&str>) -> Result<(), PortalError> {
        let dir = self.work.join("details");
        for e in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name.strip_suffix(".json").unwrap_or(&name);
            if !keep.contains(id) {
                let p = e.path();
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
        Ok(())
    }
}

/// The append-only log of settled records; each line is flushed and synced before the record
/// counts as done, so a kill loses at most the record in flight.
#[derive(Debug)]
pub struct SettleLog {
    path: PathBuf,
    file: std::fs::File,
}

impl SettleLog {
    pub fn append(&mut self, s: &Settled) -> Result<(), PortalError> {
        let mut line = serde_json::to_vec(s).map_err(|e| PortalError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|_| self.file.sync_data())
            .map_err(io(&self.path))
    }
}

/// Whether `id` may be used as a file name (the portal's ids are UUIDs).
pub fn is_safe_id(id: &str) -> bool {
    crate::domain::is_uuid(id)
}
