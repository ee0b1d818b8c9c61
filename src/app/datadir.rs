//! The data directory: every installed data version in its own folder, a `CURRENT` pointer
//! switched by atomic rename, and `PREVIOUS` kept for one-tap rollback. A version folder counts
//! only once its `READY` marker exists, and the marker is written last, after everything in the
//! folder is on disk, so a crash at any point leaves either the old or the new version live,
//! never a half-written one.
//!
//! ```text
//! DATA_DIR/CURRENT               name of the live version
//! DATA_DIR/PREVIOUS              name of the version before it
//! DATA_DIR/versions/<name>/      content.sqlite, index/, manifest.json[.minisig], READY
//! DATA_DIR/staging/              versions being built (deleted at start)
//! DATA_DIR/kiosk.sqlite          statistics, ratings, refresh history (survive refreshes)
//! DATA_DIR/lock                  flock(2)ed by the one process changing the directory
//! DATA_DIR/inbox/                network downloads (a resumable partial, or a bundle being applied)
//! DATA_DIR/inbox.lock            flock(2)ed by the one process downloading into inbox/
//! ```
//!
//! Several processes may use one data directory (the kiosk window and `motcua import`, `stats`,
//! `rollback` beside it). Everything that changes it (building in `staging/`, installing,
//! switching, pruning, rolling back) holds the exclusive [`WriteLock`]; readers take no lock:
//! they follow `CURRENT`, which only ever names a complete version, and a version stays on disk
//! until two newer ones have been installed after it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::AppError;
use crate::files::Entry;

pub const READY: &str = "READY";
pub const CONTENT_DB: &str = "content.sqlite";
pub const INDEX_DIR: &str = "index";

pub const LOCK: &str = "lock";
const INBOX_LOCK: &str = "inbox.lock";

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// The right to change the data directory: an exclusive `flock` on `DATA_DIR/lock`, released when
/// dropped (or when the process dies, so a killed import never leaves the directory locked). It is
/// per open file, so two threads of one process exclude each other too.
#[derive(Debug)]
pub struct WriteLock {
    _file: fs::File,
}

/// An error that means "this file system cannot be written here": read-only, or not allowed.
pub fn is_read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
    )
}

/// fsync a directory so a rename or a new entry in it survives power loss.
pub fn sync_dir(path: &Path) -> Result<(), AppError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| AppError::io(path, e))
}

/// Writes a small file durably: temp file, fsync, rename over the target, fsync the folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    {
        let mut f = fs::File::create(&tmp).map_err(|e| AppError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| AppError::io(&tmp, e))?;
        f.sync_all().map_err(|e| AppError::io(&tmp, e))?;
    }
    fs::rename(&tmp, path).map_err(|e| AppError::io(path, e))?;
    sync_dir(dir)
}

/// fsync every file and folder below `dir` (bottom-up).
pub fn sync_tree(dir: &Path) -> Result<(), AppError> {
    for entry in crate::files::bottom_up(dir) {
        match entry.map_err(|e| AppError::io(dir, e))? {
            Entry::Dir(p) => sync_dir(&p)?,
            Entry::File(p) => fs::File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(|e| AppError::io(&p, e))?,
            Entry::Other(_) => {}
        }
    }
    Ok(())
}

impl DataDir {
    /// Opens (creating if needed) a data directory and, unless another process is changing it
    /// right now, deletes unfinished builds and orphan versions.
    pub fn open(root: &Path) -> Result<DataDir, AppError> {
        for d in [
            root.to_path_buf(),
            root.join("versions"),
            root.join("staging"),
        ] {
            if let Err(e) = fs::create_dir_all(&d) {
                // A read-only directory that has its versions is still served.
                let served = is_read_only(&e) && root.join("versions").is_dir();
                if !served {
                    return Err(AppError::io(&d, e));
                }
            }
        }
        let dd = DataDir {
            root: root.to_path_buf(),
        };
        // A staging folder belongs to the writer holding the lock; without the lock it may be
        // another process's import at work, so only a lock holder cleans up.
        match dd.try_lock() {
            Ok(Some(lock)) => {
                dd.clean_staging(&lock)?;
                // A crash between moving a version in and switching to it leaves an orphan.
                if dd.current().is_some() {
                    dd.prune(&lock)?;
                }
            }
            Ok(None) => {}
            Err(AppError::Io { source, .. }) if is_read_only(&source) => tracing::warn!(
                "{} is read-only: serving the data installed there; nothing can be changed",
                root.display()
            ),
            Err(e) => return Err(e),
        }
        Ok(dd)
    }

    /// Complete versions, newest first (by the version in their name, then the install time
    /// that follows it): where to fall back when `CURRENT` and `PREVIOUS` name nothing usable.
    pub fn ready_versions(&self) -> Vec<String> {
        let mut v: Vec<(u64, String)> = fs::read_dir(self.versions())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| crate::bundle::is_safe_name(n) && self.is_ready(n))
                    .map(|n| {
                        let version = n
                            .strip_prefix('v')
                            .and_then(|r| r.split('-').next())
                            .and_then(|d| d.parse().ok())
                            .unwrap_or(0);
                        (version, n)
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a, b| b.cmp(a));
        v.into_iter().map(|(_, n)| n).collect()
    }

    /// Points `CURRENT` at an installed version without deleting anything (repairing a pointer
    /// that names nothing usable).
    pub fn point_current(&self, _lock: &WriteLock, name: &str) -> Result<(), AppError> {
        write_atomic(&self.root.join("CURRENT"), name.as_bytes())
    }

