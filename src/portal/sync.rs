//! The sync itself: page through the catalog, fetch every record's detail with a few workers
//! under one rate limit, settle each record (saved, unchanged, no detail, malformed, failed) in a
//! log that survives a kill, then write the mirror files and the report.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PortalError;
use super::api::{self, CatalogQuery, DetailQuery};
use super::mirror::{Mirror, Outcome, Settled, is_safe_id, write_with};
use super::pace::{Pace, backoff};
use crate::bundle;
use crate::domain::Dataset;
use crate::domain::changes::{Change, Changes};
use crate::net::{Client, NetError, Timeouts};

/// How to talk to the portal.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The portal's address; the two endpoints are appended to it.
    pub portal: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests per second, all workers together (0: no limit).
    pub per_second: f64,
    /// Catalog items asked for per page.
    pub page_size: usize,
    pub timeouts: Timeouts,
    /// Attempts after the first one fails with a 5xx, a timeout or a broken connection.
    pub retries: u32,
    /// The wait before the first retry; it doubles with each further one.
    pub retry_wait: Duration,
    /// The largest answer accepted.
    pub max_answer_bytes: u64,
}

impl Default for SyncOptions {
    /// What a public portal would accept: two requests at once, three a second.
    fn default() -> Self {
        SyncOptions {
            portal: api::DEFAULT_PORTAL.into(),
            concurrency: 2,
            per_second: 3.0,
            page_size: 200,
            timeouts: Timeouts {
                stall: Duration::from_secs(30),
                total: Duration::from_secs(120),
            },
            retries: 5,
            retry_wait: Duration::from_secs(2),
            max_answer_bytes: 32 * 1024 * 1024,
        }
    }
}

/// What the sync is doing, for a progress bar.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A catalog page arrived; `items` so far.
    Catalog { page: u32, items: usize },
    /// Details: `done` of `total` records settled (records settled before a resume included).
    Details { done: usize, total: usize },
    /// An attempt failed and will be repeated after `wait`.
    Retry {
        what: String,
        attempt: u32,
        wait: Duration,
        error: String,
    },
}

/// A record the sync could not take, and why (its last good copy, if any, stays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    pub message: String,
}

/// What a sync found and did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub portal: String,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    /// Wall time of this process (a resumed run counts from the resume).
    pub seconds: f64,
    /// The run continued one that had been interrupted.
    pub resumed: bool,
    /// No earlier complete sync in this folder: nothing to compare with.
    pub first: bool,
    /// Catalog items the portal publishes.
    pub catalog: usize,
    /// Records with a detail answer in the mirror.
    pub with_detail: usize,
    /// Requests this process sent (retries included), their retries and the bytes received.
    pub requests: u64,
    pub retries: u64,
    pub bytes: u64,
    /// Detail records saved anew, found unchanged, or without a detail on the portal.
    pub saved: usize,
    pub unchanged: usize,
    pub no_detail: usize,
    /// Against the last complete sync, by procedure code.
    pub new: Vec<Change>,
    pub changed: Vec<Change>,
    pub withdrawn: Vec<Change>,
    /// Answers that were malformed (the last good copy was kept).
    pub malformed: Vec<Problem>,
    /// Records every attempt failed for (the last good copy was kept).
    pub failed: Vec<Problem>,
}

/// A catalog item with what the sync needs from it.
struct Entry {
    id: Option<String>,
    code: String,
    raw: String,
    published: bool,
    updated_at: Option<i64>,
}

/// Why a request gave no answer.
enum Fail {
    /// 404 or 410: the portal has no such record.
    Gone(u16),
    /// Every attempt failed, or the failure cannot be cured by trying again.
    GaveUp(String),
    /// The portal address itself is refused: nothing can work.
    Fatal(NetError),
}

struct Ctx<'a> {
    client: Client,
    opts: &'a SyncOptions,
    pace: Pace,
    requests: AtomicU64,
    retries: AtomicU64,
    bytes: AtomicU64,
    seed: AtomicU64,
    on: &'a (dyn Fn(Event) + Sync),
}

