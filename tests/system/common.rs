//! Shared by the system tests: required programs, the kiosk on the built-in data (seeded once
//! per run), and waiting with a bound.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;

pub use super::support::require;

fn shared() -> &'static (tempfile::TempDir, Kiosk) {
    static K: OnceLock<(tempfile::TempDir, Kiosk)> = OnceLock::new();
    K.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = Kiosk::open(dir.path(), Config::default())
            .expect("open the kiosk on the built-in data");
        (dir, k)
    })
}

/// A kiosk on the built-in data, shared by every test in the run.
pub fn kiosk() -> &'static Kiosk {
    &shared().1
}

/// The `motcua` command on the shared kiosk's data directory.
pub fn motcua() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"));
    c.arg("--data-dir").arg(shared().0.path());
    c.env_remove("MOTCUA_CONFIG");
    c
}

pub fn procedure(code: &str) -> motcua::domain::Procedure {
    kiosk()
        .procedure(code)
        .expect("read procedure")
        .unwrap_or_else(|| panic!("{code} is in the built-in data"))
}

/// Polls `f` every 10 ms until it gives a value, failing after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}
