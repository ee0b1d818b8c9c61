//! "Gọi cán bộ hỗ trợ": where the kiosk sends a visitor who needs a person (`[help] counter`,
//! with its place from `[[counters]]`), and the signal the office sees: every press is counted
//! in the kiosk database with its time, and the heartbeat is rewritten at once so
//! `motcua_help_requests_total` rises within one scrape (the fleet's `MotcuaHelpRequested`
//! alert, deploy/prometheus) instead of up to a heartbeat period later.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::AppError;
use super::kiosk::Kiosk;

/// Settings keys in the kiosk database: presses ever, and the time of the last one (Unix s).
pub const REQUESTS: &str = "help.requests";
pub const LAST_REQUESTED: &str = "help.last_requested";

/// What the help panel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpView {
    /// The counter to go to; `None`: wait at the kiosk.
    pub counter: Option<u32>,
    /// Where it is and what it takes ("Tầng 1 · Tư pháp – Hộ tịch"); may be empty.
    pub place: String,
    /// Whether a press signals the office.
    pub signals: bool,
}

/// A press, once recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRequested {
    /// Presses ever recorded on this data directory, this one included.
    pub total: u64,
    /// The heartbeat rewritten with it, when the kiosk writes one.
    pub heartbeat: Option<PathBuf>,
}

impl Kiosk {
    /// The help panel for the office's `[help]` settings.
    pub fn help_view(&self) -> HelpView {
        let cfg = self.config();
        let h = &cfg.help;
        let counter = (h.counter != 0).then_some(h.counter);
        let known = counter.and_then(|n| cfg.counters.iter().find(|c| c.number == n));
        let location = if h.location.trim().is_empty() {
            known.map(|c| c.location.trim()).unwrap_or_default()
        } else {
            h.location.trim()
        };
        let label = known.map(|c| c.label.trim()).unwrap_or_default();
        let place = [location, label]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        HelpView {
            counter,
            place,
            signals: h.signal,
        }
    }

    /// Records a press of "Gọi cán bộ hỗ trợ" at `now` and rewrites the heartbeat (when the
    /// office counts presses and the kiosk writes one). Runs on the worker's office thread:
    /// the database may wait on the heartbeat's lock.
    pub fn request_help(
        &self,
        now: DateTime<Utc>,
        uptime_seconds: u64,
    ) -> Result<HelpRequested, AppError> {
        if !self.config().help.signal {
            return Ok(HelpRequested {
                total: self.help_requests()?.0,
                heartbeat: None,
            });
        }
        let db = self.kiosk_db();
        let total = db.add_to_counter(REQUESTS, 1)?;
        db.set_setting(LAST_REQUESTED, &now.timestamp().to_string())?;
        let heartbeat = super::usage::heartbeat_path(self);
        if let Some(path) = &heartbeat {
            super::usage::write_heartbeat(self, path, uptime_seconds)?;
        }
        Ok(HelpRequested { total, heartbeat })
    }

    /// Presses ever recorded, and the time of the last one (Unix seconds).
    pub fn help_requests(&self) -> Result<(u64, Option<i64>), AppError> {
        let db = self.kiosk_db();
        let last = db
            .setting(LAST_REQUESTED)?
            .and_then(|v| v.parse::<i64>().ok());
        Ok((db.counter(REQUESTS)?, last))
    }
}
