//! Reading `kiosk.toml`: the file (a regular file, size-capped, UTF-8), TOML with every syntax
//! error, then each section with every key's error (serde stops at the first one of a table),
//! retired keys with what replaced them, and the rules of `validate.rs`, each with its line.

use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use super::{Config, ConfigError, MAX_FILE_BYTES, Problem, REFERENCE};

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