    fn lock_file(&self, name: &str) -> Result<fs::File, AppError> {
        let path = self.root.join(name);
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| AppError::io(&path, e))
    }

    /// An exclusive `flock` on `name`: `Some` when taken, `None` when another holder has it.
    fn try_flock(&self, name: &str) -> Result<Option<fs::File>, AppError> {
        let file = self.lock_file(name)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(AppError::io(self.root.join(name), e)),
        }
    }

    /// Takes the writer lock, waiting for another process's import or rollback to finish.
    pub fn lock(&self) -> Result<WriteLock, AppError> {
        if let Some(file) = self.try_flock(LOCK)? {
            return Ok(WriteLock { _file: file });
        }
        tracing::info!(
            "{} is being changed by another process; waiting for it to finish",
            self.root.display()
        );
        let file = self.lock_file(LOCK)?;
        file.lock()
            .map_err(|e| AppError::io(self.root.join(LOCK), e))?;
        Ok(WriteLock { _file: file })
    }

    /// The writer lock if nobody holds it now.
    pub fn try_lock(&self) -> Result<Option<WriteLock>, AppError> {
        Ok(self.try_flock(LOCK)?.map(|file| WriteLock { _file: file }))
    }

    /// Where network downloads go.
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }

    /// The right to download into (and tidy) `inbox/`, if no other process is downloading.
    pub fn try_lock_inbox(&self) -> Result<Option<WriteLock>, AppError> {
        Ok(self
            .try_flock(INBOX_LOCK)?
            .map(|file| WriteLock { _file: file }))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn kiosk_db(&self) -> PathBuf {
        self.root.join("kiosk.sqlite")
    }

    pub fn versions(&self) -> PathBuf {
        self.root.join("versions")
    }

    pub fn version_path(&self, name: &str) -> PathBuf {
        self.versions().join(name)
    }

    fn clean_staging(&self, _lock: &WriteLock) -> Result<(), AppError> {
        let staging = self.root.join("staging");
        let entries = fs::read_dir(&staging).map_err(|e| AppError::io(&staging, e))?;
        for e in entries.flatten() {
            let p = e.path();
            let res = if p.is_dir() {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            };
            res.map_err(|e| AppError::io(&p, e))?;
        }
        Ok(())
    }

    /// A fresh folder to build a version in.
    pub fn new_staging(&self, _lock: &WriteLock, name: &str) -> Result<PathBuf, AppError> {
        let p = self.root.join("staging").join(name);
        if p.exists() {
            fs::remove_dir_all(&p).map_err(|e| AppError::io(&p, e))?;
        }
        fs::create_dir_all(&p).map_err(|e| AppError::io(&p, e))?;
        Ok(p)
    }

    fn read_pointer(&self, file: &str) -> Option<String> {
        let s = fs::read_to_string(self.root.join(file)).ok()?;
        let name = s.trim().to_string();
        let ok = crate::bundle::is_safe_name(&name) && self.is_ready(&name);
        ok.then_some(name)
    }

    pub fn is_ready(&self, name: &str) -> bool {
        self.version_path(name).join(READY).is_file()
    }

    /// The live version's folder name, if a complete one is installed.
    pub fn current(&self) -> Option<String> {
        self.read_pointer("CURRENT")
    }

    pub fn previous(&self) -> Option<String> {
        self.read_pointer("PREVIOUS")
    }

    /// Moves a finished staging folder into `versions/` and makes it current; the version that
    /// was current becomes previous. Every step is durable before the next.
    pub fn install(&self, lock: &WriteLock, staging: &Path, name: &str) -> Result<(), AppError> {
        write_atomic(&staging.join(READY), name.as_bytes())?;
        sync_tree(staging)?;
        let target = self.version_path(name);
        if target.exists() {
            fs::remove_dir_all(&target).map_err(|e| AppError::io(&target, e))?;
        }
        fs::rename(staging, &target).map_err(|e| AppError::io(&target, e))?;
        sync_dir(&self.versions())?;
        if let Some(old) = self.current().filter(|o| o != name) {
            write_atomic(&self.root.join("PREVIOUS"), old.as_bytes())?;
        }
        write_atomic(&self.root.join("CURRENT"), name.as_bytes())?;
        self.prune(lock)
    }

    /// Makes the previous version current again (and the current one previous).
    pub fn rollback(&self, _lock: &WriteLock) -> Result<String, AppError> {
        let prev = self.previous().ok_or(AppError::NoPrevious)?;
        let cur = self.current();
        if let Some(c) = &cur {
            write_atomic(&self.root.join("PREVIOUS"), c.as_bytes())?;
        }
        write_atomic(&self.root.join("CURRENT"), prev.as_bytes())?;
        Ok(prev)
    }

    /// Deletes versions that are neither current nor previous.
    pub fn prune(&self, _lock: &WriteLock) -> Result<(), AppError> {
        let keep: Vec<String> = self.current().into_iter().chain(self.previous()).collect();
        let dir = self.versions();
        let entries = fs::read_dir(&dir).map_err(|e| AppError::io(&dir, e))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !keep.contains(&name) {
                let p = e.path();
                let res = if p.is_dir() {
                    fs::remove_dir_all(&p)
                } else {
                    fs::remove_file(&p)
                };
                res.map_err(|e| AppError::io(&p, e))?;
            }
        }
        Ok(())
    }
}
