//! Read-aloud for the kiosk: what is said for a procedure (its name and code, where to submit
//! here, the time limit and fee of the usual channel, then the documents everyone brings) and
//! for search results (the first names), and the `Voice` that says it: the speech thread, the
//! volume that goes back to the configured level after each visit, and the check at start that
//! the engine and the sound device work (the buttons stay hidden when they do not).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use crate::config;
use crate::domain::{Method, Procedure, checklist};
pub use crate::speech::SpeechEvent;
use crate::speech::{self, Engine, Lexicon, Speaker, player};

use super::AppError;
use super::kiosk::Kiosk;
use super::view::ChannelRow;

/// Results read for a search: enough to choose from, short enough to listen to.
pub const RESULTS_READ: usize = 5;
/// One step of the on-screen volume buttons, in percent.
pub const VOLUME_STEP: u8 = 10;

/// The channel a visitor at the counter uses: direct submission, else the first listed.
pub fn usual_channel(p: &Procedure) -> Option<&crate::domain::Channel> {
    p.channels
        .iter()
        .find(|c| c.method == Method::Direct)
        .or_else(|| p.channels.first())
}

/// Where to submit, for a visitor standing here: the office's counter for the procedure's field,
/// else the source's receiving address, else the executing agency.
pub fn where_to_submit(p: &Procedure, counter: Option<&str>) -> Option<String> {
    if let Some(c) = counter {
        return Some(c.to_string());
    }
    if !p.agencies.receiving_address.is_empty() {
        return Some(format!("Nơi nộp hồ sơ: {}", p.agencies.receiving_address));
    }
    (!p.agencies.executing.is_empty())
        .then(|| format!("Cơ quan thực hiện: {}", p.agencies.executing.join("; ")))
}

/// "Thời hạn giải quyết: …" and "Phí, lệ phí: …" of the usual channel.
pub fn time_and_fee(p: &Procedure) -> (Option<String>, Option<String>) {
    let Some(row) = usual_channel(p).map(ChannelRow::from_channel) else {
        return (None, None);
    };
    let time = (!row.time.is_empty()).then(|| format!("Thời hạn giải quyết: {}", row.time));
    // "Phí: 20.000 đồng; Lệ phí: 8.000 đồng" carries its own labels; "Miễn phí" or the
    // source's words do not.
    let fee = (!row.fee.is_empty()).then(|| {
        if row.fee.contains(':') {
            row.fee.clone()
        } else {
            format!("Phí, lệ phí: {}", row.fee)
        }
    });
    (time, fee)
}

fn ends_sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?', ';', ':']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// What "Đọc to" says on a procedure page, as paragraphs (not yet prepared for speech).
/// `counter` is the sentence the page shows ("Nộp hồ sơ tại quầy số 3 (Tầng 1)").
pub fn procedure_script(p: &Procedure, counter: Option<&str>) -> Vec<String> {
    let mut s = vec![ends_sentence(&p.name), format!("Mã thủ tục {}.", p.code)];
    if let Some(w) = where_to_submit(p, counter) {
        s.push(ends_sentence(&w));
    }
    let (time, fee) = time_and_fee(p);
    s.extend(time.map(|t| ends_sentence(&t)));
    s.extend(fee.map(|f| ends_sentence(&f)));
    let list = checklist::checklist(p);
    if list.documents.is_empty() {
        s.push(
            "Kiosk chưa có danh sách giấy tờ của thủ tục này. Mời bạn quét mã QR trên màn hình, \
             hoặc hỏi cán bộ tại quầy."
                .into(),
        );
    } else {
        s.push(format!("Giấy tờ cần mang: {} loại.", list.documents.len()));
        for (i, d) in list.documents.iter().enumerate() {
            let mut line = format!("Giấy tờ số {}: {}", i + 1, ends_sentence(&d.text));
            if !d.quantity.is_empty() {
                line.push(' ');
                line.push_str(&ends_sentence(&d.quantity));
            }
            s.push(line);
        }
    }
    if !list.conditional.is_empty() {
        s.push(format!(
            "Ngoài ra có {} giấy tờ cho những trường hợp riêng. Mời bạn xem trên màn hình, \
             hoặc in danh sách giấy tờ.",
            list.conditional.len()
        ));
    }
    s
}

/// What "Đọc to" says on the search page: the first results' names. `total` is the number
/// of procedures found, of which `names` are the first.
pub fn results_script(names: &[String], total: usize) -> Vec<String> {
    if names.is_empty() {
        return vec!["Không tìm thấy thủ tục nào.".into()];
    }
    let read = names.len().min(RESULTS_READ);
    let total = total.max(names.len());
    let mut s = vec![if total > read {
        format!("Có {total} kết quả. Đây là {read} kết quả đầu.")
    } else {
        format!("Có {total} kết quả.")
    }];
    for (i, n) in names.iter().take(RESULTS_READ).enumerate() {
        s.push(format!("Kết quả số {}: {}", i + 1, ends_sentence(n)));
    }
    s
}

