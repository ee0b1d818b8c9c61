//! The staff screen's lock: a PIN checked against the configured hash (through `pin`). Every
//! attempt is recorded in the kiosk database before the PIN is even looked at, so guesses that
//! cannot be counted (a full disk, a read-only database) are refused, and pulling the plug
//! between a guess and its record gains nothing. After each wrong PIN the next attempt waits
//! 1, 2, 4 … seconds, up to `[staff] max_delay_seconds`: guessing stays slow, yet no passer-by can
//! lock the staff out for longer than that. The count and the wait survive a restart.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::KioskDb;

/// The result of one PIN attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinCheck {
    Granted,
    /// Wrong PIN; the next attempt is possible after this long.
    Wrong {
        retry_in: Duration,
    },
    /// Too soon after a wrong PIN: not checked. Try again after this long.
    Wait {
        retry_in: Duration,
    },
    /// The attempt could not be recorded, so it was not checked.
    Unrecorded {
        reason: String,
    },
    /// No PIN is configured: the staff screen is disabled.
    Disabled,
}

/// A PIN on its way to be checked; never printed, even in debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn new(digits: impl Into<String>) -> Pin {
        Pin(digits.into())
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

/// Makes the PHC string to put in `[staff] pin_hash`.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    crate::pin::hash(pin).map_err(|e| e.to_string())
}

const FAILS: &str = "staff.failed_attempts";
const NEXT_ATTEMPT: &str = "staff.next_attempt_at";

/// The wait after the `fails`-th wrong PIN in a row: 1, 2, 4 … seconds, at most `max`.
pub fn delay_after(fails: u32, max: Duration) -> Duration {
    let doubled = 1u64
        .checked_shl(fails.saturating_sub(1))
        .unwrap_or(u64::MAX);
    Duration::from_secs(doubled).min(max)
}

