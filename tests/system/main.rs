//! One test binary for tests that drive real external Debian programs, each started by the test
//! (on loopback where it listens) and stopped by it: Prometheus, promtool and node_exporter for
//! the fleet, headless Chromium for the fleet report, nginx serving the province feed, espeak-ng,
//! aplay, sox, tesseract and lp for read-aloud and printing (also through the kiosk window under
//! Slint's testing backend), cage and grim for the kiosk session. A missing program fails the
//! test with the Debian package to install (`scripts/install-deps.sh` installs them all); nothing
//! is skipped silently. Every end-to-end test is bounded in time.

mod aloud_window;
mod common;
mod feed_nginx;
mod fleet_prometheus;
mod fleet_report;
mod print;
mod session;
mod speech;
mod support;

pub use support::require;
