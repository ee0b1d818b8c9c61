//! What the kiosk records about its use, and what it reports: a visit (session) from the first
//! touch to the idle reset, the query a citizen settled on, the procedures opened, and the
//! optional satisfaction rating. Nothing identifies a person. Exports are CSV for the province;
//! the heartbeat is a Prometheus textfile for fleet monitoring.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Local};

use super::AppError;
use super::kiosk::Kiosk;
use serde::{Deserialize, Serialize};

use crate::store::{UsageEvent, UsageTotals};

/// The 4-level scale Vietnamese offices use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    VerySatisfied = 4,
    Satisfied = 3,
    Neutral = 2,
    Dissatisfied = 1,
}

impl Rating {
    pub const ALL: [Rating; 4] = [
        Rating::VerySatisfied,
        Rating::Satisfied,
        Rating::Neutral,
        Rating::Dissatisfied,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            Rating::VerySatisfied => "Rất hài lòng",
            Rating::Satisfied => "Hài lòng",
            Rating::Neutral => "Bình thường",
            Rating::Dissatisfied => "Không hài lòng",
        }
    }

    pub fn from_level(l: u8) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| *r as u8 == l)
    }
}

fn now() -> String {
    Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The visit in progress, if any.
#[derive(Debug, Default)]
pub struct Visit {
    session: Option<i64>,
    /// The last query typed and its result count, recorded when the citizen settles on it.
    pending_query: Option<(String, u64)>,
}

/// Normalises a query for the statistics: NFC, trimmed, single spaces, lowercase.
pub fn normalise_query(q: &str) -> String {
    crate::domain::text::clean_line(q).to_lowercase()
}

/// Something a citizen did that the statistics count; the window sends these to the worker so
/// that no database write (which may wait on the heartbeat's aggregation) runs on the UI thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A touch (starts a visit when none is running).
    Touch,
    /// The query on screen and its result count.
    Query { text: String, results: u64 },
    /// A procedure was opened.
    Viewed(String),
    /// A rating, with a reason for "Không hài lòng" and the procedure last viewed.
    Rated {
        rating: Rating,
        reason: Option<String>,
        code: Option<String>,
    },
    /// The visit ended (idle reset, "Xong").
    EndVisit,
}

/// Records usage for a running kiosk. Statistics switched off in the configuration make every
/// call a no-op. Errors are logged, never shown: statistics must not disturb a citizen.
#[derive(Debug)]
pub struct Recorder {
    enabled: bool,
    visit: Mutex<Visit>,
    started: Instant,
}

impl Recorder {
    pub fn new(enabled: bool) -> Recorder {
        Recorder {
            enabled,
            visit: Mutex::default(),
            started: Instant::now(),
        }
    }

    pub fn uptime_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    fn visit(&self) -> std::sync::MutexGuard<'_, Visit> {
        self.visit.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log<T>(r: Result<T, crate::store::StoreError>) {
        if let Err(e) = r {
            tracing::warn!("usage statistics: {e}");
        }
    }

    /// Records `note`.
    pub fn note(&self, k: &Kiosk, note: Note) {
        match note {
            Note::Touch => self.touch(k),
            Note::Query { text, results } => self.query_typed(&text, results),
            Note::Viewed(code) => self.viewed(k, &code),
            Note::Rated {
                rating,
                reason,
                code,
            } => self.rated(k, rating, reason.as_deref(), code.as_deref()),
            Note::EndVisit => self.end_visit(k),
        }
    }

    /// A touch: starts a visit when none is running.
    pub fn touch(&self, k: &Kiosk) {
        if !self.enabled {
            return;
        }
        let mut v = self.visit();
        if v.session.is_none() {
            match k.kiosk_db().start_session(&now()) {
                Ok(id) => v.session = Some(id),
                Err(e) => tracing::warn!("usage statistics: {e}"),
            }
        }
    }

    /// The query on screen changed; it is recorded once the citizen acts on it or leaves.
    pub fn query_typed(&self, query: &str, results: u64) {
        if !self.enabled {
            return;
        }
        let q = normalise_query(query);
        self.visit().pending_query = (!q.is_empty()).then_some((q, results));
    }

    fn flush_query(&self, k: &Kiosk) {
        let pending = self.visit().pending_query.take();
        if let Some((q, n)) = pending {
            Self::log(k.kiosk_db().record_search(&now(), &q, n));
        }
    }

    /// A procedure was opened (from a search, a list or a code).
    pub fn viewed(&self, k: &Kiosk, code: &str) {
        if !self.enabled {
            return;
        }
        self.touch(k);
        self.flush_query(k);
        Self::log(k.kiosk_db().record_view(&now(), code));
    }

