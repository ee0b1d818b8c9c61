//! The kiosk's own records, kept across data refreshes: the refresh history (what was applied or
//! rejected, when, and why) and small settings such as the last network check and its ETag.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{StoreError, migrate};

const MIGRATIONS: &[&str] = &[
    // 1: refresh history and settings.
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE refresh_log(
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        outcome TEXT NOT NULL,
        version INTEGER,
        message TEXT NOT NULL
     );",
];

/// One line of the refresh history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefreshRecord {
    pub at: String,
    /// "usb", "network", "cli", "seed", "rollback".
    pub source: String,
    /// "applied", "rejected", "failed", "unchanged".
    pub outcome: String,
    pub version: Option<u64>,
    pub message: String,
}

#[derive(Debug)]
pub struct KioskDb {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl KioskDb {
    pub fn open(path: &Path) -> Result<KioskDb, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sql)?;
        migrate(&mut conn, path, MIGRATIONS)?;
        Ok(KioskDb {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.lock()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn log_refresh(&self, r: &RefreshRecord) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO refresh_log(at, source, outcome, version, message)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.at, r.source, r.outcome, r.version.map(|v| v as i64), r.message],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The most recent refresh records, newest first.
    pub fn refresh_log(&self, limit: usize) -> Result<Vec<RefreshRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT at, source, outcome, version, message FROM refresh_log
                 ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(RefreshRecord {
                    at: r.get(0)?,
                    source: r.get(1)?,
                    outcome: r.get(2)?,
                    version: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
                    message: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}
