//! The `motcua` command: parses the command line and calls the library. With no command it
//! starts the kiosk full-screen on the data directory (seeded from the built-in data on first
//! start).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use motcua::app::kiosk::{Kiosk, Origin, Stage};
use motcua::app::search::SearchRequest;
use motcua::bundle::{self, package, sign};
use motcua::config::Config;
use motcua::domain::Level;
use motcua::store::ListFilter;

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Touch kiosk for one-stop-shop counters: administrative procedures, hotlines and online-service guides"
)]
struct Cli {
    /// Data directory (default: the platform's per-user data directory).
    #[arg(long, global = true, env = "MOTCUA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Kiosk configuration file (default: the built-in reference configuration).
    #[arg(long, global = true, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    /// Run in a window instead of full screen (development).
    #[arg(long)]
    windowed: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a bundle (directory or .zip) and make it the live data.
    Import {
        bundle: PathBuf,
        /// minisign public key file to trust instead of the configured keys.
        #[arg(long = "key")]
        keys: Vec<PathBuf>,
    },
    /// Show one procedure.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// List procedures.
    List {
        #[arg(long)]
        field: Option<String>,
        /// province | commune | ministry | other (or the portal's label, e.g. "Cấp xã").
        #[arg(long)]
        level: Option<String>,
        /// Life-event slug, e.g. co-con-nho.
        #[arg(long)]
        life_event: Option<String>,
        #[arg(long)]
        online: bool,
        #[arg(long)]
        json: bool,
    },
    /// Counts of the live data (by source, field and level; with and without detail), or
    /// the kiosk's usage statistics.
    Stats {
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<StatsCmd>,
    },
    /// Pull the configured network source once and apply a new bundle if there is one.
    Refresh,
    /// List the bundles on USB sticks that the kiosk can see.
    Usb,
    /// Write the Prometheus heartbeat file once (the running kiosk rewrites it on a schedule).
    Heartbeat {
        /// Where to write (default: `[statistics] heartbeat_path`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Go back to the previous data version.
    Rollback,
    /// Build, sign and verify bundles.
    #[command(subcommand)]
    Bundle(BundleCmd),
    /// Make a minisign key pair for signing bundles (STEM.pub and STEM.key).
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Search procedures, hotlines and guides as the kiosk does.
    Search(SearchArgs),
    /// Relevance of the search engine on a query file (e.g. ../shared/queries/dev.jsonl):
    /// Success@1, Success@5 and MRR@10 per kind, for the queries and typed variants of them.
    Eval {
        queries: PathBuf,
        #[arg(long)]
        json: bool,
        /// Also list every query whose expected procedure is not in the top 5.
        #[arg(long)]
        failures: bool,
    },
    /// Keystroke benchmark: every query typed key by key, against SQLite FTS5 in the same run.
    Bench {
        /// JSON Lines with a `query` key per line, or plain text with one query per line.
        #[arg(long, default_value = "../shared/queries/dev.jsonl")]
        queries: PathBuf,
        #[arg(long)]
        json: bool,
        /// Benchmark the kiosk window instead (start-up, keystroke to frame, idle), headless.
        #[arg(long)]
        ui: bool,
        /// Window size for --ui, WIDTHxHEIGHT.
        #[arg(long, default_value = "1920x1080")]
        size: String,
        /// Seconds of idle to watch with --ui.
        #[arg(long, default_value_t = 10)]
        idle_seconds: u64,
    },
    /// Staff tools.
    #[command(subcommand)]
    Staff(StaffCmd),
    /// Render a page of the kiosk on the live data to PNG, without a display.
    Screenshot(ShotArgs),
}

#[derive(Args)]
struct ShotArgs {
    /// home, search, procedure, browse, hotlines, guides, guide, staff-pin (the PIN pad), staff (unlocked) or rating.
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
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct SearchArgs {
    /// The text, as typed (a trailing space means the last word is complete).
    query: Option<String>,
    /// Read one query per line from standard input and write one JSON line per query.
    #[arg(long)]
    stdin: bool,
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    #[arg(long)]
    field: Option<String>,
    #[arg(long)]
    level: Option<String>,
    /// Only procedures that can be submitted online.
    #[arg(long)]
    online: bool,
}

#[derive(Subcommand)]
enum StatsCmd {
    /// Usage statistics: visits, searches, zero-result searches, views, ratings.
    Usage {
        #[arg(long)]
        json: bool,
    },
    /// Export usage statistics as CSV files into a folder (e.g. a USB stick).
    Export {
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Read a PIN from standard input and print the hash for `[staff] pin_hash`.
    HashPin,
}

#[derive(Subcommand)]
enum BundleCmd {
    /// Turn the portal's real formats and motcua's curated files into a bundle.
    Build(BuildArgs),
    /// Sign a bundle's manifest with a minisign secret key.
    Sign {
        bundle: PathBuf,
        #[arg(long)]
        secret_key: PathBuf,
        /// Environment variable holding the key's password (encrypted keys only).
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Check a bundle's signature, hashes and content without installing it.
    Verify {
        bundle: PathBuf,
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct BuildArgs {
    /// Input files or directories (portal-api-details.jsonl, portal-pages.jsonl,
    /// portal-catalog.jsonl, official-lists/*.xlsx, hotlines.json, guides.json,
    /// life-events.json, synonyms.tsv, featured.json).
    #[arg(long, num_args = 1.., required = true)]
    from: Vec<PathBuf>,
    /// Output: a directory, or a file ending in .zip.
    #[arg(long)]
    out: PathBuf,
    /// Bundle version (must increase with every bundle; default: creation time as YYYYMMDDHHMM).
    #[arg(long)]
    version: Option<u64>,
    /// Days until the bundle expires (0: never).
    #[arg(long, default_value_t = 0)]
    expires_days: u32,
    #[arg(long, default_value = "")]
    publisher: String,
    #[arg(long, default_value = "")]
    description: String,
    /// Sign with this minisign secret key.
    #[arg(long)]
    sign: Option<PathBuf>,
    /// Also write the import report as JSON here.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Check a configuration file (default: the one in use) and list every problem.
    Check { file: Option<PathBuf> },
    /// Print the fully commented reference configuration.
    Reference,
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(d) = &cli.data_dir {
        return Ok(d.clone());
    }
    let dirs = directories::ProjectDirs::from("vn", "motcua", "motcua")
        .context("cannot find a per-user data directory; pass --data-dir")?;
    Ok(dirs.data_dir().to_path_buf())
}

fn load_config(cli: &Cli) -> Result<Config> {
    Ok(match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::reference()?,
    })
}

fn open_kiosk(cli: &Cli) -> Result<Kiosk> {
    let dir = data_dir(cli)?;
    let cfg = load_config(cli)?;
    Kiosk::open(&dir, cfg).with_context(|| format!("opening data directory {}", dir.display()))
}

/// A progress bar on a terminal, nothing otherwise.
fn bar(len: u64, msg: &str) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(msg.to_string());
        b
    } else {
        indicatif::ProgressBar::hidden()
    }
}

struct FileProgress(indicatif::ProgressBar);

impl bundle::Progress for FileProgress {
    fn file(&mut self, path: &Path, index: usize, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(index as u64);
        self.0.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
}

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(cli) {
        // Our errors already carry their cause in their message; add only what is new.
        let mut msg = e.to_string();
        for cause in e.chain().skip(1) {
            let c = cause.to_string();
            if !msg.contains(&c) {
                msg.push_str(": ");
                msg.push_str(&c);
            }
        }
        eprintln!("error: {msg}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let Some(command) = &cli.command else {
        return run_kiosk(&cli);
    };
    match command {
        Command::Import { bundle, keys } => cmd_import(&cli, bundle, keys),
        Command::Search(a) => cmd_search(&cli, a),
        Command::Screenshot(a) => {
            let (w, h) = a
                .size
                .split_once('x')
                .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
                .filter(|(w, h)| *w >= 320 && *h >= 320 && *w <= 8192 && *h <= 8192)
                .with_context(|| {
                    format!("--size `{}`: expected WIDTHxHEIGHT, e.g. 1080x1920", a.size)
                })?;
            let k = std::sync::Arc::new(open_kiosk(&cli)?);
            let png = motcua::ui::run::screenshot(
                k,
                &motcua::ui::run::ShotOptions {
                    page: a.page.clone(),
                    query: a.query.clone(),
                    code: a.code.clone(),
                    group: a.group.clone(),
                    size: (w, h),
                    language: a.lang.clone(),
                    large_text: a.large_text,
                    high_contrast: a.high_contrast,
                    keyboard_closed: a.keyboard_closed,
                },
            )?;
            std::fs::write(&a.out, png).with_context(|| format!("writing {}", a.out.display()))?;
            println!("wrote {}", a.out.display());
            Ok(())
        }
        Command::Eval {
            queries,
            json,
            failures,
        } => {
            let k = open_kiosk(&cli)?;
            let text = std::fs::read_to_string(queries)
                .with_context(|| format!("reading {}", queries.display()))?;
            let cases = motcua::search::EvalCase::parse_jsonl(&text)
                .with_context(|| format!("parsing {}", queries.display()))?;
            let ctx = motcua::search::RankContext {
                level: Some(k.config().level()),
                province: (!k.config().office.province.is_empty())
                    .then(|| k.config().office.province.clone()),
            };
            let report = motcua::search::evaluate(&k.live().index, &cases, &ctx)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.table());
                if *failures {
                    for f in &report.failures {
                        println!(
                            "miss [{} {}] {:?} expected {:?} rank {:?}; top: {:?}",
                            f.kind,
                            f.variant.as_str(),
                            f.query,
                            f.expected,
                            f.rank,
                            f.top.iter().map(|(c, _)| c).collect::<Vec<_>>()
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Bench {
            queries,
            json,
            ui: true,
            size,
            idle_seconds,
        } => {
            let qs = read_queries(queries)?;
            let size = parse_size(size)?;
            // Seed the data directory first so start-up is measured on seeded data.
            drop(open_kiosk(&cli)?);
            let b = motcua::ui::bench::run(
                || open_kiosk(&cli).map_err(|e| format!("{e:#}")),
                &qs,
                size,
                std::time::Duration::from_secs(*idle_seconds),
            )?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&b)?);
            } else {
                print!("{}", b.table());
            }
            Ok(())
        }
        Command::Bench { queries, json, .. } => {
            let k = open_kiosk(&cli)?;
            let qs = read_queries(queries)?;
            let b = motcua::app::bench::search_bench(&k, &qs)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&b)?);
            } else {
                print!("{}", b.table());
            }
            Ok(())
        }
        Command::Staff(StaffCmd::HashPin) => {
            let mut pin = String::new();
            std::io::stdin().read_line(&mut pin)?;
            let h = motcua::app::staff::hash_pin(pin.trim()).map_err(anyhow::Error::msg)?;
            println!("{h}");
            Ok(())
        }
        Command::Show { code, json } => cmd_show(&cli, code, *json),
        Command::List {
            field,
            level,
            life_event,
            online,
            json,
        } => {
            let k = open_kiosk(&cli)?;
            let level = parse_level(level.as_deref())?;
            let rows = k.live().content.list(&ListFilter {
                field: field.clone(),
                level,
                life_event: life_event.clone(),
                online_only: *online,
                limit: None,
            })?;
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                for r in &rows {
                    writeln!(out, "{}  {}", r.code, r.name)?;
                }
                writeln!(out, "({} procedures)", rows.len())?;
            }
            Ok(())
        }
        Command::Stats {
            action: Some(StatsCmd::Usage { json }),
            ..
        } => {
            let k = open_kiosk(&cli)?;
            let u = k.kiosk_db().usage("")?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&u)?);
            } else {
                println!(
                    "visits {}, searches {} ({} with no result), procedures opened {}",
                    u.sessions, u.searches, u.zero_result_searches, u.views
                );
                println!(
                    "ratings: Rất hài lòng {}, Hài lòng {}, Bình thường {}, Không hài lòng {}",
                    u.ratings[3], u.ratings[2], u.ratings[1], u.ratings[0]
                );
                for (q, n) in &u.top_queries {
                    println!("  {n:>5}  {q}");
                }
            }
            Ok(())
        }
        Command::Stats {
            action: Some(StatsCmd::Export { out }),
            ..
        } => {
            let k = open_kiosk(&cli)?;
            for p in motcua::app::usage::export_csv(&k, out)? {
                println!("wrote {}", p.display());
            }
            Ok(())
        }
        Command::Refresh => {
            let k = open_kiosk(&cli)?;
            match k.check_network(&mut |_| {})? {
                motcua::app::refresh::NetworkOutcome::Disabled => {
                    bail!("no network source: set [updates] network_url in the configuration")
                }
                motcua::app::refresh::NetworkOutcome::NotModified => {
                    println!("the data is up to date")
                }
                motcua::app::refresh::NetworkOutcome::Applied { version } => {
                    println!("applied data version {version}")
                }
            }
            Ok(())
        }
        Command::Usb => {
            let k = open_kiosk(&cli)?;
            let found = k.usb_bundles();
            if found.is_empty() {
                println!(
                    "no bundle found in a `{}` folder under {}",
                    k.config().updates.usb_folder,
                    k.config().updates.usb_mount_roots.join(", ")
                );
            }
            for b in found {
                match (&b.problem, b.version) {
                    (None, Some(v)) => println!(
                        "{}  version {v}, created {}{}",
                        b.path.display(),
                        b.created.unwrap_or_default(),
                        if b.publisher.is_empty() {
                            String::new()
                        } else {
                            format!(", {}", b.publisher)
                        }
                    ),
                    (Some(p), _) => println!("{}  unreadable: {p}", b.path.display()),
                    _ => {}
                }
            }
            Ok(())
        }
        Command::Heartbeat { out } => {
            let k = open_kiosk(&cli)?;
            let path = out
                .clone()
                .or_else(|| {
                    let p = &k.config().statistics.heartbeat_path;
                    (!p.is_empty()).then(|| PathBuf::from(p))
                })
                .context("no heartbeat path: pass --out or set [statistics] heartbeat_path")?;
            motcua::app::usage::write_heartbeat(&k, &path, 0)?;
            println!("wrote {}", path.display());
            Ok(())
        }
        Command::Stats { json, action: None } => {
            let k = open_kiosk(&cli)?;
            let live = k.live();
            let s = live.content.stats()?;
            if *json {
                let mut v = serde_json::to_value(&s)?;
                v["data_version"] = serde_json::json!(live.meta.version);
                v["data_created"] = serde_json::json!(live.meta.created);
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "data version {} (created {})",
                    live.meta.version, live.meta.created
                );
                println!(
                    "procedures {} — with steps and dossier {}, without {}; with portal link {}; fully online {}",
                    s.procedures,
                    s.with_detail,
                    s.without_detail,
                    s.with_portal_link,
                    s.fully_online
                );
                println!("by source:");
                for (k, v) in &s.by_source {
                    println!("  {k:<14} {v:>6}");
                }
                println!("by level:");
                for (k, v) in &s.by_level {
                    println!("  {k:<14} {v:>6}");
                }
                println!(
                    "hotlines {}, guides {}, life events {}, synonyms {}",
                    s.hotlines, s.guides, s.life_events, s.synonyms
                );
                println!("by field ({}):", s.by_field.len());
                for f in &s.by_field {
                    println!("  {:>5}  {}", f.count, f.name);
                }
            }
            Ok(())
        }
        Command::Rollback => {
            let k = open_kiosk(&cli)?;
            let m = k.rollback()?;
            println!(
                "now serving data version {} (created {})",
                m.version, m.created
            );
            Ok(())
        }
        Command::Bundle(b) => match b {
            BundleCmd::Build(args) => cmd_build(args),
            BundleCmd::Sign {
                bundle,
                secret_key,
                password_env,
            } => cmd_sign(bundle, secret_key, password_env.as_deref()),
            BundleCmd::Verify { bundle, keys } => {
                let keys = keys
                    .iter()
                    .map(|k| sign::read_public_key_file(k))
                    .collect::<Result<Vec<_>, _>>()?;
                let raw = bundle::archive::read(bundle, bundle::archive::Limits::default())?;
                let v = package::verify(
                    &raw,
                    &package::Policy {
                        trusted_keys: &keys,
                        require_signature: true,
                        installed_version: None,
                        now: chrono::Utc::now(),
                    },
                )?;
                println!(
                    "OK: version {}, created {}, signed by key {}, {} procedures, {} files verified",
                    v.manifest.version,
                    v.manifest.created.format("%Y-%m-%d %H:%M UTC"),
                    v.key_id.unwrap_or_default(),
                    v.dataset.procedures.len(),
                    v.manifest.files.len()
                );
                Ok(())
            }
        },
        Command::Keygen { out } => {
            if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            let pub_path = out.with_extension("pub");
            let sec_path = out.with_extension("key");
            let pk = sign::keygen(&pub_path, &sec_path)?;
            println!("public key:  {}", pub_path.display());
            println!(
                "secret key:  {} (keep it off the kiosks)",
                sec_path.display()
            );
            println!(
                "for kiosk.toml [updates] trusted_keys: \"{}\"",
                sign::public_key_line(&pk)
            );
            Ok(())
        }
        Command::Config(c) => match c {
            ConfigCmd::Check { file } => {
                let path = file.clone().or(cli.config.clone());
                let res = match &path {
                    Some(p) => Config::load(p).map(|_| p.display().to_string()),
                    None => {
                        Config::reference().map(|_| "the built-in reference configuration".into())
                    }
                };
                match res {
                    Ok(what) => {
                        println!("OK: {what}");
                        Ok(())
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        std::process::exit(2);
                    }
                }
            }
            ConfigCmd::Reference => {
                print!("{}", motcua::config::REFERENCE);
                Ok(())
            }
        },
    }
}

