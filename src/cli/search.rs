//! `search`, `eval` and `bench` (the search benchmark; `bench --ui` is in `kiosk`).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use motcua::app::search::SearchRequest;

use super::{Global, out, parse_level};

#[derive(Args)]
pub struct SearchArgs {
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

#[derive(Args)]
pub struct EvalArgs {
    queries: PathBuf,
    #[arg(long)]
    json: bool,
    /// Also list every query whose expected procedure is not in the top 5.
    #[arg(long)]
    failures: bool,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Queries typed key by key: JSON Lines with a `query` key per line, or plain text with one
    /// query per line.
    #[arg(long, default_value = "data/eval/dev.jsonl")]
    pub queries: PathBuf,
    /// How many varied queries (names, half-typed names, questions, ten-word phrases) to search
    /// once each; 0 skips them.
    #[arg(long, default_value_t = 50_000)]
    pub varied: usize,
    /// Real citizen questions, one per line: part of the varied queries and the zero-result
    /// rate.
    #[arg(long, default_value = "data/eval/citizen-questions.txt")]
    pub questions: PathBuf,
    /// Also type the queries on a corpus this many times the size (generated in memory from the
    /// live data: every extra copy a province's own copy), beside the live one.
    #[arg(long, default_value_t = 1)]
    pub scale: usize,
    /// Measure importing instead: a signed bundle of the live data and one --scale times the
    /// size, each imported into a fresh data directory by a child `motcua import` (wall, CPU,
    /// peak RSS, the data version's size on disk).
    #[arg(long)]
    pub import: bool,
    #[arg(long)]
    pub json: bool,
    /// Benchmark the kiosk window instead (start-up, keystroke to frame, idle), headless.
    #[arg(long)]
    pub ui: bool,
    /// Soak the kiosk window instead: N simulated visits (type, open, scroll, Xong, rate, idle
    /// reset; network checks and USB scans), reporting memory, threads and open files.
    #[arg(long, value_name = "N")]
    pub soak: Option<usize>,
    /// Window size for --ui, WIDTHxHEIGHT.
    #[arg(long, default_value = "1920x1080")]
    pub size: String,
    /// Seconds of idle to watch with --ui.
    #[arg(long, default_value_t = 10)]
    pub idle_seconds: u64,
}

pub fn search(g: &Global, a: &SearchArgs) -> Result<()> {
    let k = g.kiosk()?;
    let level = parse_level(a.level.as_deref())?;
    let req = |text: String| SearchRequest {
        text,
        field: a.field.clone(),
        level,
        online_only: a.online,
        limit: a.limit,
    };
    let mut o = out();
    if a.stdin {
        for line in std::io::stdin().lock().lines() {
            let q = line?;
            let r = k.search(&req(q.clone()))?;
            writeln!(o, "{}", search_json(&q, &r))?;
        }
        return Ok(());
    }
    let q = a
        .query
        .clone()
        .context("give a query, or --stdin to read queries from standard input")?;
    let outcome = k.search(&req(q.clone()))?;
    let r = &outcome.results;
    if a.json {
        writeln!(
            o,
            "{}",
            serde_json::to_string_pretty(&search_json(&q, &outcome))?
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
        writeln!(o, "(relaxed: {})", what.join("; "))?;
    }
    for (i, h) in r.procedures.iter().enumerate() {
        writeln!(
            o,
            "{:>7.2}  {}  {}",
            h.score,
            h.code,
            h.snippet.name.marked("[", "]")
        )?;
        if let Some(Some(answer)) = outcome.answers.get(i) {
            writeln!(o, "{:>7}  {}", "", answer.text)?;
        }
    }
    for h in &r.hotlines {
        writeln!(o, "hotline  {}  {}", h.hotline.number, h.hotline.name)?;
    }
    for g in &r.guides {
        writeln!(o, "guide    {}", g.guide.title)?;
    }
    if r.is_empty() && !r.suggestions.is_empty() {
        writeln!(o, "no results; try: {}", r.suggestions.join(" · "))?;
    }
    writeln!(o, "({} procedures, {} µs)", r.total, r.took_us)?;
    Ok(())
}

/// The JSON line `search --json` and `search --stdin` print for one query.
fn search_json(q: &str, outcome: &motcua::app::search::SearchOutcome) -> serde_json::Value {
    let r = &outcome.results;
    let answer = |i: usize| {
        outcome
            .answers
            .get(i)
            .and_then(Option::as_ref)
            .map(|a| a.text.clone())
    };
    serde_json::json!({
        "query": q,
        "took_us": r.took_us,
        "total": r.total,
        "asks": r.asks,
        "hits": r.procedures.iter().enumerate().map(|(i, h)| serde_json::json!({
            "code": h.code,
            "name": h.name,
            "score": h.score,
            "exact_code": h.exact_code,
            "has_detail": h.has_detail,
            "online": h.online,
            "fields": h.fields,
            "levels": h.levels,
            "snippet": h.snippet.name.marked("[", "]"),
            "variants": h.variants,
            "other_provinces": h.other_provinces,
            "answer": answer(i),
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

pub fn eval(g: &Global, a: &EvalArgs) -> Result<()> {
    let k = g.kiosk()?;
    let cases = motcua::search::read_cases(&a.queries)?;
    let report = k.evaluate(&cases)?;
    let mut o = out();
    if a.json {
        writeln!(o, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    write!(o, "{}", report.table())?;
    if a.failures {
        for f in &report.failures {
            writeln!(
                o,
                "miss [{} {}] {:?} expected {:?} rank {:?}; top: {:?}",
                f.kind,
                f.variant.as_str(),
                f.query,
                f.expected,
                f.rank,
                f.top.iter().map(|(c, _)| c).collect::<Vec<_>>()
            )?;
        }
    }
    Ok(())
}

pub fn bench(g: &Global, a: &BenchArgs) -> Result<()> {
    let k = g.kiosk()?;
    if a.import {
        let plan = motcua::app::import_bench::ImportPlan {
            scale: a.scale,
            program: std::env::current_exe().context("finding the motcua executable")?,
            config: g.config.clone(),
        };
        let b = motcua::app::import_bench::import_bench(&k, &plan)?;
        let mut o = out();
        if a.json {
            writeln!(o, "{}", serde_json::to_string_pretty(&b)?)?;
        } else {
            write!(o, "{}", b.table())?;
        }
        return Ok(());
    }
    let plan = motcua::app::bench::BenchPlan {
        keystroke: motcua::search::read_queries(&a.queries)?,
        varied: a.varied,
        questions: motcua::search::read_queries(&a.questions)?,
        scale: a.scale,
    };
    let b = motcua::app::bench::search_bench(&k, &plan)?;
    let mut o = out();
    if a.json {
        writeln!(o, "{}", serde_json::to_string_pretty(&b)?)?;
    } else {
        write!(o, "{}", b.table())?;
    }
    Ok(())
}
