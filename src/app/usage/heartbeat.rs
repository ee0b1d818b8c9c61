//! The heartbeat: the kiosk's metrics as a Prometheus textfile for node_exporter (identity,
//! uptime, data version and age, refreshes, visits, searches, ratings, help requests, devices),
//! written by a temp file and a rename; and `devices.json`, the sound device's and the printer's
//! last states that the heartbeat reports.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Local};
use serde::{Deserialize, Serialize};

use super::kiosk_id;
use crate::app::AppError;
use crate::app::kiosk::Kiosk;
use crate::store::UsageTotals;

/// What the kiosk's sound device and receipt printer last did, for the heartbeat: the running
/// kiosk writes `DATA_DIR/devices.json` whenever either changes, and whoever writes the
/// heartbeat (the kiosk, `motcua heartbeat`, a timer) reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Devices {
    /// "available", "missing" or "disabled"; none until the probe has answered.
    pub speech: Option<String>,
    /// "ready", "paper_out" or "unavailable"; none when no printer is configured.
    pub printer: Option<String>,
}

fn devices_path(k: &Kiosk) -> PathBuf {
    k.data_dir().root().join("devices.json")
}

/// The last recorded device states (none recorded: the default).
pub fn read_devices(k: &Kiosk) -> Devices {
    std::fs::read(devices_path(k))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Changes the recorded device states (temp file and rename; the voice's and the printer's
/// threads may both report at once).
pub fn record_devices(k: &Kiosk, change: impl FnOnce(&mut Devices)) -> Result<(), AppError> {
    static WRITING: Mutex<()> = Mutex::new(());
    let _one = WRITING.lock().unwrap_or_else(|p| p.into_inner());
    let mut d = read_devices(k);
    change(&mut d);
    let path = devices_path(k);
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    let bytes =
        serde_json::to_vec(&d).map_err(|e| AppError::io(&path, std::io::Error::other(e)))?;
    std::fs::write(&tmp, bytes).map_err(|e| AppError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        AppError::io(&path, e)
    })
}

/// Settings keys of the counters the heartbeat reports.
pub const STARTS: &str = "kiosk.starts";
pub const REFRESH_FAILURES: &str = "refresh.consecutive_failures";

/// Where the heartbeat goes: `[statistics] heartbeat_path`, relative to the data directory
/// unless absolute; `None` when it is empty (no heartbeat).
pub fn heartbeat_path(k: &Kiosk) -> Option<PathBuf> {
    let p = &k.config().statistics.heartbeat_path;
    (!p.trim().is_empty()).then(|| k.data_dir().root().join(p))
}

/// A Prometheus label value: backslash, double quote and line feed escaped.
fn label_value(v: &str) -> String {
    v.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// The metrics in Prometheus text exposition format (for node_exporter's textfile collector).
/// Counters (`*_total`) count everything ever recorded on this data directory, so they never go
/// down, not even when the retention limit deletes old records. docs/fleet.md lists them all.
pub fn heartbeat_text(
    k: &Kiosk,
    uptime_seconds: u64,
    now: DateTime<Local>,
) -> Result<String, AppError> {
    let live = k.live();
    let db = k.kiosk_db();
    let totals: UsageTotals = db.usage_totals()?;
    let cfg = k.config();
    let id = kiosk_id(k)?;
    let mut s = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, lines: Vec<(String, String)>| {
        s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, value) in lines {
            s.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    let one = |v: String| vec![(String::new(), v)];
    metric(
        "motcua_up",
        "1 while the kiosk is running.",
        "gauge",
        one("1".into()),
    );
    metric(
        "motcua_kiosk_info",
        "The kiosk's identity: random id, office, province, level, motcua version (value 1).",
        "gauge",
        vec![(
            format!(
                "{{kiosk_id=\"{}\",office=\"{}\",province=\"{}\",level=\"{}\",version=\"{}\"}}",
                label_value(&id),
                label_value(&cfg.office.name),
                label_value(&cfg.office.province),
                label_value(&cfg.office.level),
                env!("CARGO_PKG_VERSION")
            ),
            "1".into(),
        )],
    );
    metric(
        "motcua_uptime_seconds",
        "Seconds since the kiosk started.",
        "gauge",
        one(uptime_seconds.to_string()),
    );
    if let Some(r) = crate::app::session::read_record(k.data_dir().root()) {
        metric(
            "motcua_renderer_info",
            "The renderer of the kiosk's last start; fallback=1 after the GPU renderer failed.",
            "gauge",
            vec![(
                format!(
                    "{{renderer=\"{}\",fallback=\"{}\"}}",
                    r.renderer,
                    u8::from(r.fallback)
                ),
                "1".into(),
            )],
        );
        metric(
            "motcua_kiosk_starts_total",
            "Kiosk starts (each restart after a crash or a hang counts).",
            "counter",
            one(r.starts.to_string()),
        );
    }
    metric(
        "motcua_starts_total",
        "Times the kiosk started on this data directory.",
        "counter",
        one(db.counter(STARTS)?.to_string()),
    );
    metric(
        "motcua_data_version",
        "Version of the installed data bundle.",
        "gauge",
        one(live.meta.version.to_string()),
    );
    let created = DateTime::parse_from_rfc3339(&live.meta.created).ok();
    metric(
        "motcua_data_created_timestamp_seconds",
        "When the installed data bundle was created (Unix time; 0 unknown).",
        "gauge",
        one(created.map_or(0, |c| c.timestamp()).to_string()),
    );
    metric(
        "motcua_data_age_seconds",
        "Age of the installed data bundle.",
        "gauge",
        one(created
            .map_or(0, |c| (now.timestamp() - c.timestamp()).max(0))
            .to_string()),
    );
    metric(
        "motcua_data_max_age_seconds",
        "The configured limit on the data's age ([updates] stale_after_days; 0 no limit).",
        "gauge",
        one((u64::from(cfg.updates.stale_after_days) * 86_400).to_string()),
    );
    metric(
        "motcua_data_stale",
        "1 when the installed data is older than [updates] stale_after_days (the staff screen says so too).",
        "gauge",
        one(u8::from(k.data_age(now.with_timezone(&chrono::Utc)).stale).to_string()),
    );
    metric(
        "motcua_procedures",
        "Procedures in the installed data.",
        "gauge",
        one(live.content.count()?.to_string()),
    );
    let last = db.refresh_log(1)?;
    let (ok, at) = last
        .first()
        .map(|r| {
            (
                u8::from(r.outcome == crate::store::RefreshOutcome::Applied),
                DateTime::parse_from_rfc3339(&r.at).map_or(0, |t| t.timestamp()),
            )
        })
        .unwrap_or((1, 0));
    metric(
        "motcua_last_refresh_success",
        "1 if the last data refresh attempt succeeded, 0 if it was refused or failed.",
        "gauge",
        one(ok.to_string()),
    );
    metric(
        "motcua_last_refresh_timestamp_seconds",
        "When the last data refresh was attempted (Unix time).",
        "gauge",
        one(at.to_string()),
    );
    let net = k.network_status();
    metric(
        "motcua_last_network_check_success_timestamp_seconds",
        "When the network source last answered (Unix time; 0 never).",
        "gauge",
        one(net
            .last_success
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map_or(0, |t| t.timestamp())
            .to_string()),
    );
    metric(
        "motcua_refresh_consecutive_failures",
        "Network refreshes that failed or were refused since the last one that succeeded.",
        "gauge",
        one(db.counter(REFRESH_FAILURES)?.to_string()),
    );
    metric(
        "motcua_sessions_today",
        "Visits that started today (the kiosk's local day).",
        "gauge",
        one(db
            .sessions_since(&now.format("%Y-%m-%d").to_string())?
            .to_string()),
    );
    for (name, help, total) in [
        (
            "motcua_sessions_total",
            "Visits (first touch to idle reset).",
            totals.sessions,
        ),
        (
            "motcua_searches_total",
            "Searches citizens settled on.",
            totals.searches,
        ),
        (
            "motcua_zero_result_searches_total",
            "Searches that found no procedure.",
            totals.zero_result_searches,
        ),
        (
            "motcua_procedure_views_total",
            "Procedure pages opened.",
            totals.views,
        ),
    ] {
        metric(name, help, "counter", one(total.to_string()));
    }
    let (help, help_at) = k.help_requests()?;
    metric(
        "motcua_help_requests_total",
        "Presses of \"Gọi cán bộ hỗ trợ\" (counted when [help] signal is on).",
        "counter",
        one(help.to_string()),
    );
    metric(
        "motcua_help_requested_timestamp_seconds",
        "When \"Gọi cán bộ hỗ trợ\" was last pressed (Unix time; 0 never).",
        "gauge",
        one(help_at.unwrap_or(0).to_string()),
    );
    metric(
        "motcua_ratings_total",
        "Satisfaction ratings by level (1 Không hài lòng … 4 Rất hài lòng).",
        "counter",
        (1..=4)
            .map(|l| {
                (
                    format!("{{level=\"{l}\"}}"),
                    totals.ratings[l - 1].to_string(),
                )
            })
            .collect(),
    );
    let devices = read_devices(k);
    if let Some(state) = devices.speech.as_deref().filter(|s| *s != "disabled") {
        metric(
            "motcua_speech_available",
            "1 when read-aloud works (the engine speaks and the sound device plays), 0 when the \
             probe at start failed (the button is hidden).",
            "gauge",
            one(u8::from(state == "available").to_string()),
        );
    }
    if let Some(state) = devices.printer.as_deref() {
        metric(
            "motcua_printer_ready",
            "1 when the receipt printer is ready, 0 when it is out of paper or unavailable.",
            "gauge",
            one(u8::from(state == "ready").to_string()),
        );
        metric(
            "motcua_printer_paper_out",
            "1 when the receipt printer says it is out of paper.",
            "gauge",
            one(u8::from(state == "paper_out").to_string()),
        );
    }
    Ok(s)
}

/// Replaces the heartbeat file: a temp file beside it, then a rename, so node_exporter reads
/// either the old or the new file, never half of one. No fsync: the file is rewritten every
/// minute, and syncing it would cost the kiosk's flash two forced writes a minute for nothing
/// (after a power cut the next beat rewrites it).
pub fn write_heartbeat(k: &Kiosk, path: &Path, uptime_seconds: u64) -> Result<(), AppError> {
    let text = heartbeat_text(k, uptime_seconds, Local::now())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    // node_exporter reads only `*.prom`; the pid keeps two writers (the kiosk and
    // `motcua heartbeat`) off each other's temp file.
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, text.as_bytes()).map_err(|e| AppError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        AppError::io(path, e)
    })
}
