//! Merging: one kiosk's exports are snapshots of the same records (each holds everything the
//! kiosk kept when it was made), so a record counts as many times as the export that holds it
//! most often does; then the kiosks are added up for the province.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::export::{Event, Export, Kind, Skipped, load_events};
use crate::app::usage::{ExportData, ExportKiosk};

/// One kiosk's usage over everything its exports hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskUsage {
    /// From its newest readable export.
    pub kiosk: ExportKiosk,
    pub data: ExportData,
    pub exported_at: String,
    /// How many of its exports were merged.
    pub exports: usize,
    pub visits_by_day: BTreeMap<String, u64>,
    pub visits: u64,
    pub searches: u64,
    pub zero_result_searches: u64,
    pub views: u64,
    /// By level: index 0 = 1 (Không hài lòng) … index 3 = 4 (Rất hài lòng).
    pub ratings: [u64; 4],
    /// Reasons given with "Không hài lòng", by count.
    pub reasons: BTreeMap<String, u64>,
}

impl KioskUsage {
    pub fn rated(&self) -> u64 {
        self.ratings.iter().sum()
    }
}

/// A query across the province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCount {
    pub query: String,
    pub count: u64,
    /// At how many kiosks it was searched.
    pub kiosks: usize,
    /// The last day it was searched (YYYY-MM-DD).
    pub last_day: String,
}

/// The province's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fleet {
    /// Sorted by office name, then kiosk id.
    pub kiosks: Vec<KioskUsage>,
    pub skipped: Vec<Skipped>,
    /// Exports merged (several may come from one kiosk).
    pub exports_read: usize,
    /// Every day from the first record to the last (YYYY-MM-DD).
    pub days: Vec<String>,
    /// Every query, most searched first.
    pub searches: Vec<QueryCount>,
    /// Queries that found nothing, most frequent first: candidates for synonyms.
    pub zero_result: Vec<QueryCount>,
    /// (procedure code, ratings by level as in [`KioskUsage::ratings`]), most rated first.
    pub ratings_by_procedure: Vec<(String, [u64; 4])>,
}

impl Fleet {
    pub fn newest_data_version(&self) -> u64 {
        self.kiosks
            .iter()
            .map(|k| k.data.version)
            .max()
            .unwrap_or(0)
    }

    pub fn visits(&self) -> u64 {
        self.kiosks.iter().map(|k| k.visits).sum()
    }

    pub fn searches_total(&self) -> u64 {
        self.kiosks.iter().map(|k| k.searches).sum()
    }

    pub fn zero_result_total(&self) -> u64 {
        self.kiosks.iter().map(|k| k.zero_result_searches).sum()
    }

    pub fn ratings(&self) -> [u64; 4] {
        let mut r = [0; 4];
        for k in &self.kiosks {
            for (t, n) in r.iter_mut().zip(k.ratings) {
                *t += n;
            }
        }
        r
    }
}

#[derive(Default)]
struct QueryAcc {
    count: u64,
    kiosks: BTreeSet<usize>,
    last_day: String,
}

