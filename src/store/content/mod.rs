//! One data version in SQLite: every procedure as its full JSON document plus the columns lists
//! and filters need, and the curated tables. Written once, in one transaction, then read-only.
//! Each procedure's document is a zstd frame of its own, compressed against a dictionary
//! trained on the version's first records and stored with them (schema 2); a version written
//! by an older build (schema 1, documents as plain JSON text) is read as it is.
//!
//! This file owns the schema, the types the writer and the readers share, and the connection:
//! opening a version read-only (an immutable read where SQLite cannot create its `-shm` file),
//! checking its schema version and loading its dictionary. `write` builds a new database
//! ([`ContentWriter`], training the dictionary); `read` holds the queries and decodes the
//! stored documents.

mod read;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::compress::RecordDecoder;
use crate::domain::{FieldCount, Level};

pub use write::ContentWriter;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE procedures(
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        portal_id TEXT,
        kind TEXT NOT NULL,
        issuer TEXT NOT NULL,
        levels INTEGER NOT NULL,
        online INTEGER NOT NULL,
        fully_online INTEGER NOT NULL,
        has_detail INTEGER NOT NULL,
        sources TEXT NOT NULL,
        fields TEXT NOT NULL,
        updated TEXT,
        doc TEXT NOT NULL
     );
     CREATE TABLE procedure_fields(
        field TEXT NOT NULL,
        code TEXT NOT NULL REFERENCES procedures(code),
        PRIMARY KEY(field, code)
     ) WITHOUT ROWID;
     CREATE TABLE hotlines(pos INTEGER PRIMARY KEY, doc TEXT NOT NULL);
     CREATE TABLE guides(pos INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
     CREATE TABLE life_events(pos INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
     CREATE TABLE life_event_procedures(
        slug TEXT NOT NULL,
        code TEXT NOT NULL REFERENCES procedures(code),
        PRIMARY KEY(slug, code)
     ) WITHOUT ROWID;
     CREATE TABLE synonyms(pos INTEGER PRIMARY KEY, term TEXT NOT NULL, expansions TEXT NOT NULL);
     CREATE TABLE featured(pos INTEGER PRIMARY KEY, code TEXT NOT NULL REFERENCES procedures(code));",
    // 2: `procedures.doc` holds a zstd frame (a BLOB) compressed against this dictionary (none
    // when the version had too few records to train one); schema 1 held the JSON text.
    "CREATE TABLE doc_dictionary(id INTEGER PRIMARY KEY CHECK (id = 1), bytes BLOB NOT NULL);",
];

/// The oldest schema this build still reads (versions installed by older builds).
const OLDEST_READ: i64 = 1;

/// Facts about the data version, from its bundle manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContentMeta {
    pub version: u64,
    pub created: String,
    pub expires: Option<String>,
    pub publisher: String,
    pub description: String,
    /// SHA-256 of the manifest the data came from.
    pub manifest_sha256: String,
    pub imported_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentStats {
    pub procedures: u64,
    pub with_detail: u64,
    pub without_detail: u64,
    pub with_portal_link: u64,
    pub fully_online: u64,
    pub by_source: BTreeMap<String, u64>,
    pub by_level: BTreeMap<String, u64>,
    pub by_field: Vec<FieldCount>,
    pub hotlines: u64,
    pub guides: u64,
    pub life_events: u64,
    pub synonyms: u64,
}

/// A field's procedures at one level (see [`ContentDb::fields_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldAtLevel {
    pub name: String,
    pub count: u32,
    /// Of those, on the data's most-used list.
    pub featured: u32,
    /// Of those, in at least one life event.
    pub in_life_events: u32,
}

/// Which procedures a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub field: Option<String>,
    pub level: Option<Level>,
    pub life_event: Option<String>,
    pub online_only: bool,
    pub limit: Option<usize>,
}

#[derive(Debug)]
pub struct ContentDb {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// The procedures' decompressor with the version's dictionary; `None` for a schema 1
    /// database, whose documents are plain text.
    decoder: Mutex<Option<RecordDecoder>>,
}

impl ContentDb {
    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn open_conn(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(conn)
    }

    /// `conn` once a first read succeeded (opening is lazy: a WAL database that cannot be read
    /// fails here, not at open).
    fn readable(path: &Path, conn: Connection) -> Result<Connection, StoreError> {
        conn.pragma_query_value(None, "schema_version", |r| r.get::<_, i64>(0))
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(conn)
    }

    fn open_immutable(path: &Path) -> Result<Connection, StoreError> {
        let escaped = path
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23");
        let uri = format!("file:{escaped}?immutable=1");
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Self::open_conn(Path::new(&uri), flags)?;
        Self::readable(path, conn)
    }

