//! The office's configuration (`kiosk-config/kiosk.toml`): who the office is, which counter takes
//! which field, its own hotlines, idle timing, display, where updates come from and which keys
//! may sign them, the staff PIN and statistics, the appliance session and opening hours.
//! Unknown keys are errors; `check` reports every problem with its line. The sections' types
//! and defaults are in `sections.rs` (`[session]` and `[hours]` in `session.rs`), reading the
//! file in `load.rs`, the ranges and rules in `validate.rs`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{self, Hotline, Level};

mod load;
mod sections;
mod session;
mod validate;
pub use sections::{
    Counter, Display, Help, Idle, Office, PRINTER_TIMEOUT_MAX, Portal, Printer, SPEECH_TIMEOUT_MAX,
    Speech, Staff, Statistics, Updates,
};
pub use session::{Hours, Period, Session, parse_periods};

/// The reference configuration, compiled in: the kiosk runs on it when no file is given.
pub const REFERENCE: &str = include_str!("../../kiosk-config/kiosk.toml");

/// The largest configuration file read (the reference is a few KB): `config check /dev/zero`
/// or a log file given by mistake must not fill the memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a regular file")]
    NotAFile { path: PathBuf },
    #[error("{path}: larger than {MAX_FILE_BYTES} bytes, not a configuration file")]
    TooLarge { path: PathBuf },
    #[error("{}", render_problems(.path, .problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One thing wrong in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted key (`office.level`), when known.
    pub key: Option<String>,
    pub message: String,
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| {
            let mut s = path.display().to_string();
            if let Some(l) = p.line {
                s.push_str(&format!(", line {l}"));
            }
            if let Some(k) = &p.key {
                s.push_str(&format!(", `{k}`"));
            }
            s.push_str(": ");
            s.push_str(&p.message);
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub office: Office,
    pub portal: Portal,
    pub counters: Vec<Counter>,
    pub hotlines: Vec<Hotline>,
    pub idle: Idle,
    pub display: Display,
    pub updates: Updates,
    pub staff: Staff,
    pub statistics: Statistics,
    pub speech: Speech,
    pub printer: Printer,
    pub help: Help,
    pub session: Session,
    pub hours: Hours,
}

impl Config {
    pub fn level(&self) -> Level {
        Level::parse(&self.office.level).unwrap_or(Level::Province)
    }

    /// The counter that takes procedures of any of these fields, as the sentence the
    /// procedure page shows.
    pub fn counter_for(&self, fields: &[String]) -> Option<&Counter> {
        let folded: Vec<String> = fields.iter().map(|f| domain::text::fold(f)).collect();
        self.counters.iter().find(|c| {
            c.fields
                .iter()
                .any(|f| folded.contains(&domain::text::fold(f)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_reference_file_parses() {
        let c = Config::reference().expect("kiosk-config/kiosk.toml parses");
        assert!(!c.office.name.is_empty());
        assert!(c.idle.warning_seconds >= 20);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let src = "[office]\nname = \"X\"\nlevel = \"district\"\n\n[idle]\nwarning_seconds = 5\n\n[bogus]\na = 1\n\n[display]\ncolour = \"red\"\n";
        let Err(ConfigError::Invalid { problems, .. }) = Config::parse(src, Path::new("k.toml"))
        else {
            panic!("must fail");
        };
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert!(
            lines.contains(&Some(3)),
            "office.level on line 3: {problems:?}"
        );
        assert!(
            lines.contains(&Some(6)),
            "idle.warning_seconds on line 6: {problems:?}"
        );
        assert!(
            lines.contains(&Some(8)),
            "unknown section on line 8: {problems:?}"
        );
        assert!(
            lines.contains(&Some(12)) || lines.contains(&Some(11)),
            "unknown key in display: {problems:?}"
        );
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn syntax_errors_have_lines() {
        let Err(ConfigError::Invalid { problems, .. }) =
            Config::parse("[office]\nname = \"unterminated\n", Path::new("k.toml"))
        else {
            panic!("must fail");
        };
        assert_eq!(problems[0].line, Some(2));
    }

    #[test]
    fn counters_match_fields_without_diacritics_sensitivity() {
        let mut c = Config::default();
        c.counters.push(Counter {
            number: 3,
            location: "Tầng 1".into(),
            label: String::new(),
            fields: vec!["Hộ tịch".into()],
        });
        assert_eq!(
            c.counter_for(&["Hộ tịch".into()]).map(|c| c.number),
            Some(3)
        );
        assert!(c.counter_for(&["Đất đai".into()]).is_none());
    }
}
