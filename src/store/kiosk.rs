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
    // 2: anonymous usage statistics and satisfaction ratings. No column can hold anything that
    // identifies a person: query text, procedure codes, times, a rating and its reason.
    "CREATE TABLE sessions(
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT
     );
     CREATE INDEX sessions_started ON sessions(started_at);
     CREATE TABLE searches(
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        query TEXT NOT NULL,
        results INTEGER NOT NULL
     );
     CREATE INDEX searches_at ON searches(at);
     CREATE TABLE views(
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        code TEXT NOT NULL
     );
     CREATE INDEX views_at ON views(at);
     CREATE TABLE ratings(
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
        reason TEXT,
        code TEXT
     );
     CREATE INDEX ratings_at ON ratings(at);",
];

/// Usage over a period, for the staff screen, the CSV export and the heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UsageSummary {
    pub sessions: u64,
    pub searches: u64,
    pub zero_result_searches: u64,
    pub views: u64,
    /// Ratings by level: index 0 = 1 (Không hài lòng) … index 3 = 4 (Rất hài lòng).
    pub ratings: [u64; 4],
    pub top_queries: Vec<(String, u64)>,
    pub top_zero_queries: Vec<(String, u64)>,
    pub top_viewed: Vec<(String, u64)>,
    /// Sessions started in each hour of the day (0–23, local time of the records).
    pub sessions_by_hour: [u64; 24],
    /// (YYYY-MM-DD, sessions) for each day with activity, oldest first.
    pub sessions_by_day: Vec<(String, u64)>,
}

/// All-time usage counts (see [`KioskDb::usage_totals`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UsageTotals {
    pub sessions: u64,
    pub searches: u64,
    pub zero_result_searches: u64,
    pub views: u64,
    /// By level: index 0 = 1 (Không hài lòng) … index 3 = 4 (Rất hài lòng).
    pub ratings: [u64; 4],
}

/// Each kind of usage record in [`UsageTotals`] order: the settings key that keeps how many of
/// them the retention limit deleted, the table, its time column and what else selects them.
const KINDS: [(&str, &str, &str, &str); 8] = [
    ("pruned.sessions", "sessions", "started_at", ""),
    ("pruned.searches", "searches", "at", ""),
    (
        "pruned.zero_result_searches",
        "searches",
        "at",
        "AND results = 0",
    ),
    ("pruned.views", "views", "at", ""),
    ("pruned.ratings_1", "ratings", "at", "AND level = 1"),
    ("pruned.ratings_2", "ratings", "at", "AND level = 2"),
    ("pruned.ratings_3", "ratings", "at", "AND level = 3"),
    ("pruned.ratings_4", "ratings", "at", "AND level = 4"),
];

/// Counts the records of a kind (a [`KINDS`] row) older than ?1.
fn count_older_sql((_, table, column, extra): (&str, &str, &str, &str)) -> String {
    format!("SELECT count(*) FROM {table} WHERE {column} < ?1 {extra}")
}

fn add_counter(conn: &Connection, key: &str, n: u64) -> rusqlite::Result<u64> {
    conn.query_row(
        "INSERT INTO settings(key, value) VALUES (?1, CAST(?2 AS TEXT))
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ?2 AS TEXT)
         RETURNING CAST(value AS INTEGER)",
        params![key, n as i64],
        |r| r.get::<_, i64>(0),
    )
    .map(|v| v as u64)
}

/// One row of the usage export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageEvent {
    /// "session", "search", "view", "rating".
    pub kind: String,
    pub at: String,
    /// The query, the procedure code, or empty.
    pub subject: String,
    /// Results of a search, the rating level, or empty.
    pub value: String,
    /// A rating's reason, or when a session ended.
    pub detail: String,
}

/// What made an entry in the refresh history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshSource {
    /// `motcua import` on the command line.
    Cli,
    /// A bundle from a USB stick, confirmed on the staff screen.
    Usb,
    /// The configured network source.
    Network,
    /// The built-in data seeding an empty data directory.
    Seed,
    /// Staff (or `motcua rollback`) going back to the previous version.
    Rollback,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// The data is live.
    Applied,
    /// The bundle was refused (signature, version, expiry, integrity, content).
    Rejected,
    /// Something else went wrong (disk, database); the data stayed as it was.
    Failed,
}

