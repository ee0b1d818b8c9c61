//! SQLite storage (the only module that touches rusqlite). Two databases:
//! [`ContentDb`] holds one data version (procedures, hotlines, guides, life events, synonyms) and is
//! the source of truth the search index is derived from; [`KioskDb`] holds what the kiosk itself
//! records (usage statistics, ratings, refresh history) and survives data refreshes.
//! Both use versioned migrations (`PRAGMA user_version`); a content database is written once in
//! WAL mode and left in rollback-journal mode, its procedures' documents compressed through
//! [`crate::compress`].

mod content;
mod fts5;
mod kiosk;

use std::path::PathBuf;

pub use content::{ContentDb, ContentMeta, ContentStats, ContentWriter, FieldAtLevel, ListFilter};
pub use fts5::Fts5Peer;
pub use kiosk::{
    KioskDb, RefreshOutcome, RefreshRecord, RefreshSource, UsageEvent, UsageSummary, UsageTotals,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database {path}: record {key}: {message}")]
    Corrupt {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error(
        "database {path}: schema version {found} is newer than this program understands ({supported})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database {path}: {source}")]
    Compress {
        path: PathBuf,
        #[source]
        source: crate::compress::CompressError,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Applies `migrations[i]` for every i at or above the database's `user_version`, each in its own
/// transaction, so a database is always at a known version.
fn migrate(
    conn: &mut rusqlite::Connection,
    path: &std::path::Path,
    migrations: &[&str],
) -> Result<(), StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let supported = migrations.len() as i64;
    loop {
        // IMMEDIATE takes the write lock before the version is read, so two processes opening
        // the same database never both apply the same migration.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let current: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        if current > supported {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: current,
                supported,
            });
        }
        let Some(m) = migrations.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(m).map_err(sql)?;
        tx.pragma_update(None, "user_version", current + 1)
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
    }
}
