//! The queries on one content database: the manifest's facts and the change list, one
//! procedure, the lists and their filters, fields and their counts by level, the curated tables,
//! every procedure (whole or one at a time), the dataset and the statistics; and decoding the
//! stored documents (JSON text, or a zstd frame against the version's dictionary).

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;

use super::{ContentDb, ContentMeta, ContentStats, FieldAtLevel, ListFilter};
use crate::domain::changes::Changes;
use crate::domain::{
    Dataset, FieldCount, Guide, Hotline, Level, LifeEvent, Procedure, ProcedureSummary, Source,
    Synonym, levels_from_mask,
};
use crate::store::StoreError;

/// The largest document read back (a whole procedure's JSON is tens of kB at most).
const MAX_DOC: usize = 16 * 1024 * 1024;

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

impl ContentDb {
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
            .query_map(rusqlite::params_from_iter(args.iter()), summary)
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
                .query_row([c], summary)
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

    /// The one text column `sql` selects, of every row.
    fn texts(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The documents of a curated table, in order, decoded.
    fn docs<T: serde::de::DeserializeOwned>(&self, table: &str) -> Result<Vec<T>, StoreError> {
        let docs = self.texts(&format!("SELECT doc FROM {table} ORDER BY pos"))?;
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
        self.texts("SELECT code FROM featured ORDER BY pos")
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

/// A procedure's summary from a row of `code, name, fields, levels, has_detail, online`.
fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProcedureSummary> {
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
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::tests::{dataset, write};
    use super::*;

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