/// The kiosk itself. Bad configuration or data never keeps it from starting: the problem is
/// logged and the kiosk runs on the reference configuration or the built-in data.
fn run_kiosk(cli: &Cli) -> Result<()> {
    let cfg = match load_config(cli) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("configuration refused, running on the reference configuration: {e:#}");
            Config::reference()?
        }
    };
    let dir = data_dir(cli)?;
    let kiosk = match Kiosk::open(&dir, cfg.clone()) {
        Ok(k) => k,
        Err(e) => {
            // Keep the damaged directory for inspection; serve the built-in data from a fresh one.
            let fresh = dir.join(format!(
                "recovery-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%S")
            ));
            tracing::error!(
                "data directory {} unusable ({e}); starting on the built-in data in {}",
                dir.display(),
                fresh.display()
            );
            Kiosk::open(&fresh, cfg.clone())?
        }
    };
    let fullscreen = cfg.display.fullscreen && !cli.windowed;
    let exit = motcua::ui::run::run(
        std::sync::Arc::new(kiosk),
        motcua::ui::run::RunOptions { fullscreen },
    )?;
    if exit == motcua::ui::run::RunExit::Restart {
        restart_self()?;
    }
    Ok(())
}

/// Replaces this process with a fresh copy of itself, same arguments ("Khởi động lại" on the
/// staff screen): configuration and data are read again from the start.
fn restart_self() -> Result<()> {
    let exe = std::env::current_exe().context("finding the kiosk's own executable")?;
    tracing::info!("restarting {}", exe.display());
    let mut cmd = std::process::Command::new(&exe);
    cmd.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // exec only returns on failure.
        let e = cmd.exec();
        Err(e).with_context(|| format!("restarting {}", exe.display()))
    }
    #[cfg(not(unix))]
    {
        cmd.spawn()
            .with_context(|| format!("restarting {}", exe.display()))?;
        Ok(())
    }
}

