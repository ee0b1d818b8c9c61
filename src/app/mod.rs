//! The kiosk's behaviour without a window: the data directory and its versions, applying
//! bundles, the live data, what each screen shows, search requests, the on-screen keyboard, the
//! idle policy, USB and network refresh, the staff lock and the worker threads.

pub mod answer;
pub mod bench;
pub mod datadir;
pub mod doctor;
mod error;
pub mod freshness;
pub mod help;
pub mod idle;
pub mod import_bench;
pub mod keyboard;
pub mod kiosk;
pub mod read_aloud;
pub mod receipt;
pub mod refresh;
pub mod screen;
pub mod search;
mod seed;
pub mod session;
pub mod staff;
pub mod usage;
pub mod view;
pub mod worker;

pub use error::AppError;
