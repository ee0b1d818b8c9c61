//! The kiosk core: the live data version (store + search index) behind a lock that a refresh
//! swaps in one step, the office configuration, and every question the screens and the command
//! line ask of the data. No window needed.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::Utc;

use super::datadir::{CONTENT_DB, DataDir, INDEX_DIR, WriteLock};
use super::view::{ProcedureRow, ProcedureView};
use super::{AppError, seed};
use crate::bundle::package::{self, Policy, Verified};
use crate::bundle::{RawBundle, archive, sign};
use crate::config::Config;
use crate::domain::{
    Dataset, FieldCount, Guide, Hotline, Level, LifeEvent, Procedure, ProcedureSummary,
};
use crate::search::SearchIndex;
use crate::store::{
    ContentDb, ContentMeta, FieldAtLevel, KioskDb, ListFilter, RefreshOutcome, RefreshRecord,
    RefreshSource,
};

/// One installed data version, open and ready to answer.
#[derive(Debug)]
pub struct Live {
    /// The version folder's name.
    pub name: String,
    pub meta: ContentMeta,
    pub content: ContentDb,
    pub index: SearchIndex,
    pub fields: Vec<FieldCount>,
    /// The fields of each level (home fields by the office's level, the browse level filter).
    pub fields_by_level: Vec<(Level, Vec<FieldAtLevel>)>,
    /// How often procedures of each field were opened on this kiosk lately, most first (set with
    /// the search prior, off the UI thread).
    pub field_views: RwLock<Vec<(String, u64)>>,
    pub life_events: Vec<LifeEvent>,
    pub hotlines: Vec<Hotline>,
    pub guides: Vec<Guide>,
    pub featured: Vec<String>,
    /// The bundle's change list, when it carried one.
    pub changes: Option<crate::domain::changes::Changes>,
    /// The day each procedure changed, for those that changed lately ("Mới cập nhật").
    pub recent: std::collections::HashMap<String, chrono::NaiveDate>,
}

impl Live {
    /// The fields with procedures at `level` and their counts there, as loaded with the data.
    pub fn fields_at(&self, level: Level) -> &[FieldAtLevel] {
        self.fields_by_level
            .iter()
            .find(|(l, _)| *l == level)
            .map_or(&[], |(_, f)| f.as_slice())
    }

    /// Opens an installed version. `lock` is the writer lock when the caller holds it; a
    /// version whose index must be rebuilt takes it otherwise (rebuilding writes in the folder).
    fn open(dd: &DataDir, name: &str, lock: Option<&WriteLock>) -> Result<Live, AppError> {
        let dir = dd.version_path(name);
        let content = ContentDb::open(&dir.join(CONTENT_DB))?;
        let index = match SearchIndex::open(&dir.join(INDEX_DIR)) {
            Ok(i) => i,
            Err(e) => {
                // The index is derived data: rebuild it from the store rather than fail.
                tracing::warn!("search index of {name} unusable ({e}); rebuilding from the store");
                let taken;
                let _lock = match lock {
                    Some(l) => l,
                    None => {
                        taken = dd.lock()?;
                        &taken
                    }
                };
                // Another process may have rebuilt it while this one waited for the lock.
                match SearchIndex::open(&dir.join(INDEX_DIR)) {
                    Ok(i) => i,
                    Err(_) => {
                        rebuild_index(&dir, &content)?;
                        SearchIndex::open(&dir.join(INDEX_DIR))?
                    }
                }
            }
        };
        let changes = content.changes()?;
        let cutoff = super::freshness::recent_cutoff(chrono::Local::now().date_naive());
        let recent = super::freshness::recent_dates(
            changes.as_ref(),
            &content.updated_since(&cutoff.format("%Y-%m-%d").to_string())?,
            cutoff,
        );
        Ok(Live {
            name: name.to_string(),
            meta: content.meta()?,
            fields: content.fields()?,
            fields_by_level: Level::ALL
                .into_iter()
                .map(|l| Ok((l, content.fields_at(l)?)))
                .collect::<Result<_, crate::store::StoreError>>()?,
            field_views: RwLock::default(),
            life_events: content.life_events()?,
            hotlines: content.hotlines()?,
            guides: content.guides()?,
            featured: content.featured()?,
            changes,
            recent,
            content,
            index,
        })
    }
}