fn parse_size(s: &str) -> Result<(u32, u32)> {
    s.split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| *w >= 320 && *h >= 320 && *w <= 8192 && *h <= 8192)
        .with_context(|| format!("size `{s}`: expected WIDTHxHEIGHT, e.g. 1080x1920"))
}

fn parse_level(level: Option<&str>) -> Result<Option<Level>> {
    level
        .map(|l| {
            Level::parse(l).with_context(|| {
                format!("unknown level `{l}` (province, commune, ministry, other)")
            })
        })
        .transpose()
}

fn search_json(q: &str, r: &motcua::search::Results) -> serde_json::Value {
    serde_json::json!({
        "query": q,
        "took_us": r.took_us,
        "total": r.total,
        "hits": r.procedures.iter().map(|h| serde_json::json!({
            "code": h.code,
            "name": h.name,
            "score": h.score,
            "exact_code": h.exact_code,
            "has_detail": h.has_detail,
            "online": h.online,
            "fields": h.fields,
            "levels": h.levels,
            "snippet": h.snippet.name.marked("[", "]"),
        })).collect::<Vec<_>>(),
        "hotlines": r.hotlines.iter().map(|h| serde_json::json!({
            "name": h.hotline.name, "number": h.hotline.number, "score": h.score,
        })).collect::<Vec<_>>(),
        "guides": r.guides.iter().map(|g| serde_json::json!({
            "id": g.guide.id, "title": g.guide.title, "score": g.score,
        })).collect::<Vec<_>>(),
        "facets": r.facets,
        "relaxed": r.relaxed,
        "suggestions": r.suggestions,
    })
}

