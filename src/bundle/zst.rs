//! Zstandard-compressed data files (`*.zst`): the portal corpus kept in the repository
//! (`data/corpus/*.jsonl.zst`) and the built-in bundle embedded in the program
//! (`data/default/procedures.jsonl.zst`). A file whose name ends in `.zst` is decompressed on
//! the way in, so every importer reads `x.jsonl` and `x.jsonl.zst` alike. Decompression is capped
//! so a small hostile file cannot expand without limit. The compression itself is
//! [`crate::compress`]'s.

use std::path::Path;

use super::BundleError;
use crate::compress::CompressError;

/// The suffix of a compressed file.
pub const SUFFIX: &str = ".zst";

/// The largest decompressed file motcua reads (the whole portal corpus is 37 MB).
pub const MAX_DECOMPRESSED: u64 = 1024 * 1024 * 1024;

/// Whether `path` names a compressed file.
pub fn is_compressed(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(SUFFIX))
}

/// The name a compressed file has once decompressed (`a.jsonl.zst` → `a.jsonl`); other names
/// are returned unchanged.
pub fn plain_name(name: &str) -> &str {
    if name.len() > SUFFIX.len() && name.to_ascii_lowercase().ends_with(SUFFIX) {
        &name[..name.len() - SUFFIX.len()]
    } else {
        name
    }
}

/// Decompresses a whole zstd stream of at most `cap` bytes once decompressed. `what` names the
/// data in errors (a path, or the built-in data).
pub fn decode(what: &Path, compressed: &[u8], cap: u64) -> Result<Vec<u8>, BundleError> {
    let invalid = |message: String| BundleError::Invalid {
        path: what.to_path_buf(),
        message,
    };
    crate::compress::decode(compressed, cap).map_err(|e| match e {
        CompressError::TooLarge { limit } => invalid(format!(
            "decompresses to more than the limit of {}",
            size_text(limit)
        )),
        e => invalid(e.to_string()),
    })
}

/// A size for messages: bytes under 1 MB, else MB with one decimal.
pub(crate) fn size_text(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// Compresses `bytes` at `level` (1–22; the repository's files use 19).
pub fn encode(bytes: &[u8], level: i32) -> Result<Vec<u8>, CompressError> {
    crate::compress::encode(bytes, level)
}

/// Reads a file, decompressing it when its name ends in `.zst`.
pub fn read_file(path: &Path) -> Result<Vec<u8>, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| BundleError::io(path, e))?;
    if is_compressed(path) {
        decode(path, &bytes, MAX_DECOMPRESSED)
    } else {
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_names() {
        let text = "{\"code\": \"1.001193\"}\n".repeat(1000);
        let packed = encode(text.as_bytes(), 19).expect("compresses");
        assert!(packed.len() < text.len() / 10);
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("portal-api-details.jsonl.zst");
        std::fs::write(&p, &packed).expect("write");
        assert_eq!(read_file(&p).expect("reads"), text.as_bytes());
        assert_eq!(plain_name("procedures.jsonl.zst"), "procedures.jsonl");
        assert_eq!(plain_name("procedures.jsonl"), "procedures.jsonl");
        assert_eq!(plain_name(".zst"), ".zst");
        assert!(is_compressed(&p));
        assert!(!is_compressed(Path::new("a.jsonl")));
    }

    #[test]
    fn damaged_or_oversized_data_is_refused_with_the_path() {
        let p = Path::new("x.jsonl.zst");
        let err = decode(p, b"not zstd at all", 1024).expect_err("garbage");
        assert!(err.to_string().contains("x.jsonl.zst"), "{err}");
        let packed = encode(&[b'a'; 10_000], 3).expect("compresses");
        let err = decode(p, &packed, 9_999).expect_err("over the cap");
        assert!(err.to_string().contains("limit"), "{err}");
        assert_eq!(
            decode(p, &packed, 10_000).expect("at the cap").len(),
            10_000
        );
        let mut cut = packed.clone();
        cut.truncate(packed.len() / 2);
        assert!(
            decode(p, &cut, 10_000).is_err(),
            "a truncated stream is an error"
        );
    }
}
