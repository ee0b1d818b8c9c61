//! The portal's two public endpoints on 127.0.0.1, serving the real corpus (`data/corpus`, or
//! the folder given), for timing a whole `motcua portal sync` by hand:
//!
//! ```sh
//! cargo run --example loopback_portal -- 127.0.0.1:8931 &
//! time motcua portal sync --portal http://127.0.0.1:8931 --out /tmp/mirror
//! ```
//!
//! It serves until it is stopped.

#[path = "../tests/support/portal_server.rs"]
mod portal_server;

use std::path::PathBuf;

use portal_server::{Faults, Fixture, PortalServer};

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8931".into());
    let corpus = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus"));
    if !addr.starts_with("127.0.0.1:") {
        eprintln!("loopback only: give 127.0.0.1:PORT");
        std::process::exit(2);
    }
    let fixture = Fixture::from_corpus(&corpus);
    let server = PortalServer::start_on(&addr, fixture.clone(), Faults::default());
    println!(
        "{}: {} catalog items, {} details",
        server.url,
        fixture.catalog.len(),
        fixture.details.len()
    );
    loop {
        std::thread::park();
    }
}
