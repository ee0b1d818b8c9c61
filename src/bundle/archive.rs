//! Reading a bundle from a directory or a zip without trusting it: only plain files with plain
//! names at the root, no links, no `..` or absolute paths, every file and the total under a size
//! cap that is enforced on the bytes actually read (declared sizes are never trusted), and never
//! a whole-archive extract. [`read`] takes every file into memory; [`open`] reads only the
//! manifest and its signature and hands out the content files one at a time ([`Source`]), so a
//! kiosk streams a large bundle instead of holding it. Writing a bundle as a directory or a zip.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use super::BundleError;
use super::layout::{Built, Entries, MANIFEST, RawBundle, SIGNATURE, is_safe_name};

/// Caps applied while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file: u64,
    /// Largest total of all files, in bytes.
    pub max_total: u64,
    /// Most entries in a bundle.
    pub max_entries: usize,
}

impl Limits {
    pub fn from_mb(mb: u64) -> Limits {
        let bytes = mb.saturating_mul(1024 * 1024);
        Limits {
            max_file: bytes,
            max_total: bytes,
            max_entries: 64,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_mb(200)
    }
}

fn rejected(path: &Path, message: impl Into<String>) -> BundleError {
    BundleError::Rejected {
        bundle: path.to_path_buf(),
        message: message.into(),
    }
}

/// A size limit as configured: `200 MB`, `1.5 MB`, `64 KB` or `100 bytes`.
fn limit_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let mb = bytes as f64 / MB as f64;
        if bytes.is_multiple_of(MB) {
            format!("{} MB", bytes / MB)
        } else {
            format!("{mb:.1} MB")
        }
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads at most `cap + 1` bytes so an oversized stream is detected without reading it all;
/// `too_big` says which limit a longer stream breaks.
fn read_capped(
    r: &mut dyn Read,
    cap: u64,
    bundle: &Path,
    name: &str,
    too_big: impl FnOnce() -> String,
) -> Result<Vec<u8>, BundleError> {
    let mut buf = Vec::new();
    r.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| BundleError::Integrity {
            bundle: bundle.to_path_buf(),
            file: name.to_string(),
            message: format!("cannot be read: {e}"),
        })?;
    if buf.len() as u64 > cap {
        return Err(BundleError::Integrity {
            bundle: bundle.to_path_buf(),
            file: name.to_string(),
            message: too_big(),
        });
    }
    Ok(buf)
}

struct Collector<'a> {
    bundle: &'a Path,
    limits: Limits,
    total: u64,
    manifest: Option<Vec<u8>>,
    signature: Option<String>,
    files: BTreeMap<String, Vec<u8>>,
}

impl<'a> Collector<'a> {
    fn new(bundle: &'a Path, limits: Limits) -> Collector<'a> {
        Collector {
            bundle,
            limits,
            total: 0,
            manifest: None,
            signature: None,
            files: BTreeMap::new(),
        }
    }

    fn add(&mut self, name: &str, reader: &mut dyn Read) -> Result<(), BundleError> {
        if !is_safe_name(name) {
            return Err(rejected(
                self.bundle,
                format!(
                    "entry `{name}` is not a plain file name at the bundle root (paths, `..` and absolute names are refused)"
                ),
            ));
        }
        if self.files.len() + 2 > self.limits.max_entries {
            return Err(rejected(
                self.bundle,
                format!(
                    "too many files (the limit is {} per bundle)",
                    self.limits.max_entries
                ),
            ));
        }
        let remaining = self.limits.max_total.saturating_sub(self.total);
        let cap = self.limits.max_file.min(remaining);
        let limits = self.limits;
        // The limit people set, not what is left of it after the files read so far.
        let too_big = move || {
            if remaining < limits.max_file {
                format!(
                    "the bundle's files together are larger than the {} limit",
                    limit_text(limits.max_total)
                )
            } else {
                format!("larger than the {} size limit", limit_text(limits.max_file))
            }
        };
        let bytes = read_capped(reader, cap, self.bundle, name, too_big)?;
        self.total += bytes.len() as u64;
        let dup = match name {
            MANIFEST => self.manifest.replace(bytes).is_some(),
            SIGNATURE => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| rejected(self.bundle, "manifest.json.minisig is not text"))?;
                self.signature.replace(text).is_some()
            }
            _ => self.files.insert(name.to_string(), bytes).is_some(),
        };
        if dup {
            return Err(rejected(
                self.bundle,
                format!("entry `{name}` appears twice"),
            ));
        }
        Ok(())
    }

    fn finish(self, path: &Path) -> Result<RawBundle, BundleError> {
        let manifest = self
            .manifest
            .ok_or_else(|| rejected(path, "no manifest.json at the bundle root"))?;
        Ok(RawBundle {
            path: path.to_path_buf(),
            manifest,
            signature: self.signature,
            files: self.files,
        })
    }
}

