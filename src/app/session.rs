//! The kiosk as a systemd service on an appliance: which renderer the machine can run (the GPU
//! renderer only when its libraries are there, so a missing library never panics the kiosk),
//! the service manager's notifications (READY after the first frame, WATCHDOG pings from the UI
//! event loop), and a small record of each start that the heartbeat reports.
//!
//! Notifications go to `$NOTIFY_SOCKET` with the `sd-notify` crate. Under cage the kiosk is a
//! child of the unit's main process, so the unit says `NotifyAccess=all` and the watchdog
//! interval is read from `WATCHDOG_USEC` without insisting that `WATCHDOG_PID` is ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::AppError;

/// Set by the kiosk unit: the network refresh and the heartbeat are left to
/// `motcua-refresh.timer`, so the kiosk itself needs no network access.
pub const DUTIES_BY_TIMER: &str = "MOTCUA_DUTIES_BY_TIMER";
/// Set when the kiosk was started again on the software renderer after the GPU renderer failed.
pub const FALLBACK_ENV: &str = "MOTCUA_RENDERER_FALLBACK";
/// Test hook: this many milliseconds after the first frame the UI thread stops (sleeps for ever), as a hung
/// kiosk would; the watchdog pings must stop with it.
pub const FREEZE_ENV: &str = "MOTCUA_TEST_FREEZE_UI_AFTER_MS";

/// True when the running kiosk leaves network checks and the heartbeat to the timer.
pub fn duties_by_timer() -> bool {
    std::env::var_os(DUTIES_BY_TIMER).is_some_and(|v| !v.is_empty() && v != "0")
}

/// How the window draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Renderer {
    /// OpenGL through femtovg.
    Gpu,
    /// Slint's software renderer: needs no GPU library at all.
    Software,
}

impl Renderer {
    pub fn as_str(self) -> &'static str {
        match self {
            Renderer::Gpu => "gpu",
            Renderer::Software => "software",
        }
    }

    /// The renderer's name for Slint's backend selector.
    pub fn slint_name(self) -> &'static str {
        match self {
            Renderer::Gpu => "femtovg",
            Renderer::Software => "software",
        }
    }
}

/// The renderer chosen and why (logged at start, shown by `motcua doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RendererChoice {
    pub renderer: Renderer,
    pub reason: String,
}

/// The shared libraries the GPU renderer opens at run time (it panics when one is missing).
pub fn gpu_libraries(wayland: bool) -> Vec<&'static str> {
    let mut libs = vec!["libEGL.so.1", "libGLESv2.so.2"];
    if wayland {
        libs.push("libwayland-egl.so.1");
    }
    libs
}

/// Whether the dynamic linker would find `soname`: in `$LD_LIBRARY_PATH`, the linker cache
/// or the usual library folders.
pub fn library_present(soname: &str) -> bool {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    dirs.extend(
        [
            "/lib",
            "/usr/lib",
            "/lib64",
            "/usr/lib64",
            "/usr/local/lib",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu",
        ]
        .map(PathBuf::from),
    );
    if dirs.iter().any(|d| d.join(soname).exists()) {
        return true;
    }
    // The cache lists every library by name, each followed by a NUL.
    let needle = [soname.as_bytes(), b"\0"].concat();
    std::fs::read("/etc/ld.so.cache")
        .map(|cache| cache.windows(needle.len()).any(|w| w == needle.as_slice()))
        .unwrap_or(false)
}

