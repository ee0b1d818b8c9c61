//! One test binary for tests that drive real external Debian programs, each started by the test
//! on loopback and stopped by it: Prometheus, promtool and node_exporter for the fleet, headless
//! Chromium for the fleet report, nginx serving the province feed. A missing program fails the
//! test with the Debian package to install (`scripts/install-deps.sh` installs them all); nothing
//! is skipped silently.

mod feed_nginx;
mod fleet_prometheus;
mod fleet_report;
mod support;
