//! `config check` and `config reference`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use motcua::config::Config;

use super::{Global, out};

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Check a configuration file (default: the one in use) and list every problem.
    Check { file: Option<PathBuf> },
    /// Print the fully commented reference configuration.
    Reference,
}

pub fn run(g: &Global, c: &ConfigCmd) -> Result<()> {
    match c {
        ConfigCmd::Check { file } => {
            let path = file.as_ref().or(g.config.as_ref());
            let res = match path {
                Some(p) => Config::load(p).map(|_| p.display().to_string()),
                None => Config::reference().map(|_| "the built-in reference configuration".into()),
            };
            match res {
                Ok(what) => writeln!(out(), "OK: {what}")?,
                Err(e) => {
                    // Every problem is in the message, one per line; exit 2 tells scripts so.
                    let _ = writeln!(std::io::stderr(), "{e}");
                    std::process::exit(2);
                }
            }
        }
        ConfigCmd::Reference => write!(out(), "{}", motcua::config::REFERENCE)?,
    }
    Ok(())
}
