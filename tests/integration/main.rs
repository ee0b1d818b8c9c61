//! One integration-test binary for the library and the `motcua` command, on real parts: the real
//! portal corpus, real SQLite files, real tantivy indexes, real signed bundles.

mod cli;
mod common;
mod config;
mod crash;
mod data_core;
mod feed;
mod fleet;
mod help;
mod import_rules;
mod import_scale;
mod index_rebuild;
mod minisign_tool;
mod mounts;
mod net;
mod network;
mod office;
mod old_versions;
mod portal;
mod recovery;
mod refresh;
mod sharing;
mod staff;
mod tmpfs;
mod worker;
