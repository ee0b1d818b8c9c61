//! Background work, off the UI thread. Searches run on their own thread so a long refresh never
//! delays a keystroke; when several searches queue up only the newest runs (older generations are
//! stale by definition). Long jobs (applying a bundle, rollback, network checks) run on a second
//! thread; staff PIN checks (argon2, tens of milliseconds) on a third, so a PIN is never stuck
//! behind a download; the short office work the window asks for (the staff status, the
//! statistics export with fsync, usage records that may wait on the heartbeat's database lock,
//! help requests) on a fourth, so none of it ever runs on the UI thread nor waits behind a long
//! job.
//! Results go back through a sink the UI turns into event-loop callbacks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use super::kiosk::{Kiosk, Origin, Stage};
use super::screen::search::SearchView;
use super::screen::staff::StaffView;
use super::search::SearchRequest;
use super::usage::{Note, Recorder};
pub use crate::store::ContentMeta;

/// What the UI asks for.
#[derive(Debug, Clone)]
pub enum Command {
    Search {
        generation: u64,
        request: SearchRequest,
    },
    ApplyBundle {
        path: PathBuf,
        origin: Origin,
    },
    Rollback,
    /// Pull the network source now (the schedule also sends this).
    CheckNetwork,
    /// Check a staff PIN (answered by `Event::PinChecked`).
    CheckPin(super::staff::Pin),
    /// Gather the staff screen, with the USB bundles the window knows of.
    StaffStatus {
        usb: Vec<super::refresh::UsbBundle>,
    },
    /// Write the usage statistics to the first USB stick found.
    ExportStats,
    /// Count something a citizen did.
    Record(Note),
    /// "Gọi cán bộ hỗ trợ" was pressed: count it and rewrite the heartbeat (answered by
    /// `Event::HelpRequested`).
    RequestHelp,
}

/// What comes back.
#[derive(Debug, Clone)]
pub enum Event {
    SearchDone {
        generation: u64,
        result: Result<Arc<SearchView>, String>,
    },
    Progress {
        fraction: f32,
        stage: Stage,
    },
    ApplyDone {
        result: Result<ContentMeta, String>,
    },
    /// A network check finished (the staff screen shows it; a new version also sends
    /// `ApplyDone`).
    NetworkChecked {
        result: Result<super::refresh::NetworkOutcome, String>,
    },
    /// The bundles on USB sticks changed (a stick was inserted or removed).
    UsbBundles(Vec<super::refresh::UsbBundle>),
    /// The answer to `Command::CheckPin`.
    PinChecked(super::staff::PinCheck),
    StaffStatus(Result<Box<StaffView>, String>),
    /// The statistics export finished: the folder written, or `None` when no stick was there.
    Exported(Result<Option<PathBuf>, String>),
    /// The answer to `Command::RequestHelp`.
    HelpRequested(Result<super::help::HelpRequested, String>),
    /// From the kiosk's voice (its own thread, `app::read_aloud`).
    Voice(super::read_aloud::VoiceEvent),
    /// From the receipt printer (its own thread, `app::receipt`).
    Printer(super::receipt::PrinterEvent),
}

