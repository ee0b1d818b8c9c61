//! Relevance evaluation: Success@1, Success@5 and MRR@10 per query kind, for the queries as
//! written and for the ways citizens actually type them at a touch kiosk (no diacritics, last
//! word half-typed, one wrong letter). The variants are generated deterministically.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Query, RankContext, SearchError, SearchIndex};
use crate::domain::text;

/// One line of `dev.jsonl`: a phrase and the codes a citizen expects (any of them is a hit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalCase {
    pub query: String,
    pub expected: Vec<String>,
    pub kind: String,
}

impl EvalCase {
    /// Parses JSON Lines (blank lines skipped).
    pub fn parse_jsonl(text: &str) -> Result<Vec<EvalCase>, serde_json::Error> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect()
    }
}

/// Reads an evaluation file (JSON Lines of [`EvalCase`]); errors name the line.
pub fn read_cases(path: &Path) -> Result<Vec<EvalCase>, SearchError> {
    let text = std::fs::read_to_string(path).map_err(|source| SearchError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(line).map_err(|e| SearchError::QueryFile {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })?,
        );
    }
    Ok(out)
}

/// How the query is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Variant {
    /// As written.
    Original,
    /// Every diacritic removed, đ → d, case kept.
    NoDiacritics,
    /// The last word cut to its first half (rounded up), nothing after it: still being typed.
    HalfTyped,
    /// In the longest word, the two letters in the middle swapped ("thường" → "thờưng").
    Typo,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Original,
        Variant::NoDiacritics,
        Variant::HalfTyped,
        Variant::Typo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Original => "original",
            Variant::NoDiacritics => "no_diacritics",
            Variant::HalfTyped => "half_typed",
            Variant::Typo => "typo",
        }
    }
}

fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// The query as typed in the given way.
pub fn variant(query: &str, v: Variant) -> String {
    let q: String = query.nfc().collect();
    match v {
        Variant::Original => q,
        Variant::NoDiacritics => strip_diacritics(&q),
        Variant::HalfTyped => {
            let Some(last) = text::words(&q).last() else {
                return q;
            };
            let start = last.as_ptr() as usize - q.as_ptr() as usize;
            let n = last.chars().count();
            let keep: String = last.chars().take(n.div_ceil(2)).collect();
            format!("{}{keep}", &q[..start])
        }
        Variant::Typo => {
            let mut best: Option<&str> = None;
            for w in text::words(&q) {
                if best.is_none_or(|b| w.chars().count() > b.chars().count()) {
                    best = Some(w);
                }
            }
            let Some(w) = best else { return q };
            let mut chars: Vec<char> = w.chars().collect();
            if chars.len() < 2 {
                return q;
            }
            let i = (chars.len() / 2).saturating_sub(1);
            chars.swap(i, i + 1);
            let start = w.as_ptr() as usize - q.as_ptr() as usize;
            let typo: String = chars.into_iter().collect();
            format!("{}{typo}{}", &q[..start], &q[start + w.len()..])
        }
    }
}

/// Scores of one kind (or `all`) under one variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalRow {
    pub kind: String,
    pub variant: Variant,
    pub cases: usize,
    pub success_at_1: f64,
    pub success_at_5: f64,
    pub mrr_at_10: f64,
    /// Success@5 counting only the code of each hit, not the same-name variants folded into it.
    pub success_at_5_code_only: f64,
}

/// A case whose expected code was not in the top 5.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalFailure {
    pub kind: String,
    pub variant: Variant,
    /// The query as sent.
    pub query: String,
    pub expected: Vec<String>,
    /// 1-based rank of the first expected code within the top 10.
    pub rank: Option<usize>,
    /// The top 5 (code, name).
    pub top: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvalReport {
    /// Per kind and variant, then `all` per variant.
    pub rows: Vec<EvalRow>,
    pub failures: Vec<EvalFailure>,
}

impl EvalReport {
    pub fn row(&self, kind: &str, variant: Variant) -> Option<&EvalRow> {
        self.rows
            .iter()
            .find(|r| r.kind == kind && r.variant == variant)
    }

