//! `publish`: what a province runs (after `portal sync`) to keep one signed feed for all of its
//! kiosks.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use motcua::bundle::{self, feed, sign};

use super::bundle::FileProgress;
use super::{Global, bar, out};

#[derive(Args)]
pub struct PublishArgs {
    /// Input files or directories, as for `bundle build` (the `portal sync` folder and
    /// `data/src`).
    #[arg(long, num_args = 1.., required = true)]
    from: Vec<PathBuf>,
    /// The feed folder (created if missing): what the web server serves.
    #[arg(long)]
    feed: PathBuf,
    /// The province's minisign secret key (unencrypted).
    #[arg(long)]
    sign: PathBuf,
    /// The new bundle's version (default: the time as YYYYMMDDHHMM, above the feed's last).
    #[arg(long)]
    version: Option<u64>,
    /// Days a bundle stays valid.
    #[arg(long, default_value_t = 180)]
    bundle_days: u32,
    /// Days latest.json stays valid: publish again (from cron) well within this time.
    #[arg(long, default_value_t = 14)]
    latest_days: u32,
    /// Bundles kept in the feed's bundles/ folder.
    #[arg(long, default_value_t = 5)]
    keep: usize,
    #[arg(long, default_value = "")]
    publisher: String,
    #[arg(long, default_value = "")]
    description: String,
    /// Print what was published as JSON.
    #[arg(long)]
    json: bool,
}

pub fn publish(a: &PublishArgs) -> Result<()> {
    let sk = sign::read_secret_key(&a.sign, None)?;
    let mut prog = FileProgress(bar(a.from.len() as u64, "reading"));
    let (ds, report) = bundle::read_sources(&a.from, &mut prog)?;
    prog.0.finish_and_clear();
    let p = feed::publish(
        &a.feed,
        ds,
        Some(&report),
        &sk,
        &feed::PublishOptions {
            now: chrono::Utc::now(),
            version: a.version,
            bundle_days: a.bundle_days,
            latest_days: a.latest_days,
            keep: a.keep,
            publisher: a.publisher.clone(),
            description: a.description.clone(),
        },
    )
    .with_context(|| format!("publishing to {}", a.feed.display()))?;
    let mut o = out();
    if a.json {
        serde_json::to_writer_pretty(&mut o, &p)?;
        writeln!(o)?;
        return Ok(());
    }
    if p.new_bundle {
        writeln!(
            o,
            "published version {} ({:.1} MB): {} new, {} changed, {} withdrawn{}",
            p.version,
            p.bundle_size as f64 / 1e6,
            p.counts.new,
            p.counts.changed,
            p.counts.withdrawn,
            p.from_version
                .map(|v| format!(" since version {v}"))
                .unwrap_or_else(|| " (the feed's first version)".into())
        )?;
    } else {
        writeln!(
            o,
            "no change since version {}: latest.json renewed",
            p.version
        )?;
    }
    for old in &p.pruned {
        writeln!(o, "removed {}", old.display())?;
    }
    writeln!(
        o,
        "feed {} ({:.1} MB in all)",
        a.feed.display(),
        p.feed_size as f64 / 1e6
    )?;
    Ok(())
}

#[derive(Args)]
pub struct ChangesArgs {
    #[arg(long)]
    json: bool,
}

/// The live data's change list and age, as the staff screen shows them.
pub fn changes(g: &Global, a: &ChangesArgs) -> Result<()> {
    let k = g.kiosk()?;
    let age = k.data_age(chrono::Utc::now());
    let view = k.last_changes();
    let mut o = out();
    if a.json {
        let rows: Vec<serde_json::Value> = view
            .iter()
            .flat_map(|v| &v.rows)
            .map(|r| {
                serde_json::json!({
                    "kind": format!("{:?}", r.kind).to_lowercase(),
                    "code": r.code,
                    "name": r.name,
                    "parts": r.parts,
                })
            })
            .collect();
        let v = serde_json::json!({
            "data_version": k.live().meta.version,
            "data_age_days": age.days,
            "stale": age.stale,
            "stale_after_days": age.limit_days,
            "from_version": view.as_ref().and_then(|v| v.from_version),
            "date": view.as_ref().map(|v| v.date.clone()),
            "new": view.as_ref().map_or(0, |v| v.new),
            "changed": view.as_ref().map_or(0, |v| v.changed),
            "withdrawn": view.as_ref().map_or(0, |v| v.withdrawn),
            "rows": rows,
        });
        writeln!(o, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(o, "{} ({} ngày)", age.label_vi(), age.days)?;
    if age.stale {
        writeln!(
            o,
            "Dữ liệu đã quá {} ngày: kiểm tra nguồn cập nhật.",
            age.limit_days
        )?;
    }
    let Some(v) = view else {
        writeln!(o, "Gói dữ liệu này không kèm danh sách thay đổi.")?;
        return Ok(());
    };
    writeln!(
        o,
        "{} (so với phiên bản {})",
        v.summary,
        v.from_version.map_or("—".into(), |f| f.to_string())
    )?;
    for r in &v.rows {
        write!(o, "  {:<9} {:<10} {}", r.kind.label_vi(), r.code, r.name)?;
        if !r.parts_label.is_empty() {
            write!(o, " — {}", r.parts_label)?;
        }
        writeln!(o)?;
    }
    Ok(())
}