/// Reads a bundle directory or `.zip` file.
pub fn read(path: &Path, limits: Limits) -> Result<RawBundle, BundleError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| BundleError::io(path, e))?;
    if meta.file_type().is_symlink() {
        return Err(rejected(path, "the bundle itself is a symbolic link"));
    }
    if meta.is_dir() {
        read_dir(path, limits)
    } else if meta.is_file() {
        read_zip(path, limits)
    } else {
        // Opening a FIFO waits for a writer for ever; a device or socket is no bundle either.
        Err(rejected(
            path,
            "not a regular file or a directory (a FIFO, socket or device is refused)",
        ))
    }
}

/// The largest manifest [`read_manifest`] reads: a manifest lists a few dozen files.
const MAX_MANIFEST: u64 = 1024 * 1024;

/// Reads only a bundle's `manifest.json` (directory or zip), to show what a bundle is without
/// reading its content: nothing is verified, and the same checks as [`read`] apply to what is
/// read (no links, a size cap).
pub fn read_manifest(path: &Path) -> Result<Vec<u8>, BundleError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| BundleError::io(path, e))?;
    if meta.file_type().is_symlink() {
        return Err(rejected(path, "the bundle itself is a symbolic link"));
    }
    if meta.is_dir() {
        let file = path.join(MANIFEST);
        let fm = std::fs::symlink_metadata(&file)
            .map_err(|_| rejected(path, "no manifest.json at the bundle root"))?;
        if !fm.is_file() {
            return Err(rejected(path, "entry `manifest.json` is not a plain file"));
        }
        let mut f = std::fs::File::open(&file).map_err(|e| BundleError::io(&file, e))?;
        return read_capped(&mut f, MAX_MANIFEST, path, MANIFEST, manifest_too_big);
    }
    if !meta.is_file() {
        return Err(rejected(
            path,
            "not a regular file or a directory (a FIFO, socket or device is refused)",
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| BundleError::io(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| rejected(path, format!("not a readable zip archive: {e}")))?;
    let mut entry = zip
        .by_name(MANIFEST)
        .map_err(|_| rejected(path, "no manifest.json at the bundle root"))?;
    if entry.is_symlink() || entry.is_dir() {
        return Err(rejected(path, "entry `manifest.json` is not a plain file"));
    }
    read_capped(&mut entry, MAX_MANIFEST, path, MANIFEST, manifest_too_big)
}

fn manifest_too_big() -> String {
    format!(
        "larger than the {} limit for a manifest",
        limit_text(MAX_MANIFEST)
    )
}

fn read_dir(path: &Path, limits: Limits) -> Result<RawBundle, BundleError> {
    let mut c = Collector::new(path, limits);
    for (name, file) in dir_entries(path)? {
        let mut f = std::fs::File::open(&file).map_err(|err| BundleError::io(&file, err))?;
        c.add(&name, &mut f)?;
    }
    c.finish(path)
}

/// A bundle directory's entries by name, each a plain file (links and other kinds refused).
fn dir_entries(path: &Path) -> Result<Vec<(String, std::path::PathBuf)>, BundleError> {
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| BundleError::io(path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| BundleError::io(path, e))?;
    entries.sort_by_key(|e| e.file_name());
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e
            .file_type()
            .map_err(|err| BundleError::io(e.path(), err))?;
        if ft.is_symlink() {
            return Err(rejected(path, format!("entry `{name}` is a symbolic link")));
        }
        if !ft.is_file() {
            return Err(rejected(
                path,
                format!("entry `{name}` is not a plain file"),
            ));
        }
        out.push((name, e.path()));
    }
    Ok(out)
}

fn read_zip(path: &Path, limits: Limits) -> Result<RawBundle, BundleError> {
    let mut zip = open_zip(path, limits)?;
    let mut c = Collector::new(path, limits);
    for i in 0..zip.len() {
        let (name, mut entry) = zip_entry(path, &mut zip, i)?;
        c.add(&name, &mut entry)?;
    }
    c.finish(path)
}

type Zip = zip::ZipArchive<std::io::BufReader<std::fs::File>>;

/// Opens a zip bundle: under the total cap, no duplicate names, not too many entries.
fn open_zip(path: &Path, limits: Limits) -> Result<Zip, BundleError> {
    let file = std::fs::File::open(path).map_err(|e| BundleError::io(path, e))?;
    let size = file.metadata().map_err(|e| BundleError::io(path, e))?.len();
    if size > limits.max_total {
        return Err(rejected(
            path,
            format!(
                "the archive is larger than the {} limit",
                limit_text(limits.max_total)
            ),
        ));
    }
    let zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| rejected(path, format!("not a readable zip archive: {e}")))?;
    // The reader keeps one entry per name, the last: a second copy of a name could only be
    // there to show one content to a checker and another to the kiosk.
    if zip.has_duplicate_names() {
        return Err(rejected(
            path,
            "two entries have the same name (a zip with duplicate names is refused)",
        ));
    }
    if zip.len() > limits.max_entries {
        return Err(rejected(
            path,
            format!(
                "too many entries ({}; the limit is {})",
                zip.len(),
                limits.max_entries
            ),
        ));
    }
    Ok(zip)
}

