//! One data version in SQLite: every procedure as its full JSON document plus the columns lists
//! and filters need, and the curated tables. Written once, in one transaction, then read-only.
//! Each procedure's document is a zstd frame of its own, compressed against a dictionary
//! trained on the version's first records and stored with them (schema 2); a version written
//! by an older build (schema 1, documents as plain JSON text) is read as it is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{StoreError, migrate};
use crate::compress::{self, RecordDecoder, RecordEncoder};
use crate::domain::changes::Changes;
use crate::domain::{
    Dataset, FieldCount, Guide, Hotline, Level, LifeEvent, Procedure, ProcedureSummary, Source,
    Synonym, levels_from_mask,
};

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
/// The records a dictionary is trained on: the first ones written, up to this many bytes of
/// JSON (held until then), or all of them in a smaller version.
const DICT_SAMPLE_BYTES: usize = 4 * 1024 * 1024;
/// zstd's own default dictionary size.
const DICT_BYTES: usize = 110 * 1024;
/// Compression level of the documents (zstd's default: fast to write, the dictionary does the
/// rest).
const DOC_LEVEL: i32 = 3;
/// The largest document read back (a whole procedure's JSON is tens of kB at most).
const MAX_DOC: usize = 16 * 1024 * 1024;

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

/// A content database being written: procedures go in one at a time inside the one
/// transaction [`ContentDb::writer`] began; [`ContentWriter::finish`] adds the rest and commits.
/// Dropped unfinished, the transaction rolls back.
#[derive(Debug)]
pub struct ContentWriter {
    path: PathBuf,
    conn: Connection,
    /// The codes written so far: life events and the "most used" list keep only these.
    known: std::collections::HashSet<String>,
    /// The documents' compressor, once its dictionary is trained.
    encoder: Option<RecordEncoder>,
    /// The dictionary, kept for the database returned by [`ContentWriter::finish`].
    dictionary: Vec<u8>,
    /// Rows held until the dictionary is trained on their documents.
    pending: Vec<Row>,
    pending_bytes: usize,
    /// [`DICT_SAMPLE_BYTES`] (smaller in tests).
    sample_bytes: usize,
}

/// One procedure's row, its document not yet compressed.
#[derive(Debug)]
struct Row {
    code: String,
    name: String,
    portal_id: Option<String>,
    kind: String,
    issuer: String,
    levels: u8,
    online: bool,
    fully_online: bool,
    has_detail: bool,
    sources: String,
    fields: Vec<String>,
    updated: Option<String>,
    doc: String,
}

/// A document as stored: JSON text (schema 1, and the curated tables) or a zstd frame.
enum Doc {
    Text(String),
    Packed(Vec<u8>),
}

impl rusqlite::types::FromSql for Doc {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Doc> {
        match v {
            rusqlite::types::ValueRef::Blob(b) => Ok(Doc::Packed(b.to_vec())),
            other => String::column_result(other).map(Doc::Text),
        }
    }
}

