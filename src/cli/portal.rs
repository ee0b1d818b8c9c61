//! `portal sync`: mirror the national portal's public API into the raw files `bundle build` and
//! `publish` read.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use motcua::net::Timeouts;
use motcua::portal::{self, Event, SyncOptions, SyncReport};

use super::out;

#[derive(Subcommand)]
pub enum PortalCmd {
    /// Fetch the portal's catalog and every procedure's detail into a folder (resumable; only
    /// what changed is rewritten), then report what is new, changed and withdrawn.
    Sync(SyncArgs),
}

#[derive(Args)]
pub struct SyncArgs {
    /// The mirror folder (created if missing): portal-catalog.jsonl,
    /// portal-api-details.jsonl, sync-report.json.
    #[arg(long)]
    out: PathBuf,
    /// The portal's address.
    #[arg(long, default_value = portal::DEFAULT_PORTAL)]
    portal: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 2)]
    concurrency: usize,
    /// Requests per second, all together (0: no limit; be kind to a public service).
    #[arg(long, default_value_t = 3.0)]
    rate: f64,
    /// Catalog items per page.
    #[arg(long, default_value_t = 200)]
    page_size: usize,
    /// Seconds without progress (connecting, or between bytes) before an attempt is given up.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Retries after a 5xx, a timeout or a broken connection.
    #[arg(long, default_value_t = 5)]
    retries: u32,
    /// Milliseconds before the first retry (doubling after each).
    #[arg(long, default_value_t = 2000)]
    retry_wait_ms: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(c: &PortalCmd) -> Result<()> {
    match c {
        PortalCmd::Sync(a) => sync(a),
    }
}

fn sync(a: &SyncArgs) -> Result<()> {
    if !a.rate.is_finite() || a.rate < 0.0 {
        anyhow::bail!("--rate must be 0 (no limit) or a positive number of requests per second");
    }
    let opts = SyncOptions {
        portal: a.portal.clone(),
        concurrency: a.concurrency,
        per_second: a.rate,
        page_size: a.page_size,
        timeouts: Timeouts {
            stall: Duration::from_secs(a.timeout.max(1)),
            total: Duration::from_secs(a.timeout.max(1).saturating_mul(4)),
        },
        retries: a.retries,
        retry_wait: Duration::from_millis(a.retry_wait_ms),
        ..SyncOptions::default()
    };
    let bar = progress_bar();
    let notes = Mutex::new(0usize);
    let on = |e: Event| match e {
        Event::Catalog { page, items } => {
            bar.set_message(format!("catalog page {page}: {items} items"));
            bar.tick();
        }
        Event::Details { done, total } => {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message("details".to_string());
        }
        Event::Retry {
            what,
            attempt,
            wait,
            error,
        } => {
            // A few lines of context, not a flood, when the portal has a bad day.
            let mut n = notes.lock().unwrap_or_else(|p| p.into_inner());
            *n += 1;
            if *n <= 20 {
                bar.suspend(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "retry {attempt} of {what} in {:.1} s: {error}",
                        wait.as_secs_f64()
                    );
                });
            }
        }
    };
    let report = portal::sync(&a.out, &opts, &on)
        .with_context(|| format!("syncing {} into {}", a.portal, a.out.display()))?;
    bar.finish_and_clear();
    let mut o = out();
    if a.json {
        serde_json::to_writer_pretty(&mut o, &report)?;
        writeln!(o)?;
        return Ok(());
    }
    print_report(&mut o, &report, a)?;
    Ok(())
}

fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(0);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>24} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    b
}

fn print_report(o: &mut impl Write, r: &SyncReport, a: &SyncArgs) -> Result<()> {
    writeln!(
        o,
        "{}: {} procedures in the catalog, {} with detail{}",
        a.out.display(),
        r.catalog,
        r.with_detail,
        if r.resumed {
            " (resumed an interrupted sync)"
        } else {
            ""
        }
    )?;
    writeln!(
        o,
        "{} requests ({} retries, {:.1} MB) in {:.0} s; details: {} saved, {} unchanged, {} without detail",
        r.requests,
        r.retries,
        r.bytes as f64 / 1e6,
        r.seconds,
        r.saved,
        r.unchanged,
        r.no_detail
    )?;
    if r.first {
        writeln!(o, "first sync into this folder: nothing to compare with")?;
    } else {
        writeln!(
            o,
            "since the last sync: {} new, {} changed, {} withdrawn",
            r.new.len(),
            r.changed.len(),
            r.withdrawn.len()
        )?;
        for (label, list) in [
            ("new", &r.new),
            ("changed", &r.changed),
            ("withdrawn", &r.withdrawn),
        ] {
            for c in list.iter().take(30) {
                let parts: Vec<&str> = c.parts.iter().map(|p| p.as_str()).collect();
                writeln!(
                    o,
                    "  {label:<9} {:<10} {}{}",
                    c.code,
                    c.name,
                    if parts.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", parts.join(", "))
                    }
                )?;
            }
            if list.len() > 30 {
                writeln!(
                    o,
                    "  … and {} more {label} (see sync-report.json)",
                    list.len() - 30
                )?;
            }
        }
    }
    for (label, list) in [("malformed", &r.malformed), ("failed", &r.failed)] {
        for p in list {
            writeln!(
                o,
                "  {label}: {} {}: {} (the last good copy is kept)",
                p.code, p.id, p.message
            )?;
        }
    }
    Ok(())
}
