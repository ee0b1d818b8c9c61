//! What the heartbeat costs a kiosk: CPU time per write and bytes written per day, on a data
//! directory holding a year of a busy kiosk's records (the built-in data, 200 visits a day with
//! a search and a procedure opened each, a rating every fourth visit).
//!
//! ```sh
//! cargo run --release --example heartbeat_cost -- [DATA_DIR] [WRITES]
//! ```
//!
//! DATA_DIR (default: a new temp folder) is seeded on first use and keeps the year of records for
//! the next run. CPU time is the writing thread's own (`/proc/thread-self/schedstat`); bytes are
//! the process's (`/proc/self/io`): `wchar` what it handed to write(), `write_bytes` the page
//! cache it dirtied (what the disk will get, before file-system metadata), minus the dirty pages
//! the rename cancelled. The same writes with an fsync of the file and its folder (how every
//! other atomic file of the kiosk is written) are measured beside it, for the wall time.

use std::path::{Path, PathBuf};
use std::time::Instant;

use motcua::app::kiosk::Kiosk;
use motcua::app::usage;
use motcua::config::Config;

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// (wchar, write_bytes, cancelled_write_bytes) of this process so far.
fn io() -> (u64, u64, u64) {
    let text = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k)?.trim().parse().ok())
            .unwrap_or(0)
    };
    (
        get("wchar:"),
        get("write_bytes:"),
        get("cancelled_write_bytes:"),
    )
}

/// A year of records, once per data directory.
fn seed_usage(k: &Kiosk) {
    let db = k.kiosk_db();
    if db.usage("").map(|u| u.sessions).unwrap_or(0) > 0 {
        return;
    }
    let start = std::time::Instant::now();
    let today = chrono::Local::now();
    let queries = [
        "dang ky khai sinh",
        "cap lai cccd",
        "so do",
        "giay phep lai xe",
        "zxqv",
    ];
    for back in (1..=365i64).rev() {
        let day = (today - chrono::Duration::days(back)).format("%Y-%m-%d");
        for v in 0..200usize {
            let at = format!("{day}T{:02}:{:02}:{:02}+07:00", 7 + v / 20, v % 60, v % 37);
            let q = queries[v % queries.len()];
            let s = db.start_session(&at).expect("session");
            db.record_search(&at, q, if q == "zxqv" { 0 } else { 12 })
                .expect("search");
            db.record_view(&at, "1.001193").expect("view");
            if v % 4 == 0 {
                db.record_rating(&at, (v % 16 / 4 + 1) as u8, None, Some("1.001193"))
                    .expect("rating");
            }
            db.end_session(s, &at).expect("end");
        }
    }
    eprintln!(
        "seeded a year of usage in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

fn measure(label: &str, writes: u64, mut write: impl FnMut()) {
    let (cpu0, io0, t0) = (cpu_ns(), io(), Instant::now());
    for _ in 0..writes {
        write();
    }
    let (cpu1, io1, wall) = (cpu_ns(), io(), t0.elapsed());
    let per = |a: u64, b: u64| (b - a) as f64 / writes as f64;
    let dirtied = per(io0.1, io1.1) - per(io0.2, io1.2);
    let per_day = 86_400.0 / 60.0;
    println!(
        "{label}: {:.2} ms CPU and {:.2} ms wall per write; {:.0} bytes written, {:.0} bytes of \
         page cache dirtied per write → at one write a minute {:.1} MB and {:.1} MB a day",
        per(cpu0, cpu1) / 1e6,
        wall.as_secs_f64() * 1e3 / writes as f64,
        per(io0.0, io1.0),
        dirtied,
        per(io0.0, io1.0) * per_day / 1e6,
        dirtied * per_day / 1e6,
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let given = args.next().map(PathBuf::from);
    let dir = given.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("motcua-heartbeat-{}", std::process::id()))
    });
    let writes: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let k = Kiosk::open(&dir, Config::default()).expect("open the kiosk");
    seed_usage(&k);
    let path = usage::heartbeat_path(&k).expect("a heartbeat path");
    let size = {
        usage::write_heartbeat(&k, &path, 1).expect("write");
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    };
    let u = k.kiosk_db().usage("").expect("usage");
    println!(
        "{} procedures; {} visits, {} searches, {} views on record; heartbeat file {size} bytes",
        k.live().content.count().unwrap_or(0),
        u.sessions,
        u.searches,
        u.views
    );
    measure("heartbeat (temp file + rename)", writes, || {
        usage::write_heartbeat(&k, &path, 1).expect("write")
    });
    let synced: &Path = &path.with_file_name("synced.prom");
    measure(
        "same text with fsync of file and folder",
        writes.min(200),
        || {
            let text = usage::heartbeat_text(&k, 1, chrono::Local::now()).expect("text");
            motcua::app::datadir::write_atomic(synced, text.as_bytes()).expect("write")
        },
    );
    let _ = std::fs::remove_file(synced);
    drop(k);
    if given.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
