//! The kiosk window (`motcua` with no command), `screenshot`, `bench --ui` and `bench --soak`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;

use motcua::app::kiosk::Kiosk;
use motcua::app::session::{self, Renderer};
use motcua::ui::run::{RunExit, RunOptions, ShotOptions};

use super::search::BenchArgs;
use super::{Global, out, parse_size};

#[derive(Args)]
pub struct ShotArgs {
    /// home, search, procedure, browse, hotlines, guides, guide, staff-pin (the PIN pad), staff (unlocked), rating, countdown (the idle countdown over a procedure), help ("Gọi cán bộ hỗ trợ" pressed),
    /// attract (the invitation screen), closed (outside opening hours) or closed-dark.
    #[arg(long, default_value = "home")]
    page: String,
    /// The query on the search page.
    #[arg(long)]
    query: Option<String>,
    /// The procedure code (procedure page) or guide id (guide page).
    #[arg(long)]
    code: Option<String>,
    /// A field name or life-event slug to open on the browse page.
    #[arg(long)]
    group: Option<String>,
    /// WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "1920x1080")]
    size: String,
    /// vi or en.
    #[arg(long)]
    lang: Option<String>,
    #[arg(long)]
    large_text: bool,
    #[arg(long)]
    high_contrast: bool,
    /// Leave the on-screen keyboard closed on the search page.
    #[arg(long)]
    keyboard_closed: bool,
    /// The header's clock at this local time ("2026-11-26 08:30") instead of now.
    #[arg(long, value_parser = parse_at)]
    at: Option<chrono::NaiveDateTime>,
    #[arg(long)]
    out: PathBuf,
}

/// The kiosk itself: it starts even on bad configuration or data (see
/// [`Kiosk::open_for_window`]), and on the software renderer when the GPU one is missing or fails.
pub fn run(g: &Global, windowed: bool, recovery: bool) -> Result<()> {
    let data_dir = g.data_dir()?;
    let kiosk = if recovery {
        open_recovery(g, &data_dir)?
    } else {
        Kiosk::open_for_window(&data_dir, g.config.as_deref())?
    };
    let requested = if recovery {
        "software"
    } else {
        kiosk.config().session.renderer.as_str()
    };
    let renderer = motcua::ui::session::select_renderer(requested);
    let gpu = renderer.renderer == Renderer::Gpu;
    let opts = RunOptions {
        fullscreen: kiosk.config().display.fullscreen && !windowed,
        renderer,
    };
    let kiosk = Arc::new(kiosk);
    // A GPU library that is there but broken can still fail or panic at the first frame: start
    // again on the software renderer, which needs none.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        motcua::ui::run::run(kiosk.clone(), opts)
    }));
    let exit = match outcome {
        Ok(Ok(exit)) => exit,
        Ok(Err(e)) if gpu && std::env::var_os(session::FALLBACK_ENV).is_none() => {
            tracing::error!("GPU renderer failed ({e}); starting again on the software renderer");
            return restart_self(true);
        }
        Err(_) if gpu && std::env::var_os(session::FALLBACK_ENV).is_none() => {
            tracing::error!("GPU renderer panicked; starting again on the software renderer");
            return restart_self(true);
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(_) => anyhow::bail!("the kiosk window panicked"),
    };
    if exit == RunExit::Restart {
        restart_self(false)?;
    }
    Ok(())
}

/// After the service hit its restart limit: the data directory if it still opens, else the
/// built-in data in a fresh folder under the runtime directory, never a blank screen.
fn open_recovery(g: &Global, data_dir: &std::path::Path) -> Result<Kiosk> {
    if let Ok(k) = Kiosk::open_for_window(data_dir, g.config.as_deref()) {
        return Ok(k);
    }
    let fresh = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("motcua-recovery");
    tracing::error!(
        "recovery: {} cannot be opened; serving the built-in data from {}",
        data_dir.display(),
        fresh.display()
    );
    Ok(Kiosk::open_for_window(&fresh, g.config.as_deref())?)
}

/// `motcua session`: the compositor for the appliance unit. Execs cage (full screen, no window
/// decorations, turned as `[session] rotation` says) running this same binary as the kiosk.
pub fn session(g: &Global, recovery: bool) -> Result<()> {
    let cfg = g.config().unwrap_or_else(|e| {
        tracing::error!("configuration refused ({e}); the session uses the reference one");
        motcua::config::Config::default()
    });
    let exe = std::env::current_exe().context("finding the kiosk's own executable")?;
    let mut cmd = std::process::Command::new("cage");
    cmd.arg("-d");
    for _ in 0..(cfg.session.rotation / 90) {
        cmd.arg("-r");
    }
    cmd.arg("--").arg(&exe);
    if let Some(c) = &g.config {
        cmd.arg("--config").arg(c);
    }
    if let Some(d) = &g.data_dir {
        cmd.arg("--data-dir").arg(d);
    }
    if recovery {
        cmd.arg("--recovery");
    }
    tracing::info!("session: {cmd:?}");
    exec(cmd).context("starting cage (Debian package `cage`)")
}

