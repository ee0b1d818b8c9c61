//! deploy/ on the real programs: promtool checks the shipped configurations, rules and rule
//! tests; then a kiosk's heartbeat goes through Debian's node_exporter into a real Prometheus,
//! pulled directly (the VPN way) or pushed by a Prometheus agent (remote write, the recommended
//! way), and the shipped rules and dashboard queries run on what arrived.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use motcua::app::kiosk::{Kiosk, Origin};
use motcua::app::usage::Recorder;
use motcua::app::worker::{Command as WorkerCommand, Worker};
use motcua::config::Config;

use super::support::*;

fn deploy(rel: &str) -> PathBuf {
    repo().join("deploy").join(rel)
}

fn promtool(args: &[&str]) -> (bool, String) {
    let out = Command::new(require("promtool", "prometheus"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run promtool");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Alert names, in file order.
fn alerts_in(rules: &str) -> Vec<String> {
    rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
fn promtool_accepts_the_rules_and_every_alert_is_tested_firing_and_not_firing() {
    let (ok, out) = promtool(&["check", "rules", "deploy/prometheus/rules/motcua.rules.yml"]);
    assert!(ok, "{out}");
    let (ok, out) = promtool(&[
        "test",
        "rules",
        "deploy/prometheus/tests/motcua.rules.test.yml",
    ]);
    assert!(ok, "{out}");

    // Each alert has a case where it fires and one where it does not.
    let rules =
        std::fs::read_to_string(deploy("prometheus/rules/motcua.rules.yml")).expect("rules");
    let tests =
        std::fs::read_to_string(deploy("prometheus/tests/motcua.rules.test.yml")).expect("tests");
    let lines: Vec<&str> = tests.lines().map(str::trim).collect();
    let alerts = alerts_in(&rules);
    assert!(alerts.len() >= 14, "{alerts:?}");
    for a in &alerts {
        let cases: Vec<&str> = lines
            .windows(2)
            .filter(|w| w[0] == format!("alertname: {a}"))
            .map(|w| w[1])
            .collect();
        assert!(
            cases.contains(&"exp_alerts: []"),
            "{a}: no case where it does not fire"
        );
        assert!(
            cases.contains(&"exp_alerts:"),
            "{a}: no case where it fires"
        );
    }

    // The tests can fail: the same tests against rules with one threshold changed.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("rules")).expect("mkdir");
    std::fs::create_dir_all(tmp.path().join("tests")).expect("mkdir");
    std::fs::write(
        tmp.path().join("rules/motcua.rules.yml"),
        rules.replace(
            "motcua_refresh_consecutive_failures >= 3",
            "motcua_refresh_consecutive_failures >= 4",
        ),
    )
    .expect("write");
    std::fs::write(tmp.path().join("tests/t.yml"), &tests).expect("write");
    let t = tmp.path().join("tests/t.yml");
    let (ok, out) = promtool(&["test", "rules", &t.to_string_lossy()]);
    assert!(!ok && out.contains("MotcuaRefreshFailing"), "{out}");

    // The province's server configuration, with its rule path pointed at the repository.
    let province = std::fs::read_to_string(deploy("prometheus/province.yml"))
        .expect("province.yml")
        .replace(
            "/etc/prometheus/rules/motcua.rules.yml",
            &deploy("prometheus/rules/motcua.rules.yml").to_string_lossy(),
        );
    let p = tmp.path().join("province.yml");
    std::fs::write(&p, province).expect("write");
    let (ok, out) = promtool(&["check", "config", &p.to_string_lossy()]);
    assert!(ok, "{out}");

    // The kiosk's agent configuration.
    let out = Command::new(require("promtool", "prometheus"))
        .args(["check", "config", "--agent"])
        .arg(deploy("kiosk/agent.yml"))
        .env("MOTCUA_KIOSK", "tn-tan-cuong-1")
        .output()
        .expect("promtool");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The shipped rules with every `for:` shortened to 2 s, so a test sees alerts fire in seconds;
/// the expressions are the shipped ones.
fn fast_rules(dir: &Path) -> PathBuf {
    let rules =
        std::fs::read_to_string(deploy("prometheus/rules/motcua.rules.yml")).expect("rules");
    let fast: String = rules
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("for: ") {
                format!("{}for: 2s", &l[..l.len() - l.trim_start().len()])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let p = dir.join("motcua.rules.yml");
    std::fs::write(&p, fast).expect("write rules");
    p
}

/// node_exporter serving a textfile folder in which `motcua.prom` links to the kiosk's
/// heartbeat, as the package sets it up. Only the textfile collector: the test machine's own
/// disks are not the kiosk's (the disk alert is tested by promtool).
fn node_exporter(tmp: &Path, heartbeat: &Path) -> (Proc, u16) {
    let textfile = tmp.join("textfile");
    std::fs::create_dir_all(&textfile).expect("mkdir");
    std::os::unix::fs::symlink(heartbeat, textfile.join("motcua.prom")).expect("symlink");
    let port = free_port();
    let p = Proc::spawn(
        "node_exporter",
        Command::new(require(
            "prometheus-node-exporter",
            "prometheus-node-exporter",
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--collector.disable-defaults")
        .arg("--collector.textfile")
        .arg(format!(
            "--collector.textfile.directory={}",
            textfile.display()
        )),
        tmp,
    );
    (p, port)
}

fn prometheus(
    name: &str,
    tmp: &Path,
    config: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Proc, u16) {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let cfg = dir.join("prometheus.yml");
    std::fs::write(&cfg, config).expect("write config");
    let port = free_port();
    let mut cmd = Command::new(require("prometheus", "prometheus"));
    cmd.arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args(extra)
        .envs(env.iter().copied());
    if !extra.iter().any(|a| a.contains("agent")) {
        cmd.arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ));
    }
    (Proc::spawn(name, &mut cmd, tmp), port)
}

/// An instant query's result, `None` while Prometheus is not answering yet.
fn query(port: u16, q: &str) -> Option<Vec<serde_json::Value>> {
    let (status, body) = http_get(port, &format!("/api/v1/query?query={}", url_encode(q))).ok()?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    assert_eq!(status, 200, "query `{q}` failed: {body}");
    assert_eq!(v["status"], "success", "query `{q}`: {body}");
    v["data"]["result"].as_array().cloned()
}

fn value(r: &serde_json::Value) -> f64 {
    r["value"][1]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

/// A kiosk whose worker rewrites its heartbeat every second, with a 30-day data limit.
fn running_kiosk(tmp: &Path, office: &str) -> (Arc<Kiosk>, Worker, PathBuf) {
    let mut cfg = Config::default();
    cfg.office.name = office.into();
    cfg.office.province = "Tỉnh Thái Nguyên".into();
    cfg.statistics.heartbeat_every_seconds = 1;
    cfg.updates.stale_after_days = 30;
    let data = tmp.join("data");
    let k = Arc::new(kiosk(&data, cfg));
    let worker = Worker::spawn_with_watch(k.clone(), Arc::new(Recorder::new(true)), |_| {});
    (k, worker, data.join("metrics/motcua.prom"))
}

#[test]
fn prometheus_pulls_the_heartbeat_and_fires_the_stale_data_and_help_alerts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    let (k, worker, heartbeat) = running_kiosk(tmp, "UBND xã Tân Cương");
    let (ne, ne_port) = node_exporter(tmp, &heartbeat);
    let rules = fast_rules(tmp);
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n  - {}\n\
         scrape_configs:\n  - job_name: motcua\n    static_configs:\n      - targets: [\"127.0.0.1:{ne_port}\"]\n        labels: {{kiosk: \"e2e-kiosk\"}}\n",
        rules.display()
    );
    let (prom, port) = prometheus("prometheus", tmp, &config, &[], &[]);
    let logs = || {
        format!(
            "node_exporter:\n{}\nprometheus:\n{}",
            ne.log_tail(),
            prom.log_tail()
        )
    };

    // The kiosk's data version, as Prometheus has it from the heartbeat.
    let version = wait_for(
        "motcua_data_version in Prometheus",
        Duration::from_secs(90),
        || {
            query(port, "motcua_data_version{kiosk=\"e2e-kiosk\"}")
                .and_then(|r| r.first().map(value))
        },
        logs,
    );
    ne.assert_running();
    prom.assert_running();
    assert_eq!(version, 1.0, "{}", logs());

    // Fresh data: the rule is evaluated and stays quiet.
    let state = wait_for(
        "an evaluation of MotcuaDataTooOld",
        Duration::from_secs(30),
        || {
            let (_, body) = http_get(port, "/api/v1/rules?type=alert").ok()?;
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            v["data"]["groups"]
                .as_array()?
                .iter()
                .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
                .find(|r| r["name"] == "MotcuaDataTooOld" && r["health"] == "ok")
                .map(|r| r["state"].as_str().unwrap_or("").to_string())
        },
        logs,
    );
    assert_eq!(state, "inactive");
    assert_eq!(
        query(port, "ALERTS{alertname=\"MotcuaDataTooOld\"}").expect("query"),
        Vec::<serde_json::Value>::new()
    );

    // Make the data old: a signed bundle made 90 days ago, applied as staff would.
    let built = bundle(2, chrono::Utc::now() - chrono::Duration::days(90));
    let key = signed_bundle(&built, tmp);
    k.apply_bundle(&tmp.join("bundle"), &[key], Origin::Cli, &mut |_| {})
        .expect("apply the old bundle");

    // An alert of this kiosk, once Prometheus says it fires.
    let firing = |alert: &str| {
        wait_for(
            &format!("{alert} firing"),
            Duration::from_secs(90),
            || {
                query(
                    port,
                    &format!(
                        "ALERTS{{alertname=\"{alert}\", alertstate=\"firing\", kiosk=\"e2e-kiosk\"}}"
                    ),
                )
                .filter(|r| !r.is_empty())
            },
            logs,
        )
    };
    let firing_old = firing("MotcuaDataTooOld");
    assert_eq!(firing_old[0]["metric"]["severity"], "warning");
    let version = query(port, "motcua_data_version{kiosk=\"e2e-kiosk\"}").expect("query");
    assert_eq!(value(&version[0]), 2.0);
    // The age Prometheus computes is the bundle's: 90 days.
    let age = query(
        port,
        "time() - motcua_data_created_timestamp_seconds{kiosk=\"e2e-kiosk\"}",
    )
    .expect("query");
    assert!((value(&age[0]) / 86400.0 - 90.0).abs() < 0.1, "{age:?}");
    // Nothing else fires for a healthy kiosk.
    let others = query(
        port,
        "ALERTS{alertstate=\"firing\", alertname!=\"MotcuaDataTooOld\"}",
    )
    .expect("query");
    assert!(others.is_empty(), "{others:?}");

    dashboard_queries_answer(port, "e2e-kiosk", "UBND xã Tân Cương");

    // "Gọi cán bộ hỗ trợ" pressed, as the window sends it: the office's alert fires.
    worker.send(WorkerCommand::RequestHelp);
    let firing_help = firing("MotcuaHelpRequested");
    assert_eq!(firing_help[0]["metric"]["severity"], "info");
    let pressed = query(port, "motcua_help_requests_total{kiosk=\"e2e-kiosk\"}").expect("query");
    assert_eq!(value(&pressed[0]), 1.0);
}

/// Every query of the Grafana dashboard runs on this Prometheus, and the fleet table's columns
/// each have a row for the kiosk.
fn dashboard_queries_answer(port: u16, kiosk: &str, office: &str) {
    let dash: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(deploy("grafana/motcua-fleet.json")).expect("dashboard"),
    )
    .expect("dashboard JSON");
    let panels = dash["panels"].as_array().expect("panels");
    let mut n = 0;
    for p in panels {
        for t in p["targets"].as_array().expect("targets") {
            let expr = t["expr"].as_str().expect("expr");
            let result = query(port, expr).expect("answer");
            n += 1;
            if p["title"] == "Kiosk toàn tỉnh" {
                let row = result
                    .iter()
                    .find(|r| r["metric"]["kiosk"] == kiosk)
                    .unwrap_or_else(|| panic!("`{expr}` has no row for {kiosk}: {result:?}"));
                if t["refId"] == "A" {
                    assert_eq!(row["metric"]["office"], office);
                    assert_eq!(row["metric"]["version"], env!("CARGO_PKG_VERSION"));
                }
                if t["refId"] == "C" {
                    assert_eq!(value(row), 2.0, "data version");
                }
            }
        }
    }
    assert!(n >= 20, "{n} queries");
}

#[test]
fn a_kiosk_agent_pushes_the_heartbeat_to_the_province_by_remote_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    let (_k, _worker, heartbeat) = running_kiosk(tmp, "UBND phường Phan Đình Phùng");
    let (_ne, ne_port) = node_exporter(tmp, &heartbeat);

    // The province: rules, and the remote-write receiver.
    let rules = fast_rules(tmp);
    let (central, central_port) = prometheus(
        "province",
        tmp,
        &format!(
            "global:\n  evaluation_interval: 1s\nrule_files:\n  - {}\n",
            rules.display()
        ),
        &["--web.enable-remote-write-receiver"],
        &[],
    );
    // The kiosk's agent: the shipped configuration, pointed at this province and sped up.
    let password = tmp.join("remote-write.password");
    std::fs::write(&password, "not-checked-here\n").expect("write");
    let agent_cfg = std::fs::read_to_string(deploy("kiosk/agent.yml"))
        .expect("agent.yml")
        .replace("scrape_interval: 1m", "scrape_interval: 1s")
        .replace("scrape_timeout: 20s", "scrape_timeout: 1s")
        .replace("127.0.0.1:9100", &format!("127.0.0.1:{ne_port}"))
        .replace(
            "https://prometheus.province.example/api/v1/write",
            &format!("http://127.0.0.1:{central_port}/api/v1/write"),
        )
        .replace(
            "/etc/prometheus/motcua-remote-write.password",
            &password.to_string_lossy(),
        )
        .replace(
            "max_backoff: 5m",
            "max_backoff: 1s\n      batch_send_deadline: 1s",
        );
    let storage = tmp.join("agent-wal");
    let (agent, _) = prometheus(
        "agent",
        tmp,
        &agent_cfg,
        &[
            "--enable-feature=agent,expand-external-labels",
            &format!("--storage.agent.path={}", storage.display()),
        ],
        &[("MOTCUA_KIOSK", "tn-phan-dinh-phung-1")],
    );
    let logs = || {
        format!(
            "agent:\n{}\nprovince:\n{}",
            agent.log_tail(),
            central.log_tail()
        )
    };

    let series = wait_for(
        "the kiosk's heartbeat at the province",
        Duration::from_secs(90),
        || {
            query(
                central_port,
                "motcua_data_version{kiosk=\"tn-phan-dinh-phung-1\"}",
            )
            .filter(|r| !r.is_empty())
        },
        logs,
    );
    agent.assert_running();
    central.assert_running();
    assert_eq!(value(&series[0]), 1.0);
    assert_eq!(series[0]["metric"]["job"], "motcua");
    // The agent keeps what the province uses and drops the rest of node_exporter's series.
    let info = query(
        central_port,
        "motcua_kiosk_info{kiosk=\"tn-phan-dinh-phung-1\"}",
    )
    .expect("query");
    assert_eq!(info[0]["metric"]["office"], "UBND phường Phan Đình Phùng");
    let up = query(
        central_port,
        "up{job=\"motcua\", kiosk=\"tn-phan-dinh-phung-1\"}",
    )
    .expect("query");
    assert_eq!(value(&up[0]), 1.0, "{up:?}");
    let dropped = query(central_port, "{__name__=~\"node_scrape_collector_.*\"}").expect("query");
    assert!(dropped.is_empty(), "{dropped:?}");
}
