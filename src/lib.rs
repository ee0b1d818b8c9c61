//! motcua: a touch kiosk for Vietnam's one-stop-shop counters.
//!
//! Layers, each owning its third-party crates:
//! `ui` (slint) → `app` → {`bundle`, `store` (rusqlite), `search` (tantivy), `qr` (qrcode),
//! `net` (ureq), `pin` (argon2), `config`} → `domain`, `compress` (zstd); below them all, `child`
//! (helper programs) and `files` (walkdir: tree walks). The binary (`main.rs`, `cli/`) only parses
//! the command line and prints.

pub mod app;
pub mod bundle;
pub mod child;
pub mod compress;
pub mod config;
pub mod domain;
pub mod files;
pub mod fleet;
pub mod net;
pub mod pin;
pub mod portal;
pub mod print;
pub mod qr;
pub mod search;
pub mod speech;
pub mod store;
pub mod ui;