/// Whether `dri` (normally `/dev/dri`) holds a DRM render node (`renderD128`…), which every
/// GPU with a kernel driver has.
pub fn render_node_present(dri: &Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// Chooses the renderer: `requested` ("auto", "gpu" or "software"; `MOTCUA_RENDERER` overrides
/// the configuration), falling back to software whenever a GPU library is missing or the GPU
/// renderer already failed once in this start.
pub fn choose_renderer(requested: &str) -> RendererChoice {
    let requested = std::env::var("MOTCUA_RENDERER").unwrap_or_else(|_| requested.to_string());
    if std::env::var_os(FALLBACK_ENV).is_some() {
        return RendererChoice {
            renderer: Renderer::Software,
            reason: "the GPU renderer failed at start; software fallback".into(),
        };
    }
    match requested.as_str() {
        "software" => RendererChoice {
            renderer: Renderer::Software,
            reason: "configured".into(),
        },
        _ => {
            let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some();
            let missing: Vec<_> = gpu_libraries(wayland)
                .into_iter()
                .filter(|l| !library_present(l))
                .collect();
            if requested != "gpu" && !render_node_present(Path::new("/dev/dri")) {
                // No GPU at all (a headless or virtual machine): OpenGL would run on Mesa's
                // CPU rasteriser, slower than the software renderer, and under cage's pixman
                // renderer its surface does not follow the output's size.
                RendererChoice {
                    renderer: Renderer::Software,
                    reason: format!("{requested}: no GPU (no render node in /dev/dri)"),
                }
            } else if missing.is_empty() {
                RendererChoice {
                    renderer: Renderer::Gpu,
                    reason: format!("{requested}: GPU libraries present"),
                }
            } else {
                RendererChoice {
                    renderer: Renderer::Software,
                    reason: format!("{requested}: missing {}", missing.join(", ")),
                }
            }
        }
    }
}

/// The service manager's side of the kiosk: READY, WATCHDOG and STATUS messages. Every call is a
/// no-op when the kiosk does not run under a service manager.
#[derive(Debug, Clone)]
pub struct Notifier {
    enabled: bool,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET` and `WATCHDOG_USEC` from the environment.
    pub fn from_env() -> Notifier {
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|us| *us > 0)
            .map(Duration::from_micros);
        Notifier {
            enabled: std::env::var_os("NOTIFY_SOCKET").is_some(),
            watchdog,
        }
    }

    /// How often to ping: half the watchdog interval, as systemd recommends.
    pub fn ping_every(&self) -> Option<Duration> {
        self.watchdog.filter(|_| self.enabled).map(|w| w / 2)
    }

    fn send(&self, state: &[sd_notify::NotifyState<'_>]) {
        if !self.enabled {
            return;
        }
        if let Err(e) = sd_notify::notify(false, state) {
            tracing::warn!("service manager notification failed: {e}");
        }
    }

    /// The first frame is on the screen.
    pub fn ready(&self, status: &str) {
        self.send(&[
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status(status),
        ]);
    }

    /// The UI event loop is alive.
    pub fn ping(&self) {
        self.send(&[sd_notify::NotifyState::Watchdog]);
    }

    pub fn status(&self, status: &str) {
        self.send(&[sd_notify::NotifyState::Status(status)]);
    }
}

/// What the heartbeat and `motcua doctor` report about the kiosk's starts, kept in
/// `DATA_DIR/session.json` (written by the kiosk at each start).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub renderer: String,
    pub renderer_reason: String,
    pub fallback: bool,
    /// Kiosk starts since the data directory was made (each crash-restart counts).
    pub starts: u64,
    pub last_start: String,
    /// The window size at the first frame.
    pub width: u32,
    pub height: u32,
    /// Milliseconds from process start to the first frame.
    pub first_frame_ms: u64,
}

pub const SESSION_FILE: &str = "session.json";

/// The record of the last start, if any.
pub fn read_record(data_dir: &Path) -> Option<SessionRecord> {
    let bytes = std::fs::read(data_dir.join(SESSION_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes the record atomically.
pub fn write_record(data_dir: &Path, r: &SessionRecord) -> Result<(), AppError> {
    let path = data_dir.join(SESSION_FILE);
    let bytes = serde_json::to_vec_pretty(r).map_err(|e| AppError::Refresh(e.to_string()))?;
    super::datadir::write_atomic(&path, &bytes)
}

/// Marks when the timer last pulled the network source (its modification time).
pub const NETWORK_CHECKED: &str = "network-checked";

/// The timed duties of an appliance, run by `motcua duties` from `motcua-refresh.timer`: the
/// heartbeat file when one is configured, and the network refresh when one is configured and
/// `[updates] check_every_minutes` have passed since the last check. Returns what was done.
pub fn run_duties(k: &super::kiosk::Kiosk) -> Result<Vec<String>, AppError> {
    let cfg = k.config();
    let mut done = Vec::new();
    if !cfg.updates.network_url.is_empty() {
        let marker = k.data_dir().root().join(NETWORK_CHECKED);
        let every = Duration::from_secs(cfg.updates.check_every_minutes.max(1) * 60);
        let due = std::fs::metadata(&marker)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age >= every);
        if due {
            // Mark first: a source that keeps failing is retried on schedule, not every minute.
            super::datadir::write_atomic(&marker, b"")?;
            let outcome = k.check_network(&mut |_| {})?;
            done.push(format!("network: {outcome:?}"));
        } else {
            done.push("network: not due".into());
        }
    }
    if let Some(path) = super::usage::heartbeat_path(k) {
        super::usage::write_heartbeat(k, &path, 0)?;
        done.push(format!("heartbeat: {}", path.display()));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_that_does_not_exist_is_missing_and_libc_is_present() {
        assert!(!library_present("libmotcua-no-such-library.so.9"));
        assert!(library_present("libc.so.6"));
    }

    #[test]
    fn a_render_node_means_a_gpu() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!render_node_present(&dir.path().join("missing")));
        std::fs::write(dir.path().join("card0"), "").expect("card");
        assert!(
            !render_node_present(dir.path()),
            "a card without a render node"
        );
        std::fs::write(dir.path().join("renderD128"), "").expect("node");
        assert!(render_node_present(dir.path()));
    }

    #[test]
    fn the_record_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read_record(dir.path()), None);
        let r = SessionRecord {
            renderer: "software".into(),
            starts: 3,
            ..Default::default()
        };
        write_record(dir.path(), &r).expect("write");
        assert_eq!(read_record(dir.path()), Some(r));
    }
}
