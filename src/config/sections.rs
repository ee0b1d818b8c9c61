//! The sections of `kiosk.toml` as types, each with the default the reference file documents:
//! the office, the portal's links, counters, idle timing, display, updates, staff, statistics,
//! speech, the printer and help (`[session]` and `[hours]` are in `session.rs`).

use serde::{Deserialize, Serialize};

use crate::domain;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Office {
    pub name: String,
    pub province: String,
    /// "province" or "commune": ranks the office's own procedures first.
    pub level: String,
    pub address: String,
    pub opening_hours: String,
}

impl Default for Office {
    fn default() -> Self {
        Office {
            name: "Bộ phận Một cửa".into(),
            province: String::new(),
            level: "province".into(),
            address: String::new(),
            opening_hours: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Portal {
    pub procedure_base: String,
    pub search_url: String,
    pub lookup_url: String,
    pub payment_url: String,
    pub province_portal: String,
    /// Hosts a bundle's links (guides) may lead to, besides the province portal's.
    pub link_hosts: Vec<String>,
}

impl Portal {
    /// Where QR codes from bundle data may lead: `link_hosts` and the province portal's host.
    pub fn allowed_link_hosts(&self) -> Vec<String> {
        let mut hosts = self.link_hosts.clone();
        hosts.extend(domain::contact::https_host(&self.province_portal));
        hosts
    }
}

impl Default for Portal {
    fn default() -> Self {
        Portal {
            procedure_base: domain::PORTAL_PROCEDURE_BASE.into(),
            search_url: domain::PORTAL_SEARCH_URL.into(),
            lookup_url: domain::PORTAL_LOOKUP_URL.into(),
            payment_url: domain::PORTAL_PAYMENT_URL.into(),
            province_portal: String::new(),
            link_hosts: vec![domain::contact::PORTAL_HOST.into()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    pub number: u32,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub label: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Idle {
    pub timeout_seconds: u64,
    pub warning_seconds: u64,
    /// Seconds the untouched start screen waits before the invitation screen; 0: never.
    pub attract_seconds: u64,
}

impl Default for Idle {
    fn default() -> Self {
        Idle {
            timeout_seconds: 90,
            warning_seconds: 30,
            attract_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Display {
    /// "auto", "landscape" or "portrait".
    pub orientation: String,
    /// "vi" or "en".
    pub language: String,
    pub fullscreen: bool,
    pub large_text: bool,
    pub high_contrast: bool,
}

impl Default for Display {
    fn default() -> Self {
        Display {
            orientation: "auto".into(),
            language: "vi".into(),
            fullscreen: true,
            large_text: false,
            high_contrast: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Updates {
    pub usb_mount_roots: Vec<String>,
    pub usb_folder: String,
    pub network_url: String,
    pub check_every_minutes: u64,
    pub timeout_seconds: u64,
    pub max_bundle_mb: u64,
    /// minisign public keys (the base64 line of a `minisign -G` public key file).
    pub trusted_keys: Vec<String>,
    /// Data older than this many days is flagged on the staff screen and in the heartbeat
    /// (0: never).
    pub stale_after_days: u32,
}

impl Default for Updates {
    fn default() -> Self {
        Updates {
            usb_mount_roots: vec!["/media".into(), "/run/media".into(), "/mnt".into()],
            usb_folder: "motcua".into(),
            network_url: String::new(),
            check_every_minutes: 360,
            timeout_seconds: 30,
            max_bundle_mb: 200,
            trusted_keys: Vec::new(),
            stale_after_days: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Staff {
    /// argon2 PHC string made by `motcua staff hash-pin`; empty disables the staff screen.
    pub pin_hash: String,
    /// The longest wait between PIN attempts after wrong PINs (1, 2, 4 … s up to this).
    pub max_delay_seconds: u64,
}

impl Default for Staff {
    fn default() -> Self {
        Staff {
            pin_hash: String::new(),
            max_delay_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Statistics {
    pub enabled: bool,
    pub retention_days: u64,
    /// The Prometheus textfile; a relative path is inside the data directory, empty: none.
    pub heartbeat_path: String,
    pub heartbeat_every_seconds: u64,
}

impl Default for Statistics {
    fn default() -> Self {
        Statistics {
            enabled: true,
            retention_days: 365,
            heartbeat_path: "metrics/motcua.prom".into(),
            heartbeat_every_seconds: 60,
        }
    }
}

/// The longest `[speech] engine_timeout_seconds`, in seconds.
pub const SPEECH_TIMEOUT_MAX: u64 = 300;
/// The longest `[printer] timeout_seconds`, in seconds.
pub const PRINTER_TIMEOUT_MAX: u64 = 120;

/// Read-aloud (`[speech]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Speech {
    pub enabled: bool,
    /// The engine command: reads text on stdin, writes a WAV to `{out}` or to stdout.
    pub engine: Vec<String>,
    pub engine_timeout_seconds: u64,
    /// ALSA device for `aplay -D`.
    pub device: String,
    /// Percent of the engine's level at the start of every visit.
    pub volume: u8,
    /// Extra abbreviations (TSV: written TAB spoken), read over the built-in list.
    pub abbreviations: String,
}

impl Default for Speech {
    fn default() -> Self {
        Speech {
            enabled: true,
            engine: ["espeak-ng", "-v", "vi", "-s", "150", "--stdout"]
                .map(String::from)
                .to_vec(),
            engine_timeout_seconds: 20,
            device: "default".into(),
            volume: 80,
            abbreviations: String::new(),
        }
    }
}

/// The receipt printer (`[printer]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Printer {
    /// `tcp://HOST:PORT`, a device path, `cups:QUEUE` or `cups://HOST:PORT/QUEUE`; empty: none.
    pub target: String,
    pub paper_mm: u32,
    pub timeout_seconds: u64,
    pub status_query: bool,
    pub cut: bool,
}

impl Default for Printer {
    fn default() -> Self {
        Printer {
            target: String::new(),
            paper_mm: 80,
            timeout_seconds: 10,
            status_query: true,
            cut: true,
        }
    }
}

/// "Gọi cán bộ hỗ trợ" (`[help]`): where a visitor who asks for a person is sent, and whether
/// the press signals the office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Help {
    /// The counter to go to; 0: none (the visitor is asked to wait at the kiosk).
    pub counter: u32,
    /// Where it is, shown under its number (the counter's own `location` when empty).
    pub location: String,
    /// Count every press in the heartbeat (`motcua_help_requests_total`), written at once.
    pub signal: bool,
}

impl Default for Help {
    fn default() -> Self {
        Help {
            counter: 0,
            location: String::new(),
            signal: true,
        }
    }
}