impl ContentWriter {
    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    pub fn add_procedure(&mut self, p: &Procedure) -> Result<(), StoreError> {
        let doc = serde_json::to_string(p).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            key: p.code.clone(),
            message: e.to_string(),
        })?;
        let row = Row {
            code: p.code.clone(),
            name: p.name.clone(),
            portal_id: p.portal_id.clone(),
            kind: kind_str(p),
            issuer: p.issuer.clone(),
            levels: p.levels_mask(),
            online: p.online(),
            fully_online: p.fully_online,
            has_detail: p.has_detail(),
            sources: p
                .sources
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
            fields: p.fields.clone(),
            updated: p.updated.clone(),
            doc,
        };
        self.known.insert(p.code.clone());
        if self.encoder.is_some() {
            return self.insert(row);
        }
        self.pending_bytes += row.doc.len();
        self.pending.push(row);
        if self.pending_bytes >= self.sample_bytes {
            self.start_compressing()?;
        }
        Ok(())
    }

    /// Trains the dictionary on the rows held so far (or goes on without one when they are too
    /// few to learn from) and writes them.
    fn start_compressing(&mut self) -> Result<(), StoreError> {
        let samples: Vec<&[u8]> = self.pending.iter().map(|r| r.doc.as_bytes()).collect();
        self.dictionary = match compress::train(&samples, DICT_BYTES) {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!(
                    "{}: no dictionary from {} records ({e})",
                    self.path.display(),
                    samples.len()
                );
                Vec::new()
            }
        };
        drop(samples);
        let encoder =
            RecordEncoder::new(&self.dictionary, DOC_LEVEL).map_err(|e| StoreError::Compress {
                path: self.path.clone(),
                source: e,
            })?;
        self.encoder = Some(encoder);
        if !self.dictionary.is_empty() {
            self.conn
                .execute(
                    "INSERT INTO doc_dictionary(id, bytes) VALUES (1, ?1)",
                    params![self.dictionary],
                )
                .map_err(|e| self.sql(e))?;
        }
        for row in std::mem::take(&mut self.pending) {
            self.insert(row)?;
        }
        self.pending_bytes = 0;
        Ok(())
    }

    fn insert(&mut self, row: Row) -> Result<(), StoreError> {
        let Some(encoder) = self.encoder.as_mut() else {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                key: row.code,
                message: "written before the compressor was ready".into(),
            });
        };
        let doc = encoder
            .encode(row.doc.as_bytes())
            .map_err(|e| StoreError::Compress {
                path: self.path.clone(),
                source: e,
            })?;
        self.conn
            .prepare_cached(
                "INSERT INTO procedures(code, name, portal_id, kind, issuer, levels, online,
                    fully_online, has_detail, sources, fields, updated, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .and_then(|mut ins| {
                ins.execute(params![
                    row.code,
                    row.name,
                    row.portal_id,
                    row.kind,
                    row.issuer,
                    row.levels,
                    row.online,
                    row.fully_online,
                    row.has_detail,
                    row.sources,
                    row.fields.join("\n"),
                    row.updated,
                    doc
                ])
            })
            .map_err(|e| self.sql(e))?;
        let mut ins_field = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO procedure_fields(field, code) VALUES (?1, ?2)")
            .map_err(|e| self.sql(e))?;
        for f in &row.fields {
            ins_field
                .execute(params![f, row.code])
                .map_err(|e| StoreError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
        }
        Ok(())
    }

    /// Adds `ds`'s hotlines, guides, life events, synonyms, "most used" list and change list
    /// (its procedures are not read: they were added one by one) and `meta`, and commits.
    pub fn finish(mut self, ds: &Dataset, meta: &ContentMeta) -> Result<ContentDb, StoreError> {
        if self.encoder.is_none() {
            self.start_compressing()?;
        }
        let ContentWriter {
            path,
            conn,
            known,
            dictionary,
            ..
        } = self;
        let path = path.as_path();
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let json = |key: &str, e: serde_json::Error| StoreError::Corrupt {
            path: path.to_path_buf(),
            key: key.to_string(),
            message: e.to_string(),
        };
        {
            let tx = &conn;
            for (i, h) in ds.hotlines.iter().enumerate() {
                let doc = serde_json::to_string(h).map_err(|e| json(&h.name, e))?;
                tx.execute(
                    "INSERT INTO hotlines(pos, doc) VALUES (?1, ?2)",
                    params![i as i64, doc],
                )
                .map_err(sql)?;
            }
            for (i, g) in ds.guides.iter().enumerate() {
                let doc = serde_json::to_string(g).map_err(|e| json(&g.id, e))?;
                tx.execute(
                    "INSERT INTO guides(pos, id, doc) VALUES (?1, ?2, ?3)",
                    params![i as i64, g.id, doc],
                )
                .map_err(sql)?;
            }
            for (i, ev) in ds.life_events.iter().enumerate() {
                let doc = serde_json::to_string(ev).map_err(|e| json(&ev.slug, e))?;
                tx.execute(
                    "INSERT INTO life_events(pos, slug, doc) VALUES (?1, ?2, ?3)",
                    params![i as i64, ev.slug, doc],
                )
                .map_err(sql)?;
                for c in ev.codes.iter().filter(|c| known.contains(c.as_str())) {
                    tx.execute(
                        "INSERT OR IGNORE INTO life_event_procedures(slug, code) VALUES (?1, ?2)",
                        params![ev.slug, c],
                    )
                    .map_err(sql)?;
                }
            }
            for (i, s) in ds.synonyms.iter().enumerate() {
                tx.execute(
                    "INSERT INTO synonyms(pos, term, expansions) VALUES (?1, ?2, ?3)",
                    params![i as i64, s.term, s.expansions.join("|")],
                )
                .map_err(sql)?;
            }
            for (i, c) in ds
                .featured
                .iter()
                .filter(|c| known.contains(c.as_str()))
                .enumerate()
            {
                tx.execute(
                    "INSERT INTO featured(pos, code) VALUES (?1, ?2)",
                    params![i as i64, c],
                )
                .map_err(sql)?;
            }
            let meta_json = serde_json::to_string(meta).map_err(|e| json("meta", e))?;
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('content', ?1)",
                params![meta_json],
            )
            .map_err(sql)?;
            // A key of its own: the schema stays the same, and older data simply has none.
            if let Some(changes) = &ds.changes {
                let doc = serde_json::to_string(changes).map_err(|e| json("changes", e))?;
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES ('changes', ?1)",
                    params![doc],
                )
                .map_err(sql)?;
            }
        }
        conn.execute_batch("COMMIT").map_err(sql)?;
        // Fold the WAL into the main file so the version directory is one self-contained file,
        // and leave WAL mode: a content database is never written again, and only a rollback-
        // journal database opens read-only where no `-shm` file can be created (a read-only or
        // full file system).
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .or_else(|_| conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
            .map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(sql)?;
        let decoder = RecordDecoder::new(&dictionary).map_err(|e| StoreError::Compress {
            path: path.to_path_buf(),
            source: e,
        })?;
        Ok(ContentDb {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            decoder: Mutex::new(Some(decoder)),
        })
    }
}

