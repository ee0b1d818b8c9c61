//! What the kiosk records about its use, and what it reports: a visit (session) from the first
//! touch to the idle reset, the query a citizen settled on, the procedures opened, and the
//! optional satisfaction rating. Nothing identifies a person.
//!
//! This file owns the counting ([`Recorder`], [`Note`], [`Rating`]), the kiosk's own use as the
//! search's popularity prior, and the kiosk's random identity ([`kiosk_id`]). `export` writes the
//! CSV exports for the province and their manifest; `heartbeat` the Prometheus textfile for fleet
//! monitoring and the device states it reports.

mod export;
mod heartbeat;

use std::sync::Mutex;
use std::time::Instant;

use chrono::Local;

use super::AppError;
use super::kiosk::Kiosk;

pub use export::{
    EVENTS_HEADER, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, ExportData, ExportFile, ExportKiosk,
    ExportManifest, export_csv,
};
pub use heartbeat::{
    Devices, REFRESH_FAILURES, STARTS, heartbeat_path, heartbeat_text, read_devices,
    record_devices, write_heartbeat,
};

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
