//! Walks of directory trees (the only module that uses walkdir): the bytes a tree takes, its
//! files in a stable order, and every entry bottom-up for syncing a finished tree to disk.
//! Symbolic links are not followed.

use std::path::{Path, PathBuf};

/// Bytes of the regular files under `dir` (unreadable entries count for nothing).
pub fn tree_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// The regular files under `dir`, sorted by path (unreadable entries are skipped).
pub fn files_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

/// One entry of [`bottom_up`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir(PathBuf),
    File(PathBuf),
    /// Anything else (a symbolic link, a socket…).
    Other(PathBuf),
}

/// Every entry under `dir` and `dir` itself, each folder after its contents; an entry that cannot
/// be read comes as its error (callers stop at the first).
pub fn bottom_up(dir: &Path) -> impl Iterator<Item = std::io::Result<Entry>> + use<> {
    walkdir::WalkDir::new(dir)
        .contents_first(true)
        .into_iter()
        .map(|entry| {
            let entry = entry.map_err(|e| {
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed"))
            })?;
            let kind = entry.file_type();
            let path = entry.into_path();
            Ok(if kind.is_dir() {
                Entry::Dir(path)
            } else if kind.is_file() {
                Entry::File(path)
            } else {
                Entry::Other(path)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("b/c")).expect("dirs");
        std::fs::write(dir.path().join("z.txt"), b"12345").expect("z");
        std::fs::write(dir.path().join("b/a.txt"), b"123").expect("a");
        std::fs::write(dir.path().join("b/c/d.txt"), b"").expect("d");
        dir
    }

    #[test]
    fn tree_bytes_sums_the_files_below() {
        let dir = tree();
        assert_eq!(tree_bytes(dir.path()), 8);
        assert_eq!(tree_bytes(&dir.path().join("b")), 3);
        assert_eq!(tree_bytes(&dir.path().join("missing")), 0);
    }

    #[test]
    fn files_sorted_lists_files_only_by_path() {
        let dir = tree();
        let rel: Vec<PathBuf> = files_sorted(dir.path())
            .into_iter()
            .map(|p| p.strip_prefix(dir.path()).expect("below").to_path_buf())
            .collect();
        assert_eq!(
            rel,
            [
                PathBuf::from("b/a.txt"),
                PathBuf::from("b/c/d.txt"),
                PathBuf::from("z.txt")
            ]
        );
    }

    #[test]
    fn bottom_up_gives_each_folder_after_its_contents() {
        let dir = tree();
        let entries: Vec<Entry> = bottom_up(dir.path())
            .collect::<Result<_, _>>()
            .expect("walk");
        let at = |e: &Entry| entries.iter().position(|x| x == e).expect("listed");
        let c = Entry::Dir(dir.path().join("b/c"));
        let d = Entry::File(dir.path().join("b/c/d.txt"));
        let root = Entry::Dir(dir.path().to_path_buf());
        assert!(at(&d) < at(&c));
        assert!(at(&c) < at(&Entry::Dir(dir.path().join("b"))));
        assert_eq!(at(&root), entries.len() - 1);
        assert_eq!(entries.len(), 6);
        assert!(bottom_up(&dir.path().join("missing")).any(|e| e.is_err()));
    }
}
