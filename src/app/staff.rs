//! The staff screen's lock: a PIN checked against an argon2 hash from the configuration, with a
//! lockout after repeated failures that survives a restart (the counters live in the kiosk
//! database).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};

use crate::store::KioskDb;

/// The result of one PIN attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinCheck {
    Granted,
    /// Wrong PIN; this many attempts remain before the lockout.
    Wrong {
        attempts_left: u32,
    },
    /// Locked until this time.
    Locked {
        until: DateTime<Utc>,
    },
    /// No PIN is configured: the staff screen is disabled.
    Disabled,
}

/// Makes the PHC string to put in `[staff] pin_hash`.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err("a PIN is at least 4 digits".into());
    }
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

const FAILS: &str = "staff.failed_attempts";
const LOCKED_UNTIL: &str = "staff.locked_until";

/// Checks a PIN, counting failures in `db`.
pub fn check_pin(
    db: &KioskDb,
    pin_hash: &str,
    max_attempts: u32,
    lockout_minutes: u64,
    pin: &str,
    now: DateTime<Utc>,
) -> PinCheck {
    if pin_hash.is_empty() {
        return PinCheck::Disabled;
    }
    if let Some(until) = db
        .setting(LOCKED_UNTIL)
        .ok()
        .flatten()
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
        && until > now
    {
        return PinCheck::Locked { until };
    }
    let ok = PasswordHash::new(pin_hash)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    if ok {
        let _ = db.set_setting(FAILS, "0");
        let _ = db.set_setting(LOCKED_UNTIL, "");
        return PinCheck::Granted;
    }
    let fails = db
        .setting(FAILS)
        .ok()
        .flatten()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    if fails >= max_attempts {
        let until = now + chrono::Duration::minutes(lockout_minutes as i64);
        let _ = db.set_setting(FAILS, "0");
        let _ = db.set_setting(LOCKED_UNTIL, &until.to_rfc3339());
        tracing::warn!("staff PIN: {fails} wrong attempts, locked until {until}");
        PinCheck::Locked { until }
    } else {
        let _ = db.set_setting(FAILS, &fails.to_string());
        PinCheck::Wrong {
            attempts_left: max_attempts - fails,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_lockout_survives_reopening_the_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite");
        let hash = hash_pin("2468").expect("hash");
        assert!(hash_pin("12").is_err());
        let now = Utc::now();
        let db = KioskDb::open(&path).expect("db");
        assert_eq!(check_pin(&db, &hash, 3, 15, "2468", now), PinCheck::Granted);
        assert_eq!(
            check_pin(&db, &hash, 3, 15, "0000", now),
            PinCheck::Wrong { attempts_left: 2 }
        );
        assert_eq!(
            check_pin(&db, &hash, 3, 15, "1111", now),
            PinCheck::Wrong { attempts_left: 1 }
        );
        assert!(matches!(
            check_pin(&db, &hash, 3, 15, "2222", now),
            PinCheck::Locked { .. }
        ));
        drop(db);
        let db = KioskDb::open(&path).expect("db");
        // Even the right PIN is refused while locked …
        assert!(matches!(
            check_pin(&db, &hash, 3, 15, "2468", now),
            PinCheck::Locked { .. }
        ));
        // … and accepted after the lockout.
        let later = now + chrono::Duration::minutes(16);
        assert_eq!(
            check_pin(&db, &hash, 3, 15, "2468", later),
            PinCheck::Granted
        );
        assert_eq!(check_pin(&db, "", 3, 15, "2468", later), PinCheck::Disabled);
    }
}

/// Everything the staff screen shows.
#[derive(Debug, Clone)]
pub struct StaffStatus {
    pub data_version: u64,
    pub data_created: String,
    /// Whole days since the data bundle was created.
    pub data_age_days: i64,
    pub imported_at: String,
    pub procedures: u64,
    pub with_detail: u64,
    /// The version one tap on "rollback" would bring back.
    pub previous_version: Option<u64>,
    pub network: super::refresh::NetworkStatus,
    pub usb: Vec<super::refresh::UsbBundle>,
    pub history: Vec<crate::store::RefreshRecord>,
    /// Usage over the last 30 days.
    pub usage: crate::store::UsageSummary,
}

impl super::kiosk::Kiosk {
    pub fn staff_status(
        &self,
        usb: Vec<super::refresh::UsbBundle>,
    ) -> Result<StaffStatus, super::AppError> {
        let live = self.live();
        let stats = live.content.stats()?;
        let created = DateTime::parse_from_rfc3339(&live.meta.created)
            .map(|d| d.with_timezone(&Utc))
            .ok();
        let previous_version = self.data_dir().previous().and_then(|name| {
            crate::store::ContentDb::open(
                &self
                    .data_dir()
                    .version_path(&name)
                    .join(super::datadir::CONTENT_DB),
            )
            .and_then(|db| db.meta())
            .map(|m| m.version)
            .ok()
        });
        let since = (chrono::Local::now() - chrono::Duration::days(30))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        Ok(StaffStatus {
            data_version: live.meta.version,
            data_created: created
                .map(|c| {
                    c.with_timezone(&chrono::Local)
                        .format("%d/%m/%Y %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            data_age_days: created.map_or(0, |c| (Utc::now() - c).num_days()),
            imported_at: DateTime::parse_from_rfc3339(&live.meta.imported_at)
                .map(|d| {
                    d.with_timezone(&chrono::Local)
                        .format("%d/%m/%Y %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            procedures: stats.procedures,
            with_detail: stats.with_detail,
            previous_version,
            network: self.network_status(),
            usb,
            history: self.kiosk_db().refresh_log(8)?,
            usage: self.kiosk_db().usage(&since)?,
        })
    }

    /// Checks a staff PIN against the configuration, with the lockout.
    pub fn check_staff_pin(&self, pin: &str) -> PinCheck {
        let s = &self.config().staff;
        check_pin(
            self.kiosk_db(),
            &s.pin_hash,
            s.max_attempts,
            s.lockout_minutes,
            pin,
            Utc::now(),
        )
    }
}
