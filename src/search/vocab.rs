//! The index's vocabulary: every term of the name, keyword, body and bigram fields with its
//! document frequency, read from the index when it opens, for prefix completion, whole-word
//! checks, typo correction and suggestions at query time.

use std::collections::{BTreeMap, HashMap};

use tantivy::IndexReader;
use tantivy::schema::Field;

use super::analyzer;
use super::index::Fields;

/// Sorted terms of one field with their document frequency. Sorted for prefix ranges; hashed as
/// well, since whole-word lookups run dozens of times per keystroke (a binary search over tens of
/// thousands of strings was a tenth of a long question's search).
#[derive(Debug, Default)]
pub(crate) struct Terms {
    terms: Vec<(String, u32)>,
    freq: HashMap<String, u32>,
}

impl Terms {
    fn from_map(m: BTreeMap<String, u32>) -> Terms {
        let freq = m.iter().map(|(t, &n)| (t.clone(), n)).collect();
        Terms {
            terms: m.into_iter().collect(),
            freq,
        }
    }

    pub fn doc_freq(&self, t: &str) -> u32 {
        self.freq.get(t).copied().unwrap_or(0)
    }

    pub fn contains(&self, t: &str) -> bool {
        self.doc_freq(t) > 0
    }

    /// Terms starting with `prefix`, in order.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a (String, u32)> {
        let start = self.terms.partition_point(|(x, _)| x.as_str() < prefix);
        self.terms[start..]
            .iter()
            .take_while(move |(x, _)| x.starts_with(prefix))
    }

    /// The `k` most frequent terms starting with `prefix` (a two-letter prefix has hundreds:
    /// only the `k` kept are copied).
    pub fn top_with_prefix(&self, prefix: &str, k: usize) -> Vec<(String, u32)> {
        let mut v: Vec<&(String, u32)> = self.with_prefix(prefix).collect();
        let most =
            |a: &&(String, u32), b: &&(String, u32)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
        if k < v.len() {
            v.select_nth_unstable_by(k, most);
            v.truncate(k);
        }
        v.sort_by(most);
        v.into_iter().cloned().collect()
    }
}

/// The index's words, for prefix completion, typo correction and suggestions.
#[derive(Debug, Default)]
pub(crate) struct Vocab {
    pub name: Terms,
    pub kw: Terms,
    pub body: Terms,
    pub bigram: Terms,
    pub tone_bigram: Terms,
    /// Every word of name, kw and body (document frequency summed), bucketed by length in
    /// characters for the typo scan.
    pub by_len: Vec<Vec<(String, u32)>>,
}

impl Vocab {
    pub fn load(reader: &IndexReader, f: &Fields) -> tantivy::Result<Vocab> {
        let searcher = reader.searcher();
        let read = |field: Field| -> tantivy::Result<BTreeMap<String, u32>> {
            let mut m: BTreeMap<String, u32> = BTreeMap::new();
            for seg in searcher.segment_readers() {
                let inv = seg.inverted_index(field)?;
                let mut s = inv.terms().stream()?;
                while s.advance() {
                    if let Ok(t) = std::str::from_utf8(s.key()) {
                        *m.entry(t.to_string()).or_default() += s.value().doc_freq;
                    }
                }
            }
            Ok(m)
        };
        let name = read(f.name)?;
        let kw = read(f.kw)?;
        let body = read(f.body)?;
        let mut all: HashMap<String, u32> = HashMap::new();
        for m in [&name, &kw, &body] {
            for (t, n) in m {
                // Digits and very long tokens are never typo targets.
                if t.chars().any(|c| c.is_ascii_digit()) {
                    continue;
                }
                *all.entry(t.clone()).or_default() += n;
            }
        }
        let mut by_len: Vec<Vec<(String, u32)>> = Vec::new();
        for (t, n) in all {
            let l = t.chars().count();
            if by_len.len() <= l {
                by_len.resize(l + 1, Vec::new());
            }
            by_len[l].push((t, n));
        }
        for b in &mut by_len {
            b.sort();
        }
        Ok(Vocab {
            name: Terms::from_map(name),
            kw: Terms::from_map(kw),
            body: Terms::from_map(body),
            bigram: Terms::from_map(read(f.name_bigram)?),
            tone_bigram: Terms::from_map(read(f.name_tone_bigram)?),
            by_len,
        })
    }

    /// Words within one edit of `w` (or, for an unfinished word, words that start within one
    /// edit of it and do not start with it), most frequent first, at most `k`.
    pub fn within_one_edit(&self, w: &str, prefix: bool, k: usize) -> Vec<(String, u32)> {
        let l = w.chars().count();
        let hi = if prefix {
            self.by_len.len()
        } else {
            (l + 2).min(self.by_len.len())
        };
        let mut out: Vec<(String, u32)> = Vec::new();
        for len in l.saturating_sub(1)..hi {
            for (t, n) in &self.by_len[len] {
                let hit = if prefix {
                    !t.starts_with(w)
                        && (l.saturating_sub(1)..=l + 1).any(|pl| {
                            pl <= len && analyzer::within_one_edit(w, analyzer::char_prefix(t, pl))
                        })
                } else {
                    t != w && analyzer::within_one_edit(w, t)
                };
                if hit {
                    out.push((t.clone(), *n));
                }
            }
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(k);
        out
    }
}