type Sink = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Debug)]
pub struct Worker {
    search_tx: Option<Sender<(u64, SearchRequest)>>,
    task_tx: Option<Sender<Command>>,
    pin_tx: Option<Sender<Command>>,
    office_tx: Option<Sender<Command>>,
    stop_tx: Option<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

/// Timed duties: following a data version installed by another process, watching for USB sticks, the network schedule, the heartbeat file and the
/// statistics retention. Runs until the worker is dropped.
fn watch_loop(
    kiosk: Arc<Kiosk>,
    recorder: Arc<super::usage::Recorder>,
    tasks: Sender<Command>,
    stop: Receiver<()>,
    sink: Sink,
) {
    use std::time::{Duration, Instant};
    let mut cfg = kiosk.config().clone();
    if super::session::duties_by_timer() {
        // motcua-refresh.timer does these, so the kiosk unit can run without network access.
        cfg.updates.network_url.clear();
        cfg.statistics.heartbeat_path.clear();
    }
    let tick = Duration::from_secs(2);
    // The configuration bounds these; saturating arithmetic keeps a value that slipped past
    // (a configuration built in code) from killing this thread.
    let net_every = Duration::from_secs(cfg.updates.check_every_minutes.max(1).saturating_mul(60));
    let beat_every = Duration::from_secs(cfg.statistics.heartbeat_every_seconds.max(1));
    let after = |now: Instant, d: Duration| {
        now.checked_add(d)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
    };
    let prune_every = Duration::from_secs(24 * 3600);
    let heartbeat = super::usage::heartbeat_path(&kiosk);
    let prior_every = Duration::from_secs(10 * 60);
    let mut last_mounts = None;
    let mut last_usb: Option<Vec<super::refresh::UsbBundle>> = None;
    let mut usb_cache = super::refresh::UsbCache::default();
    let mut last_scan = Instant::now() - Duration::from_secs(3600);
    // The first network check waits a minute so start-up stays quick.
    let mut next_net = Instant::now() + Duration::from_secs(60);
    let mut next_beat = Instant::now();
    let mut next_prune = Instant::now();
    let mut next_prior = Instant::now() + prior_every;
    let mut follow_error = None;
    loop {
        match stop.recv_timeout(tick) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let now = Instant::now();
        // `motcua import` or `rollback` run beside the kiosk switch CURRENT on disk.
        match kiosk.follow_disk() {
            Ok(Some(meta)) => sink(Event::ApplyDone { result: Ok(meta) }),
            Ok(None) => follow_error = None,
            Err(e) => {
                let e = e.to_string();
                if follow_error.as_ref() != Some(&e) {
                    tracing::error!("the data version installed on disk cannot be opened: {e}");
                    follow_error = Some(e);
                }
            }
        }
        // notify cannot see mounts: poll the mount table, and rescan the roots now and then for
        // sticks that were mounted without changing it (bind mounts, automounters).
        let mounts = super::refresh::read_mountinfo();
        if last_mounts.as_ref() != Some(&mounts) || now - last_scan > Duration::from_secs(10) {
            last_mounts = Some(mounts);
            last_scan = now;
            let found = kiosk.usb_bundles_cached(&mut usb_cache);
            if last_usb.as_ref() != Some(&found) {
                sink(Event::UsbBundles(found.clone()));
                last_usb = Some(found);
            }
        }
        if !cfg.updates.network_url.is_empty() && now >= next_net {
            next_net = after(now, net_every);
            let _ = tasks.send(Command::CheckNetwork);
        }
        if let Some(path) = &heartbeat
            && now >= next_beat
        {
            next_beat = after(now, beat_every);
            if let Err(e) = super::usage::write_heartbeat(&kiosk, path, recorder.uptime_seconds()) {
                tracing::warn!("heartbeat {}: {e}", path.display());
            }
        }
        if cfg.statistics.enabled && now >= next_prior {
            next_prior = now + prior_every;
            super::usage::refresh_search_prior(&kiosk);
        }
        if cfg.statistics.enabled && now >= next_prune {
            next_prune = after(now, prune_every);
            if let Err(e) = recorder.prune(&kiosk) {
                tracing::warn!("statistics retention: {e}");
            }
        }
    }
}

fn search_loop(kiosk: Arc<Kiosk>, rx: Receiver<(u64, SearchRequest)>, sink: Sink) {
    while let Ok(mut job) = rx.recv() {
        // Keep only the newest request waiting in the queue.
        while let Ok(newer) = rx.try_recv() {
            job = newer;
        }
        let (generation, request) = job;
        let result = kiosk.search_view(&request).map(Arc::new).map_err(|e| {
            tracing::error!("search `{}` failed: {e}", request.text);
            e.to_string()
        });
        sink(Event::SearchDone { generation, result });
    }
}

fn job_loop(kiosk: Arc<Kiosk>, recorder: Arc<Recorder>, rx: Receiver<Command>, sink: Sink) {
    while let Ok(cmd) = rx.recv() {
        perform(&kiosk, &recorder, cmd, &*sink);
    }
}

/// Carries out one command other than a search on the calling thread, reporting progress and
/// the outcome to `sink` as the worker's threads do (the window without a worker, in tests and
/// screenshots, calls it directly). Searches go to the search thread and are ignored here.
pub fn perform(kiosk: &Kiosk, recorder: &Recorder, cmd: Command, sink: &dyn Fn(Event)) {
    let mut progress = |stage: Stage| {
        sink(Event::Progress {
            fraction: stage.fraction(),
            stage,
        })
    };
    match cmd {
        Command::ApplyBundle { path, origin } => {
            let result = kiosk
                .apply_bundle(&path, &[], origin, &mut progress)
                .map_err(|e| e.to_string());
            sink(Event::ApplyDone { result });
        }
        Command::Rollback => {
            let result = kiosk.rollback().map_err(|e| e.to_string());
            sink(Event::ApplyDone { result });
        }
        Command::CheckNetwork => {
            let result = kiosk
                .check_network(&mut progress)
                .map_err(|e| e.to_string());
            if let Ok(super::refresh::NetworkOutcome::Applied { .. }) = &result {
                sink(Event::ApplyDone {
                    result: Ok(kiosk.live().meta.clone()),
                });
            }
            sink(Event::NetworkChecked { result });
        }
        Command::CheckPin(pin) => sink(Event::PinChecked(kiosk.check_staff_pin(pin.digits()))),
        Command::StaffStatus { usb } => {
            let result = kiosk
                .staff_status(usb)
                .map(|st| Box::new(StaffView::new(&st, chrono::Local::now().date_naive())))
                .map_err(|e| e.to_string());
            sink(Event::StaffStatus(result));
        }
        Command::ExportStats => {
            let result = kiosk.export_stats_to_usb().map_err(|e| e.to_string());
            sink(Event::Exported(result));
        }
        Command::Record(note) => recorder.note(kiosk, note),
        Command::RequestHelp => {
            let result = kiosk
                .request_help(chrono::Utc::now(), recorder.uptime_seconds())
                .map_err(|e| e.to_string());
            if let Err(e) = &result {
                tracing::warn!("help request: {e}");
            }
            sink(Event::HelpRequested(result));
        }
        Command::Search { .. } => {}
    }
}

/// Whether `cmd` is quick office work (never queued behind a bundle being applied).
fn is_office(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::StaffStatus { .. }
            | Command::ExportStats
            | Command::Record(_)
            | Command::RequestHelp
    )
}

