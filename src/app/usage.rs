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
use crate::store::{UsageEvent, UsageSummary};

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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes `motcua-usage-<date>.csv` (every record) and `motcua-daily-<date>.csv` (per day) into
/// `dir`; returns their paths. UTF-8 with a byte-order mark so spreadsheet programs show the
/// Vietnamese text correctly.
pub fn export_csv(k: &Kiosk, dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    let stamp = Local::now().format("%Y%m%d-%H%M%S");
    let events: Vec<UsageEvent> = k.kiosk_db().usage_events("")?;
    let events_path = dir.join(format!("motcua-usage-{stamp}.csv"));
    let mut out = String::from("\u{feff}kind,at,subject,value,detail\n");
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
    for (d, r) in days {
        out.push_str(&format!(
            "{d},{},{},{},{},{},{},{},{}\n",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
        ));
    }
    write_synced(&daily_path, out.as_bytes())?;
    Ok(vec![events_path, daily_path])
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let mut f = std::fs::File::create(path).map_err(|e| AppError::io(path, e))?;
    f.write_all(bytes).map_err(|e| AppError::io(path, e))?;
    f.sync_all().map_err(|e| AppError::io(path, e))
}

/// The metrics in Prometheus text exposition format (for node_exporter's textfile collector).
pub fn heartbeat_text(
    k: &Kiosk,
    uptime_seconds: u64,
    now: DateTime<Local>,
) -> Result<String, AppError> {
    let live = k.live();
    let usage: UsageSummary = k.kiosk_db().usage("")?;
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
        "motcua_uptime_seconds",
        "Seconds since the kiosk started.",
        "gauge",
        one(uptime_seconds.to_string()),
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
        "When the installed data bundle was created (Unix time).",
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
        "motcua_procedures",
        "Procedures in the installed data.",
        "gauge",
        one(live.content.count()?.to_string()),
    );
    let last = k.kiosk_db().refresh_log(1)?;
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
        "motcua_sessions_total",
        "Visits (first touch to idle reset).",
        "counter",
        one(usage.sessions.to_string()),
    );
    metric(
        "motcua_searches_total",
        "Searches citizens settled on.",
        "counter",
        one(usage.searches.to_string()),
    );
    metric(
        "motcua_zero_result_searches_total",
        "Searches that found no procedure.",
        "counter",
        one(usage.zero_result_searches.to_string()),
    );
    metric(
        "motcua_procedure_views_total",
        "Procedure pages opened.",
        "counter",
        one(usage.views.to_string()),
    );
    metric(
        "motcua_ratings_total",
        "Satisfaction ratings by level (1 Không hài lòng … 4 Rất hài lòng).",
        "counter",
        (1..=4)
            .map(|l| {
                (
                    format!("{{level=\"{l}\"}}"),
                    usage.ratings[l - 1].to_string(),
                )
            })
            .collect(),
    );
    Ok(s)
}

/// Where the heartbeat goes: `[statistics] heartbeat_path`, when set.
pub fn heartbeat_path(cfg: &crate::config::Config) -> Option<PathBuf> {
    let p = &cfg.statistics.heartbeat_path;
    (!p.is_empty()).then(|| PathBuf::from(p))
}

/// Writes the heartbeat file atomically (node_exporter must never read half a file).
pub fn write_heartbeat(k: &Kiosk, path: &Path, uptime_seconds: u64) -> Result<(), AppError> {
    let text = heartbeat_text(k, uptime_seconds, Local::now())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    }
    super::datadir::write_atomic(path, text.as_bytes())
}
