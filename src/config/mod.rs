//! The office's configuration (`kiosk-config/kiosk.toml`): who the office is, which counter takes
//! which field, its own hotlines, idle timing, display, where updates come from and which keys
//! may sign them, the staff PIN and statistics, the appliance session and opening hours
//! (`session.rs`). Unknown keys are errors; `check` reports every
//! problem with its line.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};

use crate::domain::{self, Hotline, Level};

mod session;
pub use session::{Hours, Period, Session, parse_periods};

/// The reference configuration, compiled in: the kiosk runs on it when no file is given.
pub const REFERENCE: &str = include_str!("../../kiosk-config/kiosk.toml");

/// The largest configuration file read (the reference is a few KB): `config check /dev/zero`
/// or a log file given by mistake must not fill the memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Keys earlier versions had, with what replaced them.
const RETIRED: &[(&str, &str, &str)] = &[
    (
        "staff",
        "max_attempts",
        "no longer used: a wrong PIN now makes the next attempt wait 1, 2, 4 … seconds, up to \
         `max_delay_seconds`, instead of locking the staff screen",
    ),
    (
        "staff",
        "lockout_minutes",
        "no longer used: a wrong PIN now makes the next attempt wait 1, 2, 4 … seconds, up to \
         `max_delay_seconds`, instead of locking the staff screen",
    ),
];

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Office {
    pub name: String,
    pub province: String,
    /// "province" or "commune": ranks the office's own procedures first.
    pub level: String,
    pub address: String,
    pub opening_hours: String,
}

