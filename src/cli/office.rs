//! What an office runs on the kiosk machine: `refresh`, `usb`, `heartbeat`, `stats usage`,
//! `stats export`, `staff hash-pin`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use motcua::app::refresh::NetworkOutcome;

use super::{Global, out};

#[derive(Args)]
pub struct HeartbeatArgs {
    /// Where to write (default: `[statistics] heartbeat_path`).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum StatsCmd {
    /// Usage statistics: visits, searches, zero-result searches, views, ratings.
    Usage {
        #[arg(long)]
        json: bool,
    },
    /// Export usage statistics as CSV files into a folder (e.g. a USB stick).
    Export {
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum StaffCmd {
    /// Read a PIN from standard input and print the hash for `[staff] pin_hash`.
    HashPin,
}

pub fn refresh(g: &Global) -> Result<()> {
    let k = g.kiosk()?;
    let msg = match k.check_network(&mut |_| {})? {
        NetworkOutcome::Disabled => {
            bail!("no network source: set [updates] network_url in the configuration")
        }
        NetworkOutcome::NotModified => "the data is up to date".to_string(),
        NetworkOutcome::Applied { version } => format!("applied data version {version}"),
    };
    writeln!(out(), "{msg}")?;
    Ok(())
}

pub fn usb(g: &Global) -> Result<()> {
    let k = g.kiosk()?;
    let found = k.usb_bundles();
    let mut o = out();
    if found.is_empty() {
        writeln!(
            o,
            "no bundle found in a `{}` folder under {}",
            k.config().updates.usb_folder,
            k.config().updates.usb_mount_roots.join(", ")
        )?;
    }
    for b in found {
        match (&b.problem, b.version) {
            (None, Some(v)) => writeln!(
                o,
                "{}  version {v}, created {}{}",
                b.path.display(),
                b.created.unwrap_or_default(),
                if b.publisher.is_empty() {
                    String::new()
                } else {
                    format!(", {}", b.publisher)
                }
            )?,
            (Some(p), _) => writeln!(o, "{}  unreadable: {p}", b.path.display())?,
            _ => {}
        }
    }
    Ok(())
}

pub fn heartbeat(g: &Global, a: &HeartbeatArgs) -> Result<()> {
    let k = g.kiosk()?;
    let path = a
        .out
        .clone()
        .or_else(|| motcua::app::usage::heartbeat_path(&k))
        .context("no heartbeat path: pass --out or set [statistics] heartbeat_path")?;
    motcua::app::usage::write_heartbeat(&k, &path, 0)?;
    writeln!(out(), "wrote {}", path.display())?;
    Ok(())
}

pub fn stats(g: &Global, c: &StatsCmd) -> Result<()> {
    let k = g.kiosk()?;
    let mut o = out();
    match c {
        StatsCmd::Usage { json: true } => {
            let u = k.kiosk_db().usage("")?;
            writeln!(o, "{}", serde_json::to_string_pretty(&u)?)?;
        }
        StatsCmd::Usage { json: false } => {
            let u = k.kiosk_db().usage("")?;
            writeln!(
                o,
                "visits {}, searches {} ({} with no result), procedures opened {}",
                u.sessions, u.searches, u.zero_result_searches, u.views
            )?;
            writeln!(
                o,
                "ratings: Rất hài lòng {}, Hài lòng {}, Bình thường {}, Không hài lòng {}",
                u.ratings[3], u.ratings[2], u.ratings[1], u.ratings[0]
            )?;
            for (q, n) in &u.top_queries {
                writeln!(o, "  {n:>5}  {q}")?;
            }
        }
        StatsCmd::Export { out: dir } => {
            for p in motcua::app::usage::export_csv(&k, dir)? {
                writeln!(o, "wrote {}", p.display())?;
            }
        }
    }
    Ok(())
}

pub fn staff(c: &StaffCmd) -> Result<()> {
    match c {
        StaffCmd::HashPin => {
            let mut pin = String::new();
            std::io::stdin().read_line(&mut pin)?;
            let h = motcua::app::staff::hash_pin(pin.trim()).map_err(anyhow::Error::msg)?;
            writeln!(out(), "{h}")?;
        }
    }
    Ok(())
}

pub fn duties(g: &Global) -> Result<()> {
    let k = g.kiosk()?;
    let done = motcua::app::session::run_duties(&k)?;
    let mut o = out();
    if done.is_empty() {
        writeln!(
            o,
            "nothing to do: no network_url and no heartbeat_path configured"
        )?;
    }
    for d in done {
        writeln!(o, "{d}")?;
    }
    Ok(())
}