/// Builds the version's search index afresh from its store, beside the old one, and switches
/// to it with a rename.
fn rebuild_index(dir: &Path, content: &ContentDb) -> Result<(), AppError> {
    let rebuilt = dir.join("index.rebuild");
    if rebuilt.exists() {
        std::fs::remove_dir_all(&rebuilt).map_err(|e| AppError::io(&rebuilt, e))?;
    }
    std::fs::create_dir_all(&rebuilt).map_err(|e| AppError::io(&rebuilt, e))?;
    SearchIndex::build(&rebuilt, &content.dataset()?)?;
    super::datadir::sync_tree(&rebuilt)?;
    let target = dir.join(INDEX_DIR);
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| AppError::io(&target, e))?;
    }
    std::fs::rename(&rebuilt, &target).map_err(|e| AppError::io(&target, e))?;
    super::datadir::sync_dir(dir)?;
    Ok(())
}

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

#[derive(Debug)]
pub struct Kiosk {
    dir: DataDir,
    config: Config,
    kiosk_db: KioskDb,
    live: RwLock<Arc<Live>>,
    /// Held while the live index is rebuilt after a search found it inconsistent.
    rebuild: Mutex<()>,
}

fn now_string() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Kiosk {
    /// Opens the data directory, falling back from a damaged current version to the previous
    /// one (from a `CURRENT` naming nothing usable to the newest complete version), and seeding
    /// the built-in data only when no installed version can be opened. A read-only directory is
    /// served as it is; a kiosk database that cannot be opened (read-only, full disk) is kept in
    /// memory until the next start.
    pub fn open(data_dir: &Path, config: Config) -> Result<Kiosk, AppError> {
        Self::open_seeded(data_dir, config, || {
            seed::raw().map_err(|e| AppError::DefaultData(e.to_string()))
        })
    }

    /// How the kiosk window starts: bad configuration or data never keeps it from showing
    /// something. A configuration file that is refused is logged and the reference configuration
    /// serves; a data directory that cannot be opened is kept for inspection and the built-in data
    /// is served from a `recovery` folder inside it (one folder, reused by every later boot).
    pub fn open_for_window(data_dir: &Path, config: Option<&Path>) -> Result<Kiosk, AppError> {
        let reference = || Config::reference().map_err(AppError::from);
        let config = match config.map(Config::load) {
            None => reference()?,
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                tracing::error!(
                    "configuration refused, running on the reference configuration: {e}"
                );
                reference()?
            }
        };
        match Kiosk::open(data_dir, config.clone()) {
            Ok(k) => Ok(k),
            Err(e) => {
                // One recovery folder, reused by every later boot on the same broken directory.
                let fresh = data_dir.join("recovery");
                tracing::error!(
                    "data directory {} unusable ({e}); starting on the built-in data in {}",
                    data_dir.display(),
                    fresh.display()
                );
                Kiosk::open(&fresh, config)
            }
        }
    }

    /// Like [`Kiosk::open`], seeding an empty data directory from `seed` instead of the
    /// built-in data (tests use a small bundle).
    pub fn open_with_seed(
        data_dir: &Path,
        config: Config,
        seed: impl FnOnce() -> RawBundle,
    ) -> Result<Kiosk, AppError> {
        Self::open_seeded(data_dir, config, || Ok(seed()))
    }

    fn open_seeded(
        data_dir: &Path,
        config: Config,
        seed: impl FnOnce() -> Result<RawBundle, AppError>,
    ) -> Result<Kiosk, AppError> {
        let dir = DataDir::open(data_dir)?;
        let kiosk_db = match KioskDb::open(&dir.kiosk_db()) {
            Ok(db) => db,
            Err(e) => {
                // A full or read-only disk must not keep the data from the screen.
                tracing::error!(
                    "{e}: the refresh history, statistics and PIN attempts are kept in memory until the next start"
                );
                KioskDb::open(Path::new(":memory:"))?
            }
        };
        tidy_inbox(&dir, &config);
        let live = match open_installed(&dir)? {
            Some(l) => l,
            None => {
                let lock = dir.lock()?;
                // Another process may have seeded it while this one waited for the lock.
                match open_installed(&dir)? {
                    Some(l) => l,
                    None => {
                        let verified = Self::verify_seed(&seed()?)?;
                        let name = install_version(&dir, &lock, &verified, &mut |_| {})?;
                        let _ = kiosk_db.log_refresh(&RefreshRecord {
                            at: now_string(),
                            source: RefreshSource::Seed,
                            outcome: RefreshOutcome::Applied,
                            version: Some(verified.manifest.version),
                            message: "built-in default data".into(),
                        });
                        Live::open(&dir, &name, Some(&lock))?
                    }
                }
            }
        };
        let kiosk = Kiosk {
            dir,
            config,
            kiosk_db,
            live: RwLock::new(Arc::new(live)),
            rebuild: Mutex::new(()),
        };
        super::usage::refresh_search_prior(&kiosk);
        Ok(kiosk)
    }

    fn verify_seed(raw: &RawBundle) -> Result<Verified, AppError> {
        package::verify(
            raw,
            &Policy {
                trusted_keys: &[],
                require_signature: false,
                installed_version: None,
                now: Utc::now(),
            },
        )
        .map_err(|e| AppError::DefaultData(e.to_string()))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    pub fn kiosk_db(&self) -> &KioskDb {
        &self.kiosk_db
    }

    /// The live data version. Hold the `Arc` for the length of one request: a refresh swaps in
    /// a new version without disturbing requests already running.
    pub fn live(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn swap(&self, live: Live) {
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(live);
        super::usage::refresh_search_prior(self);
    }

    /// Rebuilds the live version's search index from its store and swaps it in, after a search
    /// found the index inconsistent with itself. Searches already running keep the old one.
    pub(crate) fn rebuild_live_index(&self, damaged: &Arc<Live>) -> Result<(), AppError> {
        let _one_at_a_time = self.rebuild.lock().unwrap_or_else(|p| p.into_inner());
        if !Arc::ptr_eq(&self.live(), damaged) {
            return Ok(()); // Another search rebuilt it, or a refresh replaced it.
        }
        let lock = self.dir.lock()?;
        rebuild_index(&self.dir.version_path(&damaged.name), &damaged.content)?;
        self.swap(Live::open(&self.dir, &damaged.name, Some(&lock))?);
        Ok(())
    }

    /// Serves the version `CURRENT` names when another process (`motcua import`, `rollback`)
    /// switched it; `Some` with its metadata when the live data changed. The watch thread calls
    /// this every tick: it costs one small read and one stat while nothing changes.
    pub fn follow_disk(&self) -> Result<Option<ContentMeta>, AppError> {
        if self.dir.current().is_none_or(|c| c == self.live().name) {
            return Ok(None);
        }
        // A writer at work (this process's own apply included) finishes before the switch is
        // followed; a directory the lock cannot even be opened in is only read.
        let lock = match self.dir.try_lock() {
            Ok(None) => return Ok(None),
            Ok(Some(l)) => Some(l),
            Err(_) => None,
        };
        let Some(current) = self.dir.current().filter(|c| *c != self.live().name) else {
            return Ok(None);
        };
        let live = Live::open(&self.dir, &current, lock.as_ref())?;
        let meta = live.meta.clone();
        tracing::info!(
            "data version {} ({current}) was installed by another process; serving it",
            meta.version
        );
        self.swap(live);
        Ok(Some(meta))
    }

    /// Under the writer lock: makes the live data the version on disk, which another process
    /// may have changed since this one last looked.
    fn follow_disk_locked(&self, lock: &WriteLock) -> Result<(), AppError> {
        if let Some(current) = self.dir.current()
            && current != self.live().name
        {
            self.swap(Live::open(&self.dir, &current, Some(lock))?);
        }
        Ok(())
    }

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
        let raw = archive::read(path, limits)?;
        progress(Stage::Verifying);
        let keys = self.trusted_keys(keys)?;
        let verified = package::verify(
            &raw,
            &Policy {
                trusted_keys: &keys,
                require_signature: true,
                installed_version: Some(scheme_or_zero(self.live().meta.version)),
                now: Utc::now(),
            },
        )?;
        crate::bundle::content::check_dataset(
            &raw.path,
            &verified.dataset,
            &self.config.portal.allowed_link_hosts(),
        )?;
        // Verifying takes a while and changes nothing: only installing holds the lock. Another
        // process may have installed a newer version meanwhile, so the version is checked again.
        let lock = self.dir.lock()?;
        self.follow_disk_locked(&lock)?;
        let version = verified.manifest.version;
        package::check_newer(&raw.path, version, scheme_or_zero(self.live().meta.version))?;
        let highest = self.highest_applied();
        if replay == Replay::Refuse && version <= highest {
            return Err(crate::bundle::BundleError::Rejected {
                bundle: raw.path.clone(),
                message: format!(
                    "version {version} is not newer than version {highest}, the newest this kiosk has applied (data that was rolled back stays refused unless a staff member applies it again on purpose: `motcua import --rolled-back`)"
                ),
            }
            .into());
        }
        let name = install_version(&self.dir, &lock, &verified, progress)?;
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

    pub fn procedure(&self, code: &str) -> Result<Option<Procedure>, AppError> {
        Ok(self.live().content.procedure(code)?)
    }

    /// The procedure page: the record, its QR link and its counter.
    pub fn procedure_view(&self, code: &str) -> Result<Option<ProcedureView>, AppError> {
        let Some(p) = self.procedure(code)? else {
            return Ok(None);
        };
        let link = p.portal_link(
            &self.config.portal.procedure_base,
            &self.config.portal.search_url,
        );
        let counter = self.config.counter_for(&p.fields);
        let sentence = |lead: &str| {
            counter.map(|c| {
                let mut s = format!("{lead} {}", c.number);
                if !c.location.is_empty() {
                    s.push_str(&format!(" ({})", c.location));
                }
                s
            })
        };
        let mut view = ProcedureView::new(&p, link, sentence("Nộp hồ sơ tại quầy số"));
        view.counter_en = sentence("Submit your dossier at counter");
        view.recently_updated = self.is_recent(&p.code, chrono::Local::now().date_naive());
        Ok(Some(view))
    }

    pub fn list(&self, filter: &ListFilter) -> Result<Vec<ProcedureRow>, AppError> {
        Ok(self
            .live()
            .content
            .list(filter)?
            .iter()
            .map(row_from_summary)
            .collect())
    }

    /// The home screen's "most used": the kiosk's own most viewed when it has enough history,
    /// else the list the data ships with.
    pub fn featured(&self, limit: usize) -> Result<Vec<ProcedureRow>, AppError> {
        let live = self.live();
        let codes: Vec<String> = live.featured.iter().take(limit).cloned().collect();
        let mut rows: Vec<ProcedureRow> = live
            .content
            .summaries(&codes)?
            .iter()
            .map(row_from_summary)
            .collect();
        self.mark_recent(&mut rows, chrono::Local::now().date_naive());
        Ok(rows)
    }

    /// The office's own hotlines first, then the national ones from the data.
    pub fn hotlines(&self) -> Vec<Hotline> {
        let mut v = self.config.hotlines.clone();
        v.extend(self.live().hotlines.iter().cloned());
        v
    }

    pub fn guides(&self) -> Vec<Guide> {
        self.live().guides.clone()
    }

    pub fn fields(&self) -> Vec<FieldCount> {
        self.live().fields.clone()
    }

    pub fn life_events(&self) -> Vec<LifeEvent> {
        self.live().life_events.clone()
    }

    /// The whole live dataset (for exports and benchmarks).
    pub fn dataset(&self) -> Result<Dataset, AppError> {
        Ok(self.live().content.dataset()?)
    }
}

/// Deletes what failed or killed downloads left in `inbox/` (keeping a partial download the
/// next network check can resume), unless another process is downloading there now.
fn tidy_inbox(dir: &DataDir, config: &Config) {
    if let Ok(Some(_downloading)) = dir.try_lock_inbox() {
        let limit = config.updates.max_bundle_mb.saturating_mul(1024 * 1024);
        let url = &config.updates.network_url;
        if let Err(e) = crate::net::tidy(&dir.inbox(), url, limit, !url.is_empty()) {
            tracing::warn!("cleaning {}: {e}", dir.inbox().display());
        }
    }
}

/// The current version, else the previous one (made current again), opened; `None` when neither
/// is usable. Switching back to the previous version is a change: it takes the writer lock.
fn open_installed(dir: &DataDir) -> Result<Option<Live>, AppError> {
    let current = dir.current();
    let previous = dir.previous();
    // A damaged current version falls back to the previous one. A `CURRENT` that names nothing
    // usable (garbage, a missing version) says nothing about `PREVIOUS` either: the newest
    // complete version is then the best guess of what was live. Either way every complete
    // version is a candidate before the built-in data is seeded over them.
    let mut candidates: Vec<String> = match &current {
        Some(c) => std::iter::once(c.clone()).chain(previous.clone()).collect(),
        None => Vec::new(),
    };
    for name in dir.ready_versions() {
        if !candidates.contains(&name) {
            candidates.push(name);
        }
    }
    for name in &candidates {
        match Live::open(dir, name, None) {
            Ok(l) => {
                if current.as_deref() != Some(name.as_str()) {
                    tracing::warn!("current data unusable; serving version {name}");
                    repoint(dir, current.as_deref(), previous.as_deref(), name);
                }
                return Ok(Some(l));
            }
            Err(e) => tracing::error!("data version {name} cannot be opened: {e}"),
        }
    }
    Ok(None)
}

/// Points `CURRENT` at the version being served instead of an unusable one, deleting nothing.
/// Best effort: on a read-only or full disk the version is served all the same and the repair is
/// tried again at the next start.
fn repoint(dir: &DataDir, current: Option<&str>, previous: Option<&str>, serving: &str) {
    let repaired = dir.lock().and_then(|lock| {
        // Unless another process switched it meanwhile.
        if dir.current().as_deref() != current {
            return Ok(());
        }
        if current.is_some() && previous == Some(serving) {
            dir.rollback(&lock).map(drop)
        } else {
            dir.point_current(&lock, serving)
        }
    });
    if let Err(e) = repaired {
        tracing::warn!("CURRENT not repaired ({e}); serving {serving} all the same");
    }
}

pub fn row_from_summary(s: &ProcedureSummary) -> ProcedureRow {
    ProcedureRow {
        code: s.code.clone(),
        name: s.name.clone(),
        subtitle: super::view::subtitle(&s.fields, &s.levels),
        subtitle_en: super::view::subtitle_en(&s.fields, &s.levels),
        has_detail: s.has_detail,
        online: s.online,
        recent: false,
    }
}

/// Builds a verified bundle's store and index in a staging folder beside the live data, then
/// switches to it atomically. Returns the new version's folder name.
pub fn install_version(
    dir: &DataDir,
    lock: &WriteLock,
    v: &Verified,
    progress: &mut dyn FnMut(Stage),
) -> Result<String, AppError> {
    let name = format!(
        "v{}-{}",
        v.manifest.version,
        Utc::now().format("%Y%m%dT%H%M%S%3f")
    );
    let staging = dir.new_staging(lock, &name)?;
    let built = build_version(v, &staging, progress).and_then(|()| {
        progress(Stage::Switching);
        dir.install(lock, &staging, &name)
    });
    if let Err(e) = built {
        // A failed build must not keep its half-written folder (on a full disk it is what
        // fills it) until the next start.
        for left in [staging, dir.version_path(&name)] {
            if left.exists()
                && dir.current().as_deref() != Some(name.as_str())
                && let Err(r) = std::fs::remove_dir_all(&left)
            {
                tracing::error!(
                    "cannot remove {} after a failed import: {r}",
                    left.display()
                );
            }
        }
        return Err(e);
    }
    Ok(name)
}

/// The store and the index of a verified bundle, in `staging`.
fn build_version(
    v: &Verified,
    staging: &Path,
    progress: &mut dyn FnMut(Stage),
) -> Result<(), AppError> {
    let meta = ContentMeta {
        version: v.manifest.version,
        created: v.manifest.created.to_rfc3339(),
        expires: v.manifest.expires.map(|e| e.to_rfc3339()),
        publisher: v.manifest.publisher.clone(),
        description: v.manifest.description.clone(),
        manifest_sha256: v.manifest_sha256.clone(),
        imported_at: now_string(),
    };
    drop(ContentDb::create(
        &staging.join(CONTENT_DB),
        &v.dataset,
        &meta,
        &mut |done, total| progress(Stage::Storing { done, total }),
    )?);
    progress(Stage::Indexing);
    let index_dir = staging.join(INDEX_DIR);
    std::fs::create_dir_all(&index_dir).map_err(|e| AppError::io(&index_dir, e))?;
    drop(SearchIndex::build(&index_dir, &v.dataset)?);
    Ok(())
}
