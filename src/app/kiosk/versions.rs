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
use crate::bundle::package::Verified;
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

/// Builds a verified bundle's store and index in a staging folder beside the live data, then
/// switches to it atomically. Returns the new version's folder name.
pub fn install_version(
    dir: &DataDir,
    lock: &WriteLock,
    v: &Verified,
    progress: &mut dyn FnMut(Stage),
) -> Result<String, AppError> {
    let name = format!(
        "v{}-{}",
        v.manifest.version,
        Utc::now().format("%Y%m%dT%H%M%S%3f")
    );
    let staging = dir.new_staging(lock, &name)?;
    let built = build_version(v, &staging, progress).and_then(|()| {
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

/// The store and the index of a verified bundle, in `staging`.
fn build_version(
    v: &Verified,
    staging: &Path,
    progress: &mut dyn FnMut(Stage),
) -> Result<(), AppError> {
    let meta = ContentMeta {
        version: v.manifest.version,
        created: v.manifest.created.to_rfc3339(),
        expires: v.manifest.expires.map(|e| e.to_rfc3339()),
        publisher: v.manifest.publisher.clone(),
        description: v.manifest.description.clone(),
        manifest_sha256: v.manifest_sha256.clone(),
        imported_at: now_string(),
    };
    drop(ContentDb::create(
        &staging.join(CONTENT_DB),
        &v.dataset,
        &meta,
        &mut |done, total| progress(Stage::Storing { done, total }),
    )?);
    progress(Stage::Indexing);
    let index_dir = staging.join(INDEX_DIR);
    std::fs::create_dir_all(&index_dir).map_err(|e| AppError::io(&index_dir, e))?;
    drop(SearchIndex::build(&index_dir, &v.dataset)?);
    Ok(())
}
