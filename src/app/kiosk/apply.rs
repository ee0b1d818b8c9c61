//! Changing the live data: applying a verified bundle (the version floor that keeps a rolled
//! back version from coming back, the refresh history), rolling back, and the keys bundles must
//! be signed with. Every change holds the data directory's writer lock.

use std::path::Path;

use chrono::Utc;

use super::live::Live;
use super::versions::install_version;
use super::{Kiosk, now_string};
use crate::app::AppError;
use crate::bundle::package::{self, Policy};
use crate::bundle::{archive, sign};
use crate::store::{ContentMeta, RefreshOutcome, RefreshRecord, RefreshSource};

/// Whether a bundle no newer than the highest version ever applied (one that was rolled back)
/// may be applied again: only when a staff member chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    Refuse,
    AllowRolledBack,
}

/// The kiosk-database setting holding [`Kiosk::highest_applied`].
const HIGHEST_APPLIED: &str = "data.highest_version";

/// A version within the YYYYMMDDNN scheme, or 0 for one beyond it: such a version, installed
/// before versions were bounded, must not block every bundle that follows it.
fn scheme_or_zero(version: u64) -> u64 {
    if version > package::newest_acceptable_version(Utc::now()) {
        0
    } else {
        version
    }
}

/// Where a bundle being applied came from (kept in the refresh history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Cli,
    Usb,
    Network,
    Seed,
}

impl From<Origin> for RefreshSource {
    fn from(o: Origin) -> RefreshSource {
        match o {
            Origin::Cli => RefreshSource::Cli,
            Origin::Usb => RefreshSource::Usb,
            Origin::Network => RefreshSource::Network,
            Origin::Seed => RefreshSource::Seed,
        }
    }
}

/// Steps of applying a bundle, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Verifying,
    Storing { done: usize, total: usize },
    Indexing,
    Switching,
}

impl Stage {
    /// Overall progress in 0..=1.
    pub fn fraction(self) -> f32 {
        match self {
            Stage::Reading => 0.02,
            Stage::Verifying => 0.1,
            Stage::Storing { done, total } => 0.15 + 0.35 * (done as f32 / total.max(1) as f32),
            Stage::Indexing => 0.55,
            Stage::Switching => 0.95,
        }
    }
}

impl Kiosk {
    /// The keys bundles must be signed with: `extra` (from `--key`) or else the configured ones.
    pub fn trusted_keys(
        &self,
        extra: &[sign::PublicKey],
    ) -> Result<Vec<sign::PublicKey>, AppError> {
        if !extra.is_empty() {
            return Ok(extra.to_vec());
        }
        self.config
            .updates
            .trusted_keys
            .iter()
            .map(|k| sign::parse_public_key(k).map_err(AppError::from))
            .collect()
    }