/// The names stored in the database (and shown by `--json`).
macro_rules! stored_names {
    ($ty:ty { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }

            fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

stored_names!(RefreshSource {
    Cli => "cli",
    Usb => "usb",
    Network => "network",
    Seed => "seed",
    Rollback => "rollback",
});
stored_names!(RefreshOutcome {
    Applied => "applied",
    Rejected => "rejected",
    Failed => "failed",
});

/// One line of the refresh history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefreshRecord {
    pub at: String,
    pub source: RefreshSource,
    pub outcome: RefreshOutcome,
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
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
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

    /// Sets several settings in one transaction: all of them or none.
    pub fn set_settings(&self, pairs: &[(&str, &str)]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        for (key, value) in pairs {
            tx.execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The value under `key`, storing `value` first when there is none (the first writer wins).
    pub fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
            params![key, value],
        )
        .map_err(|e| self.err(e))?;
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .map_err(|e| self.err(e))
    }

    pub fn log_refresh(&self, r: &RefreshRecord) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO refresh_log(at, source, outcome, version, message)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    r.at,
                    r.source.as_str(),
                    r.outcome.as_str(),
                    r.version.map(|v| v as i64),
                    r.message
                ],
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
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (at, source, outcome, version, message) = row.map_err(|e| self.err(e))?;
            let corrupt = |what: &str, value: &str| StoreError::Corrupt {
                path: self.path.clone(),
                key: format!("refresh_log at {at}"),
                message: format!("unknown {what} `{value}`"),
            };
            out.push(RefreshRecord {
                source: RefreshSource::parse(&source).ok_or_else(|| corrupt("source", &source))?,
                outcome: RefreshOutcome::parse(&outcome)
                    .ok_or_else(|| corrupt("outcome", &outcome))?,
                version: version.map(|v| v as u64),
                message,
                at,
            });
        }
        Ok(out)
    }
}

impl KioskDb {
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.execute(sql, params).map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    pub fn start_session(&self, at: &str) -> Result<i64, StoreError> {
        self.exec("INSERT INTO sessions(started_at) VALUES (?1)", [at])
    }

