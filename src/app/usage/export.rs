//! The statistics export for the province (`motcua stats export`, the staff screen's button):
//! every record and the per-day totals as CSV, then the manifest that names the kiosk, its data
//! and each file's size and SHA-256, each file written and synced before the next.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Local;
use serde::{Deserialize, Serialize};

use super::{kiosk_id, now};
use crate::app::AppError;
use crate::app::kiosk::Kiosk;
use crate::store::UsageEvent;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// What `motcua stats export` writes beside its CSV files, last (so its presence means the
/// export is complete): who exported, from which data, and each file's size and SHA-256. The
/// fleet report reads exports through it and refuses any other `format` or `format_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportManifest {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// [`EXPORT_FORMAT_VERSION`] when written by this version of motcua.
    pub format_version: u32,
    /// When the export was made (RFC 3339, the kiosk's local time).
    pub exported_at: String,
    pub kiosk: ExportKiosk,
    pub data: ExportData,
    /// How many days of records the kiosk keeps (older ones are not in the export).
    pub retention_days: u64,
    pub files: Vec<ExportFile>,
}

/// The exporting kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportKiosk {
    /// Random, made once per data directory ([`kiosk_id`]).
    pub id: String,
    pub office: String,
    pub province: String,
    /// "province" or "commune".
    pub level: String,
    /// The machine's host name (empty when unknown).
    pub hostname: String,
    /// motcua's version.
    pub software_version: String,
}

/// The data the kiosk showed when it exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportData {
    pub version: u64,
    /// When that bundle was made (RFC 3339).
    pub created: String,
}

/// One CSV file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    /// "events" (every record) or "daily" (per-day totals).
    pub role: String,
    /// File name, in the same folder as the manifest.
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    /// Data rows (the header line not counted).
    pub rows: u64,
}

pub const EXPORT_FORMAT: &str = "motcua-usage-export";
pub const EXPORT_FORMAT_VERSION: u32 = 1;
/// The header line of the events file, the columns every format-1 export has.
pub const EVENTS_HEADER: &str = "kind,at,subject,value,detail";

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Writes `motcua-usage-<date>-<kiosk>.csv` (every record), `motcua-daily-<date>-<kiosk>.csv`
/// (per day) and, last, the manifest `motcua-export-<date>-<kiosk>.json` into `dir`; returns
/// their paths in that order. The CSV files are UTF-8 with a byte-order mark so spreadsheet
/// programs show the Vietnamese text correctly.
pub fn export_csv(k: &Kiosk, dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    let id = kiosk_id(k)?;
    let stamp = format!(
        "{}-{}",
        Local::now().format("%Y%m%d-%H%M%S"),
        &id[..8.min(id.len())]
    );
    let events: Vec<UsageEvent> = k.kiosk_db().usage_events("")?;
    let events_path = dir.join(format!("motcua-usage-{stamp}.csv"));
    let mut out = format!("\u{feff}{EVENTS_HEADER}\n");
    for e in &events {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            csv_field(&e.kind),
            csv_field(&e.at),
            csv_field(&e.subject),
            csv_field(&e.value),
            csv_field(&e.detail)
        ));
    }
    write_synced(&events_path, out.as_bytes())?;
    let mut files = vec![export_file("events", &events_path, &out, events.len())];

    let daily_path = dir.join(format!("motcua-daily-{stamp}.csv"));
    let mut days: std::collections::BTreeMap<String, [u64; 8]> = Default::default();
    for e in &events {
        let day = e.at.get(..10).unwrap_or("").to_string();
        let row = days.entry(day).or_default();
        match e.kind.as_str() {
            "session" => row[0] += 1,
            "search" => {
                row[1] += 1;
                if e.value == "0" {
                    row[2] += 1;
                }
            }
            "view" => row[3] += 1,
            "rating" => {
                if let Ok(l @ 1..=4) = e.value.parse::<usize>() {
                    row[3 + l] += 1;
                }
            }
            _ => {}
        }
    }
    let mut out = String::from(
        "\u{feff}date,sessions,searches,zero_result_searches,views,rating_1_khong_hai_long,rating_2_binh_thuong,rating_3_hai_long,rating_4_rat_hai_long\n",
    );
    let day_rows = days.len();
    for (d, r) in days {
        out.push_str(&format!(
            "{d},{},{},{},{},{},{},{},{}\n",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
        ));
    }
    write_synced(&daily_path, out.as_bytes())?;
    files.push(export_file("daily", &daily_path, &out, day_rows));

    let cfg = k.config();
    let live = k.live();
    let manifest = ExportManifest {
        format: EXPORT_FORMAT.into(),
        format_version: EXPORT_FORMAT_VERSION,
        exported_at: now(),
        kiosk: ExportKiosk {
            id,
            office: cfg.office.name.clone(),
            province: cfg.office.province.clone(),
            level: cfg.office.level.clone(),
            hostname: hostname(),
            software_version: env!("CARGO_PKG_VERSION").into(),
        },
        data: ExportData {
            version: live.meta.version,
            created: live.meta.created.clone(),
        },
        retention_days: cfg.statistics.retention_days,
        files,
    };
    let manifest_path = dir.join(format!("motcua-export-{stamp}.json"));
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| AppError::io(&manifest_path, std::io::Error::other(e)))?;
    write_synced(&manifest_path, &json)?;
    Ok(vec![events_path, daily_path, manifest_path])
}

fn export_file(role: &str, path: &Path, text: &str, rows: usize) -> ExportFile {
    ExportFile {
        role: role.into(),
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: text.len() as u64,
        sha256: crate::bundle::package::sha256_hex(text.as_bytes()),
        rows: rows as u64,
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let mut f = std::fs::File::create(path).map_err(|e| AppError::io(path, e))?;
    f.write_all(bytes).map_err(|e| AppError::io(path, e))?;
    f.sync_all().map_err(|e| AppError::io(path, e))
}