fn kind_str(p: &Procedure) -> String {
    serde_json::to_value(p.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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

    /// Writes a new database at `path` (which must not exist) holding `ds`, in one transaction.
    /// `progress(done, total)` is called as procedures are written.
    pub fn create(
        path: &Path,
        ds: &Dataset,
        meta: &ContentMeta,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ContentDb, StoreError> {
        let mut w = ContentDb::writer(path)?;
        let total = ds.procedures.len();
        for (i, p) in ds.procedures.iter().enumerate() {
            w.add_procedure(p)?;
            if i % 500 == 0 || i + 1 == total {
                progress(i + 1, total);
            }
        }
        w.finish(ds, meta)
    }

    /// Starts a new database at `path` (which must not exist) whose procedures are added one at
    /// a time ([`ContentWriter`]), all in one transaction: nothing of it is readable until
    /// [`ContentWriter::finish`] commits.
    pub fn writer(path: &Path) -> Result<ContentWriter, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Self::open_conn(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        migrate(&mut conn, path, MIGRATIONS)?;
        conn.execute_batch("BEGIN").map_err(sql)?;
        Ok(ContentWriter {
            path: path.to_path_buf(),
            conn,
            known: std::collections::HashSet::new(),
            encoder: None,
            dictionary: Vec::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            sample_bytes: DICT_SAMPLE_BYTES,
        })
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

    pub fn meta(&self) -> Result<ContentMeta, StoreError> {
        let conn = self.lock();
        let v: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'content'", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        serde_json::from_str(&v).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            key: "meta".into(),
            message: e.to_string(),
        })
    }

    /// The version's change list against the one before it, when its bundle carried one.
    pub fn changes(&self) -> Result<Option<Changes>, StoreError> {
        let doc: Option<String> = {
            let conn = self.lock();
            conn.query_row("SELECT value FROM meta WHERE key = 'changes'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
        };
        doc.map(|d| self.decode("changes", &d)).transpose()
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        doc: &str,
    ) -> Result<T, StoreError> {
        serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            key: key.to_string(),
            message: e.to_string(),
        })
    }

    /// A procedure's document as stored, decoded.
    fn decode_doc<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        doc: Doc,
    ) -> Result<T, StoreError> {
        match doc {
            Doc::Text(t) => self.decode(key, &t),
            Doc::Packed(frame) => {
                let corrupt = |message: String| StoreError::Corrupt {
                    path: self.path.clone(),
                    key: key.to_string(),
                    message,
                };
                let json = {
                    let mut decoder = self.decoder.lock().unwrap_or_else(|p| p.into_inner());
                    let Some(d) = decoder.as_mut() else {
                        return Err(corrupt(
                            "a compressed document in a schema 1 database".into(),
                        ));
                    };
                    d.decode(&frame, MAX_DOC)
                        .map_err(|e| corrupt(e.to_string()))?
                };
                serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))
            }
        }
    }

    pub fn procedure(&self, code: &str) -> Result<Option<Procedure>, StoreError> {
        let doc: Option<Doc> = {
            let conn = self.lock();
            conn.prepare_cached("SELECT doc FROM procedures WHERE code = ?1")
                .and_then(|mut s| s.query_row([code], |r| r.get(0)).optional())
                .map_err(|e| self.err(e))?
        };
        doc.map(|d| self.decode_doc(code, d)).transpose()
    }

    /// Each procedure the portal dated `day` (YYYY-MM-DD) or later, with that date: what
    /// "Mới cập nhật" needs of the portal's own update stamps, without reading every record.
    pub fn updated_since(&self, day: &str) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.lock();
        let mut st = conn
            .prepare_cached("SELECT code, updated FROM procedures WHERE updated >= ?1")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([day], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    pub fn count(&self) -> Result<u64, StoreError> {
        let conn = self.lock();
        conn.query_row("SELECT count(*) FROM procedures", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n as u64)
        .map_err(|e| self.err(e))
    }

    /// Procedure rows matching the filter, by name.
    pub fn list(&self, f: &ListFilter) -> Result<Vec<ProcedureSummary>, StoreError> {
        let mut sql = String::from(
            "SELECT p.code, p.name, p.fields, p.levels, p.has_detail, p.online FROM procedures p",
        );
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        let mut conds: Vec<String> = Vec::new();
        if let Some(field) = &f.field {
            sql.push_str(" JOIN procedure_fields f ON f.code = p.code");
            args.push(Box::new(field.clone()));
            conds.push(format!("f.field = ?{}", args.len()));
        }
        if let Some(slug) = &f.life_event {
            sql.push_str(" JOIN life_event_procedures e ON e.code = p.code");
            args.push(Box::new(slug.clone()));
            conds.push(format!("e.slug = ?{}", args.len()));
        }
        if let Some(level) = f.level {
            args.push(Box::new(level.bit()));
            conds.push(format!("(p.levels & ?{}) != 0", args.len()));
        }
        if f.online_only {
            conds.push("p.online = 1".into());
        }
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        // Records a citizen can act on first, then by name.
        sql.push_str(" ORDER BY p.has_detail DESC, p.name COLLATE NOCASE, p.code");
        if let Some(limit) = f.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let conn = self.lock();
        let mut stmt = conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                let fields: String = r.get(2)?;
                Ok(ProcedureSummary {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    fields: fields
                        .split('\n')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    levels: levels_from_mask(r.get::<_, u8>(3)?),
                    has_detail: r.get(4)?,
                    online: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Summaries for the given codes, in the given order (unknown codes are skipped).
    pub fn summaries(&self, codes: &[String]) -> Result<Vec<ProcedureSummary>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT code, name, fields, levels, has_detail, online FROM procedures WHERE code = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(codes.len());
        for c in codes {
            let row = stmt
                .query_row([c], |r| {
                    let fields: String = r.get(2)?;
                    Ok(ProcedureSummary {
                        code: r.get(0)?,
                        name: r.get(1)?,
                        fields: fields
                            .split('\n')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                        levels: levels_from_mask(r.get::<_, u8>(3)?),
                        has_detail: r.get(4)?,
                        online: r.get(5)?,
                    })
                })
                .optional()
                .map_err(|e| self.err(e))?;
            out.extend(row);
        }
        Ok(out)
    }

    /// Fields with their procedure counts, largest first.
    pub fn fields(&self) -> Result<Vec<FieldCount>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT field, count(*) AS n FROM procedure_fields GROUP BY field
                 ORDER BY n DESC, field COLLATE NOCASE",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(FieldCount {
                    name: r.get(0)?,
                    count: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Every field with procedures carried out at `level`: how many, and how many of those the
    /// data points citizens to (its most-used list, a life event). The home page chooses its
    /// fields from these, the browse page filters by level with them.
    pub fn fields_at(&self, level: Level) -> Result<Vec<FieldAtLevel>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                // `IN (SELECT …)` builds each set once per query; a correlated `EXISTS` scanned
                // the whole table (keyed by slug, not code) for every row: quadratic at scale.
                "SELECT f.field, count(*),
                        sum(p.code IN (SELECT code FROM featured)),
                        sum(p.code IN (SELECT code FROM life_event_procedures))
                 FROM procedure_fields f JOIN procedures p ON p.code = f.code
                 WHERE (p.levels & ?1) != 0
                 GROUP BY f.field ORDER BY count(*) DESC, f.field COLLATE NOCASE",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([level.bit()], |r| {
                Ok(FieldAtLevel {
                    name: r.get(0)?,
                    count: r.get(1)?,
                    featured: r.get(2)?,
                    in_life_events: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn docs<T: serde::de::DeserializeOwned>(&self, table: &str) -> Result<Vec<T>, StoreError> {
        let docs: Vec<String> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare(&format!("SELECT doc FROM {table} ORDER BY pos"))
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?
        };
        docs.iter().map(|d| self.decode(table, d)).collect()
    }

    pub fn hotlines(&self) -> Result<Vec<Hotline>, StoreError> {
        self.docs("hotlines")
    }

    pub fn guides(&self) -> Result<Vec<Guide>, StoreError> {
        self.docs("guides")
    }

    pub fn life_events(&self) -> Result<Vec<LifeEvent>, StoreError> {
        self.docs("life_events")
    }

    pub fn synonyms(&self) -> Result<Vec<Synonym>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT term, expansions FROM synonyms ORDER BY pos")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let e: String = r.get(1)?;
                Ok(Synonym {
                    term: r.get(0)?,
                    expansions: e.split('|').map(str::to_string).collect(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The "most used" codes the data ships with, in order.
    pub fn featured(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT code FROM featured ORDER BY pos")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Every procedure, in code order (for rebuilding the search index).
    pub fn procedures(&self) -> Result<Vec<Procedure>, StoreError> {
        let docs: Vec<(String, Doc)> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare("SELECT code, doc FROM procedures ORDER BY code")
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?
        };
        docs.into_iter()
            .map(|(c, d)| self.decode_doc(&c, d))
            .collect()
    }

    /// Every procedure in the order it was written, decoded and handed to `each` one at a
    /// time (the table is never held whole: an import indexes a large version this way).
    pub fn each_procedure<E: From<StoreError>>(
        &self,
        each: &mut dyn FnMut(Procedure) -> Result<(), E>,
    ) -> Result<usize, E> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT code, doc FROM procedures ORDER BY rowid")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let code: String = row.get(0).map_err(|e| self.err(e))?;
            let doc: Doc = row.get(1).map_err(|e| self.err(e))?;
            each(self.decode_doc(&code, doc)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// The whole data version as a dataset.
    pub fn dataset(&self) -> Result<Dataset, StoreError> {
        Ok(Dataset {
            procedures: self.procedures()?,
            hotlines: self.hotlines()?,
            guides: self.guides()?,
            life_events: self.life_events()?,
            synonyms: self.synonyms()?,
            featured: self.featured()?,
            changes: self.changes()?,
        })
    }

    pub fn stats(&self) -> Result<ContentStats, StoreError> {
        let by_field = self.fields()?;
        let conn = self.lock();
        let one = |sql: &str| -> Result<u64, StoreError> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        let procedures = one("SELECT count(*) FROM procedures")?;
        let with_detail = one("SELECT count(*) FROM procedures WHERE has_detail = 1")?;
        let with_portal_link = one("SELECT count(*) FROM procedures WHERE portal_id IS NOT NULL")?;
        let fully_online = one("SELECT count(*) FROM procedures WHERE fully_online = 1")?;
        let mut by_source = BTreeMap::new();
        for s in Source::ALL {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM procedures WHERE instr(',' || sources || ',', ?1) > 0",
                    [format!(",{},", s.as_str())],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            by_source.insert(s.as_str().to_string(), n as u64);
        }
        let mut by_level = BTreeMap::new();
        for l in Level::ALL {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM procedures WHERE (levels & ?1) != 0",
                    [l.bit()],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            by_level.insert(l.as_str().to_string(), n as u64);
        }
        Ok(ContentStats {
            procedures,
            with_detail,
            without_detail: procedures - with_detail,
            with_portal_link,
            fully_online,
            by_source,
            by_level,
            by_field,
            hotlines: one("SELECT count(*) FROM hotlines")?,
            guides: one("SELECT count(*) FROM guides")?,
            life_events: one("SELECT count(*) FROM life_events")?,
            synonyms: one("SELECT count(*) FROM synonyms")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DossierCase, Step};

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

    fn dataset(n: usize) -> Dataset {
        Dataset {
            procedures: (0..n).map(procedure).collect(),
            ..Dataset::default()
        }
    }

    fn meta() -> ContentMeta {
        ContentMeta {
            version: 7,
            ..ContentMeta::default()
        }
    }

    fn count(db: &ContentDb, sql: &str) -> i64 {
        db.lock().query_row(sql, [], |r| r.get(0)).expect("query")
    }

    fn everything_reads_back(db: &ContentDb, ds: &Dataset) {
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
    fn write(path: &Path, ds: &Dataset, sample_bytes: usize) -> ContentDb {
        let mut w = ContentDb::writer(path).expect("writer");
        w.sample_bytes = sample_bytes;
        for p in &ds.procedures {
            w.add_procedure(p).expect("add");
        }
        w.finish(ds, &meta()).expect("finish")
    }

    #[test]
    fn procedures_are_stored_compressed_against_a_dictionary_and_read_back_whole() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ds = dataset(600);
        let json: usize = ds
            .procedures
            .iter()
            .map(|p| serde_json::to_string(p).expect("json").len())
            .sum();
        // Trained on the first records (held until then); the rest compressed as they come.
        let path = tmp.path().join("content.sqlite");
        let written = write(&path, &ds, json / 4);
        everything_reads_back(&written, &ds);
        drop(written);
        let db = ContentDb::open(&path).expect("opens");
        everything_reads_back(&db, &ds);
        assert_eq!(count(&db, "SELECT count(*) FROM doc_dictionary"), 1);
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM procedures WHERE typeof(doc) = 'blob'"
            ),
            600
        );
        let stored = count(&db, "SELECT sum(length(doc)) FROM procedures") as usize;
        assert!(
            stored * 4 < json,
            "{stored} bytes stored for {json} of JSON"
        );
        assert_eq!(db.meta().expect("meta").version, 7);
        assert_eq!(
            db.updated_since("2026-09-01").expect("dates").len(),
            600 / 9
        );
        assert_eq!(db.list(&ListFilter::default()).expect("list").len(), 600);
        assert_eq!(db.fields().expect("fields").len(), 3);

        // A version of a few records has nothing to train on: its documents are compressed
        // without a dictionary.
        let small = dataset(2);
        let path = tmp.path().join("small.sqlite");
        drop(write(&path, &small, DICT_SAMPLE_BYTES));
        let db = ContentDb::open(&path).expect("opens");
        everything_reads_back(&db, &small);
        assert_eq!(count(&db, "SELECT count(*) FROM doc_dictionary"), 0);
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

    #[test]
    fn a_damaged_document_is_reported_with_its_code() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("content.sqlite");
        let ds = dataset(300);
        drop(write(&path, &ds, 64 * 1024));
        Connection::open(&path)
            .and_then(|c| {
                c.execute(
                    "UPDATE procedures SET doc = substr(doc, 1, length(doc) / 2) WHERE code = '1.000007'",
                    [],
                )
            })
            .expect("damage");
        let db = ContentDb::open(&path).expect("opens");
        let err = db.procedure("1.000007").expect_err("damaged");
        assert!(err.to_string().contains("1.000007"), "{err}");
        assert!(db.procedure("1.000008").expect("others read").is_some());
    }
}