fn cmd_search(cli: &Cli, a: &SearchArgs) -> Result<()> {
    let k = open_kiosk(cli)?;
    let req = |text: String| SearchRequest {
        text,
        field: a.field.clone(),
        level: None,
        online_only: a.online,
        limit: a.limit,
    };
    let level = parse_level(a.level.as_deref())?;
    let mut out = std::io::stdout().lock();
    if a.stdin {
        for line in std::io::stdin().lock().lines() {
            let q = line?;
            let o = k.search(&SearchRequest {
                level,
                ..req(q.clone())
            })?;
            writeln!(out, "{}", search_json(&q, &o.results))?;
        }
        return Ok(());
    }
    let q = a
        .query
        .clone()
        .context("give a query, or --stdin to read queries from standard input")?;
    let o = k.search(&SearchRequest {
        level,
        ..req(q.clone())
    })?;
    let r = &o.results;
    if a.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&search_json(&q, r))?
        )?;
        return Ok(());
    }
    if let Some(rel) = &r.relaxed {
        let mut what = Vec::new();
        if rel.typo {
            what.push(format!(
                "read as {}",
                rel.corrections
                    .iter()
                    .map(|(a, b)| format!("{a}→{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if rel.dropped_filters {
            what.push("filters ignored".into());
        }
        if rel.any_word {
            what.push("not every word matched".into());
        }
        writeln!(out, "(relaxed: {})", what.join("; "))?;
    }
    for h in &r.procedures {
        writeln!(
            out,
            "{:>7.2}  {}  {}",
            h.score,
            h.code,
            h.snippet.name.marked("[", "]")
        )?;
    }
    for h in &r.hotlines {
        writeln!(out, "hotline  {}  {}", h.hotline.number, h.hotline.name)?;
    }
    for g in &r.guides {
        writeln!(out, "guide    {}", g.guide.title)?;
    }
    if r.is_empty() && !r.suggestions.is_empty() {
        writeln!(out, "no results; try: {}", r.suggestions.join(" · "))?;
    }
    writeln!(out, "({} procedures, {} µs)", r.total, r.took_us)?;
    Ok(())
}

fn read_queries(path: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("{}, line {}", path.display(), i + 1))?;
            let q = v["query"].as_str().with_context(|| {
                format!("{}, line {}: no `query` string", path.display(), i + 1)
            })?;
            out.push(q.to_string());
        } else {
            out.push(line.to_string());
        }
    }
    Ok(out)
}

