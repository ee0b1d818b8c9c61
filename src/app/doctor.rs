//! `motcua doctor`: what an installer checks on a new kiosk, each as a line with a verdict —
//! renderer, screen size and orientation, touch devices, data version and age, configuration,
//! free disk, clock. Reads only; needs no window (screens and touch devices are read from sysfs
//! and `/proc`, as the kernel sees them).

use std::path::Path;

use serde::Serialize;

use super::session;
use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

fn check(what: &'static str, verdict: Verdict, detail: impl Into<String>) -> Check {
    Check {
        what,
        verdict,
        detail: detail.into(),
    }
}

/// A connected display: connector name and its preferred mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub connector: String,
    pub mode: Option<(u32, u32)>,
}

/// Displays the kernel sees connected (`/sys/class/drm/card*-*/status`).
pub fn screens(sys_drm: &Path) -> Vec<Screen> {
    let Ok(dir) = std::fs::read_dir(sys_drm) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in dir.flatten() {
        let p = e.path();
        let status = std::fs::read_to_string(p.join("status")).unwrap_or_default();
        if status.trim() != "connected" {
            continue;
        }
        let mode = std::fs::read_to_string(p.join("modes"))
            .ok()
            .and_then(|m| m.lines().next().map(str::to_string))
            .and_then(|l| {
                let (w, h) = l.split_once('x')?;
                let h: String = h.chars().take_while(char::is_ascii_digit).collect();
                Some((w.parse().ok()?, h.parse().ok()?))
            });
        let name = e.file_name().to_string_lossy().into_owned();
        out.push(Screen {
            connector: name
                .split_once('-')
                .map(|(_, c)| c.to_string())
                .unwrap_or(name),
            mode,
        });
    }
    out.sort_by(|a, b| a.connector.cmp(&b.connector));
    out
}

/// Input devices that report absolute multi-touch positions (`/proc/bus/input/devices`).
pub fn touch_devices(proc_devices: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in proc_devices.split("\n\n") {
        let name = block
            .lines()
            .find_map(|l| l.strip_prefix("N: Name="))
            .map(|n| n.trim_matches('"').to_string());
        // ABS bitmap: bit 53 (ABS_MT_POSITION_X) marks a touch screen or touch pad.
        let abs = block
            .lines()
            .find_map(|l| l.strip_prefix("B: ABS="))
            .map(|b| b.split_whitespace().collect::<Vec<_>>());
        let mt = abs.is_some_and(|words| {
            // Words are 64-bit, most significant first; bit 53 is in the last word.
            words
                .last()
                .and_then(|w| u64::from_str_radix(w, 16).ok())
                .is_some_and(|v| v & (1 << 53) != 0)
        });
        if let (Some(n), true) = (name, mt) {
            out.push(n);
        }
    }
    out
}

/// Free bytes on the file system holding `path` (via `df`, which every Debian has).
fn free_bytes(path: &Path) -> Option<u64> {
    let out = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)?
        .trim()
        .parse()
        .ok()
}

