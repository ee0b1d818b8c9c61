//! The command line: parses arguments, calls the library, prints. One file per command group
//! (`data`, `bundle`, `search`, `kiosk`, `office`, `config`, `fleet`, `speech`, `print`); logic
//! that is not parsing or printing belongs in the library. With no command, `motcua` starts the kiosk.
//!
//! Output goes through `writeln!` on a locked stdout, never `println!`: a reader that closes
//! early (`motcua list | head`) makes the write fail with `BrokenPipe`, which [`main`] turns into
//! a quiet exit like other command-line tools instead of a panic.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod bundle;
mod config;
mod data;
mod doctor;
mod feed;
mod fleet;
mod kiosk;
mod office;
mod portal;
mod print;
mod search;
mod speech;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;
use motcua::domain::Level;

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Touch kiosk for one-stop-shop counters: administrative procedures, hotlines and online-service guides"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    /// Run in a window instead of full screen (development).
    #[arg(long)]
    windowed: bool,
    /// Recovery mode (motcua-recovery.service): software renderer, and the built-in data when
    /// the data directory cannot be opened.
    #[arg(long)]
    recovery: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Options every command takes.
#[derive(clap::Args)]
pub struct Global {
    /// Data directory (default: the platform's per-user data directory).
    #[arg(long, global = true, env = "MOTCUA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Kiosk configuration file (default: the built-in reference configuration).
    #[arg(long, global = true, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a bundle (directory or .zip) and make it the live data.
    Import(data::ImportArgs),
    /// Show one procedure.
    Show(data::ShowArgs),
    /// List procedures.
    List(data::ListArgs),
    /// Counts of the live data (by source, field and level; with and without detail), or
    /// the kiosk's usage statistics.
    Stats(data::StatsArgs),
    /// Pull the configured network source once and apply a new bundle if there is one.
    Refresh,
    /// List the bundles on USB sticks that the kiosk can see.
    Usb,
    /// Write the Prometheus heartbeat file once (the running kiosk rewrites it on a schedule).
    Heartbeat(office::HeartbeatArgs),
    /// Go back to the previous data version.
    Rollback,
    /// Build, sign and verify bundles.
    #[command(subcommand)]
    Bundle(bundle::BundleCmd),
    /// Build, sign and write the province's feed folder (bundles/<version>.zip and a signed
    /// latest.json with the change list), pruning old bundles.
    Publish(feed::PublishArgs),
    /// Mirror the national public service portal (catalog and details) into a folder.
    #[command(subcommand)]
    Portal(portal::PortalCmd),
    /// What the live data's last update changed, and how old the data is.
    Changes(feed::ChangesArgs),
    /// Make a minisign key pair for signing bundles (STEM.pub and STEM.key).
    Keygen(bundle::KeygenArgs),
    /// Configuration tools.
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Search procedures, hotlines and guides as the kiosk does.
    Search(search::SearchArgs),
    /// Relevance of the search engine on a query file (e.g. data/eval/dev.jsonl):
    /// Success@1, Success@5 and MRR@10 per kind, for the queries and typed variants of them.
    Eval(search::EvalArgs),
    /// Keystroke benchmark: every query typed key by key, against SQLite FTS5 in the same run.
    Bench(search::BenchArgs),
    /// Staff tools.
    #[command(subcommand)]
    Staff(office::StaffCmd),
    /// Render a page of the kiosk on the live data to PNG, without a display.
    Screenshot(kiosk::ShotArgs),
    /// The province's view of many kiosks.
    #[command(subcommand)]
    Fleet(fleet::FleetCmd),
    /// What "Đọc to" says: the prepared text, a WAV file, or played on the sound device.
    Speak(speech::SpeakArgs),
    /// The "In danh sách giấy tờ" receipt: as a PNG, or sent to a receipt printer.
    Print(print::PrintArgs),
    /// The appliance session (motcua-kiosk.service): cage, full screen, running the kiosk.
    Session {
        /// Start the kiosk in recovery mode (motcua-recovery.service).
        #[arg(long)]
        recovery: bool,
    },
    /// The timed duties of an appliance (motcua-refresh.timer): the heartbeat file and, when
    /// due, the network refresh. Does nothing that is not configured.
    Duties,
    /// What an installer checks: renderer, screen, touch, data, configuration, disk, clock.
    Doctor {
        #[arg(long)]
        json: bool,
    },
}

