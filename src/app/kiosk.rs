//! The kiosk core: the live data version (store + search index) behind a lock that a refresh
//! swaps in one step, the office configuration, and every question the screens and the command
//! line ask of the data. No window needed. `live`: one version opened for serving; `apply`:
//! applying bundles and rolling back; `versions`: building versions on disk and choosing the one
//! to serve at start.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::Utc;

use super::datadir::{DataDir, WriteLock};
use super::view::{ProcedureRow, ProcedureView};
use super::{AppError, seed};
use crate::bundle::RawBundle;
use crate::bundle::package::{self, Checked, Policy};
use crate::config::Config;
use crate::domain::{Dataset, FieldCount, Guide, Hotline, LifeEvent, Procedure, ProcedureSummary};
use crate::store::{
    ContentMeta, KioskDb, ListFilter, RefreshOutcome, RefreshRecord, RefreshSource,
};

mod apply;
mod live;
mod versions;

pub use apply::{Origin, Replay, Stage};
pub use live::Live;
use live::rebuild_index;
pub use versions::install_version;
use versions::open_installed;

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
                        let raw = seed()?;
                        let mut src = &raw;
                        let checked = Self::check_seed(&mut src)?;
                        let name = install_version(&dir, &lock, &checked, &mut src, &mut |_| {})
                            .map_err(|e| match e {
                                AppError::Bundle(b) => AppError::DefaultData(b.to_string()),
                                other => other,
                            })?;
                        let _ = kiosk_db.log_refresh(&RefreshRecord {
                            at: now_string(),
                            source: RefreshSource::Seed,
                            outcome: RefreshOutcome::Applied,
                            version: Some(checked.manifest.version),
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

    fn check_seed(raw: &mut &RawBundle) -> Result<Checked, AppError> {
        package::check(
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
