//! Where every test binary finds the real data: the portal corpus kept in the repository
//! (`data/corpus`, JSON Lines stored zstd-compressed) or a copy named by `$MOTCUA_CORPUS`, and
//! motcua's curated files (`data/src`), and a bundle built from them. Each binary includes this file with
//! `#[path = "../support/corpus.rs"]`; `tests/support/` is no test binary of its own.

use std::path::{Path, PathBuf};

/// The real portal corpus kept in the repository (`data/corpus`), or `$MOTCUA_CORPUS`.
pub fn corpus() -> PathBuf {
    std::env::var_os("MOTCUA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("data/corpus"))
}

/// One JSON Lines file of the corpus by its stem (`portal-api-details`): compressed in the
/// repository, possibly plain in a `$MOTCUA_CORPUS` copy.
pub fn corpus_file(stem: &str) -> PathBuf {
    let packed = corpus().join(format!("{stem}.jsonl.zst"));
    if packed.is_file() {
        packed
    } else {
        corpus().join(format!("{stem}.jsonl"))
    }
}

/// motcua's curated files (hotlines, guides, life events, synonyms…).
pub fn data_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/src")
}

/// The small real dataset: the 502 API records plus the curated files.
pub fn small_inputs() -> Vec<PathBuf> {
    vec![
        corpus_file("portal-api-details"),
        data_src().join("hotlines.json"),
        data_src().join("guides.json"),
        data_src().join("life-events.json"),
        data_src().join("synonyms.tsv"),
    ]
}

/// `ds` as a bundle `version` made at `created` by the publisher "test" (in memory, unsigned).
pub fn bundle_of(
    ds: &motcua::domain::Dataset,
    report: &motcua::bundle::ImportReport,
    version: u64,
    created: chrono::DateTime<chrono::Utc>,
) -> motcua::bundle::Built {
    motcua::bundle::package::build(
        ds,
        Some(report),
        &motcua::bundle::package::WriteOptions {
            version,
            created,
            expires: None,
            publisher: "test".into(),
            description: String::new(),
        },
    )
    .expect("build the bundle")
}
