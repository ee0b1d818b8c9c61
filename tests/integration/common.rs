//! Shared fixtures: the corpus location, test signing keys, bundles built from real data, and a
//! kiosk seeded once per test run with the full built-in data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use motcua::app::kiosk::Kiosk;
use motcua::bundle::{self, package, sign};
use motcua::config::Config;

#[path = "../support/corpus.rs"]
mod corpus;
pub use corpus::{corpus, corpus_file, small_inputs};

/// A corpus file's text, decompressed when it is `.zst`.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = bundle::zst::read_file(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_motcua")
}

/// Runs `motcua --data-dir DATA ARGS…` to its end, with neither `RUST_LOG` nor `MOTCUA_CONFIG`
/// from the caller's environment.
pub fn motcua_in(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(bin())
        .env_remove("RUST_LOG")
        .env_remove("MOTCUA_CONFIG")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run motcua")
}

/// The default configuration trusting `keys`.
pub fn config_trusting(keys: &Keys) -> Config {
    let mut c = Config::default();
    c.updates.trusted_keys = vec![bundle::sign::public_key_line(&keys.public)];
    c
}

/// A signing key pair in a temp folder.
pub struct Keys {
    pub dir: tempfile::TempDir,
    pub public: sign::PublicKey,
}

impl Keys {
    pub fn new() -> Keys {
        let dir = tempfile::tempdir().expect("tempdir");
        let public = sign::keygen(&dir.path().join("test.pub"), &dir.path().join("test.key"))
            .expect("keygen");
        Keys { dir, public }
    }

    pub fn public_path(&self) -> PathBuf {
        self.dir.path().join("test.pub")
    }

    pub fn secret_path(&self) -> PathBuf {
        self.dir.path().join("test.key")
    }

    pub fn sign(&self, data: &[u8]) -> String {
        let sk = sign::read_secret_key(&self.secret_path(), None).expect("secret key");
        sign::sign(&sk, data, "test").expect("sign")
    }
}

/// Reads real sources once per test run (parsing the corpus in a debug build is the slow part).
pub fn dataset(inputs: &[PathBuf]) -> (motcua::domain::Dataset, bundle::ImportReport) {
    type Cache = Mutex<HashMap<Vec<PathBuf>, (motcua::domain::Dataset, bundle::ImportReport)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(v) = cache.lock().expect("lock").get(inputs) {
        return v.clone();
    }
    let v = bundle::read_sources(inputs, &mut ()).expect("read sources");
    cache
        .lock()
        .expect("lock")
        .insert(inputs.to_vec(), v.clone());
    v
}

/// Builds a bundle (in memory) from real sources.
pub fn build_from(inputs: &[PathBuf], version: u64) -> bundle::Built {
    let (ds, report) = dataset(inputs);
    corpus::bundle_of(&ds, &report, version, chrono::Utc::now())
}

/// Writes the manifest's sizes and hashes again after a test edited `built`'s files (the
/// signature, made afterwards, then covers the edit: what a forger with the key could send).
pub fn rehash(built: &mut bundle::Built) {
    for f in &mut built.manifest.files {
        if let Some((_, b)) = built.files.iter().find(|(n, _)| *n == f.path) {
            f.size = b.len() as u64;
            f.sha256 = package::sha256_hex(b);
        }
    }
    built.manifest_bytes = serde_json::to_vec_pretty(&built.manifest).expect("manifest");
}

/// Writes `built` as a signed bundle directory under `dir`.
pub fn write_signed_dir(built: &bundle::Built, dir: &Path, keys: &Keys) -> PathBuf {
    built.write_dir(dir).expect("write bundle");
    std::fs::write(
        dir.join(bundle::SIGNATURE),
        keys.sign(&built.manifest_bytes),
    )
    .expect("write signature");
    dir.to_path_buf()
}

/// A kiosk on a fresh data dir seeded with the small real dataset (version 1).
pub fn small_kiosk(data_dir: &Path) -> Kiosk {
    small_kiosk_with(data_dir, Config::default())
}

/// [`small_kiosk`] with the office's configuration `cfg`.
pub fn small_kiosk_with(data_dir: &Path, cfg: Config) -> Kiosk {
    let built = build_from(&small_inputs(), 1);
    let raw = bundle::RawBundle {
        path: PathBuf::from("small"),
        manifest: built.manifest_bytes.clone(),
        signature: None,
        files: built.files.iter().cloned().collect(),
    };
    Kiosk::open_with_seed(data_dir, cfg, move || raw).expect("open kiosk")
}

/// A kiosk seeded with the full built-in data, shared by every test in the run.
pub fn default_kiosk() -> &'static (tempfile::TempDir, Kiosk) {
    static K: OnceLock<(tempfile::TempDir, Kiosk)> = OnceLock::new();
    K.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = Kiosk::open(dir.path(), Config::default()).expect("open default kiosk");
        (dir, k)
    })
}

/// The codes of the first ten procedures the kiosk finds for `text`.
pub fn top(k: &motcua::app::kiosk::Kiosk, text: &str) -> Vec<String> {
    let req = motcua::app::search::SearchRequest {
        text: text.into(),
        limit: 10,
        ..Default::default()
    };
    let out = k.search(&req).expect("search");
    out.results
        .procedures
        .iter()
        .map(|h| h.code.clone())
        .collect()
}