impl Worker {
    /// Starts the search, task and office threads; usage notes go to `recorder`.
    pub fn spawn(
        kiosk: Arc<Kiosk>,
        recorder: Arc<Recorder>,
        sink: impl Fn(Event) + Send + Sync + 'static,
    ) -> Worker {
        let sink: Sink = Arc::new(sink);
        let (search_tx, search_rx) = mpsc::channel();
        let (task_tx, task_rx) = mpsc::channel();
        let (office_tx, office_rx) = mpsc::channel();
        let mut threads = Vec::new();
        let (k, s) = (kiosk.clone(), sink.clone());
        threads.extend(
            std::thread::Builder::new()
                .name("motcua-search".into())
                .spawn(move || search_loop(k, search_rx, s))
                .map_err(|e| tracing::error!("cannot start the search thread: {e}"))
                .ok(),
        );
        let (pin_tx, pin_rx) = mpsc::channel();
        let (k, r, s) = (kiosk.clone(), recorder.clone(), sink.clone());
        threads.extend(
            std::thread::Builder::new()
                .name("motcua-pin".into())
                .spawn(move || job_loop(k, r, pin_rx, s))
                .map_err(|e| tracing::error!("cannot start the PIN thread: {e}"))
                .ok(),
        );
        let (k, r, s) = (kiosk.clone(), recorder.clone(), sink.clone());
        threads.extend(
            std::thread::Builder::new()
                .name("motcua-tasks".into())
                .spawn(move || job_loop(k, r, task_rx, s))
                .map_err(|e| tracing::error!("cannot start the task thread: {e}"))
                .ok(),
        );
        threads.extend(
            std::thread::Builder::new()
                .name("motcua-office".into())
                .spawn(move || job_loop(kiosk, recorder, office_rx, sink))
                .map_err(|e| tracing::error!("cannot start the office thread: {e}"))
                .ok(),
        );
        Worker {
            search_tx: Some(search_tx),
            task_tx: Some(task_tx),
            pin_tx: Some(pin_tx),
            office_tx: Some(office_tx),
            stop_tx: None,
            threads,
        }
    }

    /// Also starts the timed duties (USB watch, network schedule, heartbeat, retention).
    pub fn spawn_with_watch(
        kiosk: Arc<Kiosk>,
        recorder: Arc<super::usage::Recorder>,
        sink: impl Fn(Event) + Send + Sync + 'static,
    ) -> Worker {
        let sink: Sink = Arc::new(sink);
        let s2 = sink.clone();
        let mut w = Worker::spawn(kiosk.clone(), recorder.clone(), move |e| s2(e));
        // Counted here, before the window can fail, so a kiosk that keeps crashing at start
        // shows in `motcua_starts_total`.
        if let Err(e) = kiosk.kiosk_db().add_to_counter(super::usage::STARTS, 1) {
            tracing::warn!("counting the start: {e}");
        }
        let (stop_tx, stop_rx) = mpsc::channel();
        if let Some(tasks) = w.task_tx.clone() {
            match std::thread::Builder::new()
                .name("motcua-watch".into())
                .spawn(move || watch_loop(kiosk, recorder, tasks, stop_rx, sink))
            {
                Ok(t) => w.threads.push(t),
                Err(e) => tracing::error!("cannot start the watch thread: {e}"),
            }
        }
        w.stop_tx = Some(stop_tx);
        w
    }

    pub fn send(&self, cmd: Command) {
        let sent = match cmd {
            Command::Search {
                generation,
                request,
            } => self
                .search_tx
                .as_ref()
                .is_some_and(|t| t.send((generation, request)).is_ok()),
            pin @ Command::CheckPin(_) => self.pin_tx.as_ref().is_some_and(|t| t.send(pin).is_ok()),
            other if is_office(&other) => self
                .office_tx
                .as_ref()
                .is_some_and(|t| t.send(other).is_ok()),
            other => self.task_tx.as_ref().is_some_and(|t| t.send(other).is_ok()),
        };
        if !sent {
            tracing::error!("a worker thread has stopped; command dropped");
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_tx.take() {
            let _ = stop.send(());
        }
        self.search_tx.take();
        self.task_tx.take();
        self.pin_tx.take();
        self.office_tx.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