/// Loads and merges `exports` kiosk by kiosk (one kiosk's records in memory at a time); an export
/// that fails its checks joins `skipped` and adds nothing.
pub fn merge(exports: Vec<Export>, mut skipped: Vec<Skipped>) -> Fleet {
    let mut by_kiosk: BTreeMap<String, Vec<Export>> = BTreeMap::new();
    for e in exports {
        by_kiosk
            .entry(e.manifest.kiosk.id.clone())
            .or_default()
            .push(e);
    }
    let mut fleet = Fleet::default();
    let mut searches: HashMap<String, QueryAcc> = HashMap::new();
    let mut zero: HashMap<String, QueryAcc> = HashMap::new();
    let mut by_procedure: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for (_, mut list) in by_kiosk {
        list.sort_by(|a, b| a.manifest.exported_at.cmp(&b.manifest.exported_at));
        let mut merged: HashMap<Event, u64> = HashMap::new();
        let mut newest = None;
        let mut read = 0;
        for export in list {
            match load_events(&export) {
                Ok(events) => {
                    let mut counts: HashMap<Event, u64> = HashMap::new();
                    for e in events {
                        *counts.entry(e).or_default() += 1;
                    }
                    for (e, n) in counts {
                        let slot = merged.entry(e).or_default();
                        *slot = (*slot).max(n);
                    }
                    read += 1;
                    newest = Some(export);
                }
                Err(reason) => skipped.push(Skipped {
                    path: export.manifest_path,
                    reason,
                }),
            }
        }
        let Some(newest) = newest else { continue };
        let index = fleet.kiosks.len();
        let mut k = KioskUsage {
            kiosk: newest.manifest.kiosk,
            data: newest.manifest.data,
            exported_at: newest.manifest.exported_at,
            exports: read,
            visits_by_day: BTreeMap::new(),
            visits: 0,
            searches: 0,
            zero_result_searches: 0,
            views: 0,
            ratings: [0; 4],
            reasons: BTreeMap::new(),
        };
        for (e, n) in merged {
            match e.kind {
                Kind::Session => {
                    k.visits += n;
                    *k.visits_by_day.entry(e.day().to_string()).or_default() += n;
                }
                Kind::Search => {
                    k.searches += n;
                    add_query(&mut searches, &e, n, index);
                    if e.value == 0 {
                        k.zero_result_searches += n;
                        add_query(&mut zero, &e, n, index);
                    }
                }
                Kind::View => k.views += n,
                Kind::Rating => {
                    let level = e.value as usize - 1;
                    k.ratings[level] += n;
                    if !e.subject.is_empty() {
                        by_procedure.entry(e.subject.clone()).or_default()[level] += n;
                    }
                    if e.value == 1 && !e.detail.trim().is_empty() {
                        *k.reasons.entry(e.detail.clone()).or_default() += n;
                    }
                }
            }
        }
        fleet.exports_read += read;
        fleet.kiosks.push(k);
    }
    fleet.days = day_range(&fleet.kiosks);
    fleet.searches = sorted(searches);
    fleet.zero_result = sorted(zero);
    let mut procs: Vec<(String, [u64; 4])> = by_procedure.into_iter().collect();
    procs.sort_by(|a, b| {
        b.1.iter()
            .sum::<u64>()
            .cmp(&a.1.iter().sum::<u64>())
            .then(a.0.cmp(&b.0))
    });
    fleet.ratings_by_procedure = procs;
    // Office order for people; the kiosk ids in `QueryAcc` were counted before, by index, and
    // only their number is kept, so reordering here is safe.
    fleet.kiosks.sort_by(|a, b| {
        a.kiosk
            .office
            .cmp(&b.kiosk.office)
            .then(a.kiosk.id.cmp(&b.kiosk.id))
    });
    fleet.skipped = skipped;
    fleet
}

fn add_query(map: &mut HashMap<String, QueryAcc>, e: &Event, n: u64, kiosk: usize) {
    let acc = map.entry(e.subject.clone()).or_default();
    acc.count += n;
    acc.kiosks.insert(kiosk);
    if e.day() > acc.last_day.as_str() {
        acc.last_day = e.day().to_string();
    }
}

fn sorted(map: HashMap<String, QueryAcc>) -> Vec<QueryCount> {
    let mut v: Vec<QueryCount> = map
        .into_iter()
        .map(|(query, a)| QueryCount {
            query,
            count: a.count,
            kiosks: a.kiosks.len(),
            last_day: a.last_day,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
    v
}

/// Every day from the first visit to the last, so quiet days show as gaps in the charts.
fn day_range(kiosks: &[KioskUsage]) -> Vec<String> {
    let days = kiosks.iter().flat_map(|k| k.visits_by_day.keys());
    let parse = |d: &String| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let (Some(first), Some(last)) = (
        days.clone().filter_map(parse).min(),
        days.filter_map(parse).max(),
    ) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect()
}
