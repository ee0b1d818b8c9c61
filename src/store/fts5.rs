//! The benchmark peer: SQLite FTS5 (`unicode61 remove_diacritics 2`) over the same procedures,
//! queried the same way a naive kiosk would (every word a term, the last one a prefix), so the
//! search engine's speed is always reported against it in the same run.

use std::path::PathBuf;

use rusqlite::{Connection, params};

use super::StoreError;
use crate::domain::Procedure;

#[derive(Debug)]
pub struct Fts5Peer {
    conn: Connection,
}

fn err(source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: PathBuf::from(":memory:"),
        source,
    }
}

impl Fts5Peer {
    /// Builds an in-memory FTS5 table from the procedures (name, fields, body text).
    pub fn build(procedures: &[Procedure]) -> Result<Fts5Peer, StoreError> {
        let mut conn = Connection::open_in_memory().map_err(err)?;
        conn.execute_batch(
            "CREATE VIRTUAL TABLE docs USING fts5(code UNINDEXED, name, fields, body,
                tokenize = 'unicode61 remove_diacritics 2');",
        )
        .map_err(err)?;
        let tx = conn.transaction().map_err(err)?;
        {
            let mut ins = tx
                .prepare("INSERT INTO docs(code, name, fields, body) VALUES (?1, ?2, ?3, ?4)")
                .map_err(err)?;
            for p in procedures {
                let mut body = String::new();
                for s in &p.steps {
                    body.push_str(&s.text);
                    body.push('\n');
                }
                for c in &p.dossier {
                    for i in &c.items {
                        body.push_str(&i.name);
                        body.push('\n');
                    }
                }
                body.push_str(&p.results.join("\n"));
                ins.execute(params![p.code, p.name, p.fields.join(", "), body])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(Fts5Peer { conn })
    }

    /// Turns typed text into an FTS5 query: each word quoted, the last one a prefix when the
    /// text does not end in a space.
    pub fn match_expr(text: &str) -> Option<String> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect();
        if words.is_empty() {
            return None;
        }
        let mut q = words.join(" ");
        if !text.ends_with(' ') {
            q.push('*');
        }
        Some(q)
    }

    /// The top `limit` codes by bm25 (name weighted above fields above body).
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let Some(q) = Self::match_expr(text) else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT code FROM docs WHERE docs MATCH ?1
                 ORDER BY bm25(docs, 0.0, 10.0, 3.0, 1.0) LIMIT ?2",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![q, limit as i64], |r| r.get::<_, String>(0))
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}
