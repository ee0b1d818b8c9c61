//! The default data compiled into the program (`data/default/`), so a fresh data directory works
//! with no set-up. It is trusted because it is part of the binary; its manifest hashes are still
//! checked so a bad regeneration cannot ship silently. The procedures (28 MB of JSON Lines) are
//! stored and embedded zstd-compressed (1.4 MB) and decompressed only when a data directory is
//! seeded; the manifest's sizes and hashes are those of the decompressed file.

use std::collections::BTreeMap;
use std::path::Path;

use crate::bundle::{BundleError, RawBundle, zst};

const MANIFEST: &[u8] = include_bytes!("../../data/default/manifest.json");
const FILES: &[(&str, &[u8])] = &[
    (
        "procedures.jsonl.zst",
        include_bytes!("../../data/default/procedures.jsonl.zst"),
    ),
    (
        "hotlines.json",
        include_bytes!("../../data/default/hotlines.json"),
    ),
    (
        "guides.json",
        include_bytes!("../../data/default/guides.json"),
    ),
    (
        "life-events.json",
        include_bytes!("../../data/default/life-events.json"),
    ),
    (
        "synonyms.json",
        include_bytes!("../../data/default/synonyms.json"),
    ),
    (
        "featured.json",
        include_bytes!("../../data/default/featured.json"),
    ),
    (
        "import-report.json",
        include_bytes!("../../data/default/import-report.json"),
    ),
];

/// The embedded bundle as raw files (decompressed), ready for `bundle::package::verify`.
pub fn raw() -> Result<RawBundle, BundleError> {
    let path = Path::new("<built-in default data>");
    let mut files = BTreeMap::new();
    for (name, bytes) in FILES {
        let plain = zst::plain_name(name);
        let bytes = if plain == *name {
            bytes.to_vec()
        } else {
            zst::decode(&path.join(name), bytes, zst::MAX_DECOMPRESSED)?
        };
        files.insert(plain.to_string(), bytes);
    }
    Ok(RawBundle {
        path: path.to_path_buf(),
        manifest: MANIFEST.to_vec(),
        signature: None,
        files,
    })
}