/// Checks a PIN, recording the attempt in `db` first.
pub fn check_pin(
    db: &KioskDb,
    pin_hash: &str,
    max_delay: Duration,
    pin: &str,
    now: DateTime<Utc>,
) -> PinCheck {
    if pin_hash.is_empty() {
        return PinCheck::Disabled;
    }
    let read = |key: &str| db.setting(key).map(Option::unwrap_or_default);
    let (fails, next) = match (read(FAILS), read(NEXT_ATTEMPT)) {
        (Ok(f), Ok(n)) => (f, n),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("staff PIN: cannot read the attempt counter: {e}");
            return PinCheck::Unrecorded {
                reason: e.to_string(),
            };
        }
    };
    // A damaged counter counts as many failures, not as none.
    let fails: u32 = if fails.is_empty() {
        0
    } else {
        fails.parse().unwrap_or(u32::MAX)
    };
    if let Ok(next) = DateTime::parse_from_rfc3339(&next) {
        let wait = (next.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO);
        // A wait longer than the policy allows (a clock set back, a value from an older
        // version) is cut to the longest wait.
        if !wait.is_zero() {
            return PinCheck::Wait {
                retry_in: wait.min(max_delay),
            };
        }
    }
    let fails = fails.saturating_add(1);
    let retry_in = delay_after(fails, max_delay);
    let next = now + chrono::Duration::from_std(retry_in).unwrap_or(chrono::Duration::seconds(600));
    if let Err(e) = db.set_settings(&[
        (FAILS, &fails.to_string()),
        (NEXT_ATTEMPT, &next.to_rfc3339()),
    ]) {
        tracing::error!("staff PIN: cannot record the attempt, refusing it: {e}");
        return PinCheck::Unrecorded {
            reason: e.to_string(),
        };
    }
    if crate::pin::verify(pin, pin_hash) {
        if let Err(e) = db.set_settings(&[(FAILS, "0"), (NEXT_ATTEMPT, "")]) {
            tracing::warn!("staff PIN: right PIN, but the counter could not be reset: {e}");
        }
        return PinCheck::Granted;
    }
    tracing::warn!("staff PIN: wrong PIN ({fails} in a row); next attempt in {retry_in:?}");
    PinCheck::Wrong { retry_in }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(60);

    #[test]
    fn wrong_pins_wait_longer_each_time_up_to_the_cap_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite");
        let hash = hash_pin("2468").expect("hash");
        let mut now = Utc::now();
        let db = KioskDb::open(&path).expect("db");
        assert_eq!(check_pin(&db, &hash, MAX, "2468", now), PinCheck::Granted);
        let mut waits = Vec::new();
        for _ in 0..9 {
            match check_pin(&db, &hash, MAX, "0000", now) {
                PinCheck::Wrong { retry_in } => {
                    // Too soon: refused without a check, even the right PIN.
                    let early = now + chrono::Duration::from_std(retry_in / 2).expect("d");
                    assert!(matches!(
                        check_pin(&db, &hash, MAX, "2468", early),
                        PinCheck::Wait { .. }
                    ));
                    waits.push(retry_in.as_secs());
                    now += chrono::Duration::from_std(retry_in).expect("d");
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        // One more wrong PIN, then a restart: the wait is still there.
        assert!(matches!(
            check_pin(&db, &hash, MAX, "1111", now),
            PinCheck::Wrong { .. }
        ));
        drop(db);
        let db = KioskDb::open(&path).expect("db");
        assert!(matches!(
            check_pin(&db, &hash, MAX, "2468", now),
            PinCheck::Wait { retry_in } if retry_in == MAX
        ));
        let later = now + chrono::Duration::seconds(60);
        assert_eq!(check_pin(&db, &hash, MAX, "2468", later), PinCheck::Granted);
        // The counter starts again after a success.
        assert_eq!(
            check_pin(&db, &hash, MAX, "0000", later),
            PinCheck::Wrong {
                retry_in: Duration::from_secs(1)
            }
        );
        assert_eq!(check_pin(&db, "", MAX, "2468", later), PinCheck::Disabled);
    }

    /// Issue 10 item 2: no stored value and no count of failures may overflow, go negative or
    /// lock for longer than the policy's longest wait.
    #[test]
    fn no_stored_value_locks_longer_than_the_longest_wait() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = KioskDb::open(&dir.path().join("kiosk.sqlite")).expect("db");
        let hash = hash_pin("2468").expect("hash");
        let now = Utc::now();
        for fails in [0, 1, 63, 64, 65, u32::MAX - 1, u32::MAX] {
            assert!(delay_after(fails, MAX) <= MAX, "{fails}");
        }
        assert_eq!(
            delay_after(u32::MAX, Duration::MAX),
            Duration::from_secs(u64::MAX)
        );
        // What an older version or a set-back clock can leave behind.
        db.set_setting(NEXT_ATTEMPT, "9999-12-31T23:59:59+00:00")
            .expect("set");
        db.set_setting(FAILS, &u32::MAX.to_string()).expect("set");
        assert_eq!(
            check_pin(&db, &hash, MAX, "2468", now),
            PinCheck::Wait { retry_in: MAX }
        );
        db.set_setting(NEXT_ATTEMPT, "garbage").expect("set");
        db.set_setting(FAILS, "-5").expect("set");
        assert_eq!(
            check_pin(&db, &hash, MAX, "0000", now),
            PinCheck::Wrong { retry_in: MAX },
            "a damaged counter counts as many failures"
        );
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(check_pin(&db, &hash, MAX, "2468", later), PinCheck::Granted);
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
    /// The data's age against `[updates] stale_after_days`.
    pub age: super::freshness::DataAge,
    /// What the live data's update changed, when its bundle carried a change list.
    pub changes: Option<super::freshness::ChangesView>,
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
            age: self.data_age(Utc::now()),
            changes: self.last_changes(),
        })
    }

    /// Checks a staff PIN against the configuration (tens of milliseconds of argon2: call it
    /// from a worker thread, as `worker::Command::CheckPin` does).
    pub fn check_staff_pin(&self, pin: &str) -> PinCheck {
        let s = &self.config().staff;
        check_pin(
            self.kiosk_db(),
            &s.pin_hash,
            Duration::from_secs(s.max_delay_seconds),
            pin,
            Utc::now(),
        )
    }
}
