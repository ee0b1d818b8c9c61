//! The rules serde cannot express: every number's documented range, URLs, hosts, counters,
//! keys, the PIN hash, the speech engine and the printer, as (dotted key, message) pairs that
//! `load.rs` turns into problems with their lines.

use std::ops::RangeInclusive;
use std::path::Path;

use super::{Config, PRINTER_TIMEOUT_MAX, SPEECH_TIMEOUT_MAX};

/// Counter numbers as the office paints them on the counters.
const COUNTER_NUMBERS: RangeInclusive<u32> = 1..=999;

impl Config {
    /// Every number in the configuration with its range (inclusive). The ranges are the
    /// documented ones (`kiosk-config/kiosk.toml`) and keep every duration and count the kiosk
    /// computes from them far from overflow. Warning at least 20 s: WCAG 2.2.1.
    pub fn numbers(&self) -> [(&'static str, u64, RangeInclusive<u64>); 13] {
        [
            ("idle.timeout_seconds", self.idle.timeout_seconds, 15..=3600),
            ("idle.warning_seconds", self.idle.warning_seconds, 20..=600),
            ("idle.attract_seconds", self.idle.attract_seconds, 0..=3600),
            (
                "updates.check_every_minutes",
                self.updates.check_every_minutes,
                1..=10_080,
            ),
            (
                "updates.timeout_seconds",
                self.updates.timeout_seconds,
                1..=600,
            ),
            (
                "updates.max_bundle_mb",
                self.updates.max_bundle_mb,
                1..=4096,
            ),
            (
                "updates.stale_after_days",
                u64::from(self.updates.stale_after_days),
                0..=3650,
            ),
            (
                "staff.max_delay_seconds",
                self.staff.max_delay_seconds,
                1..=600,
            ),
            (
                "statistics.retention_days",
                self.statistics.retention_days,
                1..=3650,
            ),
            (
                "statistics.heartbeat_every_seconds",
                self.statistics.heartbeat_every_seconds,
                1..=86_400,
            ),
            (
                "speech.engine_timeout_seconds",
                self.speech.engine_timeout_seconds,
                1..=SPEECH_TIMEOUT_MAX,
            ),
            ("speech.volume", self.speech.volume as u64, 0..=100),
            (
                "printer.timeout_seconds",
                self.printer.timeout_seconds,
                1..=PRINTER_TIMEOUT_MAX,
            ),
        ]
    }

    /// Rules serde cannot express, as (dotted key, message).
    pub(super) fn semantic_problems(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        self.session.problems(&mut p);
        self.hours.problems(&mut p);
        if self.office.name.trim().is_empty() {
            p.push(("office.name".into(), "must not be empty".into()));
        }
        if !matches!(self.office.level.as_str(), "province" | "commune") {
            p.push((
                "office.level".into(),
                format!(
                    "`{}`: expected \"province\" or \"commune\"",
                    self.office.level
                ),
            ));
        }
        for (k, url) in [
            ("portal.procedure_base", &self.portal.procedure_base),
            ("portal.search_url", &self.portal.search_url),
            ("portal.lookup_url", &self.portal.lookup_url),
            ("portal.payment_url", &self.portal.payment_url),
        ] {
            if !url.starts_with("https://") {
                p.push((k.into(), format!("`{url}`: must be an https:// URL")));
            }
        }
        if !self.portal.province_portal.is_empty()
            && !self.portal.province_portal.starts_with("https://")
        {
            p.push((
                "portal.province_portal".into(),
                "must be an https:// URL or empty".into(),
            ));
        }
        for h in &self.portal.link_hosts {
            let ok = !h.is_empty()
                && h.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                });
            if !ok {
                p.push((
                    "portal.link_hosts".into(),
                    format!("`{h}`: a host name in lower case (e.g. dichvucong.gov.vn)"),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.counters {
            if !COUNTER_NUMBERS.contains(&c.number) {
                p.push((
                    "counters".into(),
                    format!(
                        "counter number {} is out of range: from {} to {}",
                        c.number,
                        COUNTER_NUMBERS.start(),
                        COUNTER_NUMBERS.end()
                    ),
                ));
            }
            if !seen.insert(c.number) {
                p.push((
                    "counters".into(),
                    format!("counter {} is listed twice", c.number),
                ));
            }
            if c.fields.is_empty() {
                p.push((
                    "counters".into(),
                    format!("counter {} has no fields", c.number),
                ));
            }
        }
        if self.help.counter != 0 && !COUNTER_NUMBERS.contains(&self.help.counter) {
            p.push((
                "help.counter".into(),
                format!(
                    "counter number {} is out of range: 0 (none) or from {} to {}",
                    self.help.counter,
                    COUNTER_NUMBERS.start(),
                    COUNTER_NUMBERS.end()
                ),
            ));
        }
        for h in &self.hotlines {
            if h.digits().len() < 3 {
                p.push((
                    "hotlines".into(),
                    format!("`{}`: `number` has no phone number", h.name),
                ));
            }
        }
        if !matches!(
            self.display.orientation.as_str(),
            "auto" | "landscape" | "portrait"
        ) {
            p.push((
                "display.orientation".into(),
                "expected \"auto\", \"landscape\" or \"portrait\"".into(),
            ));
        }
        if !matches!(self.display.language.as_str(), "vi" | "en") {
            p.push((
                "display.language".into(),
                "expected \"vi\" or \"en\"".into(),
            ));
        }
        let url = &self.updates.network_url;
        if !url.is_empty()
            && let Err(e) = crate::net::check_url(url)
        {
            p.push(("updates.network_url".into(), e.to_string()));
        }
        for k in &self.updates.trusted_keys {
            if let Err(e) = crate::bundle::sign::parse_public_key(k) {
                p.push(("updates.trusted_keys".into(), format!("`{k}`: {e}")));
            }
        }
        if !self.staff.pin_hash.is_empty()
            && let Err(e) = crate::pin::check_hash(&self.staff.pin_hash)
        {
            p.push(("staff.pin_hash".into(), e.to_string()));
        }
        for (key, value, range) in self.numbers() {
            if !range.contains(&value) {
                p.push((
                    key.into(),
                    format!(
                        "{value} is out of range: from {} to {}",
                        range.start(),
                        range.end()
                    ),
                ));
            }
        }
        self.speech_and_printer_problems(&mut p);
        p
    }

    fn speech_and_printer_problems(&self, p: &mut Vec<(String, String)>) {
        let sp = &self.speech;
        if sp.enabled && sp.engine.first().is_none_or(|c| c.trim().is_empty()) {
            p.push(("speech.engine".into(), "must name a program".into()));
        }
        if sp.device.trim().is_empty() {
            p.push(("speech.device".into(), "must name an ALSA device".into()));
        }
        if !sp.abbreviations.is_empty()
            && let Err(e) = crate::speech::Lexicon::load(Path::new(&sp.abbreviations))
        {
            p.push(("speech.abbreviations".into(), e.to_string()));
        }
        let pr = &self.printer;
        if !pr.target.is_empty()
            && let Err(e) = crate::print::Target::parse(&pr.target)
        {
            p.push(("printer.target".into(), e.to_string()));
        }
        if let Err(e) = crate::print::Paper::from_mm(pr.paper_mm) {
            p.push(("printer.paper_mm".into(), e.to_string()));
        }
    }
}
