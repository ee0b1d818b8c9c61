//! Data commands: `import`, `show`, `list`, `stats` (the live data's counts; `stats usage` and
//! `stats export` are in `office`), `rollback`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use motcua::app::kiosk::{Origin, Replay, Stage};
use motcua::bundle::sign;
use motcua::store::ListFilter;

use super::{Global, bar, out, parse_level};

#[derive(Args)]
pub struct ImportArgs {
    bundle: PathBuf,
    /// minisign public key file to trust instead of the configured keys.
    #[arg(long = "key")]
    keys: Vec<PathBuf>,
    /// Apply a version that was rolled back (no newer than the highest version ever applied):
    /// a deliberate staff choice, refused otherwise.
    #[arg(long)]
    rolled_back: bool,
    /// Write this process's peak resident memory and CPU time to FILE as JSON when the import
    /// has finished (what `motcua bench --import` measures).
    #[arg(long, value_name = "FILE", hide = true)]
    usage_out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ShowArgs {
    code: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ListArgs {
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
}

#[derive(Args)]
pub struct StatsArgs {
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    action: Option<super::office::StatsCmd>,
}

pub fn import(g: &Global, a: &ImportArgs) -> Result<()> {
    let k = g.kiosk()?;
    let keys = a
        .keys
        .iter()
        .map(|p| sign::read_public_key_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    let replay = if a.rolled_back {
        Replay::AllowRolledBack
    } else {
        Replay::Refuse
    };
    let pb = bar(100, "importing");
    let m = k
        .apply_bundle_as(&a.bundle, &keys, Origin::Cli, replay, &mut |s: Stage| {
            pb.set_position((s.fraction() * 100.0) as u64);
            pb.set_message(match s {
                Stage::Reading => "reading",
                Stage::Verifying => "verifying",
                Stage::Storing { .. } => "storing",
                Stage::Indexing => "indexing",
                Stage::Switching => "switching",
            });
        })
        .with_context(|| format!("importing {}", a.bundle.display()))?;
    pb.finish_and_clear();
    if let Some(path) = &a.usage_out {
        motcua::app::import_bench::ProcessUsage::of_self().write(path)?;
    }
    let s = k.live().content.stats()?;
    writeln!(
        out(),
        "imported data version {}: {} procedures ({} with steps and dossier)",
        m.version,
        s.procedures,
        s.with_detail
    )?;
    Ok(())
}

pub fn show(g: &Global, a: &ShowArgs) -> Result<()> {
    let k = g.kiosk()?;
    let code = motcua::domain::normalize_code_query(&a.code).unwrap_or_else(|| a.code.clone());
    let Some(p) = k.procedure(&code)? else {
        if let Some(w) = k.withdrawn(&code) {
            bail!("{} ({})", w.message, w.name);
        }
        bail!("no procedure with code {code}");
    };
    let mut o = out();
    if a.json {
        writeln!(o, "{}", serde_json::to_string_pretty(&p)?)?;
        return Ok(());
    }
    let v = k.procedure_view(&code)?.context("procedure vanished")?;
    writeln!(o, "{}  {}", v.code, v.name)?;
    if k.recently_updated(
        &p.code,
        p.updated.as_deref(),
        chrono::Local::now().date_naive(),
    ) {
        writeln!(o, "Mới cập nhật")?;
    }
    for (label, val) in [
        ("Lĩnh vực", &v.fields),
        ("Cấp thực hiện", &v.levels),
        ("Cơ quan thực hiện", &v.agency),
        ("Địa chỉ tiếp nhận", &v.receiving_address),
        ("Đối tượng", &v.subjects),
    ] {
        if !val.is_empty() {
            writeln!(o, "{label}: {val}")?;
        }
    }
    writeln!(
        o,
        "Liên kết: {}{}",
        v.link.url,
        if v.link.verified {
            ""
        } else {
            " (tìm theo mã trên Cổng)"
        }
    )?;
    if !v.channels.is_empty() {
        writeln!(o, "\nCách thức thực hiện:")?;
        for c in &v.channels {
            writeln!(o, "  - {}: {} — {}", c.method, c.time, c.fee)?;
        }
    }
    if !v.dossier.is_empty() {
        writeln!(o, "\nThành phần hồ sơ:")?;
        for g in &v.dossier {
            if !g.title.is_empty() {
                writeln!(o, "  {}", g.title)?;
            }
            for i in &g.items {
                writeln!(o, "  - {} [{}]", i.name, i.quantity)?;
            }
        }
    }
    if !v.steps.is_empty() {
        writeln!(o, "\nTrình tự thực hiện:")?;
        for s in &v.steps {
            writeln!(o, "  {}. {} {}", s.number, s.title, s.text)?;
        }
    }
    if !v.legal.is_empty() {
        writeln!(o, "\nCăn cứ pháp lý:")?;
        for l in &v.legal {
            writeln!(o, "  - {}: {}", l.code, l.title)?;
        }
    }
    Ok(())
}

pub fn list(g: &Global, a: &ListArgs) -> Result<()> {
    let k = g.kiosk()?;
    let rows = k.live().content.list(&ListFilter {
        field: a.field.clone(),
        level: parse_level(a.level.as_deref())?,
        life_event: a.life_event.clone(),
        online_only: a.online,
        limit: None,
    })?;
    let mut o = out();
    if a.json {
        serde_json::to_writer_pretty(&mut o, &rows)?;
        writeln!(o)?;
    } else {
        for r in &rows {
            writeln!(o, "{}  {}", r.code, r.name)?;
        }
        writeln!(o, "({} procedures)", rows.len())?;
    }
    Ok(())
}

pub fn stats(g: &Global, a: &StatsArgs) -> Result<()> {
    if let Some(action) = &a.action {
        return super::office::stats(g, action);
    }
    let k = g.kiosk()?;
    let live = k.live();
    let s = live.content.stats()?;
    let mut o = out();
    if a.json {
        let mut v = serde_json::to_value(&s)?;
        v["data_version"] = serde_json::json!(live.meta.version);
        v["data_created"] = serde_json::json!(live.meta.created);
        writeln!(o, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(
        o,
        "data version {} (created {})",
        live.meta.version, live.meta.created
    )?;
    let age = k.data_age(chrono::Utc::now());
    writeln!(
        o,
        "data age {} days{}",
        age.days,
        if age.stale {
            format!(
                " — older than the {}-day limit: check the feed",
                age.limit_days
            )
        } else {
            String::new()
        }
    )?;
    writeln!(
        o,
        "procedures {} — with steps and dossier {}, without {}; with portal link {}; fully online {}",
        s.procedures, s.with_detail, s.without_detail, s.with_portal_link, s.fully_online
    )?;
    writeln!(o, "by source:")?;
    for (k, v) in &s.by_source {
        writeln!(o, "  {k:<14} {v:>6}")?;
    }
    writeln!(o, "by level:")?;
    for (k, v) in &s.by_level {
        writeln!(o, "  {k:<14} {v:>6}")?;
    }
    writeln!(
        o,
        "hotlines {}, guides {}, life events {}, synonyms {}",
        s.hotlines, s.guides, s.life_events, s.synonyms
    )?;
    writeln!(o, "by field ({}):", s.by_field.len())?;
    for f in &s.by_field {
        writeln!(o, "  {:>5}  {}", f.count, f.name)?;
    }
    Ok(())
}

pub fn rollback(g: &Global) -> Result<()> {
    let k = g.kiosk()?;
    let m = k.rollback()?;
    writeln!(
        out(),
        "now serving data version {} (created {})",
        m.version,
        m.created
    )?;
    Ok(())
}
