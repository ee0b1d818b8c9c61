//! `motcua fleet report`: the province's report from many kiosks' usage exports.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::{Global, out};

#[derive(Subcommand)]
pub enum FleetCmd {
    /// Merge kiosks' usage exports (`motcua stats export`, from USB sticks or collected) into one
    /// self-contained HTML report. Damaged or unknown exports are listed and left out whole.
    Report(ReportArgs),
}

#[derive(Args)]
pub struct ReportArgs {
    /// Folders holding exports (searched a few levels deep), or export manifests.
    #[arg(long, required = true, num_args = 1..)]
    from: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(g: &Global, c: &FleetCmd) -> Result<()> {
    match c {
        FleetCmd::Report(a) => report(g, a),
    }
}

fn report(g: &Global, a: &ReportArgs) -> Result<()> {
    let fleet = motcua::fleet::build(&a.from)?;
    let mut err = std::io::stderr();
    for s in &fleet.skipped {
        writeln!(err, "skipped {}: {}", s.path.display(), s.reason)?;
    }
    if fleet.kiosks.is_empty() {
        return Err(motcua::fleet::FleetError::NothingUsable(fleet.skipped.len()).into());
    }
    // Procedure names from the local data; without it the report shows codes.
    let kiosk = g
        .kiosk()
        .map_err(|e| {
            let _ = writeln!(err, "procedure names left out: {e:#}");
        })
        .ok();
    let names = |code: &str| {
        kiosk
            .as_ref()
            .and_then(|k| k.procedure(code).ok().flatten())
            .map(|p| p.name)
    };
    let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let html = motcua::fleet::render(&fleet, &names, &now);
    std::fs::write(&a.out, html).with_context(|| format!("writing {}", a.out.display()))?;
    writeln!(
        out(),
        "wrote {}: {} kiosks from {} exports{}",
        a.out.display(),
        fleet.kiosks.len(),
        fleet.exports_read,
        if fleet.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", fleet.skipped.len())
        }
    )?;
    Ok(())
}