/// Entry `i` of a zip bundle with its name: a plain file at the root, nothing else.
fn zip_entry<'a>(
    path: &Path,
    zip: &'a mut Zip,
    i: usize,
) -> Result<
    (
        String,
        zip::read::ZipFile<'a, std::io::BufReader<std::fs::File>>,
    ),
    BundleError,
> {
    let entry = zip
        .by_index(i)
        .map_err(|e| rejected(path, format!("entry {i} cannot be read: {e}")))?;
    let name = entry
        .name()
        .map(|n| n.into_owned())
        .map_err(|e| rejected(path, format!("entry {i} has an unreadable name: {e}")))?;
    if entry.is_symlink() {
        return Err(rejected(path, format!("entry `{name}` is a symbolic link")));
    }
    if entry.is_dir() {
        return Err(rejected(
            path,
            format!("entry `{name}` is a directory; bundles are flat"),
        ));
    }
    if entry.enclosed_name().is_none() || name.contains('\\') {
        return Err(rejected(
            path,
            format!("entry `{name}` escapes the bundle (zip-slip)"),
        ));
    }
    Ok((name, entry))
}

/// A bundle opened for streaming: its manifest and signature read, its content files listed
/// (with every check [`read`] makes on names, links, kinds and counts) but not read.
pub struct Source {
    path: std::path::PathBuf,
    limits: Limits,
    manifest: Vec<u8>,
    signature: Option<String>,
    names: Vec<String>,
    /// Bytes of the manifest and signature, read at opening.
    head_bytes: u64,
    /// The declared size of every content file opened so far, for the total cap.
    opened: BTreeMap<String, u64>,
    /// `None`: a directory.
    zip: Option<zip::ZipArchive<std::io::BufReader<std::fs::File>>>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("path", &self.path)
            .field("names", &self.names)
            .field("zip", &self.zip.is_some())
            .finish()
    }
}

/// Where the entries found while listing go: the manifest and signature are read (capped as in
/// [`read`]), every other name is only counted and remembered.
struct Lister<'a> {
    inner: Collector<'a>,
    names: Vec<String>,
}

impl Lister<'_> {
    fn add(&mut self, name: &str, reader: &mut dyn Read) -> Result<(), BundleError> {
        if name == MANIFEST || name == SIGNATURE || !is_safe_name(name) {
            return self.inner.add(name, reader);
        }
        if self.names.len() + 2 > self.inner.limits.max_entries {
            return Err(rejected(
                self.inner.bundle,
                format!(
                    "too many files (the limit is {} per bundle)",
                    self.inner.limits.max_entries
                ),
            ));
        }
        if self.names.iter().any(|n| n == name) {
            return Err(rejected(
                self.inner.bundle,
                format!("entry `{name}` appears twice"),
            ));
        }
        self.names.push(name.to_string());
        Ok(())
    }
}

/// Opens a bundle directory or `.zip` file for streaming: the same refusals as [`read`], but
/// only the manifest and its signature are read now.
pub fn open(path: &Path, limits: Limits) -> Result<Source, BundleError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| BundleError::io(path, e))?;
    if meta.file_type().is_symlink() {
        return Err(rejected(path, "the bundle itself is a symbolic link"));
    }
    let mut lister = Lister {
        inner: Collector {
            bundle: path,
            limits,
            total: 0,
            manifest: None,
            signature: None,
            files: BTreeMap::new(),
        },
        names: Vec::new(),
    };
    let zip = if meta.is_dir() {
        for (name, file) in dir_entries(path)? {
            let mut f = std::fs::File::open(&file).map_err(|err| BundleError::io(&file, err))?;
            lister.add(&name, &mut f)?;
        }
        None
    } else if meta.is_file() {
        let mut zip = open_zip(path, limits)?;
        for i in 0..zip.len() {
            let (name, mut entry) = zip_entry(path, &mut zip, i)?;
            lister.add(&name, &mut entry)?;
        }
        Some(zip)
    } else {
        return Err(rejected(
            path,
            "not a regular file or a directory (a FIFO, socket or device is refused)",
        ));
    };
    let head_bytes = lister.inner.total;
    let Lister { inner, names } = lister;
    let raw = inner.finish(path)?;
    Ok(Source {
        path: path.to_path_buf(),
        limits,
        manifest: raw.manifest,
        signature: raw.signature,
        names,
        head_bytes,
        opened: BTreeMap::new(),
        zip,
    })
}

