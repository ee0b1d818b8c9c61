//! `bundle build|sign|verify` and `keygen`: what a province runs to publish data.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use motcua::bundle::{self, authoring};

use super::{bar, out};

#[derive(Subcommand)]
pub enum BundleCmd {
    /// Turn the portal's real formats and motcua's curated files into a bundle.
    Build(BuildArgs),
    /// Sign a bundle's manifest with a minisign secret key.
    Sign {
        bundle: PathBuf,
        #[arg(long)]
        secret_key: PathBuf,
        /// Environment variable holding the key's password (encrypted keys only).
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Check a bundle's signature, hashes and content without installing it.
    Verify {
        bundle: PathBuf,
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
    },
}

#[derive(Args)]
pub struct BuildArgs {
    /// Input files or directories (portal-api-details.jsonl, portal-pages.jsonl,
    /// portal-catalog.jsonl, official-lists/*.xlsx, hotlines.json, guides.json,
    /// life-events.json, synonyms.tsv, featured.json).
    #[arg(long, num_args = 1.., required = true)]
    from: Vec<PathBuf>,
    /// Output: a directory, or a file ending in .zip.
    #[arg(long)]
    out: PathBuf,
    /// Bundle version (must increase with every bundle; default: creation time as YYYYMMDDHHMM).
    #[arg(long)]
    version: Option<u64>,
    /// Days until the bundle expires (0: never).
    #[arg(long, default_value_t = 0)]
    expires_days: u32,
    #[arg(long, default_value = "")]
    publisher: String,
    #[arg(long, default_value = "")]
    description: String,
    /// Sign with this minisign secret key.
    #[arg(long)]
    sign: Option<PathBuf>,
    /// Also write the import report as JSON here.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Args)]
pub struct KeygenArgs {
    #[arg(long)]
    out: PathBuf,
}

pub fn run(c: &BundleCmd) -> Result<()> {
    match c {
        BundleCmd::Build(a) => build(a),
        BundleCmd::Sign {
            bundle,
            secret_key,
            password_env,
        } => {
            let password = match password_env {
                Some(var) => Some(
                    std::env::var(var)
                        .with_context(|| format!("environment variable {var} is not set"))?,
                ),
                None => None,
            };
            authoring::sign_bundle(bundle, secret_key, password)?;
            writeln!(out(), "signed {}", bundle.display())?;
            Ok(())
        }
        BundleCmd::Verify { bundle, keys } => {
            let v = authoring::verify_bundle(bundle, keys)?;
            writeln!(
                out(),
                "OK: version {}, created {}, signed by key {}, {} procedures, {} files verified",
                v.manifest.version,
                v.manifest.created.format("%Y-%m-%d %H:%M UTC"),
                v.key_id.unwrap_or_default(),
                v.dataset.procedures.len(),
                v.manifest.files.len()
            )?;
            Ok(())
        }
    }
}

/// Shows which input file is being read.
pub struct FileProgress(pub indicatif::ProgressBar);

impl bundle::Progress for FileProgress {
    fn file(&mut self, path: &Path, index: usize, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(index as u64);
        self.0.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
}

fn build(a: &BuildArgs) -> Result<()> {
    let mut prog = FileProgress(bar(a.from.len() as u64, "reading"));
    let (ds, report) = bundle::read_sources(&a.from, &mut prog)?;
    prog.0.finish_and_clear();
    let manifest = authoring::build(
        &ds,
        Some(&report),
        &a.out,
        &authoring::BuildOptions {
            version: a.version,
            expires_days: a.expires_days,
            publisher: a.publisher.clone(),
            description: a.description.clone(),
            secret_key: a.sign.clone(),
        },
    )?;
    if let Some(r) = &a.report {
        std::fs::write(r, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", r.display()))?;
    }
    let _ = write!(std::io::stderr(), "{}", report.summary());
    writeln!(
        out(),
        "wrote bundle version {} to {}",
        manifest.version,
        a.out.display()
    )?;
    Ok(())
}

pub fn keygen(a: &KeygenArgs) -> Result<()> {
    let k = authoring::keygen(&a.out)?;
    let mut o = out();
    writeln!(o, "public key:  {}", k.public.display())?;
    writeln!(
        o,
        "secret key:  {} (keep it off the kiosks)",
        k.secret.display()
    )?;
    writeln!(
        o,
        "for kiosk.toml [updates] trusted_keys: \"{}\"",
        k.public_line
    )?;
    Ok(())
}