/// Every check, in the order an installer walks through them. `config` is the file's path
/// (None: the built-in reference).
pub fn run(data_dir: &Path, config: Option<&Path>) -> Vec<Check> {
    let mut out = Vec::new();
    let cfg = match config.map(Config::load) {
        None => {
            out.push(check(
                "configuration",
                Verdict::Warn,
                "none given: the built-in reference (set MOTCUA_CONFIG or --config)",
            ));
            Config::reference().unwrap_or_default()
        }
        Some(Ok(c)) => {
            let path = config.map(|p| p.display().to_string()).unwrap_or_default();
            let verdict = if c.office.province.is_empty() || c.updates.trusted_keys.is_empty() {
                Verdict::Warn
            } else {
                Verdict::Ok
            };
            let mut detail = format!("{path}: valid");
            if c.office.province.is_empty() {
                detail.push_str("; [office] province is empty");
            }
            if c.updates.trusted_keys.is_empty() {
                detail.push_str("; no [updates] trusted_keys: no bundle can be applied");
            }
            out.push(check("configuration", verdict, detail));
            c
        }
        Some(Err(e)) => {
            out.push(check("configuration", Verdict::Fail, e.to_string()));
            Config::reference().unwrap_or_default()
        }
    };

    // The appliance runs under cage (Wayland): its libraries are the ones that matter.
    let wayland = true;
    let choice = session::choose_renderer(&cfg.session.renderer);
    let libs: Vec<String> = session::gpu_libraries(wayland)
        .into_iter()
        .map(|l| {
            format!(
                "{l} {}",
                if session::library_present(l) {
                    "present"
                } else {
                    "missing"
                }
            )
        })
        .collect();
    out.push(check(
        "renderer",
        Verdict::Ok,
        format!(
            "{} ({}); {}",
            choice.renderer.as_str(),
            choice.reason,
            libs.join(", ")
        ),
    ));
    if let Some(r) = session::read_record(data_dir) {
        out.push(check(
            "last start",
            if r.fallback {
                Verdict::Warn
            } else {
                Verdict::Ok
            },
            format!(
                "{} renderer{}, first frame {}×{} after {} ms, {} starts, last {}",
                r.renderer,
                if r.fallback { " (fallback)" } else { "" },
                r.width,
                r.height,
                r.first_frame_ms,
                r.starts,
                r.last_start
            ),
        ));
    }

    let screens = screens(Path::new("/sys/class/drm"));
    let rotation = cfg.session.rotation;
    if screens.is_empty() {
        out.push(check(
            "screen",
            Verdict::Fail,
            "no connected display found in /sys/class/drm",
        ));
    }
    for s in &screens {
        let (shape, detail) = match s.mode {
            Some((w, h)) => {
                let (w, h) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
                (
                    if h > w { "portrait" } else { "landscape" },
                    format!("{w}×{h}"),
                )
            }
            None => ("unknown", "no mode".to_string()),
        };
        out.push(check(
            "screen",
            Verdict::Ok,
            format!("{}: {detail}, {shape} (rotation {rotation}°)", s.connector),
        ));
    }

    let touch =
        touch_devices(&std::fs::read_to_string("/proc/bus/input/devices").unwrap_or_default());
    out.push(if touch.is_empty() {
        check("touch", Verdict::Warn, "no multi-touch input device found")
    } else {
        check("touch", Verdict::Ok, touch.join(", "))
    });

    match super::kiosk::Kiosk::open(data_dir, cfg.clone()) {
        Ok(k) => {
            let live = k.live();
            let created = live.meta.created.clone();
            let age_days = chrono::DateTime::parse_from_rfc3339(&created)
                .ok()
                .map(|c| (chrono::Utc::now() - c.with_timezone(&chrono::Utc)).num_days());
            out.push(check(
                "data",
                if age_days.is_some_and(|d| d > 90) {
                    Verdict::Warn
                } else {
                    Verdict::Ok
                },
                format!(
                    "version {} created {created}{} in {}",
                    live.meta.version,
                    age_days
                        .map(|d| format!(" ({d} days old)"))
                        .unwrap_or_default(),
                    data_dir.display()
                ),
            ));
        }
        Err(e) => out.push(check(
            "data",
            Verdict::Fail,
            format!("{}: {e}", data_dir.display()),
        )),
    }

    match free_bytes(data_dir) {
        Some(b) => out.push(check(
            "disk",
            if b < 500 * 1024 * 1024 {
                Verdict::Warn
            } else {
                Verdict::Ok
            },
            format!("{} MB free under {}", b / (1024 * 1024), data_dir.display()),
        )),
        None => out.push(check(
            "disk",
            Verdict::Warn,
            "free space unknown (df failed)",
        )),
    }

    // A kiosk without a battery-backed clock boots in the past: bundles would look "not yet
    // valid" or never expire, and opening hours would be wrong.
    let now = chrono::Local::now();
    let sane = now
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .is_ok_and(|y| y >= 2025);
    out.push(check(
        "clock",
        if sane { Verdict::Ok } else { Verdict::Fail },
        format!(
            "{} (timezone {}){}",
            now.format("%Y-%m-%d %H:%M:%S"),
            now.format("%:z"),
            if sane {
                ""
            } else {
                ": the clock is wrong; check NTP (systemd-timesyncd)"
            }
        ),
    ));
    if cfg.hours.enabled {
        out.push(check(
            "opening hours",
            Verdict::Ok,
            format!(
                "{} now",
                if cfg.hours.is_open(now.naive_local()) {
                    "open"
                } else {
                    "closed"
                }
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_screens_are_told_from_keyboards_by_their_abs_bits() {
        let text = "I: Bus=0003 Vendor=0eef Product=c000\nN: Name=\"eGalax Inc. eGalaxTouch EXC3000\"\nH: Handlers=mouse0 event5\nB: EV=1b\nB: ABS=260800000000003\n\nI: Bus=0011\nN: Name=\"AT Translated Set 2 keyboard\"\nB: EV=120013\n";
        assert_eq!(
            touch_devices(text),
            vec!["eGalax Inc. eGalaxTouch EXC3000".to_string()]
        );
    }

    #[test]
    fn connected_screens_with_their_preferred_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, status, modes) in [
            ("card0-HDMI-A-1", "connected\n", "1920x1080\n1280x720\n"),
            ("card0-DP-1", "disconnected\n", ""),
        ] {
            let d = dir.path().join(name);
            std::fs::create_dir_all(&d).expect("dir");
            std::fs::write(d.join("status"), status).expect("status");
            std::fs::write(d.join("modes"), modes).expect("modes");
        }
        assert_eq!(
            screens(dir.path()),
            vec![Screen {
                connector: "HDMI-A-1".into(),
                mode: Some((1920, 1080)),
            }]
        );
    }
}
