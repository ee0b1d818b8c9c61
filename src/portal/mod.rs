//! `motcua portal sync`: a polite, robust mirror of the national public service portal's public
//! API into the raw files the importers read (`portal-catalog.jsonl`,
//! `portal-api-details.jsonl`), so `bundle build` and `publish` take its output as it is.
//!
//! Polite: a few requests at once and a few per second (both set by the caller), the project's
//! User-Agent, waits that grow between retries. Robust: timeouts on every exchange, retries on
//! 5xx and broken connections, every answer checked the way the importers will read it (a
//! malformed record is reported and its last good copy kept), every file written whole or not at
//! all, and a run killed at any moment resumes where it was. The report lists the procedures
//! that are new, changed (in which parts) or withdrawn since the last sync.
//!
//! HTTP goes through `net`; the importers' checks come from `bundle`.

mod api;
mod mirror;
mod pace;
mod sync;

use std::path::PathBuf;

pub use api::{CATALOG_PATH, DEFAULT_PORTAL, DETAIL_PATH};
pub use mirror::{CATALOG_FILE, DETAILS_FILE, REPORT_FILE};
pub use sync::{Event, Problem, SyncOptions, SyncReport, sync};

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    #[error("the catalog page after `{cursor}` from {url}: {message}")]
    Catalog {
        url: String,
        cursor: String,
        message: String,
    },
    #[error("{dir}: another sync (process {pid}) is working on this folder")]
    Busy { dir: PathBuf, pid: u32 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the mirror: {0}")]
    Bundle(#[from] crate::bundle::BundleError),
    #[error("{0}")]
    Options(String),
}
