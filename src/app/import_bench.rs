//! `motcua bench --import --scale N`: how importing a bundle grows with the data. Builds two
//! signed bundles in a scratch folder, the live data as it is (the peer, 1×) and the same data
//! `N` times over (`search::scaled_dataset`: every extra copy a province's own copy under a new
//! code), and imports each into a fresh data directory with a child `motcua import`, the way
//! staff import one. The figures are the child's own (wall time, CPU time, peak resident
//! memory: the bench process holding the scaled dataset is not measured), and the size of the
//! data version it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::AppError;
use super::kiosk::Kiosk;
use crate::bundle::package::{self, WriteOptions};
use crate::bundle::sign;

/// What to run.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// The scaled bundle's size, in times the live data (at least 2).
    pub scale: usize,
    /// The `motcua` program the imports run as (the bench's own executable).
    pub program: PathBuf,
    /// The configuration file the children use (`None`: the built-in one).
    pub config: Option<PathBuf>,
}

/// A process's own resources at its end, as `motcua import --usage-out` writes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessUsage {
    /// Peak resident memory (VmHWM, the same as getrusage's ru_maxrss), in kB.
    pub peak_rss_kb: u64,
    /// User and system CPU time, in milliseconds.
    pub cpu_ms: u64,
}

impl ProcessUsage {
    /// This process, now.
    pub fn of_self() -> ProcessUsage {
        ProcessUsage {
            peak_rss_kb: super::bench::proc_status_kb("VmHWM:").unwrap_or(0),
            cpu_ms: super::bench::cpu_time().map_or(0, |d| d.as_millis() as u64),
        }
    }

    /// Writes this to `path` as JSON.
    pub fn write(&self, path: &Path) -> Result<(), AppError> {
        let json = serde_json::to_vec(self).map_err(|e| AppError::Bench(e.to_string()))?;
        std::fs::write(path, json).map_err(|e| AppError::io(path, e))
    }
}

/// One import, measured.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRun {
    pub scale: usize,
    pub procedures: usize,
    /// The signed zip's size.
    pub bundle_bytes: u64,
    /// The uncompressed content files' size (what the manifest lists).
    pub content_bytes: u64,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub peak_rss_kb: u64,
    /// The data version the import wrote (content database and search index), on disk.
    pub version_bytes: u64,
    /// Of that, the content database.
    pub store_bytes: u64,
    /// Of that, the search index folder.
    pub index_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportBench {
    /// The live data (the peer), then the scaled data.
    pub runs: Vec<ImportRun>,
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds the bundles and imports each into a fresh data directory.
pub fn import_bench(kiosk: &Kiosk, plan: &ImportPlan) -> Result<ImportBench, AppError> {
    if plan.scale < 2 {
        return Err(AppError::Bench(format!(
            "--scale {} : the import is compared between the live data and a larger copy; give 2 or more",
            plan.scale
        )));
    }
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "motcua-bench-import-{}-{}",
        std::process::id(),
        Utc::now().format("%H%M%S%3f")
    )));
    let root = scratch.0.clone();
    std::fs::create_dir_all(&root).map_err(|e| AppError::io(&root, e))?;
    let public = root.join("bench.pub");
    let secret = root.join("bench.key");
    sign::keygen(&public, &secret)?;
    let sk = sign::read_secret_key(&secret, None)?;
    let live = kiosk.live();
    // Newer than the data a fresh directory is seeded with, within the version scheme.
    let today = Utc::now().format("%Y%m%d").to_string();
    let version = today
        .parse::<u64>()
        .map(|d| d * 100 + 50)
        .unwrap_or(0)
        .max(live.meta.version + 1);
    let ds = kiosk.dataset()?;
    let mut runs = Vec::new();
    for scale in [1, plan.scale] {
        let bundle = root.join(format!("bundle-x{scale}.zip"));
        let (procedures, content_bytes) = {
            let big;
            let data = if scale == 1 {
                &ds
            } else {
                big = crate::search::scaled_dataset(&ds, scale);
                &big
            };
            let now = Utc::now();
            let built = package::build(
                data,
                None,
                &WriteOptions {
                    version,
                    created: now,
                    expires: Some(now + chrono::Duration::days(30)),
                    publisher: "motcua bench".into(),
                    description: format!("the live data {scale} times over"),
                },
            )
            .map_err(|e| AppError::Bench(format!("building the {scale}x bundle: {e}")))?;
            let signature = sign::sign(&sk, &built.manifest_bytes, "motcua bench --import")?;
            built.write_zip(&bundle, Some(&signature))?;
            let content: u64 = built.files.iter().map(|(_, b)| b.len() as u64).sum();
            (data.procedures.len(), content)
        };
        let data_dir = root.join(format!("data-x{scale}"));
        // A kiosk imports over data it already has: the directory is seeded first, by a process
        // of its own, so the measured one does only what an import does.
        run(plan, &data_dir, &["stats", "--json"])?;
        let usage_file = root.join(format!("usage-x{scale}.json"));
        let t = Instant::now();
        run(
            plan,
            &data_dir,
            &[
                "import".as_ref(),
                bundle.as_os_str(),
                "--key".as_ref(),
                public.as_os_str(),
                "--usage-out".as_ref(),
                usage_file.as_os_str(),
            ],
        )?;
        let wall_ms = t.elapsed().as_millis() as u64;
        let usage: ProcessUsage = std::fs::read(&usage_file)
            .map_err(|e| AppError::io(&usage_file, e))
            .and_then(|b| {
                serde_json::from_slice(&b)
                    .map_err(|e| AppError::Bench(format!("{}: {e}", usage_file.display())))
            })?;
        let dd = super::datadir::DataDir::open(&data_dir)?;
        let current = dd.current().ok_or_else(|| {
            AppError::Bench(format!(
                "{}: no current version after the import",
                data_dir.display()
            ))
        })?;
        let version_dir = dd.version_path(&current);
        runs.push(ImportRun {
            scale,
            procedures,
            bundle_bytes: std::fs::metadata(&bundle)
                .map_err(|e| AppError::io(&bundle, e))?
                .len(),
            content_bytes,
            wall_ms,
            cpu_ms: usage.cpu_ms,
            peak_rss_kb: usage.peak_rss_kb,
            version_bytes: crate::files::tree_bytes(&version_dir),
            store_bytes: std::fs::metadata(version_dir.join(super::datadir::CONTENT_DB))
                .map_or(0, |m| m.len()),
            index_bytes: crate::files::tree_bytes(&version_dir.join(super::datadir::INDEX_DIR)),
        });
        // The data directories are large at scale; the next run starts with the disk as it was.
        let _ = std::fs::remove_dir_all(&data_dir);
        let _ = std::fs::remove_file(&bundle);
    }
    Ok(ImportBench { runs })
}