    pub fn end_session(&self, id: i64, at: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE sessions SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
            params![id, at],
        )
        .map(|_| ())
    }

    pub fn record_search(&self, at: &str, query: &str, results: u64) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO searches(at, query, results) VALUES (?1, ?2, ?3)",
            params![at, query, results as i64],
        )
        .map(|_| ())
    }

    pub fn record_view(&self, at: &str, code: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO views(at, code) VALUES (?1, ?2)",
            params![at, code],
        )
        .map(|_| ())
    }

    pub fn record_rating(
        &self,
        at: &str,
        level: u8,
        reason: Option<&str>,
        code: Option<&str>,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO ratings(at, level, reason, code) VALUES (?1, ?2, ?3, ?4)",
            params![at, level, reason, code],
        )
        .map(|_| ())
    }

    /// Adds `n` to the integer kept under `key` in the settings (missing counts as 0) and
    /// returns the new value.
    pub fn add_to_counter(&self, key: &str, n: u64) -> Result<u64, StoreError> {
        let conn = self.lock();
        add_counter(&conn, key, n).map_err(|e| self.err(e))
    }

    /// The integer kept under `key` in the settings (0 when missing or not a number).
    pub fn counter(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self.setting(key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Deletes usage records older than `before` (an RFC 3339 time); returns how many. What is
    /// deleted is added to the `pruned.*` counters in the same transaction, so the all-time
    /// totals ([`KioskDb::usage_totals`]) never go down.
    pub fn prune_usage(&self, before: &str) -> Result<u64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        for kind in KINDS {
            let n: i64 = tx
                .query_row(&count_older_sql(kind), [before], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if n > 0 {
                add_counter(&tx, kind.0, n as u64).map_err(|e| self.err(e))?;
            }
        }
        let mut n = 0;
        for sql in [
            "DELETE FROM sessions WHERE started_at < ?1",
            "DELETE FROM searches WHERE at < ?1",
            "DELETE FROM views WHERE at < ?1",
            "DELETE FROM ratings WHERE at < ?1",
        ] {
            n += tx.execute(sql, [before]).map_err(|e| self.err(e))? as u64;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(n)
    }

    /// Everything ever recorded, including what the retention limit has deleted since: these
    /// only grow, so they can be Prometheus counters.
    pub fn usage_totals(&self) -> Result<UsageTotals, StoreError> {
        // One statement, one pass over each table (count(*) alone reads the smallest index):
        // the heartbeat runs this every minute on a year of records.
        let kept: [i64; 8] = self
            .lock()
            .query_row(
                "SELECT (SELECT count(*) FROM sessions),
                        (SELECT count(*) FROM searches),
                        (SELECT CAST(total(results = 0) AS INTEGER) FROM searches),
                        (SELECT count(*) FROM views),
                        (SELECT CAST(total(level = 1) AS INTEGER) FROM ratings),
                        (SELECT CAST(total(level = 2) AS INTEGER) FROM ratings),
                        (SELECT CAST(total(level = 3) AS INTEGER) FROM ratings),
                        (SELECT CAST(total(level = 4) AS INTEGER) FROM ratings)",
                [],
                |r| {
                    Ok([
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ])
                },
            )
            .map_err(|e| self.err(e))?;
        let mut n = [0u64; 8];
        for ((slot, kept), kind) in n.iter_mut().zip(kept).zip(KINDS) {
            *slot = kept.max(0) as u64 + self.counter(kind.0)?;
        }
        Ok(UsageTotals {
            sessions: n[0],
            searches: n[1],
            zero_result_searches: n[2],
            views: n[3],
            ratings: [n[4], n[5], n[6], n[7]],
        })
    }

    /// Visits that started at or after `since` (an RFC 3339 time).
    pub fn sessions_since(&self, since: &str) -> Result<u64, StoreError> {
        self.count(
            "SELECT count(*) FROM sessions WHERE started_at >= ?1",
            since,
        )
    }

    fn count(&self, sql: &str, since: &str) -> Result<u64, StoreError> {
        self.lock()
            .query_row(sql, [since], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    fn top(&self, sql: &str, since: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// How often each procedure was opened since `since` (an RFC 3339 time), most first.
    pub fn view_counts(&self, since: &str) -> Result<Vec<(String, u64)>, StoreError> {
        self.top(
            "SELECT code, count(*) AS n FROM views WHERE at >= ?1 GROUP BY code ORDER BY n DESC, code",
            since,
        )
    }

    /// Usage since `since` (an RFC 3339 time; "" for everything).
    pub fn usage(&self, since: &str) -> Result<UsageSummary, StoreError> {
        let mut u = UsageSummary {
            sessions: self.count(
                "SELECT count(*) FROM sessions WHERE started_at >= ?1",
                since,
            )?,
            searches: self.count("SELECT count(*) FROM searches WHERE at >= ?1", since)?,
            zero_result_searches: self.count(
                "SELECT count(*) FROM searches WHERE at >= ?1 AND results = 0",
                since,
            )?,
            views: self.count("SELECT count(*) FROM views WHERE at >= ?1", since)?,
            top_queries: self.top(
                "SELECT query, count(*) AS n FROM searches WHERE at >= ?1
                 GROUP BY query ORDER BY n DESC, query LIMIT 20",
                since,
            )?,
            top_zero_queries: self.top(
                "SELECT query, count(*) AS n FROM searches WHERE at >= ?1 AND results = 0
                 GROUP BY query ORDER BY n DESC, query LIMIT 20",
                since,
            )?,
            top_viewed: self.top(
                "SELECT code, count(*) AS n FROM views WHERE at >= ?1
                 GROUP BY code ORDER BY n DESC, code LIMIT 20",
                since,
            )?,
            ..Default::default()
        };
        for (level, n) in self.top(
            "SELECT CAST(level AS TEXT), count(*) FROM ratings WHERE at >= ?1 GROUP BY level",
            since,
        )? {
            if let Ok(l @ 1..=4) = level.parse::<usize>() {
                u.ratings[l - 1] = n;
            }
        }
        for (hour, n) in self.top(
            "SELECT substr(started_at, 12, 2), count(*) FROM sessions WHERE started_at >= ?1
             GROUP BY 1",
            since,
        )? {
            if let Ok(h @ 0..=23) = hour.parse::<usize>() {
                u.sessions_by_hour[h] = n;
            }
        }
        u.sessions_by_day = self.top(
            "SELECT substr(started_at, 1, 10) AS d, count(*) FROM sessions WHERE started_at >= ?1
             GROUP BY d ORDER BY d",
            since,
        )?;
        Ok(u)
    }

    /// Every usage record since `since`, oldest first.
    pub fn usage_events(&self, since: &str) -> Result<Vec<UsageEvent>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT 'session', started_at, '', '', coalesce(ended_at, '') FROM sessions
                   WHERE started_at >= ?1
                 UNION ALL SELECT 'search', at, query, CAST(results AS TEXT), '' FROM searches
                   WHERE at >= ?1
                 UNION ALL SELECT 'view', at, code, '', '' FROM views WHERE at >= ?1
                 UNION ALL SELECT 'rating', at, coalesce(code, ''), CAST(level AS TEXT),
                   coalesce(reason, '') FROM ratings WHERE at >= ?1
                 ORDER BY 2, 1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok(UsageEvent {
                    kind: r.get(0)?,
                    at: r.get(1)?,
                    subject: r.get(2)?,
                    value: r.get(3)?,
                    detail: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two processes (the kiosk and a staff command) may open a new database at the same time;
    /// each migration must run exactly once.
    #[test]
    fn concurrent_first_opens_migrate_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite");
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || KioskDb::open(&p).map(|_| ()))
            })
            .collect();
        for t in threads {
            t.join().expect("thread").expect("open");
        }
        let db = KioskDb::open(&path).expect("open");
        db.record_view("2026-11-27T10:00:00+07:00", "1.001193")
            .expect("write");
        assert_eq!(db.usage("").expect("usage").views, 1);
    }
}
