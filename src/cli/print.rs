//! `print`: the checklist receipt of "In danh sách giấy tờ", rendered to PNG or sent to a
//! printer.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use motcua::app::receipt::Setup;
use motcua::print::{self, escpos, transport};

use super::{Global, out};

#[derive(Args)]
pub struct PrintArgs {
    /// The procedure code.
    #[arg(long)]
    code: String,
    /// Write the receipt as a PNG (1 bit, the printer's dots).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Send it to a printer: tcp://HOST:PORT, a device such as /dev/usb/lp0, cups:QUEUE or
    /// cups://HOST:PORT/QUEUE; `--to` alone sends it to the configured `[printer] target`.
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    to: Option<String>,
    /// Write the ESC/POS job to this file instead of (or as well as) sending it.
    #[arg(long)]
    escpos: Option<PathBuf>,
    /// Paper width in mm, 58 or 80 (default: `[printer] paper_mm`).
    #[arg(long)]
    paper: Option<u32>,
}

pub fn print(g: &Global, a: &PrintArgs) -> Result<()> {
    if a.out.is_none() && a.to.is_none() && a.escpos.is_none() {
        bail!("give --out FILE.png, --escpos FILE and/or --to [PRINTER]");
    }
    let k = g.kiosk()?;
    let cfg = k.config().printer.clone();
    let blocks = k
        .receipt(&a.code, chrono::Local::now())?
        .with_context(|| format!("no procedure with code {}", a.code))?;
    let paper = print::Paper::from_mm(a.paper.unwrap_or(cfg.paper_mm))?;
    let image = print::render::render(&blocks, paper)?;
    let mut o = out();
    if let Some(path) = &a.out {
        std::fs::write(path, image.to_png()?)
            .with_context(|| format!("writing {}", path.display()))?;
        writeln!(
            o,
            "wrote {}: {} × {} dots, {:.0} mm long on {} mm paper",
            path.display(),
            image.width,
            image.height,
            image.length_mm(),
            paper.mm()
        )?;
    }
    if let Some(path) = &a.escpos {
        std::fs::write(path, escpos::encode(&image, cfg.cut))
            .with_context(|| format!("writing {}", path.display()))?;
        writeln!(o, "wrote {}", path.display())?;
    }
    if let Some(to) = &a.to {
        let target = if to.is_empty() {
            if cfg.target.is_empty() {
                bail!("no printer configured: give --to PRINTER or set [printer] target");
            }
            cfg.target.clone()
        } else {
            to.clone()
        };
        let setup = Setup {
            target: transport::Target::parse(&target)?,
            paper,
            options: transport::Options {
                timeout: Duration::from_secs(
                    cfg.timeout_seconds
                        .clamp(1, motcua::config::PRINTER_TIMEOUT_MAX),
                ),
                status_query: cfg.status_query,
            },
            cut: cfg.cut,
        };
        setup.print(&blocks)?;
        writeln!(o, "sent to {}", setup.target)?;
    }
    Ok(())
}
