//! Shared by the read-aloud and printing tests: the kiosk on the built-in data (seeded once per
//! run) and the `motcua` command on its data directory. Programs, ports and waiting are in
//! `support`.

use std::path::Path;
use std::sync::OnceLock;

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;

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
    let mut c = std::process::Command::new(super::support::bin());
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

pub fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}
