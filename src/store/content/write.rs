//! Writing a content database: [`ContentWriter`] takes the procedures one at a time inside one
//! transaction, holds the first ones until the version's zstd dictionary is trained on them,
//! then stores every document compressed against it; [`ContentWriter::finish`] adds the
//! curated tables and the manifest's facts and commits. [`ContentDb::create`] writes a whole
//! dataset that way.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, params};

use super::{ContentDb, ContentMeta, MIGRATIONS};
use crate::compress::{self, RecordDecoder, RecordEncoder};
use crate::domain::{Dataset, Procedure};
use crate::store::{StoreError, migrate};

/// The records a dictionary is trained on: the first ones written, up to this many bytes of
/// JSON (held until then), or all of them in a smaller version.
const DICT_SAMPLE_BYTES: usize = 4 * 1024 * 1024;
/// zstd's own default dictionary size.
const DICT_BYTES: usize = 110 * 1024;
/// Compression level of the documents (zstd's default: fast to write, the dictionary does the
/// rest).
const DOC_LEVEL: i32 = 3;

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
}

#[cfg(test)]
impl ContentWriter {
    /// Trains the dictionary once `bytes` of documents are held (small versions in tests).
    pub(super) fn set_sample_bytes(&mut self, bytes: usize) {
        self.sample_bytes = bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::super::ListFilter;
    use super::super::tests::{count, dataset, everything_reads_back, write};
    use super::*;

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
}