fn cmd_import(cli: &Cli, path: &Path, keys: &[PathBuf]) -> Result<()> {
    let k = open_kiosk(cli)?;
    let keys = keys
        .iter()
        .map(|p| sign::read_public_key_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    let pb = bar(100, "importing");
    let m = k
        .apply_bundle(path, &keys, Origin::Cli, &mut |s: Stage| {
            pb.set_position((s.fraction() * 100.0) as u64);
            pb.set_message(match s {
                Stage::Reading => "reading",
                Stage::Verifying => "verifying",
                Stage::Storing { .. } => "storing",
                Stage::Indexing => "indexing",
                Stage::Switching => "switching",
            });
        })
        .with_context(|| format!("importing {}", path.display()))?;
    pb.finish_and_clear();
    let s = k.live().content.stats()?;
    println!(
        "imported data version {}: {} procedures ({} with steps and dossier)",
        m.version, s.procedures, s.with_detail
    );
    Ok(())
}

fn cmd_show(cli: &Cli, code: &str, json: bool) -> Result<()> {
    let k = open_kiosk(cli)?;
    let code = motcua::domain::normalize_code_query(code).unwrap_or_else(|| code.to_string());
    let Some(p) = k.procedure(&code)? else {
        bail!("no procedure with code {code}");
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(());
    }
    let v = k.procedure_view(&code)?.context("procedure vanished")?;
    let mut o = String::new();
    o.push_str(&format!("{}  {}\n", v.code, v.name));
    for (label, val) in [
        ("Lĩnh vực", &v.fields),
        ("Cấp thực hiện", &v.levels),
        ("Cơ quan thực hiện", &v.agency),
        ("Địa chỉ tiếp nhận", &v.receiving_address),
        ("Đối tượng", &v.subjects),
    ] {
        if !val.is_empty() {
            o.push_str(&format!("{label}: {val}\n"));
        }
    }
    o.push_str(&format!(
        "Liên kết: {}{}\n",
        v.link.url,
        if v.link.verified {
            ""
        } else {
            " (tìm theo mã trên Cổng)"
        }
    ));
    if !v.channels.is_empty() {
        o.push_str("\nCách thức thực hiện:\n");
        for c in &v.channels {
            o.push_str(&format!("  - {}: {} — {}\n", c.method, c.time, c.fee));
        }
    }
    if !v.dossier.is_empty() {
        o.push_str("\nThành phần hồ sơ:\n");
        for g in &v.dossier {
            if !g.title.is_empty() {
                o.push_str(&format!("  {}\n", g.title));
            }
            for i in &g.items {
                o.push_str(&format!("  - {} [{}]\n", i.name, i.quantity));
            }
        }
    }
    if !v.steps.is_empty() {
        o.push_str("\nTrình tự thực hiện:\n");
        for s in &v.steps {
            o.push_str(&format!("  {}. {} {}\n", s.number, s.title, s.text));
        }
    }
    if !v.legal.is_empty() {
        o.push_str("\nCăn cứ pháp lý:\n");
        for l in &v.legal {
            o.push_str(&format!("  - {}: {}\n", l.code, l.title));
        }
    }
    print!("{o}");
    Ok(())
}

fn cmd_build(a: &BuildArgs) -> Result<()> {
    let mut prog = FileProgress(bar(a.from.len() as u64, "reading"));
    let (ds, report) = bundle::read_sources(&a.from, &mut prog)?;
    prog.0.finish_and_clear();
    let created = chrono::Utc::now();
    let version = a.version.unwrap_or_else(|| {
        created
            .format("%Y%m%d%H%M")
            .to_string()
            .parse()
            .unwrap_or(1)
    });
    let built = package::build(
        &ds,
        Some(&report),
        &package::WriteOptions {
            version,
            created,
            expires: (a.expires_days > 0)
                .then(|| created + chrono::Duration::days(i64::from(a.expires_days))),
            publisher: a.publisher.clone(),
            description: a.description.clone(),
        },
    )?;
    let signature = match &a.sign {
        Some(key) => {
            let sk = sign::read_secret_key(key, None)?;
            Some(sign::sign(
                &sk,
                &built.manifest_bytes,
                &format!("motcua bundle version {version}"),
            )?)
        }
        None => None,
    };
    write_bundle(&built, &a.out, signature.as_deref())?;
    if let Some(r) = &a.report {
        std::fs::write(r, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", r.display()))?;
    }
    eprint!("{}", report.summary());
    println!("wrote bundle version {version} to {}", a.out.display());
    Ok(())
}

fn is_zip(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn write_bundle(built: &package::Built, out: &Path, signature: Option<&str>) -> Result<()> {
    if is_zip(out) {
        built.write_zip(out, signature)?;
    } else {
        built.write_dir(out)?;
        if let Some(s) = signature {
            std::fs::write(out.join(package::SIGNATURE), s)?;
        }
    }
    Ok(())
}

fn cmd_sign(bundle_path: &Path, key: &Path, password_env: Option<&str>) -> Result<()> {
    let password = match password_env {
        Some(var) => Some(
            std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?,
        ),
        None => None,
    };
    let sk = sign::read_secret_key(key, password)?;
    let raw = bundle::archive::read(bundle_path, bundle::archive::Limits::default())?;
    let manifest = package::parse_manifest(bundle_path, &raw.manifest)?;
    let sig = sign::sign(
        &sk,
        &raw.manifest,
        &format!("motcua bundle version {}", manifest.version),
    )?;
    if is_zip(bundle_path) {
        // Rewrite the zip with the signature beside the manifest; content is copied byte for byte.
        let built = package::Built {
            manifest,
            manifest_bytes: raw.manifest.clone(),
            files: raw.files.into_iter().collect(),
        };
        built.write_zip(bundle_path, Some(&sig))?;
    } else {
        std::fs::write(bundle_path.join(package::SIGNATURE), &sig)?;
    }
    println!("signed {}", bundle_path.display());
    Ok(())
}
