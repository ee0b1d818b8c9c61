//! One installed data version opened for serving ([`Live`]): its store, its search index
//! (rebuilt from the store when it cannot be opened) and what the screens read from memory.

use std::path::Path;
use std::sync::RwLock;

use crate::app::AppError;
use crate::app::datadir::{CONTENT_DB, DataDir, INDEX_DIR, WriteLock};
use crate::domain::{FieldCount, Guide, Hotline, Level, LifeEvent};
use crate::search::SearchIndex;
use crate::store::{ContentDb, ContentMeta, FieldAtLevel};

/// One installed data version, open and ready to answer.
#[derive(Debug)]
pub struct Live {
    /// The version folder's name.
    pub name: String,
    pub meta: ContentMeta,
    pub content: ContentDb,
    pub index: SearchIndex,
    pub fields: Vec<FieldCount>,
    /// The fields of each level (home fields by the office's level, the browse level filter).
    pub fields_by_level: Vec<(Level, Vec<FieldAtLevel>)>,
    /// How often procedures of each field were opened on this kiosk lately, most first (set with
    /// the search prior, off the UI thread).
    pub field_views: RwLock<Vec<(String, u64)>>,
    pub life_events: Vec<LifeEvent>,
    pub hotlines: Vec<Hotline>,
    pub guides: Vec<Guide>,
    pub featured: Vec<String>,
    /// The bundle's change list, when it carried one.
    pub changes: Option<crate::domain::changes::Changes>,
    /// The day each procedure changed, for those that changed lately ("Mới cập nhật").
    pub recent: std::collections::HashMap<String, chrono::NaiveDate>,
}

impl Live {
    /// The fields with procedures at `level` and their counts there, as loaded with the data.
    pub fn fields_at(&self, level: Level) -> &[FieldAtLevel] {
        self.fields_by_level
            .iter()
            .find(|(l, _)| *l == level)
            .map_or(&[], |(_, f)| f.as_slice())
    }

    /// Opens an installed version. `lock` is the writer lock when the caller holds it; a
    /// version whose index must be rebuilt takes it otherwise (rebuilding writes in the folder).
    pub(super) fn open(
        dd: &DataDir,
        name: &str,
        lock: Option<&WriteLock>,
    ) -> Result<Live, AppError> {
        let dir = dd.version_path(name);
        let content = ContentDb::open(&dir.join(CONTENT_DB))?;
        let index = match SearchIndex::open(&dir.join(INDEX_DIR)) {
            Ok(i) => i,
            Err(e) => {
                // The index is derived data: rebuild it from the store rather than fail.
                tracing::warn!("search index of {name} unusable ({e}); rebuilding from the store");
                let taken;
                let _lock = match lock {
                    Some(l) => l,
                    None => {
                        taken = dd.lock()?;
                        &taken
                    }
                };
                // Another process may have rebuilt it while this one waited for the lock.
                match SearchIndex::open(&dir.join(INDEX_DIR)) {
                    Ok(i) => i,
                    Err(_) => {
                        rebuild_index(&dir, &content)?;
                        SearchIndex::open(&dir.join(INDEX_DIR))?
                    }
                }
            }
        };
        let changes = content.changes()?;
        let cutoff = crate::app::freshness::recent_cutoff(chrono::Local::now().date_naive());
        let recent = crate::app::freshness::recent_dates(
            changes.as_ref(),
            &content.updated_since(&cutoff.format("%Y-%m-%d").to_string())?,
            cutoff,
        );
        Ok(Live {
            name: name.to_string(),
            meta: content.meta()?,
            fields: content.fields()?,
            fields_by_level: Level::ALL
                .into_iter()
                .map(|l| Ok((l, content.fields_at(l)?)))
                .collect::<Result<_, crate::store::StoreError>>()?,
            field_views: RwLock::default(),
            life_events: content.life_events()?,
            hotlines: content.hotlines()?,
            guides: content.guides()?,
            featured: content.featured()?,
            changes,
            recent,
            content,
            index,
        })
    }
}

/// Builds the version's search index afresh from its store, beside the old one, and switches
/// to it with a rename.
pub(super) fn rebuild_index(dir: &Path, content: &ContentDb) -> Result<(), AppError> {
    let rebuilt = dir.join("index.rebuild");
    if rebuilt.exists() {
        std::fs::remove_dir_all(&rebuilt).map_err(|e| AppError::io(&rebuilt, e))?;
    }
    std::fs::create_dir_all(&rebuilt).map_err(|e| AppError::io(&rebuilt, e))?;
    // A record at a time, in the order the import indexed them (the store is never held whole).
    let mut builder = SearchIndex::builder(&rebuilt)?;
    content.each_procedure(&mut |p| -> Result<(), AppError> { Ok(builder.add_procedure(&p)?) })?;
    builder.finish(&crate::domain::Dataset {
        hotlines: content.hotlines()?,
        guides: content.guides()?,
        synonyms: content.synonyms()?,
        featured: content.featured()?,
        ..crate::domain::Dataset::default()
    })?;
    crate::app::datadir::sync_tree(&rebuilt)?;
    let target = dir.join(INDEX_DIR);
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| AppError::io(&target, e))?;
    }
    std::fs::rename(&rebuilt, &target).map_err(|e| AppError::io(&target, e))?;
    crate::app::datadir::sync_dir(dir)?;
    Ok(())
}
