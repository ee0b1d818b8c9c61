//! Installed data versions on disk: building a new one beside the live data (store, then
//! index, then the atomic switch), and at start the version to serve when `CURRENT` names
//! nothing usable.

use std::path::Path;

use chrono::Utc;

use super::apply::Stage;
use super::live::Live;
use super::now_string;
use crate::app::AppError;
use crate::app::datadir::{CONTENT_DB, DataDir, INDEX_DIR, WriteLock};
use crate::bundle::Entries;
use crate::bundle::package::Checked;
use crate::search::SearchIndex;
use crate::store::{ContentDb, ContentMeta};

/// The current version, else the previous one (made current again), opened; `None` when neither
/// is usable. Switching back to the previous version is a change: it takes the writer lock.
pub(super) fn open_installed(dir: &DataDir) -> Result<Option<Live>, AppError> {
    let current = dir.current();
    let previous = dir.previous();
    // A damaged current version falls back to the previous one. A `CURRENT` that names nothing
    // usable (garbage, a missing version) says nothing about `PREVIOUS` either: the newest
    // complete version is then the best guess of what was live. Either way every complete
    // version is a candidate before the built-in data is seeded over them.
    let mut candidates: Vec<String> = match &current {
        Some(c) => std::iter::once(c.clone()).chain(previous.clone()).collect(),
        None => Vec::new(),
    };
    for name in dir.ready_versions() {
        if !candidates.contains(&name) {
            candidates.push(name);
        }
    }
    for name in &candidates {
        match Live::open(dir, name, None) {
            Ok(l) => {
                if current.as_deref() != Some(name.as_str()) {
                    tracing::warn!("current data unusable; serving version {name}");
                    repoint(dir, current.as_deref(), previous.as_deref(), name);
                }
                return Ok(Some(l));
            }
            Err(e) => tracing::error!("data version {name} cannot be opened: {e}"),
        }
    }
    Ok(None)
}

/// Points `CURRENT` at the version being served instead of an unusable one, deleting nothing.
/// Best effort: on a read-only or full disk the version is served all the same and the repair is
/// tried again at the next start.
fn repoint(dir: &DataDir, current: Option<&str>, previous: Option<&str>, serving: &str) {
    let repaired = dir.lock().and_then(|lock| {
        // Unless another process switched it meanwhile.
        if dir.current().as_deref() != current {
            return Ok(());
        }
        if current.is_some() && previous == Some(serving) {
            dir.rollback(&lock).map(drop)
        } else {
            dir.point_current(&lock, serving)
        }
    });
    if let Err(e) = repaired {
        tracing::warn!("CURRENT not repaired ({e}); serving {serving} all the same");
    }
}

/// Builds a checked bundle into a new version beside the live one and makes it current. The
/// procedures are read from `src` one at a time, verified again as they are read, and go
/// into the store (one transaction); the index is then built from the store a record at a time
/// (a bounded writer heap). On any error the half-built version is deleted and the live data
/// is untouched.
pub fn install_version(
    dir: &DataDir,
    lock: &WriteLock,
    checked: &Checked,
    src: &mut dyn Entries,
    progress: &mut dyn FnMut(Stage),
) -> Result<String, AppError> {
    let name = format!(
        "v{}-{}",
        checked.manifest.version,
        Utc::now().format("%Y%m%dT%H%M%S%3f")
    );
    let staging = dir.new_staging(lock, &name)?;
    let built = build_version(checked, src, &staging, progress).and_then(|()| {
        progress(Stage::Switching);
        dir.install(lock, &staging, &name)
    });
    if let Err(e) = built {
        // A failed build must not keep its half-written folder (on a full disk it is what
        // fills it) until the next start.
        for left in [staging, dir.version_path(&name)] {
            if left.exists()
                && dir.current().as_deref() != Some(name.as_str())
                && let Err(r) = std::fs::remove_dir_all(&left)
            {
                tracing::error!(
                    "cannot remove {} after a failed import: {r}",
                    left.display()
                );
            }
        }
        return Err(e);
    }
    Ok(name)
}

/// The store and the index of a checked bundle, in `staging`, its procedures streamed.
fn build_version(
    checked: &Checked,
    src: &mut dyn Entries,
    staging: &Path,
    progress: &mut dyn FnMut(Stage),
) -> Result<(), AppError> {
    let m = &checked.manifest;
    let meta = ContentMeta {
        version: m.version,
        created: m.created.to_rfc3339(),
        expires: m.expires.map(|e| e.to_rfc3339()),
        publisher: m.publisher.clone(),
        description: m.description.clone(),
        manifest_sha256: checked.manifest_sha256.clone(),
        imported_at: now_string(),
    };
    let mut store = ContentDb::writer(&staging.join(CONTENT_DB))?;
    // The manifest's count is informational (the progress bar's end), never trusted.
    let expected = m
        .counts
        .get("procedures")
        .map_or(0, |&n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut done = 0usize;
    checked.procedures(src, &mut |p| -> Result<(), AppError> {
        store.add_procedure(&p)?;
        done += 1;
        if done % 500 == 1 {
            progress(Stage::Storing {
                done,
                total: expected.max(done),
            });
        }
        Ok(())
    })?;
    progress(Stage::Storing {
        done,
        total: expected.max(done),
    });
    let db = store.finish(&checked.dataset, &meta)?;
    // The index is derived from the store, read back a record at a time: the store is complete
    // and verified before anything is indexed (and a full disk is reported by the store).
    progress(Stage::Indexing);
    let index_dir = staging.join(INDEX_DIR);
    let mut index = SearchIndex::builder(&index_dir)?;
    db.each_procedure(&mut |p| -> Result<(), AppError> { Ok(index.add_procedure(&p)?) })?;
    drop(db);
    index.finish(&checked.dataset)?;
    Ok(())
}