pub fn main() {
    motcua::ui::session::mark_process_start();
    let cli = Cli::parse();
    // The kiosk logs what it starts with (renderer, first frame); commands only warnings. Under
    // systemd, standard error goes to the journal.
    let default_level = match cli.command {
        None | Some(Command::Session { .. }) => "info",
        Some(_) => "warn",
    };
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .with(Problems)
        .init();
    let code = match run(cli) {
        Ok(()) => 0,
        // The reader went away (`| head`): nothing left to say, and nobody to say it to.
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            // Our errors already carry their cause in their message; add only what is new.
            let mut msg = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(": ");
                    msg.push_str(&c);
                }
            }
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<()> {
    let g = &cli.global;
    let Some(command) = cli.command else {
        return kiosk::run(g, cli.windowed, cli.recovery);
    };
    match command {
        Command::Import(a) => data::import(g, &a),
        Command::Show(a) => data::show(g, &a),
        Command::List(a) => data::list(g, &a),
        Command::Stats(a) => data::stats(g, &a),
        Command::Rollback => data::rollback(g),
        Command::Refresh => office::refresh(g),
        Command::Usb => office::usb(g),
        Command::Heartbeat(a) => office::heartbeat(g, &a),
        Command::Staff(c) => office::staff(&c),
        Command::Bundle(c) => bundle::run(&c),
        Command::Publish(a) => feed::publish(&a),
        Command::Changes(a) => feed::changes(g, &a),
        Command::Portal(c) => portal::run(&c),
        Command::Keygen(a) => bundle::keygen(&a),
        Command::Config(c) => config::run(g, &c),
        Command::Search(a) => search::search(g, &a),
        Command::Eval(a) => search::eval(g, &a),
        Command::Bench(a) if a.soak.is_some() => kiosk::bench_soak(g, &a),
        Command::Bench(a) if a.ui => kiosk::bench_ui(g, &a),
        Command::Bench(a) => search::bench(g, &a),
        Command::Screenshot(a) => kiosk::screenshot(g, &a),
        Command::Fleet(c) => fleet::run(g, &c),
        Command::Speak(a) => speech::speak(g, &a),
        Command::Print(a) => print::print(g, &a),
        Command::Session { recovery } => kiosk::session(g, recovery),
        Command::Duties => office::duties(g),
        Command::Doctor { json } => doctor::run(g, json),
    }
}

/// True when the error comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

impl Global {
    pub fn data_dir(&self) -> Result<PathBuf> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        let dirs = directories::ProjectDirs::from("vn", "motcua", "motcua")
            .context("cannot find a per-user data directory; pass --data-dir")?;
        Ok(dirs.data_dir().to_path_buf())
    }

    pub fn config(&self) -> Result<Config> {
        Ok(match &self.config {
            Some(p) => Config::load(p)?,
            None => Config::reference()?,
        })
    }

    pub fn kiosk(&self) -> Result<Kiosk> {
        let dir = self.data_dir()?;
        let cfg = self.config()?;
        Kiosk::open(&dir, cfg).with_context(|| format!("opening data directory {}", dir.display()))
    }
}

/// Warnings and errors logged so far (`bench --soak` must end with none).
static PROBLEMS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts every warning and error, whatever the log filter shows.
struct Problems;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Problems {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() <= tracing::Level::WARN {
            PROBLEMS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

pub fn problems_logged() -> usize {
    PROBLEMS.load(std::sync::atomic::Ordering::SeqCst)
}

/// Standard output, locked: every command writes through it with `writeln!` (see the module doc).
pub fn out() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

/// A progress bar on a terminal, nothing otherwise.
pub fn bar(len: u64, msg: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message(msg.to_string());
    b
}

/// `WIDTHxHEIGHT`, each between 320 and 8192 pixels.
pub fn parse_size(s: &str) -> Result<(u32, u32)> {
    s.split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| *w >= 320 && *h >= 320 && *w <= 8192 && *h <= 8192)
        .with_context(|| format!("size `{s}`: expected WIDTHxHEIGHT, e.g. 1080x1920"))
}

pub fn parse_level(level: Option<&str>) -> Result<Option<Level>> {
    level
        .map(|l| {
            Level::parse(l).with_context(|| {
                format!("unknown level `{l}` (province, commune, ministry, other)")
            })
        })
        .transpose()
}
