//! The province's view of its fleet from the kiosks' usage exports (what `motcua stats export`
//! writes, see [`crate::app::usage::ExportManifest`]): finding and verifying exports, merging many
//! kiosks' records into one set of numbers, and the self-contained HTML report (inline SVG, no
//! network). An export that is malformed, truncated or of an unknown format is reported and
//! skipped as a whole, never merged in part.

mod charts;
mod csv;
mod export;
mod html;
mod merge;

use std::path::PathBuf;

pub use export::{Export, Skipped, find_exports};
pub use html::render;
pub use merge::{Fleet, KioskUsage, QueryCount, merge};

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no usage export found in {}", .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NothingFound(Vec<PathBuf>),
    #[error("none of the {0} usage exports found could be read (see the reasons above)")]
    NothingUsable(usize),
}

/// Reads every export under `dirs` (folders searched a few levels deep, or manifest files),
/// merges the good ones and returns the fleet with the skipped ones listed in it.
pub fn build(dirs: &[PathBuf]) -> Result<Fleet, FleetError> {
    let found = find_exports(dirs)?;
    if found.exports.is_empty() && found.skipped.is_empty() {
        return Err(FleetError::NothingFound(dirs.to_vec()));
    }
    Ok(merge(found.exports, found.skipped))
}
