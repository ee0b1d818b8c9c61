//! `motcua doctor`: the installer's checklist, one line per check.

use std::io::Write;

use anyhow::Result;

use motcua::app::doctor::{self, Verdict};

use super::{Global, out};

pub fn run(g: &Global, json: bool) -> Result<()> {
    let checks = doctor::run(&g.data_dir()?, g.config.as_deref());
    let mut o = out();
    if json {
        writeln!(o, "{}", serde_json::to_string_pretty(&checks)?)?;
    } else {
        for c in &checks {
            let v = match c.verdict {
                Verdict::Ok => "ok  ",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            writeln!(o, "{v}  {:<14} {}", c.what, c.detail)?;
        }
    }
    if checks.iter().any(|c| c.verdict == Verdict::Fail) {
        // Scripts (and the installer's eye) see the failure in the exit status.
        std::process::exit(2);
    }
    Ok(())
}