    /// Opens an existing database read-only after checking its schema version.
    pub fn open(path: &Path) -> Result<ContentDb, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such database"),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Self::open_conn(path, flags).and_then(|c| Self::readable(path, c)) {
            Ok(c) => c,
            // A version written in WAL mode (before content databases left it) cannot be read
            // where its `-shm` file cannot be created. It is never written after it is
            // installed, so SQLite may read it as immutable.
            Err(e) => Self::open_immutable(path).map_err(|_| e)?,
        };
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        if !(OLDEST_READ..=MIGRATIONS.len() as i64).contains(&v) {
            // Content databases are rebuilt from their bundle, never migrated in place; older
            // schemas are read as they are.
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: v,
                supported: MIGRATIONS.len() as i64,
            });
        }
        let decoder = if v >= 2 {
            let dictionary: Option<Vec<u8>> = conn
                .query_row("SELECT bytes FROM doc_dictionary WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|source| StoreError::Sqlite {
                    path: path.to_path_buf(),
                    source,
                })?;
            let d = RecordDecoder::new(dictionary.as_deref().unwrap_or_default()).map_err(
                |source| StoreError::Compress {
                    path: path.to_path_buf(),
                    source,
                },
            )?;
            Some(d)
        } else {
            None
        };
        let db = ContentDb {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            decoder: Mutex::new(decoder),
        };
        db.meta()?;
        Ok(db)
    }

    /// Runs SQLite's own consistency check.
    pub fn integrity_check(&self) -> Result<bool, StoreError> {
        let conn = self.lock();
        let r: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(r == "ok")
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave the read-only connection inconsistent.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The tests of opening (an older schema read as it is, a newer one refused), and what the
/// writer's and the readers' tests share: a dataset of made-up procedures, writing it, reading
/// all of it back.
#[cfg(test)]
mod tests {
    use rusqlite::params;

    use super::*;
    use crate::domain::{Dataset, DossierCase, Procedure, Source, Step};

    fn procedure(i: usize) -> Procedure {
        Procedure {
            code: format!("1.{i:06}"),
            name: format!("Cấp giấy phép hoạt động số {i} cho cơ sở kinh doanh"),
            fields: vec![["Hộ tịch", "Đất đai", "Y tế"][i % 3].to_string()],
            levels: vec![Level::Province],
            issuer: "Bộ Tư pháp".into(),
            steps: (0..3)
                .map(|s| Step {
                    title: format!("Bước {s}"),
                    text: format!(
                        "Tổ chức, cá nhân nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả ({i}, {s})"
                    ),
                })
                .collect(),
            dossier: vec![DossierCase {
                name: "Hồ sơ gồm".into(),
                items: Vec::new(),
            }],
            results: vec![format!("Giấy phép số {i}")],
            updated: Some(format!("2026-0{}-15", 1 + i % 9)),
            sources: vec![Source::PortalApi],
            ..Procedure::default()
        }
    }

    pub(super) fn dataset(n: usize) -> Dataset {
        Dataset {
            procedures: (0..n).map(procedure).collect(),
            ..Dataset::default()
        }
    }

    pub(super) fn meta() -> ContentMeta {
        ContentMeta {
            version: 7,
            ..ContentMeta::default()
        }
    }

    pub(super) fn count(db: &ContentDb, sql: &str) -> i64 {
        db.lock().query_row(sql, [], |r| r.get(0)).expect("query")
    }

    pub(super) fn everything_reads_back(db: &ContentDb, ds: &Dataset) {
        for p in &ds.procedures {
            assert_eq!(db.procedure(&p.code).expect("reads").as_ref(), Some(p));
        }
        assert_eq!(db.procedures().expect("all"), ds.procedures);
        let mut streamed = Vec::new();
        db.each_procedure(&mut |p| -> Result<(), StoreError> {
            streamed.push(p);
            Ok(())
        })
        .expect("streams");
        assert_eq!(streamed, ds.procedures);
    }

    /// Writes `ds` with the dictionary trained once `sample_bytes` of documents are held.
    pub(super) fn write(path: &Path, ds: &Dataset, sample_bytes: usize) -> ContentDb {
        let mut w = ContentDb::writer(path).expect("writer");
        w.set_sample_bytes(sample_bytes);
        for p in &ds.procedures {
            w.add_procedure(p).expect("add");
        }
        w.finish(ds, &meta()).expect("finish")
    }

    /// A version installed by a build before documents were compressed (schema 1: the JSON as
    /// text, no dictionary table) is served as it is.
    #[test]
    fn a_schema_1_database_written_by_an_older_build_is_read_as_it_is() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("content.sqlite");
        let ds = dataset(50);
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch(MIGRATIONS[0]).expect("schema 1");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
            for p in &ds.procedures {
                conn.execute(
                    "INSERT INTO procedures(code, name, kind, issuer, levels, online,
                        fully_online, has_detail, sources, fields, updated, doc)
                     VALUES (?1, ?2, 'national', ?3, ?4, 0, 0, 1, 'portal-api', ?5, ?6, ?7)",
                    params![
                        p.code,
                        p.name,
                        p.issuer,
                        p.levels_mask(),
                        p.fields.join("\n"),
                        p.updated,
                        serde_json::to_string(p).expect("json")
                    ],
                )
                .expect("row");
            }
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('content', ?1)",
                [serde_json::to_string(&meta()).expect("json")],
            )
            .expect("meta");
        }
        let db = ContentDb::open(&path).expect("an older version opens");
        everything_reads_back(&db, &ds);
        assert_eq!(db.meta().expect("meta").version, 7);

        // A schema newer than this build's is refused.
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1))
            .expect("bump");
        assert!(matches!(
            ContentDb::open(&path),
            Err(StoreError::TooNew { .. })
        ));
    }
}