#[cfg(unix)]
fn exec(mut cmd: std::process::Command) -> Result<()> {
    use std::os::unix::process::CommandExt;
    // exec only returns on failure.
    Err(cmd.exec().into())
}

#[cfg(not(unix))]
fn exec(mut cmd: std::process::Command) -> Result<()> {
    let status = cmd.status()?;
    anyhow::ensure!(status.success(), "{status}");
    Ok(())
}

/// Replaces this process with a fresh copy of itself, same arguments ("Khởi động lại" on the
/// staff screen, or the software fallback): configuration and data are read again from the start.
fn restart_self(software_fallback: bool) -> Result<()> {
    let exe = std::env::current_exe().context("finding the kiosk's own executable")?;
    tracing::info!("restarting {}", exe.display());
    let mut cmd = std::process::Command::new(&exe);
    cmd.args(std::env::args_os().skip(1));
    if software_fallback {
        cmd.env(session::FALLBACK_ENV, "1");
    }
    exec(cmd).with_context(|| format!("restarting {}", exe.display()))
}

pub fn screenshot(g: &Global, a: &ShotArgs) -> Result<()> {
    let size = parse_size(&a.size)?;
    let png = motcua::ui::run::screenshot(
        Arc::new(g.kiosk()?),
        &ShotOptions {
            page: a.page.clone(),
            query: a.query.clone(),
            code: a.code.clone(),
            group: a.group.clone(),
            size,
            language: a.lang.clone(),
            large_text: a.large_text,
            high_contrast: a.high_contrast,
            keyboard_closed: a.keyboard_closed,
            at: a.at,
        },
    )?;
    std::fs::write(&a.out, png).with_context(|| format!("writing {}", a.out.display()))?;
    writeln!(out(), "wrote {}", a.out.display())?;
    Ok(())
}

/// "2026-11-26 08:30" as a local date and time.
fn parse_at(s: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .map_err(|e| format!("{s:?} is not a date and time like \"2026-11-26 08:30\": {e}"))
}

pub fn bench_ui(g: &Global, a: &BenchArgs) -> Result<()> {
    let qs = motcua::search::read_queries(&a.queries)?;
    let size = parse_size(&a.size)?;
    // Seed the data directory first so start-up is measured on seeded data.
    drop(g.kiosk()?);
    let b = motcua::ui::bench::run(
        || g.kiosk().map_err(|e| format!("{e:#}")),
        &qs,
        size,
        std::time::Duration::from_secs(a.idle_seconds),
    )?;
    let mut o = out();
    if a.json {
        writeln!(o, "{}", serde_json::to_string_pretty(&b)?)?;
    } else {
        write!(o, "{}", b.table())?;
    }
    Ok(())
}

pub fn bench_soak(g: &Global, a: &BenchArgs) -> Result<()> {
    let visits = a.soak.unwrap_or(0);
    anyhow::ensure!(visits > 0, "--soak needs a number of visits above 0");
    let qs = motcua::search::read_queries(&a.queries)?;
    let size = parse_size(&a.size)?;
    let dir = g.data_dir()?;
    let mut cfg = g.config()?;
    let report = motcua::ui::soak::run(
        |url| {
            // The network checks go to the bench's own server, whatever the office configured.
            cfg.updates.network_url = url.to_string();
            Kiosk::open(&dir, cfg)
                .map_err(|e| format!("opening data directory {}: {e}", dir.display()))
        },
        &qs,
        visits,
        size,
        &mut |s| {
            if !a.json {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "{:>7} visits  {:>7.1} MB  {} threads  {} open files",
                    s.visits,
                    s.rss_kb as f64 / 1024.0,
                    s.threads,
                    s.open_files
                );
            }
        },
    )?;
    let problems = super::problems_logged();
    let mut o = out();
    if a.json {
        writeln!(o, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(o, "{}", report.table())?;
        writeln!(o, "warnings and errors logged: {problems}")?;
    }
    anyhow::ensure!(
        problems == 0,
        "{problems} warnings or errors were logged during the soak (see above)"
    );
    Ok(())
}
