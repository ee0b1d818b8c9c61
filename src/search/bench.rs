//! The keystroke benchmark: every query typed key by key, one search per keystroke, as the
//! kiosk does. The workload ([`keystroke_prefixes`]) and the statistics ([`Latency`]) are public
//! so the same keystrokes can be replayed against the SQLite FTS5 peer in the `store` module.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::{Query, SearchError, SearchIndex};

/// The queries of a benchmark file: JSON Lines with a `query` key per line (like `dev.jsonl`),
/// or plain text with one query per line; blank lines skipped.
pub fn read_queries(path: &Path) -> Result<Vec<String>, SearchError> {
    let text = std::fs::read_to_string(path).map_err(|source| SearchError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('{') {
            out.push(line.to_string());
            continue;
        }
        let bad = |message: String| SearchError::QueryFile {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let q = v["query"]
            .as_str()
            .ok_or_else(|| bad("no `query` string".into()))?;
        out.push(q.to_string());
    }
    Ok(out)
}

/// Every prefix of every query, in typing order ("d", "da", "dan", …), whitespace-only ones
/// skipped.
pub fn keystroke_prefixes(queries: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for q in queries {
        let mut prefix = String::with_capacity(q.len());
        for c in q.chars() {
            prefix.push(c);
            if !prefix.trim().is_empty() {
                out.push(prefix.clone());
            }
        }
    }
    out
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub mean_us: u64,
}

impl Latency {
    /// Nearest-rank percentiles of the samples.
    pub fn from_samples(samples: &[u64]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        let mut s = samples.to_vec();
        s.sort_unstable();
        let pct = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
        Latency {
            count: s.len(),
            p50_us: pct(0.50),
            p99_us: pct(0.99),
            max_us: s[s.len() - 1],
            mean_us: s.iter().sum::<u64>() / s.len() as u64,
        }
    }
}

/// One query typed key by key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryTiming {
    pub query: String,
    pub keystrokes: usize,
    /// Per-keystroke latency while typing this query.
    pub latency: Latency,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// Over every keystroke of every query (the best of the measured rounds, by p99).
    pub keystroke: Latency,
    pub per_query: Vec<QueryTiming>,
    pub rounds: usize,
    pub index_bytes: u64,
    pub open_us: u64,
    pub procedures: usize,
}

/// Types every query key by key against `index`: one warm-up round, then three measured rounds;
/// reports the round with the lowest p99. Each sample is the wall time of one
/// [`SearchIndex::search`] call (parsing, all passes, ranking, facets and snippets).
pub fn keystroke_bench(
    index: &SearchIndex,
    queries: &[String],
) -> Result<BenchReport, SearchError> {
    const ROUNDS: usize = 3;
    let run = || -> Result<Vec<Vec<u64>>, SearchError> {
        let mut per_query = Vec::with_capacity(queries.len());
        for q in queries {
            let mut samples = Vec::new();
            for p in keystroke_prefixes(std::slice::from_ref(q)) {
                let t = Instant::now();
                let r = index.search(&Query::new(p))?;
                samples.push(t.elapsed().as_micros() as u64);
                std::hint::black_box(r);
            }
            per_query.push(samples);
        }
        Ok(per_query)
    };
    run()?;
    let mut best: Option<(Latency, Vec<Vec<u64>>)> = None;
    for _ in 0..ROUNDS {
        let per_query = run()?;
        let all: Vec<u64> = per_query.iter().flatten().copied().collect();
        let lat = Latency::from_samples(&all);
        if best.as_ref().is_none_or(|(b, _)| lat.p99_us < b.p99_us) {
            best = Some((lat, per_query));
        }
    }
    let (keystroke, per_query) = best.unwrap_or_default();
    Ok(BenchReport {
        keystroke,
        per_query: queries
            .iter()
            .zip(per_query)
            .map(|(q, s)| QueryTiming {
                query: q.clone(),
                keystrokes: s.len(),
                latency: Latency::from_samples(&s),
            })
            .collect(),
        rounds: ROUNDS,
        index_bytes: index.size_on_disk(),
        open_us: index.open_micros(),
        procedures: index.procedure_count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_percentiles() {
        let p = keystroke_prefixes(&["ab c".to_string(), " x".to_string()]);
        assert_eq!(p, ["a", "ab", "ab ", "ab c", " x"]);
        let l = Latency::from_samples(&(1..=100).collect::<Vec<u64>>());
        assert_eq!((l.p50_us, l.p99_us, l.max_us, l.count), (50, 99, 100, 100));
    }
}