/// Runs `program --data-dir DIR [--config FILE] ARGS…` to its end; its error output on failure.
fn run<S: AsRef<std::ffi::OsStr>>(
    plan: &ImportPlan,
    data_dir: &Path,
    args: &[S],
) -> Result<(), AppError> {
    let mut cmd = Command::new(&plan.program);
    cmd.arg("--data-dir").arg(data_dir);
    if let Some(c) = &plan.config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| AppError::io(&plan.program, e))?;
    if !out.status.success() {
        let words: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        return Err(AppError::Bench(format!(
            "`motcua {}` failed ({}): {}",
            words.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

impl ImportBench {
    pub fn table(&self) -> String {
        let mb = |b: u64| b as f64 / 1e6;
        let mut s = String::from(
            "import of a signed bundle into a seeded data directory (`motcua import`, a child process of its own)\n\
             \x20 scale  procedures  bundle (content)       wall      CPU   peak RSS   data version on disk (store + index)\n",
        );
        for r in &self.runs {
            s.push_str(&format!(
                "{:>6}x {:>11} {:>7.1} MB ({:>5.1} MB) {:>7.2} s {:>6.2} s {:>7.0} MB {:>9.1} MB ({:.1} + {:.1} MB)\n",
                r.scale,
                r.procedures,
                mb(r.bundle_bytes),
                mb(r.content_bytes),
                r.wall_ms as f64 / 1000.0,
                r.cpu_ms as f64 / 1000.0,
                r.peak_rss_kb as f64 / 1024.0,
                mb(r.version_bytes),
                mb(r.store_bytes),
                mb(r.index_bytes),
            ));
        }
        if let [one, big] = self.runs.as_slice() {
            let x = |a: u64, b: u64| a as f64 / b.max(1) as f64;
            s.push_str(&format!(
                "{}x / 1x: wall {:.2}x, CPU {:.2}x, peak RSS {:.2}x, on disk {:.2}x\n",
                big.scale,
                x(big.wall_ms, one.wall_ms),
                x(big.cpu_ms, one.cpu_ms),
                x(big.peak_rss_kb, one.peak_rss_kb),
                x(big.version_bytes, one.version_bytes),
            ));
        }
        s
    }
}