fn retryable(status: u16) -> bool {
    status == 408 || status == 425 || status == 429 || status >= 500
}

impl Ctx<'_> {
    /// POSTs `body` to `url` under the rate limit, retrying what a retry can cure. `check`
    /// decides whether an answer is usable; an unusable answer is retried like a 5xx.
    fn post<T: Serialize>(
        &self,
        what: &str,
        url: &str,
        body: &T,
        check: &dyn Fn(&[u8]) -> Result<(), String>,
    ) -> Result<Vec<u8>, Fail> {
        let mut attempt = 0;
        let mut malformed_before = false;
        loop {
            self.pace.wait();
            self.requests.fetch_add(1, Ordering::Relaxed);
            let error = match self.client.post_json(url, body, self.opts.max_answer_bytes) {
                Ok(reply) => {
                    self.bytes
                        .fetch_add(reply.body.len() as u64, Ordering::Relaxed);
                    match check(&reply.body) {
                        Ok(()) => return Ok(reply.body),
                        // A garbled answer may be a glitch: one more try, not a siege.
                        Err(e) if malformed_before => return Err(Fail::GaveUp(e)),
                        Err(e) => {
                            malformed_before = true;
                            e
                        }
                    }
                }
                Err(NetError::Status { status, .. }) if status == 404 || status == 410 => {
                    return Err(Fail::Gone(status));
                }
                Err(e @ NetError::Status { status, .. }) if retryable(status) => e.to_string(),
                Err(e @ (NetError::Offline { .. } | NetError::Interrupted { .. })) => e.to_string(),
                Err(
                    e @ (NetError::BadUrl { .. }
                    | NetError::PlainHttp { .. }
                    | NetError::Scheme { .. }
                    | NetError::Credentials { .. }),
                ) => return Err(Fail::Fatal(e)),
                Err(e) => return Err(Fail::GaveUp(e.to_string())),
            };
            attempt += 1;
            if attempt > self.opts.retries {
                return Err(Fail::GaveUp(format!("{error} (after {attempt} attempts)")));
            }
            let seed = self.seed.fetch_add(1, Ordering::Relaxed);
            let wait = backoff(self.opts.retry_wait, attempt, seed);
            self.retries.fetch_add(1, Ordering::Relaxed);
            (self.on)(Event::Retry {
                what: what.to_string(),
                attempt,
                wait,
                error,
            });
            std::thread::sleep(wait);
        }
    }
}

fn endpoint(portal: &str, path: &str) -> String {
    format!("{}{path}", portal.trim_end_matches('/'))
}

