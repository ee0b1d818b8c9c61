//! What a bundle is made of, shared by every part of the bundle code: the manifest's types, the
//! manifest and signature file names, the rule for content file names, a bundle as read from
//! disk ([`RawBundle`], not yet trusted) and a bundle ready to be written ([`Built`]). `archive` moves these between memory and disk,
//! `package` builds and verifies them; neither needs the other.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "motcua-bundle";
pub const FORMAT_VERSION: u32 = 1;

/// What a content file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// JSON Lines, one procedure per line.
    Procedures,
    Hotlines,
    Guides,
    LifeEvents,
    Synonyms,
    /// Codes shown as "most used" on a new kiosk.
    Featured,
    /// The import report (informational; never shown to citizens).
    Report,
    /// What changed against the previous version (`domain::changes::Changes`).
    Changes,
}

impl Role {
    pub fn file_name(self) -> &'static str {
        match self {
            Role::Procedures => "procedures.jsonl",
            Role::Hotlines => "hotlines.json",
            Role::Guides => "guides.json",
            Role::LifeEvents => "life-events.json",
            Role::Synonyms => "synonyms.json",
            Role::Featured => "featured.json",
            Role::Report => "import-report.json",
            Role::Changes => "changes.json",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub role: Role,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// Monotonically increasing: a kiosk refuses a bundle not newer than the one it has.
    pub version: u64,
    pub created: DateTime<Utc>,
    /// After this instant the bundle is refused (so stale data cannot be replayed forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub description: String,
    /// Record counts, informational.
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    pub files: Vec<FileEntry>,
}

pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.minisig";

/// Content files are plain names at the bundle root: no directories, `..`, absolute paths or
/// drive letters.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A bundle's raw files, read but not yet verified.
#[derive(Debug, Clone)]
pub struct RawBundle {
    pub path: PathBuf,
    pub manifest: Vec<u8>,
    pub signature: Option<String>,
    /// Content files by name (everything except the manifest and its signature).
    pub files: BTreeMap<String, Vec<u8>>,
}

/// A bundle's files, read one at a time: `package` checks and parses a bundle through this, so a
/// bundle on disk (`archive::Source`) is streamed file by file and never held whole, and one
/// already in memory ([`RawBundle`]: the built-in data) goes through the very same checks.
pub trait Entries {
    /// Where the bundle is, for messages.
    fn bundle(&self) -> &Path;
    fn manifest_bytes(&self) -> &[u8];
    fn signature(&self) -> Option<&str>;
    /// The content files' names: everything but the manifest and its signature.
    fn names(&self) -> Vec<String>;
    /// Opens the content file `name`, which the manifest says has `size` bytes. The reader gives
    /// what is really there (callers read at most `size + 1` bytes); a size over the source's
    /// limits is refused here, and a file that is not there is an integrity error.
    fn open(&mut self, name: &str, size: u64) -> Result<Box<dyn Read + '_>, super::BundleError>;
}

impl Entries for &RawBundle {
    fn bundle(&self) -> &Path {
        &self.path
    }
    fn manifest_bytes(&self) -> &[u8] {
        &self.manifest
    }
    fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
    }
    fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }
    fn open(&mut self, name: &str, _size: u64) -> Result<Box<dyn Read + '_>, super::BundleError> {
        let files = &self.files;
        match files.get(name) {
            Some(bytes) => Ok(Box::new(bytes.as_slice())),
            None => Err(super::BundleError::Integrity {
                bundle: self.path.clone(),
                file: name.to_string(),
                message: "listed in the manifest but missing".into(),
            }),
        }
    }
}

/// The bundle as files in memory: manifest bytes and content, ready to write to a directory or
/// a zip (and to sign: the signature covers exactly `manifest_bytes`).
#[derive(Debug, Clone)]
pub struct Built {
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub files: Vec<(String, Vec<u8>)>,
}