impl Kiosk {
    /// What "Đọc to" says on the page of procedure `code` (none when there is no such code).
    pub fn read_aloud_script(&self, code: &str) -> Result<Option<Vec<String>>, AppError> {
        let Some(p) = self.procedure(code)? else {
            return Ok(None);
        };
        let counter = self.procedure_view(code)?.and_then(|v| v.counter);
        Ok(Some(procedure_script(&p, counter.as_deref())))
    }
}

/// Whether read-aloud works here, as the probe at start found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Not probed yet.
    Unknown,
    Available,
    /// `[speech] enabled = false`.
    Disabled,
    /// The engine or the device failed; the reason for the log and the heartbeat.
    Missing(String),
}

/// What the voice reports to the window.
#[derive(Debug, Clone, PartialEq)]
pub enum VoiceEvent {
    Availability(Availability),
    Speech(SpeechEvent),
}

const UNKNOWN: u8 = 0;
const AVAILABLE: u8 = 1;
const DISABLED: u8 = 2;
const MISSING: u8 = 3;

/// The kiosk's voice: one per kiosk, shared by every page.
pub struct Voice {
    speaker: Option<Speaker>,
    lexicon: Lexicon,
    configured_volume: u8,
    state: Arc<AtomicU8>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voice")
            .field("available", &self.available())
            .finish()
    }
}

/// The engine and lexicon a configuration names (the lexicon file is checked by
/// `Config::parse`; a file that went bad since is logged and the built-in list used).
pub fn engine_and_lexicon(cfg: &config::Speech) -> (Engine, Lexicon) {
    let engine = Engine::new(
        cfg.engine.clone(),
        Duration::from_secs(
            cfg.engine_timeout_seconds
                .clamp(1, config::SPEECH_TIMEOUT_MAX),
        ),
    );
    let mut lexicon = Lexicon::builtin();
    if !cfg.abbreviations.is_empty() {
        match Lexicon::load(std::path::Path::new(&cfg.abbreviations)) {
            Ok(extra) => lexicon.extend(&extra),
            Err(e) => tracing::warn!("speech abbreviations: {e}"),
        }
    }
    (engine, lexicon)
}

/// Checks that `engine` speaks and `device` plays: what the buttons and the heartbeat rely on.
pub fn probe(engine: &Engine, device: &str) -> Result<(), speech::SpeechError> {
    engine.synthesize("Xin chào.", &())?;
    player::probe_output(device, Duration::from_secs(5))
}

impl Voice {
    /// Starts the speech thread and, on another thread, the probe; `sink` hears both.
    pub fn start(cfg: &config::Speech, sink: impl Fn(VoiceEvent) + Send + Sync + 'static) -> Voice {
        let sink = Arc::new(sink);
        let state = Arc::new(AtomicU8::new(UNKNOWN));
        let (engine, lexicon) = engine_and_lexicon(cfg);
        if !cfg.enabled {
            state.store(DISABLED, Ordering::SeqCst);
            sink(VoiceEvent::Availability(Availability::Disabled));
            return Voice {
                speaker: None,
                lexicon,
                configured_volume: cfg.volume.min(100),
                state,
                next_id: AtomicU64::new(1),
            };
        }
        let s = sink.clone();
        let speaker = Speaker::new(engine.clone(), cfg.device.clone(), cfg.volume, move |e| {
            s(VoiceEvent::Speech(e))
        });
        let (st, s, device) = (state.clone(), sink.clone(), cfg.device.clone());
        let probe_thread = std::thread::Builder::new()
            .name("motcua-speech-probe".into())
            .spawn(move || {
                let a = match probe(&engine, &device) {
                    Ok(()) => {
                        st.store(AVAILABLE, Ordering::SeqCst);
                        Availability::Available
                    }
                    Err(e) => {
                        tracing::warn!("read-aloud is off: {e}");
                        st.store(MISSING, Ordering::SeqCst);
                        Availability::Missing(e.to_string())
                    }
                };
                s(VoiceEvent::Availability(a));
            });
        if let Err(e) = probe_thread {
            tracing::error!("cannot start the speech probe: {e}");
        }
        Voice {
            speaker: Some(speaker),
            lexicon,
            configured_volume: cfg.volume.min(100),
            state,
            next_id: AtomicU64::new(1),
        }
    }