    /// A plain-text table, for the CLI and test output.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<28} {:<14} {:>5} {:>6} {:>6} {:>7} {:>9}\n",
            "kind", "variant", "n", "S@1", "S@5", "MRR@10", "S@5 code"
        );
        for r in &self.rows {
            s.push_str(&format!(
                "{:<28} {:<14} {:>5} {:>6.3} {:>6.3} {:>7.3} {:>9.3}\n",
                r.kind,
                r.variant.as_str(),
                r.cases,
                r.success_at_1,
                r.success_at_5,
                r.mrr_at_10,
                r.success_at_5_code_only
            ));
        }
        s
    }
}

#[derive(Default)]
struct Acc {
    n: usize,
    s1: usize,
    s5: usize,
    s5_code: usize,
    rr: f64,
}

/// Runs every case under every variant with the kiosk context `ctx`.
pub fn evaluate(
    index: &SearchIndex,
    cases: &[EvalCase],
    ctx: &RankContext,
) -> Result<EvalReport, SearchError> {
    let mut acc: BTreeMap<(Variant, String), Acc> = BTreeMap::new();
    let mut failures = Vec::new();
    for v in Variant::ALL {
        for c in cases {
            let q = variant(&c.query, v);
            let res = index.search(&Query::new(q.clone()).with_context(ctx.clone()))?;
            let rank = res
                .procedures
                .iter()
                .take(10)
                .position(|h| c.expected.iter().any(|e| h.covers(e)))
                .map(|i| i + 1);
            let code_only = res
                .procedures
                .iter()
                .take(5)
                .any(|h| c.expected.contains(&h.code));
            for kind in [c.kind.clone(), "all".to_string()] {
                let a = acc.entry((v, kind)).or_default();
                a.n += 1;
                a.s1 += usize::from(rank == Some(1));
                a.s5 += usize::from(rank.is_some_and(|r| r <= 5));
                a.rr += rank.map_or(0.0, |r| 1.0 / r as f64);
                a.s5_code += usize::from(code_only);
            }
            if rank.is_none_or(|r| r > 5) {
                failures.push(EvalFailure {
                    kind: c.kind.clone(),
                    variant: v,
                    query: q,
                    expected: c.expected.clone(),
                    rank,
                    top: res
                        .procedures
                        .iter()
                        .take(5)
                        .map(|h| (h.code.clone(), h.name.clone()))
                        .collect(),
                });
            }
        }
    }
    let mut rows: Vec<EvalRow> = acc
        .into_iter()
        .map(|((variant, kind), a)| EvalRow {
            kind,
            variant,
            cases: a.n,
            success_at_1: a.s1 as f64 / a.n as f64,
            success_at_5: a.s5 as f64 / a.n as f64,
            mrr_at_10: a.rr / a.n as f64,
            success_at_5_code_only: a.s5_code as f64 / a.n as f64,
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.kind == "all", &a.kind, a.variant).cmp(&(b.kind == "all", &b.kind, b.variant))
    });
    Ok(EvalReport { rows, failures })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_deterministic_and_realistic() {
        let q = "Đăng ký thường trú";
        assert_eq!(variant(q, Variant::Original), q);
        assert_eq!(variant(q, Variant::NoDiacritics), "Dang ky thuong tru");
        assert_eq!(variant(q, Variant::HalfTyped), "Đăng ký thường tr");
        assert_eq!(variant(q, Variant::Typo), "Đăng ký thờưng trú");
        assert_eq!(
            variant("Hưởng trợ cấp thất nghiệp (Cấp tỉnh)", Variant::HalfTyped),
            "Hưởng trợ cấp thất nghiệp (Cấp tỉ"
        );
        assert_eq!(
            variant("thành lập DNTN", Variant::HalfTyped),
            "thành lập DN"
        );
        let nfd: String = q.nfd().collect();
        assert_eq!(variant(&nfd, Variant::Typo), variant(q, Variant::Typo));
    }

    #[test]
    fn cases_parse_from_jsonl() {
        let c = EvalCase::parse_jsonl(
            "{\"query\": \"a\", \"expected\": [\"1.000001\"], \"kind\": \"k\"}\n\n",
        )
        .expect("parse");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].expected, ["1.000001"]);
    }
}