    /// Reads, verifies and applies a bundle (directory or zip). On any failure the live data
    /// stays exactly as it was; the outcome is written to the refresh history either way.
    pub fn apply_bundle(
        &self,
        path: &Path,
        keys: &[sign::PublicKey],
        origin: Origin,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<ContentMeta, AppError> {
        self.apply_bundle_as(path, keys, origin, Replay::Refuse, progress)
    }

    /// [`Kiosk::apply_bundle`], with the staff's choice about a version that was rolled back.
    pub fn apply_bundle_as(
        &self,
        path: &Path,
        keys: &[sign::PublicKey],
        origin: Origin,
        replay: Replay,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<ContentMeta, AppError> {
        let res = self.apply_bundle_inner(path, keys, replay, progress);
        let (outcome, version, message) = match &res {
            Ok(m) => (
                RefreshOutcome::Applied,
                Some(m.version),
                format!("{}", path.display()),
            ),
            Err(AppError::Bundle(e)) => (RefreshOutcome::Rejected, None, e.to_string()),
            Err(e) => (RefreshOutcome::Failed, None, e.to_string()),
        };
        self.record_refresh(RefreshRecord {
            at: now_string(),
            source: origin.into(),
            outcome,
            version,
            message,
        });
        res
    }

    /// Adds to the refresh history. A history that cannot be written (a full disk) must not turn
    /// the outcome it describes into another: it is logged instead.
    pub(crate) fn record_refresh(&self, record: RefreshRecord) {
        if let Err(e) = self.kiosk_db.log_refresh(&record) {
            tracing::error!(
                "refresh history not written ({e}): {} {} {}",
                record.source.as_str(),
                record.outcome.as_str(),
                record.message
            );
        }
    }

    fn apply_bundle_inner(
        &self,
        path: &Path,
        keys: &[sign::PublicKey],
        replay: Replay,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<ContentMeta, AppError> {
        progress(Stage::Reading);
        let limits = archive::Limits::from_mb(self.config.updates.max_bundle_mb);
        // Streamed: the manifest and signature now, then each file as it is checked and parsed;
        // the bundle is never held whole.
        let mut src = archive::open(path, limits)?;
        progress(Stage::Verifying);
        let keys = self.trusted_keys(keys)?;
        let checked = package::check(
            &mut src,
            &Policy {
                trusted_keys: &keys,
                require_signature: true,
                installed_version: Some(scheme_or_zero(self.live().meta.version)),
                now: Utc::now(),
            },
        )?;
        crate::bundle::content::check_dataset(
            path,
            &checked.dataset,
            &self.config.portal.allowed_link_hosts(),
        )?;
        // Verifying takes a while and changes nothing: only installing holds the lock. Another
        // process may have installed a newer version meanwhile, so the version is checked again.
        let lock = self.dir.lock()?;
        self.follow_disk_locked(&lock)?;
        let version = checked.manifest.version;
        package::check_newer(path, version, scheme_or_zero(self.live().meta.version))?;
        let highest = self.highest_applied();
        if replay == Replay::Refuse && version <= highest {
            return Err(crate::bundle::BundleError::Rejected {
                bundle: path.to_path_buf(),
                message: format!(
                    "version {version} is not newer than version {highest}, the newest this kiosk has applied (data that was rolled back stays refused unless a staff member applies it again on purpose: `motcua import --rolled-back`)"
                ),
            }
            .into());
        }
        let name = install_version(&self.dir, &lock, &checked, &mut src, progress)?;
        let live = Live::open(&self.dir, &name, Some(&lock))?;
        let meta = live.meta.clone();
        self.swap(live);
        self.raise_highest_applied(meta.version);
        Ok(meta)
    }

    /// The highest data version ever applied here: the floor for every later bundle, so a
    /// version that was rolled back is not applied again by replaying its bundle.
    pub fn highest_applied(&self) -> u64 {
        let stored = self
            .kiosk_db
            .setting(HIGHEST_APPLIED)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        scheme_or_zero(stored).max(scheme_or_zero(self.live().meta.version))
    }

    fn raise_highest_applied(&self, version: u64) {
        let stored = self.kiosk_db.setting(HIGHEST_APPLIED).ok().flatten();
        let above = stored
            .and_then(|v| v.parse::<u64>().ok())
            .is_none_or(|h| version > scheme_or_zero(h));
        if above
            && let Err(e) = self
                .kiosk_db
                .set_setting(HIGHEST_APPLIED, &version.to_string())
        {
            tracing::error!("cannot record {version} as the highest version applied: {e}");
        }
    }

    /// Goes back to the previous data version.
    pub fn rollback(&self) -> Result<ContentMeta, AppError> {
        let res = self.rollback_inner();
        let (outcome, version, message) = match &res {
            Ok((meta, name)) => (
                RefreshOutcome::Applied,
                Some(meta.version),
                format!("back to {name}"),
            ),
            Err(e) => (RefreshOutcome::Failed, None, e.to_string()),
        };
        self.record_refresh(RefreshRecord {
            at: now_string(),
            source: RefreshSource::Rollback,
            outcome,
            version,
            message,
        });
        res.map(|(meta, _)| meta)
    }

    fn rollback_inner(&self) -> Result<(ContentMeta, String), AppError> {
        let lock = self.dir.lock()?;
        self.follow_disk_locked(&lock)?;
        let previous = self.dir.previous().ok_or(AppError::NoPrevious)?;
        // Opened before the switch: a previous version that cannot be served is not made current.
        let live = Live::open(&self.dir, &previous, Some(&lock))?;
        let name = self.dir.rollback(&lock)?;
        let meta = live.meta.clone();
        self.swap(live);
        Ok((meta, name))
    }
}