    pub fn available(&self) -> Availability {
        match self.state.load(Ordering::SeqCst) {
            AVAILABLE => Availability::Available,
            DISABLED => Availability::Disabled,
            MISSING => Availability::Missing("the engine or the sound device failed".into()),
            _ => Availability::Unknown,
        }
    }

    /// Says `paragraphs`; returns the id its events carry.
    pub fn say(&self, paragraphs: &[String]) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Some(sp) = &self.speaker {
            sp.say(id, speech::pieces(paragraphs, &self.lexicon));
        }
        id
    }

    pub fn stop(&self) {
        if let Some(sp) = &self.speaker {
            sp.stop();
        }
    }

    pub fn volume(&self) -> u8 {
        self.speaker
            .as_ref()
            .map_or(self.configured_volume, Speaker::volume)
    }

    /// One step up or down; returns the new level.
    pub fn change_volume(&self, up: bool) -> u8 {
        let v = self.volume();
        let v = if up {
            v.saturating_add(VOLUME_STEP).min(100)
        } else {
            v.saturating_sub(VOLUME_STEP).max(VOLUME_STEP)
        };
        if let Some(sp) = &self.speaker {
            sp.set_volume(v);
        }
        v
    }

    /// The end of a visit: silence, and the volume back to the configured level.
    pub fn reset(&self) {
        self.stop();
        if let Some(sp) = &self.speaker {
            sp.set_volume(self.configured_volume);
        }
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, DossierCase, DossierItem, Fee, FeeKind, TimeLimit, TimeUnit};

    #[test]
    fn the_script_says_name_counter_time_fee_then_documents() {
        let p = Procedure {
            code: "1.001193".into(),
            name: "Thủ tục đăng ký khai sinh".into(),
            channels: vec![
                Channel {
                    method: Method::Online,
                    time: TimeLimit::default(),
                    fees: vec![],
                    note: String::new(),
                },
                Channel {
                    method: Method::Direct,
                    time: TimeLimit {
                        amount: Some(3.0),
                        unit: Some(TimeUnit::WorkingDay),
                        text: String::new(),
                    },
                    fees: vec![Fee {
                        kind: FeeKind::Fee,
                        amount_vnd: Some(50_000),
                        text: String::new(),
                    }],
                    note: String::new(),
                },
            ],
            dossier: vec![DossierCase {
                name: "Giấy tờ phải nộp".into(),
                items: vec![
                    DossierItem {
                        name: "- Trường hợp ủy quyền: văn bản ủy quyền".into(),
                        originals: 1,
                        copies: 0,
                        required: false,
                        form: None,
                        electronic_form: false,
                    },
                    DossierItem {
                        name: "- Giấy chứng sinh".into(),
                        originals: 1,
                        copies: 0,
                        required: true,
                        form: None,
                        electronic_form: false,
                    },
                ],
            }],
            ..Default::default()
        };
        let s = procedure_script(&p, Some("Nộp hồ sơ tại quầy số 3 (Tầng 1)"));
        assert_eq!(
            s,
            [
                "Thủ tục đăng ký khai sinh.",
                "Mã thủ tục 1.001193.",
                "Nộp hồ sơ tại quầy số 3 (Tầng 1).",
                "Thời hạn giải quyết: 3 ngày làm việc.",
                "Phí: 50.000 đồng.",
                "Giấy tờ cần mang: 1 loại.",
                "Giấy tờ số 1: Giấy chứng sinh. 1 bản chính.",
                "Ngoài ra có 1 giấy tờ cho những trường hợp riêng. Mời bạn xem trên màn hình, hoặc in danh sách giấy tờ.",
            ]
        );
        let spoken = speech::pieces(&s, &Lexicon::builtin()).join(" ");
        assert!(
            spoken.contains("một chấm không không một một chín ba"),
            "{spoken}"
        );
        assert!(spoken.contains("năm mươi nghìn đồng"), "{spoken}");
        assert!(spoken.contains("quầy số ba"), "{spoken}");
    }

    #[test]
    fn results_read_the_first_names() {
        let names: Vec<String> = (1..=8).map(|i| format!("Thủ tục {i}")).collect();
        let s = results_script(&names, 40);
        assert_eq!(s.len(), 1 + RESULTS_READ);
        assert_eq!(s[0], "Có 40 kết quả. Đây là 5 kết quả đầu.");
        assert_eq!(s[1], "Kết quả số 1: Thủ tục 1.");
        assert_eq!(results_script(&names[..2], 2)[0], "Có 2 kết quả.");
        assert_eq!(results_script(&[], 0), ["Không tìm thấy thủ tục nào."]);
    }
}
