//! The default data compiled into the program (`data/default/`), so a fresh data directory works
//! with no set-up. It is trusted because it is part of the binary; its manifest hashes are still
//! checked so a bad regeneration cannot ship silently.

use std::collections::BTreeMap;
use std::path::Path;

use crate::bundle::archive::RawBundle;

const MANIFEST: &[u8] = include_bytes!("../../data/default/manifest.json");
const FILES: &[(&str, &[u8])] = &[
    (
        "procedures.jsonl",
        include_bytes!("../../data/default/procedures.jsonl"),
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

/// The embedded bundle as raw files, ready for `bundle::package::verify`.
pub fn raw() -> RawBundle {
    RawBundle {
        path: Path::new("<built-in default data>").to_path_buf(),
        manifest: MANIFEST.to_vec(),
        signature: None,
        files: FILES
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect::<BTreeMap<_, _>>(),
    }
}