impl Default for Office {
    fn default() -> Self {
        Office {
            name: "Bộ phận Một cửa".into(),
            province: String::new(),
            level: "province".into(),
            address: String::new(),
            opening_hours: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Portal {
    pub procedure_base: String,
    pub search_url: String,
    pub lookup_url: String,
    pub payment_url: String,
    pub province_portal: String,
    /// Hosts a bundle's links (guides) may lead to, besides the province portal's.
    pub link_hosts: Vec<String>,
}

impl Portal {
    /// Where QR codes from bundle data may lead: `link_hosts` and the province portal's host.
    pub fn allowed_link_hosts(&self) -> Vec<String> {
        let mut hosts = self.link_hosts.clone();
        hosts.extend(domain::contact::https_host(&self.province_portal));
        hosts
    }
}

impl Default for Portal {
    fn default() -> Self {
        Portal {
            procedure_base: domain::PORTAL_PROCEDURE_BASE.into(),
            search_url: domain::PORTAL_SEARCH_URL.into(),
            lookup_url: domain::PORTAL_LOOKUP_URL.into(),
            payment_url: domain::PORTAL_PAYMENT_URL.into(),
            province_portal: String::new(),
            link_hosts: vec![domain::contact::PORTAL_HOST.into()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    pub number: u32,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub label: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Idle {
    pub timeout_seconds: u64,
    pub warning_seconds: u64,
    /// Seconds the untouched start screen waits before the invitation screen; 0: never.
    pub attract_seconds: u64,
}

impl Default for Idle {
    fn default() -> Self {
        Idle {
            timeout_seconds: 90,
            warning_seconds: 30,
            attract_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Display {
    /// "auto", "landscape" or "portrait".
    pub orientation: String,
    /// "vi" or "en".
    pub language: String,
    pub fullscreen: bool,
    pub large_text: bool,
    pub high_contrast: bool,
}

impl Default for Display {
    fn default() -> Self {
        Display {
            orientation: "auto".into(),
            language: "vi".into(),
            fullscreen: true,
            large_text: false,
            high_contrast: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Updates {
    pub usb_mount_roots: Vec<String>,
    pub usb_folder: String,
    pub network_url: String,
    pub check_every_minutes: u64,
    pub timeout_seconds: u64,
    pub max_bundle_mb: u64,
    /// minisign public keys (the base64 line of a `minisign -G` public key file).
    pub trusted_keys: Vec<String>,
    /// Data older than this many days is flagged on the staff screen and in the heartbeat
    /// (0: never).
    pub stale_after_days: u32,
}

impl Default for Updates {
    fn default() -> Self {
        Updates {
            usb_mount_roots: vec!["/media".into(), "/run/media".into(), "/mnt".into()],
            usb_folder: "motcua".into(),
            network_url: String::new(),
            check_every_minutes: 360,
            timeout_seconds: 30,
            max_bundle_mb: 200,
            trusted_keys: Vec::new(),
            stale_after_days: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Staff {
    /// argon2 PHC string made by `motcua staff hash-pin`; empty disables the staff screen.
    pub pin_hash: String,
    /// The longest wait between PIN attempts after wrong PINs (1, 2, 4 … s up to this).
    pub max_delay_seconds: u64,
}

impl Default for Staff {
    fn default() -> Self {
        Staff {
            pin_hash: String::new(),
            max_delay_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Statistics {
    pub enabled: bool,
    pub retention_days: u64,
    /// The Prometheus textfile; a relative path is inside the data directory, empty: none.
    pub heartbeat_path: String,
    pub heartbeat_every_seconds: u64,
}

impl Default for Statistics {
    fn default() -> Self {
        Statistics {
            enabled: true,
            retention_days: 365,
            heartbeat_path: "metrics/motcua.prom".into(),
            heartbeat_every_seconds: 60,
        }
    }
}

/// The longest `[speech] engine_timeout_seconds`, in seconds.
pub const SPEECH_TIMEOUT_MAX: u64 = 300;
/// The longest `[printer] timeout_seconds`, in seconds.
pub const PRINTER_TIMEOUT_MAX: u64 = 120;

/// Read-aloud (`[speech]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Speech {
    pub enabled: bool,
    /// The engine command: reads text on stdin, writes a WAV to `{out}` or to stdout.
    pub engine: Vec<String>,
    pub engine_timeout_seconds: u64,
    /// ALSA device for `aplay -D`.
    pub device: String,
    /// Percent of the engine's level at the start of every visit.
    pub volume: u8,
    /// Extra abbreviations (TSV: written TAB spoken), read over the built-in list.
    pub abbreviations: String,
}

impl Default for Speech {
    fn default() -> Self {
        Speech {
            enabled: true,
            engine: ["espeak-ng", "-v", "vi", "-s", "150", "--stdout"]
                .map(String::from)
                .to_vec(),
            engine_timeout_seconds: 20,
            device: "default".into(),
            volume: 80,
            abbreviations: String::new(),
        }
    }
}

/// The receipt printer (`[printer]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Printer {
    /// `tcp://HOST:PORT`, a device path, `cups:QUEUE` or `cups://HOST:PORT/QUEUE`; empty: none.
    pub target: String,
    pub paper_mm: u32,
    pub timeout_seconds: u64,
    pub status_query: bool,
    pub cut: bool,
}

impl Default for Printer {
    fn default() -> Self {
        Printer {
            target: String::new(),
            paper_mm: 80,
            timeout_seconds: 10,
            status_query: true,
            cut: true,
        }
    }
}

/// "Gọi cán bộ hỗ trợ" (`[help]`): where a visitor who asks for a person is sent, and whether
/// the press signals the office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Help {
    /// The counter to go to; 0: none (the visitor is asked to wait at the kiosk).
    pub counter: u32,
    /// Where it is, shown under its number (the counter's own `location` when empty).
    pub location: String,
    /// Count every press in the heartbeat (`motcua_help_requests_total`), written at once.
    pub signal: bool,
}

impl Default for Help {
    fn default() -> Self {
        Help {
            counter: 0,
            location: String::new(),
            signal: true,
        }
    }
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

/// Counter numbers as the office paints them on the counters.
const COUNTER_NUMBERS: RangeInclusive<u32> = 1..=999;

const SECTIONS: &[&str] = &[
    "office",
    "portal",
    "counters",
    "hotlines",
    "idle",
    "display",
    "updates",
    "staff",
    "statistics",
    "speech",
    "printer",
    "help",
    "session",
    "hours",
];

fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Finds the span of a dotted key path for semantic errors.
fn key_line(src: &str, root: &DeTable<'_>, path: &[&str]) -> Option<usize> {
    let mut table = root;
    let mut line = None;
    for (i, seg) in path.iter().enumerate() {
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *seg)?;
        line = Some(line_of(src, k.span().start));
        if i + 1 < path.len() {
            match v.get_ref() {
                DeValue::Table(t) => table = t,
                _ => return line,
            }
        }
    }
    line
}

impl Config {
    /// Parses and validates configuration text; `path` is only used in messages.
    pub fn parse(src: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let (doc, syntax) = DeTable::parse_recoverable(src);
        for e in syntax {
            problems.push(Problem {
                line: e.span().map(|s| line_of(src, s.start)),
                key: None,
                message: format!("TOML syntax: {}", e.message()),
            });
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
        let root = doc.get_ref();
        let mut cfg = Config::default();
        for (k, v) in root.iter() {
            let key = k.get_ref().as_ref().to_string();
            if !SECTIONS.contains(&key.as_str()) {
                problems.push(Problem {
                    line: Some(line_of(src, k.span().start)),
                    key: Some(key.clone()),
                    message: format!("unknown key (expected one of: {})", SECTIONS.join(", ")),
                });
                continue;
            }
            let mut value = v.clone();
            if let DeValue::Table(t) = value.get_mut() {
                let mut kept = DeTable::new();
                for (k, item) in t.iter() {
                    let name: &str = k.get_ref().as_ref();
                    match RETIRED.iter().find(|(s, r, _)| *s == key && *r == name) {
                        Some((_, _, message)) => problems.push(Problem {
                            line: Some(line_of(src, k.span().start)),
                            key: Some(format!("{key}.{name}")),
                            message: message.to_string(),
                        }),
                        None => {
                            kept.insert(k.clone(), item.clone());
                        }
                    }
                }
                *t = kept;
            }
            let mut errors = Vec::new();
            section(&mut cfg, &key, &value, &mut errors);
            for e in errors {
                problems.push(Problem {
                    line: e
                        .span()
                        .map(|s| line_of(src, s.start))
                        .or(Some(line_of(src, v.span().start))),
                    key: Some(key.clone()),
                    message: e.message().to_string(),
                });
            }
        }
        for (keys, message) in cfg.semantic_problems() {
            let path_keys: Vec<&str> = keys.split('.').collect();
            problems.push(Problem {
                line: key_line(src, root, &path_keys),
                key: Some(keys),
                message,
            });
        }
        if problems.is_empty() {
            Ok(cfg)
        } else {
            problems.sort_by_key(|p| p.line.unwrap_or(0));
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// Reads and checks a configuration file: a regular file of at most [`MAX_FILE_BYTES`].
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        use std::io::Read;
        let io = |source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        };
        // Opened first, then asked what it is: a FIFO would block the open only if it had no
        // writer, so refuse by type before reading anything.
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(ConfigError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_path_buf(),
            });
        }
        let src = String::from_utf8(bytes).map_err(|e| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            ))
        })?;
        Config::parse(&src, path)
    }

    /// The compiled-in reference configuration.
    pub fn reference() -> Result<Config, ConfigError> {
        Config::parse(REFERENCE, Path::new("kiosk-config/kiosk.toml (built in)"))
    }

    /// Every number in the configuration with its range (inclusive). The ranges are the
    /// documented ones (`kiosk-config/kiosk.toml`) and keep every duration and count the kiosk
    /// computes from them far from overflow. Warning at least 20 s: WCAG 2.2.1.
    pub fn numbers(&self) -> [(&'static str, u64, RangeInclusive<u64>); 13] {
        [
            ("idle.timeout_seconds", self.idle.timeout_seconds, 15..=3600),
            ("idle.warning_seconds", self.idle.warning_seconds, 20..=600),
            ("idle.attract_seconds", self.idle.attract_seconds, 0..=3600),
            (
                "updates.check_every_minutes",
                self.updates.check_every_minutes,
                1..=10_080,
            ),
            (
                "updates.timeout_seconds",
                self.updates.timeout_seconds,
                1..=600,
            ),
            (
                "updates.max_bundle_mb",
                self.updates.max_bundle_mb,
                1..=4096,
            ),
            (
                "updates.stale_after_days",
                u64::from(self.updates.stale_after_days),
                0..=3650,
            ),
            (
                "staff.max_delay_seconds",
                self.staff.max_delay_seconds,
                1..=600,
            ),
            (
                "statistics.retention_days",
                self.statistics.retention_days,
                1..=3650,
            ),
            (
                "statistics.heartbeat_every_seconds",
                self.statistics.heartbeat_every_seconds,
                1..=86_400,
            ),
            (
                "speech.engine_timeout_seconds",
                self.speech.engine_timeout_seconds,
                1..=SPEECH_TIMEOUT_MAX,
            ),
            ("speech.volume", self.speech.volume as u64, 0..=100),
            (
                "printer.timeout_seconds",
                self.printer.timeout_seconds,
                1..=PRINTER_TIMEOUT_MAX,
            ),
        ]
    }

    /// Rules serde cannot express, as (dotted key, message).
    fn semantic_problems(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        self.session.problems(&mut p);
        self.hours.problems(&mut p);
        if self.office.name.trim().is_empty() {
            p.push(("office.name".into(), "must not be empty".into()));
        }
        if !matches!(self.office.level.as_str(), "province" | "commune") {
            p.push((
                "office.level".into(),
                format!(
                    "`{}`: expected \"province\" or \"commune\"",
                    self.office.level
                ),
            ));
        }
        for (k, url) in [
            ("portal.procedure_base", &self.portal.procedure_base),
            ("portal.search_url", &self.portal.search_url),
            ("portal.lookup_url", &self.portal.lookup_url),
            ("portal.payment_url", &self.portal.payment_url),
        ] {
            if !url.starts_with("https://") {
                p.push((k.into(), format!("`{url}`: must be an https:// URL")));
            }
        }
        if !self.portal.province_portal.is_empty()
            && !self.portal.province_portal.starts_with("https://")
        {
            p.push((
                "portal.province_portal".into(),
                "must be an https:// URL or empty".into(),
            ));
        }
        for h in &self.portal.link_hosts {
            let ok = !h.is_empty()
                && h.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                });
            if !ok {
                p.push((
                    "portal.link_hosts".into(),
                    format!("`{h}`: a host name in lower case (e.g. dichvucong.gov.vn)"),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.counters {
            if !COUNTER_NUMBERS.contains(&c.number) {
                p.push((
                    "counters".into(),
                    format!(
                        "counter number {} is out of range: from {} to {}",
                        c.number,
                        COUNTER_NUMBERS.start(),
                        COUNTER_NUMBERS.end()
                    ),
                ));
            }
            if !seen.insert(c.number) {
                p.push((
                    "counters".into(),
                    format!("counter {} is listed twice", c.number),
                ));
            }
            if c.fields.is_empty() {
                p.push((
                    "counters".into(),
                    format!("counter {} has no fields", c.number),
                ));
            }
        }
        if self.help.counter != 0 && !COUNTER_NUMBERS.contains(&self.help.counter) {
            p.push((
                "help.counter".into(),
                format!(
                    "counter number {} is out of range: 0 (none) or from {} to {}",
                    self.help.counter,
                    COUNTER_NUMBERS.start(),
                    COUNTER_NUMBERS.end()
                ),
            ));
        }
        for h in &self.hotlines {
            if h.digits().len() < 3 {
                p.push((
                    "hotlines".into(),
                    format!("`{}`: `number` has no phone number", h.name),
                ));
            }
        }
        if !matches!(
            self.display.orientation.as_str(),
            "auto" | "landscape" | "portrait"
        ) {
            p.push((
                "display.orientation".into(),
                "expected \"auto\", \"landscape\" or \"portrait\"".into(),
            ));
        }
        if !matches!(self.display.language.as_str(), "vi" | "en") {
            p.push((
                "display.language".into(),
                "expected \"vi\" or \"en\"".into(),
            ));
        }
        let url = &self.updates.network_url;
        if !url.is_empty()
            && let Err(e) = crate::net::check_url(url)
        {
            p.push(("updates.network_url".into(), e.to_string()));
        }
        for k in &self.updates.trusted_keys {
            if let Err(e) = crate::bundle::sign::parse_public_key(k) {
                p.push(("updates.trusted_keys".into(), format!("`{k}`: {e}")));
            }
        }
        if !self.staff.pin_hash.is_empty()
            && let Err(e) = crate::pin::check_hash(&self.staff.pin_hash)
        {
            p.push(("staff.pin_hash".into(), e.to_string()));
        }
        for (key, value, range) in self.numbers() {
            if !range.contains(&value) {
                p.push((
                    key.into(),
                    format!(
                        "{value} is out of range: from {} to {}",
                        range.start(),
                        range.end()
                    ),
                ));
            }
        }
        self.speech_and_printer_problems(&mut p);
        p
    }

    fn speech_and_printer_problems(&self, p: &mut Vec<(String, String)>) {
        let sp = &self.speech;
        if sp.enabled && sp.engine.first().is_none_or(|c| c.trim().is_empty()) {
            p.push(("speech.engine".into(), "must name a program".into()));
        }
        if sp.device.trim().is_empty() {
            p.push(("speech.device".into(), "must name an ALSA device".into()));
        }
        if !sp.abbreviations.is_empty()
            && let Err(e) = crate::speech::Lexicon::load(Path::new(&sp.abbreviations))
        {
            p.push(("speech.abbreviations".into(), e.to_string()));
        }
        let pr = &self.printer;
        if !pr.target.is_empty()
            && let Err(e) = crate::print::Target::parse(&pr.target)
        {
            p.push(("printer.target".into(), e.to_string()));
        }
        if let Err(e) = crate::print::Paper::from_mm(pr.paper_mm) {
            p.push(("printer.paper_mm".into(), e.to_string()));
        }
    }

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

/// Reads one top-level section into `cfg`, adding every problem to `errors`: serde stops at the
/// first error of a table, so a table that fails is read again one key at a time (and a list of
/// tables one table at a time) to find the others.
fn section(
    cfg: &mut Config,
    key: &str,
    v: &toml::Spanned<DeValue<'_>>,
    errors: &mut Vec<toml::de::Error>,
) {
    match key {
        "office" => set(&mut cfg.office, read_all(v, errors)),
        "portal" => set(&mut cfg.portal, read_all(v, errors)),
        "counters" => set(&mut cfg.counters, read_list(v, errors)),
        "hotlines" => set(&mut cfg.hotlines, read_list(v, errors)),
        "idle" => set(&mut cfg.idle, read_all(v, errors)),
        "display" => set(&mut cfg.display, read_all(v, errors)),
        "updates" => set(&mut cfg.updates, read_all(v, errors)),
        "staff" => set(&mut cfg.staff, read_all(v, errors)),
        "statistics" => set(&mut cfg.statistics, read_all(v, errors)),
        "speech" => set(&mut cfg.speech, read_all(v, errors)),
        "printer" => set(&mut cfg.printer, read_all(v, errors)),
        "help" => set(&mut cfg.help, read_all(v, errors)),
        "session" => set(&mut cfg.session, read_all(v, errors)),
        "hours" => set(&mut cfg.hours, read_all(v, errors)),
        _ => {}
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn read_all<T: DeserializeOwned>(
    v: &toml::Spanned<DeValue<'_>>,
    errors: &mut Vec<toml::de::Error>,
) -> Option<T> {
    use serde::de::IntoDeserializer;
    let whole = match T::deserialize(v.clone().into_deserializer()) {
        Ok(t) => return Some(t),
        Err(e) => e,
    };
    let before = errors.len();
    if let DeValue::Table(table) = v.get_ref()
        && table.len() > 1
    {
        for (k, value) in table.iter() {
            let mut one = DeTable::new();
            one.insert(k.clone(), value.clone());
            let one = toml::Spanned::new(v.span(), DeValue::Table(one));
            if let Err(e) = T::deserialize(one.into_deserializer())
                // Alone, a key cannot bring the others a table requires.
                && !e.message().starts_with("missing field")
            {
                errors.push(e);
            }
        }
    }
    if errors.len() == before {
        errors.push(whole);
    }
    None
}

fn read_list<T: DeserializeOwned>(
    v: &toml::Spanned<DeValue<'_>>,
    errors: &mut Vec<toml::de::Error>,
) -> Option<Vec<T>> {
    let DeValue::Array(items) = v.get_ref() else {
        return read_all(v, errors);
    };
    let before = errors.len();
    let list: Vec<T> = items.iter().filter_map(|i| read_all(i, errors)).collect();
    (errors.len() == before).then_some(list)
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