impl Entries for Source {
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
        self.names.clone()
    }

    fn open(&mut self, name: &str, size: u64) -> Result<Box<dyn Read + '_>, BundleError> {
        let too_big = |message: String| BundleError::Integrity {
            bundle: self.path.clone(),
            file: name.to_string(),
            message,
        };
        if !self.names.iter().any(|n| n == name) {
            return Err(too_big("listed in the manifest but missing".into()));
        }
        // Declared sizes are checked against the caps here, and nobody reads more than the
        // declared size plus one byte: the caps hold for the bytes actually read.
        if size > self.limits.max_file {
            return Err(too_big(format!(
                "larger than the {} size limit",
                limit_text(self.limits.max_file)
            )));
        }
        self.opened.insert(name.to_string(), size);
        let total = self.head_bytes + self.opened.values().sum::<u64>();
        if total > self.limits.max_total {
            return Err(too_big(format!(
                "the bundle's files together are larger than the {} limit",
                limit_text(self.limits.max_total)
            )));
        }
        match &mut self.zip {
            None => {
                let file = self.path.join(name);
                // Checked again: the folder may have changed since it was listed.
                let meta =
                    std::fs::symlink_metadata(&file).map_err(|e| BundleError::io(&file, e))?;
                if !meta.file_type().is_file() {
                    return Err(rejected(
                        &self.path,
                        format!("entry `{name}` is not a plain file"),
                    ));
                }
                let f = std::fs::File::open(&file).map_err(|e| BundleError::io(&file, e))?;
                Ok(Box::new(f))
            }
            Some(zip) => {
                let entry = zip.by_name(name).map_err(|e| {
                    rejected(&self.path, format!("entry `{name}` cannot be read: {e}"))
                })?;
                Ok(Box::new(entry))
            }
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl Built {
    /// Writes a bundle directory (created if missing; existing bundle files are replaced).
    pub fn write_dir(&self, out: &Path) -> Result<(), BundleError> {
        std::fs::create_dir_all(out).map_err(|e| BundleError::io(out, e))?;
        for (name, bytes) in &self.files {
            let p = out.join(name);
            write_synced(&p, bytes).map_err(|e| BundleError::io(&p, e))?;
        }
        let stale_sig = out.join(SIGNATURE);
        if stale_sig.exists() {
            std::fs::remove_file(&stale_sig).map_err(|e| BundleError::io(&stale_sig, e))?;
        }
        let p = out.join(MANIFEST);
        write_synced(&p, &self.manifest_bytes).map_err(|e| BundleError::io(&p, e))?;
        Ok(())
    }

    /// Writes the bundle as a zip file (deflated), with the signature if given.
    pub fn write_zip(&self, out: &Path, signature: Option<&str>) -> Result<(), BundleError> {
        let tmp = out.with_extension("zip.tmp");
        let f = std::fs::File::create(&tmp).map_err(|e| BundleError::io(&tmp, e))?;
        let mut z = zip::ZipWriter::new(std::io::BufWriter::new(f));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o644);
        let zerr = |e: zip::result::ZipError| BundleError::io(&tmp, std::io::Error::other(e));
        let mut put = |name: &str, bytes: &[u8]| -> Result<(), BundleError> {
            z.start_file(name, opts).map_err(zerr)?;
            z.write_all(bytes).map_err(|e| BundleError::io(&tmp, e))
        };
        put(MANIFEST, &self.manifest_bytes)?;
        if let Some(s) = signature {
            put(SIGNATURE, s.as_bytes())?;
        }
        for (name, bytes) in &self.files {
            put(name, bytes)?;
        }
        let w = z.finish().map_err(zerr)?;
        let f = w
            .into_inner()
            .map_err(|e| BundleError::io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| BundleError::io(&tmp, e))?;
        std::fs::rename(&tmp, out).map_err(|e| BundleError::io(out, e))
    }
}