/// Mirrors the portal into `dir` (see the module docs of `portal` for the layout).
pub fn sync(
    dir: &Path,
    opts: &SyncOptions,
    on: &(dyn Fn(Event) + Sync),
) -> Result<SyncReport, PortalError> {
    if opts.concurrency == 0 || opts.page_size == 0 {
        return Err(PortalError::Options(
            "concurrency and page size must be at least 1".into(),
        ));
    }
    crate::net::check_url(&opts.portal)?;
    let clock = Instant::now();
    let mirror = Mirror::open(dir)?;
    let _lock = mirror.lock()?;
    let (mut run, resumed) = match mirror.run() {
        Some(r) => (r, true),
        None => (mirror.start_run(Utc::now())?, false),
    };
    let ctx = Ctx {
        client: Client::new(opts.timeouts),
        opts,
        pace: Pace::new(opts.per_second),
        requests: AtomicU64::new(0),
        retries: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        seed: AtomicU64::new(u64::from(std::process::id()) << 32 | run.pages as u64),
        on,
    };

    // The catalog, page by page; each page is saved before the cursor moves past it.
    let catalog_url = endpoint(&opts.portal, api::CATALOG_PATH);
    let mut seen_items = if run.pages > 0 {
        mirror.pages(run.pages)?.len()
    } else {
        0
    };
    while !run.catalog_done {
        let query = CatalogQuery {
            limit: opts.page_size,
            last_id: &run.cursor,
            q: "",
            category_id: "",
            department_code: "",
        };
        let what = format!("catalog page {}", run.pages + 1);
        let check = |b: &[u8]| api::parse_catalog(b).map(|_| ());
        let body = match ctx.post(&what, &catalog_url, &query, &check) {
            Ok(b) => b,
            Err(Fail::Fatal(e)) => return Err(e.into()),
            Err(Fail::Gone(status)) => {
                return Err(PortalError::Catalog {
                    url: catalog_url,
                    cursor: run.cursor.clone(),
                    message: format!("the server answered {status}"),
                });
            }
            Err(Fail::GaveUp(message)) => {
                return Err(PortalError::Catalog {
                    url: catalog_url,
                    cursor: run.cursor.clone(),
                    message,
                });
            }
        };
        let page = api::parse_catalog(&body).map_err(|message| PortalError::Catalog {
            url: catalog_url.clone(),
            cursor: run.cursor.clone(),
            message,
        })?;
        if page.items.is_empty() {
            run.catalog_done = true;
        } else {
            mirror.save_page(run.pages + 1, &page.items)?;
            run.pages += 1;
            seen_items += page.items.len();
            let next = page
                .last_id
                .or_else(|| page.items.last().and_then(|it| api::item_keys(it).0));
            match next {
                Some(n) if n != run.cursor => run.cursor = n,
                // No way forward: this was the last page.
                _ => run.catalog_done = true,
            }
        }
        mirror.save_run(&run)?;
        on(Event::Catalog {
            page: run.pages,
            items: seen_items,
        });
    }

    let old_catalog = read_lines(&mirror.catalog_file());
    let old_by_id: HashMap<String, &String> = old_catalog
        .iter()
        .filter_map(|l| api::item_keys(l).0.map(|id| (id, l)))
        .collect();
    let mut malformed = Vec::new();
    let entries = catalog_entries(mirror.pages(run.pages)?, &old_by_id, &mut malformed);

    // Details: every published record with a portal id, except those settled before a kill.
    let prior = mirror.settled();
    let prior_ids: HashSet<&str> = prior.iter().map(|s| s.id.as_str()).collect();
    let wanted: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.published && e.id.as_deref().is_some_and(is_safe_id))
        .collect();
    let jobs: Vec<&Entry> = wanted
        .iter()
        .copied()
        .filter(|e| !e.id.as_deref().is_some_and(|id| prior_ids.contains(id)))
        .collect();
    let total = wanted.len();
    let done = AtomicUsize::new(total - jobs.len());
    on(Event::Details {
        done: done.load(Ordering::Relaxed),
        total,
    });
    let detail_url = endpoint(&opts.portal, api::DETAIL_PATH);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let fatal: Mutex<Option<PortalError>> = Mutex::new(None);
    let log = Mutex::new(mirror.settle_log()?);
    let settled_now: Mutex<Vec<Settled>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..opts.concurrency.min(jobs.len().max(1)) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(entry) = jobs.get(i) else { break };
                    let result = settle(&ctx, &mirror, &detail_url, entry).and_then(|st| {
                        log.lock().unwrap_or_else(|p| p.into_inner()).append(&st)?;
                        Ok(st)
                    });
                    match result {
                        Ok(st) => {
                            settled_now
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push(st);
                            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                            on(Event::Details { done: d, total });
                        }
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            fatal
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut settled = prior;
    settled.extend(settled_now.into_inner().unwrap_or_else(|p| p.into_inner()));

    // The mirror files, then the comparison with the last complete sync.
    let old = if old_catalog.is_empty() {
        None
    } else {
        read_mirror(&mirror.catalog_file(), &mirror.details_file())
            .map_err(|e| tracing::warn!("the last sync's files cannot be compared: {e}"))
            .ok()
    };
    let staged = [
        mirror.root().join(".portal-catalog.next"),
        mirror.root().join(".portal-api-details.next"),
    ];
    write_with(&staged[0], |w| {
        for e in &entries {
            w.write_all(e.raw.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    let mut with_detail = 0;
    write_with(&staged[1], |w| {
        for id in wanted.iter().filter_map(|e| e.id.as_deref()) {
            if let Some(line) = mirror.detail(id) {
                w.write_all(line.as_bytes())?;
                w.write_all(b"\n")?;
                with_detail += 1;
            }
        }
        Ok(())
    })?;
    let new = read_mirror(&staged[0], &staged[1])?;
    for (from, to) in staged
        .iter()
        .zip([mirror.catalog_file(), mirror.details_file()])
    {
        std::fs::rename(from, &to).map_err(|source| PortalError::Io { path: to, source })?;
    }
    let keep: HashSet<&str> = entries.iter().filter_map(|e| e.id.as_deref()).collect();
    mirror.prune_details(&keep)?;

    let today = Utc::now().date_naive();
    let diff = old
        .as_ref()
        .map(|o| Changes::between(Some((0, o, &Changes::default())), &new, today))
        .unwrap_or_default();
    let code_of: HashMap<&str, &str> = entries
        .iter()
        .filter_map(|e| Some((e.id.as_deref()?, e.code.as_str())))
        .collect();
    let count = |o: Outcome| settled.iter().filter(|s| s.outcome == o).count();
    let problems = |o: Outcome| {
        settled
            .iter()
            .filter(|s| s.outcome == o)
            .map(|s| Problem {
                id: s.id.clone(),
                code: code_of.get(s.id.as_str()).unwrap_or(&"").to_string(),
                message: s.note.clone(),
            })
            .collect::<Vec<_>>()
    };
    malformed.extend(problems(Outcome::Malformed));
    let report = SyncReport {
        portal: opts.portal.clone(),
        started: run.started,
        finished: Utc::now(),
        seconds: clock.elapsed().as_secs_f64(),
        resumed,
        first: old.is_none(),
        catalog: entries.iter().filter(|e| e.published).count(),
        with_detail,
        requests: ctx.requests.load(Ordering::Relaxed),
        retries: ctx.retries.load(Ordering::Relaxed),
        bytes: ctx.bytes.load(Ordering::Relaxed),
        saved: count(Outcome::Saved),
        unchanged: count(Outcome::Unchanged),
        no_detail: count(Outcome::NoDetail),
        new: diff.new,
        changed: diff.changed,
        withdrawn: diff.withdrawn,
        malformed,
        failed: problems(Outcome::Failed),
    };
    let bytes = serde_json::to_vec_pretty(&report).map_err(|e| PortalError::Io {
        path: mirror.report_file(),
        source: std::io::Error::other(e),
    })?;
    super::mirror::write_file(&mirror.report_file(), &bytes)?;
    mirror.finish_run()?;
    Ok(report)
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The catalog items of this run, checked as the importer will read them. A malformed item is
/// reported and replaced by its last good copy when the last sync had one; the first of two
/// items with the same id wins.
fn catalog_entries(
    items: Vec<String>,
    old_by_id: &HashMap<String, &String>,
    malformed: &mut Vec<Problem>,
) -> Vec<Entry> {
    let mut out = Vec::with_capacity(items.len());
    let mut seen: HashSet<String> = HashSet::new();
    for raw in items {
        let (id, updated_at) = api::item_keys(&raw);
        let (raw, parsed) = match bundle::parse_catalog_item(&raw) {
            Ok(p) => (raw, p),
            Err(e) => {
                let kept = id
                    .as_ref()
                    .and_then(|i| old_by_id.get(i))
                    .and_then(|old| Some(((*old).clone(), bundle::parse_catalog_item(old).ok()?)));
                malformed.push(Problem {
                    id: id.clone().unwrap_or_default(),
                    code: String::new(),
                    message: format!(
                        "catalog item: {e}{}",
                        if kept.is_some() {
                            "; the last good copy is kept"
                        } else {
                            ""
                        }
                    ),
                });
                match kept {
                    Some(k) => k,
                    None => continue,
                }
            }
        };
        let (procedure, published) = parsed;
        let key = id.clone().unwrap_or_else(|| procedure.code.clone());
        if !seen.insert(key) {
            continue;
        }
        out.push(Entry {
            id,
            code: procedure.code,
            raw,
            published,
            updated_at,
        });
    }
    out
}

/// Reads a mirror's two files with the importers (which know them by their names: the staged
/// `.portal-catalog.next` is read as a catalog).
fn read_mirror(catalog: &Path, details: &Path) -> Result<Dataset, PortalError> {
    let mut inputs: Vec<PathBuf> = vec![catalog.to_path_buf()];
    if std::fs::metadata(details).is_ok_and(|m| m.len() > 0) {
        inputs.push(details.to_path_buf());
    }
    let (ds, _) = bundle::read_sources(&inputs, &mut ())?;
    Ok(ds)
}

/// Settles one record: its detail fetched, checked and saved, or why not.
fn settle(
    ctx: &Ctx<'_>,
    mirror: &Mirror,
    url: &str,
    entry: &Entry,
) -> Result<Settled, PortalError> {
    let id = entry.id.clone().unwrap_or_default();
    let settled = |outcome, note: String| Settled {
        id: id.clone(),
        outcome,
        note,
    };
    let saved = mirror.detail(&id);
    // The catalog says when the record last changed: the same date means nothing to fetch.
    if let (Some(when), Some(old)) = (entry.updated_at, saved.as_deref())
        && api::detail_keys(old).1 == Some(when)
    {
        return Ok(settled(Outcome::Unchanged, String::new()));
    }
    let check = |b: &[u8]| check_detail(b, &id).map(|_| ());
    let what = format!("{} ({id})", entry.code);
    let body = match ctx.post(&what, url, &DetailQuery { id: &id }, &check) {
        Ok(b) => b,
        Err(Fail::Gone(status)) => {
            return Ok(settled(
                Outcome::NoDetail,
                format!("the portal answered {status}"),
            ));
        }
        Err(Fail::Fatal(e)) => return Err(e.into()),
        Err(Fail::GaveUp(message)) => {
            // A record that stays malformed after every retry is reported as malformed.
            let outcome = if message.starts_with(MALFORMED) {
                Outcome::Malformed
            } else {
                Outcome::Failed
            };
            return Ok(settled(outcome, message));
        }
    };
    let line = match check_detail(&body, &id) {
        Ok(Some(line)) => line,
        Ok(None) => {
            return Ok(settled(
                Outcome::NoDetail,
                "the portal answered without data".into(),
            ));
        }
        Err(e) => return Ok(settled(Outcome::Malformed, e)),
    };
    if let Some(old) = saved.as_deref() {
        let same_date = api::detail_keys(old)
            .1
            .zip(api::detail_keys(&line).1)
            .is_some_and(|(a, b)| a == b);
        if old == line || same_date {
            return Ok(settled(Outcome::Unchanged, String::new()));
        }
    }
    mirror.save_detail(&id, &line)?;
    Ok(settled(Outcome::Saved, String::new()))
}

const MALFORMED: &str = "malformed answer: ";

/// The answer as a mirror line, if the importer takes it and it is the record asked for;
/// `Ok(None)` for a well-formed answer without data.
fn check_detail(body: &[u8], id: &str) -> Result<Option<String>, String> {
    let line = api::one_line(body).map_err(|e| format!("{MALFORMED}{e}"))?;
    match bundle::parse_detail_answer(&line) {
        Err(e) => Err(format!("{MALFORMED}{e}")),
        Ok(None) => Ok(None),
        Ok(Some(_)) => match api::detail_keys(&line).0 {
            Some(got) if got == id => Ok(Some(line)),
            got => Err(format!(
                "{MALFORMED}asked for record {id}, the answer is for {}",
                got.unwrap_or_else(|| "no id".into())
            )),
        },
    }
}