    pub fn rated(&self, k: &Kiosk, rating: Rating, reason: Option<&str>, code: Option<&str>) {
        if !self.enabled {
            return;
        }
        let reason = reason
            .map(crate::domain::text::clean_line)
            .filter(|r| !r.is_empty() && rating == Rating::Dissatisfied);
        Self::log(
            k.kiosk_db()
                .record_rating(&now(), rating as u8, reason.as_deref(), code),
        );
    }

    /// The visit ended (idle reset or the citizen went home).
    pub fn end_visit(&self, k: &Kiosk) {
        if !self.enabled {
            return;
        }
        self.flush_query(k);
        let id = self.visit().session.take();
        if let Some(id) = id {
            Self::log(k.kiosk_db().end_session(id, &now()));
        }
    }

    /// Deletes records older than the configured retention.
    pub fn prune(&self, k: &Kiosk) -> Result<u64, AppError> {
        // A retention longer than the calendar can hold keeps everything instead of panicking.
        let days = i64::try_from(k.config().statistics.retention_days).unwrap_or(i64::MAX);
        let Some(cutoff) =
            chrono::Duration::try_days(days).and_then(|d| Local::now().checked_sub_signed(d))
        else {
            return Ok(0);
        };
        let before = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        Ok(k.kiosk_db().prune_usage(&before)?)
    }
}

/// Procedures opened on this kiosk within this many days feed the search's popularity prior.
const PRIOR_DAYS: i64 = 90;

/// Gives the live search index this kiosk's own use as its popularity prior (beside the data's
/// most-used list): what citizens here open most ranks a little higher among equal matches.
pub fn refresh_search_prior(k: &Kiosk) {
    let since = (Local::now() - chrono::Duration::days(PRIOR_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    match k.kiosk_db().view_counts(&since) {
        Ok(v) => {
            let live = k.live();
            match field_views(&live, &v) {
                Ok(f) => *live.field_views.write().unwrap_or_else(|p| p.into_inner()) = f,
                Err(e) => tracing::warn!("usage statistics by field: {e}"),
            }
            let views: Vec<(String, u32)> = v
                .into_iter()
                .map(|(c, n)| (c, u32::try_from(n).unwrap_or(u32::MAX)))
                .collect();
            live.index.set_usage(&views);
        }
        Err(e) => tracing::warn!("usage statistics for the search prior: {e}"),
    }
}

/// How often procedures of each field were opened, from views by procedure: most first, then
/// by name.
fn field_views(
    live: &super::kiosk::Live,
    views: &[(String, u64)],
) -> Result<Vec<(String, u64)>, AppError> {
    let codes: Vec<String> = views.iter().map(|(c, _)| c.clone()).collect();
    let by_code: std::collections::HashMap<&str, u64> =
        views.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    let mut by_field: std::collections::HashMap<String, u64> = Default::default();
    for s in live.content.summaries(&codes)? {
        let n = by_code.get(s.code.as_str()).copied().unwrap_or(0);
        for f in s.fields {
            *by_field.entry(f).or_default() += n;
        }
    }
    let mut out: Vec<(String, u64)> = by_field.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

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

/// This kiosk's identity for exports and the heartbeat: random, made on first use and kept in
/// `kiosk.sqlite`, so it survives data refreshes and changes only with a new data directory.
pub fn kiosk_id(k: &Kiosk) -> Result<String, AppError> {
    if let Some(id) = k.kiosk_db().setting(KIOSK_ID)?.filter(|s| !s.is_empty()) {
        return Ok(id);
    }
    let mut bytes = [0u8; 8];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    let id = match random {
        Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        // No /dev/urandom: the time and the process id are unique enough for one machine.
        Err(_) => crate::bundle::package::sha256_hex(
            format!("{:?} {}", std::time::SystemTime::now(), std::process::id()).as_bytes(),
        )[..16]
            .to_string(),
    };
    // Two processes may race here: the first id stored wins for both.
    Ok(k.kiosk_db().setting_or_insert(KIOSK_ID, &id)?)
}

const KIOSK_ID: &str = "kiosk_id";

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
    if let Some(r) = super::session::read_record(k.data_dir().root()) {
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
    metric(
        "motcua_sessions_total",
        "Visits (first touch to idle reset).",
        "counter",
        one(totals.sessions.to_string()),
    );
    metric(
        "motcua_searches_total",
        "Searches citizens settled on.",
        "counter",
        one(totals.searches.to_string()),
    );
    metric(
        "motcua_zero_result_searches_total",
        "Searches that found no procedure.",
        "counter",
        one(totals.zero_result_searches.to_string()),
    );
    metric(
        "motcua_procedure_views_total",
        "Procedure pages opened.",
        "counter",
        one(totals.views.to_string()),
    );
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
