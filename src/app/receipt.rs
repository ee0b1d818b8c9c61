//! The printed checklist ("In danh sách giấy tờ"): what the receipt says (office, procedure
//! name and code, counter, time limit and fee, the documents to bring with a box each, the
//! portal QR, the date), and the `Printer` that prints it on its own thread, checks the printer
//! at start and again while it is unavailable, and tells the window whether the button can be
//! used. Receipts are in Vietnamese whatever the screen language: the counter officer reads it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Local};

use crate::config::{self, Config};
use crate::domain::{Procedure, checklist};
use crate::print::{self, Block, PrintError, Style, escpos, render, transport};

use super::read_aloud::{time_and_fee, where_to_submit};

/// How often an unavailable printer is asked again.
const RECHECK: Duration = Duration::from_secs(30);

fn text(t: impl Into<String>, style: Style) -> Block {
    Block::Text {
        text: t.into(),
        style,
    }
}

/// A conditional item's first sentence: the case it is for. The whole text is on the screen and
/// behind the QR code; a receipt a metre long helps nobody.
fn first_sentence(s: &str) -> &str {
    let b = s.as_bytes();
    for (i, _) in s.match_indices(['.', ';']) {
        if b.get(i + 1).is_none_or(|c| *c == b' ') && i > 20 {
            return &s[..=i];
        }
    }
    s
}

/// The receipt for `p`, printed `now`. `counter` is the sentence the page shows.
pub fn receipt_blocks(
    p: &Procedure,
    cfg: &Config,
    counter: Option<&str>,
    now: DateTime<Local>,
) -> Vec<Block> {
    let title = Style {
        size: render::Size::Large,
        bold: true,
        center: true,
    };
    let centered_small = Style {
        center: true,
        ..Style::SMALL
    };
    let name = Style {
        size: render::Size::Large,
        bold: true,
        center: false,
    };
    let mut b = vec![text(&cfg.office.name, title)];
    if !cfg.office.address.is_empty() {
        b.push(text(&cfg.office.address, centered_small));
    }
    b.push(Block::Rule);
    b.push(text(
        "DANH SÁCH GIẤY TỜ CẦN MANG",
        Style {
            center: true,
            ..Style::HEADING
        },
    ));
    b.push(Block::Gap(6));
    b.push(text(&p.name, name));
    b.push(text(format!("Mã thủ tục: {}", p.code), Style::BODY));
    if let Some(w) = where_to_submit(p, counter) {
        b.push(text(w, Style::HEADING));
    }
    let (time, fee) = time_and_fee(p);
    b.extend(time.map(|t| text(t, Style::BODY)));
    b.extend(fee.map(|f| text(f, Style::BODY)));
    b.push(Block::Rule);
    let list = checklist::checklist(p);
    let check = |e: &checklist::Entry, t: &str| Block::Check {
        text: if e.quantity.is_empty() {
            t.to_string()
        } else {
            format!("{t} ({})", e.quantity.replace(' ', "\u{a0}"))
        },
    };
    if list.documents.is_empty() {
        b.push(text(
            "Kiosk chưa có danh sách giấy tờ của thủ tục này: mời bạn quét mã QR dưới đây \
             hoặc hỏi cán bộ tại quầy.",
            Style::BODY,
        ));
    } else {
        b.push(text("Giấy tờ cần mang:", Style::HEADING));
        for d in &list.documents {
            b.push(check(d, &d.text));
        }
    }
    if !list.conditional.is_empty() {
        b.push(Block::Gap(8));
        b.push(text("Mang thêm nếu thuộc trường hợp:", Style::HEADING));
        for d in &list.conditional {
            b.push(check(d, first_sentence(&d.text)));
        }
    }
    b.push(Block::Rule);
    let link = p.portal_link(&cfg.portal.procedure_base, &cfg.portal.search_url);
    b.push(Block::Qr {
        data: link.url.clone(),
    });
    b.push(text(
        if link.verified {
            "Quét mã để xem đầy đủ thủ tục trên Cổng Dịch vụ công quốc gia"
        } else {
            "Quét mã để mở Cổng Dịch vụ công quốc gia, rồi tìm theo mã thủ tục"
        },
        centered_small,
    ));
    b.push(text(
        format!("In lúc {}", now.format("%H:%M ngày %d/%m/%Y")),
        centered_small,
    ));
    b
}

impl super::kiosk::Kiosk {
    /// The receipt for procedure `code` printed `now` (none when there is no such code).
    pub fn receipt(
        &self,
        code: &str,
        now: DateTime<Local>,
    ) -> Result<Option<Vec<Block>>, super::AppError> {
        let Some(p) = self.procedure(code)? else {
            return Ok(None);
        };
        let counter = self.procedure_view(code)?.and_then(|v| v.counter);
        Ok(Some(receipt_blocks(
            &p,
            self.config(),
            counter.as_deref(),
            now,
        )))
    }
}

/// Whether the print button can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    /// Checking at start.
    Unknown,
    Ready,
    /// Out of paper: staff must load a roll.
    PaperOut,
    /// Off, unplugged, cover open, or not answering; the reason for the log and the heartbeat.
    Unavailable(String),
}

impl PrinterState {
    fn from_error(e: &PrintError) -> PrinterState {
        match e {
            PrintError::PaperOut { .. } => PrinterState::PaperOut,
            other => PrinterState::Unavailable(other.to_string()),
        }
    }

    fn code(&self) -> u8 {
        match self {
            PrinterState::Unknown => 0,
            PrinterState::Ready => 1,
            PrinterState::PaperOut => 2,
            PrinterState::Unavailable(_) => 3,
        }
    }
}

/// What the printer reports to the window.
#[derive(Debug, Clone, PartialEq)]
pub enum PrinterEvent {
    State(PrinterState),
    /// A receipt was sent (`Ok`) or not, with the state it left the printer in.
    Printed(Result<(), String>),
}

enum Job {
    Print(Vec<Block>),
    Check,
}

/// The kiosk's receipt printer.
pub struct Printer {
    jobs: Option<Sender<Job>>,
    state: Arc<AtomicU8>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("ready", &self.ready())
            .finish()
    }
}

/// Everything a print needs from `[printer]`.
#[derive(Debug, Clone)]
pub struct Setup {
    pub target: transport::Target,
    pub paper: print::Paper,
    pub options: transport::Options,
    pub cut: bool,
}

impl Setup {
    /// `None` when no printer is configured.
    pub fn from_config(cfg: &config::Printer) -> Result<Option<Setup>, PrintError> {
        if cfg.target.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(Setup {
            target: transport::Target::parse(&cfg.target)?,
            paper: print::Paper::from_mm(cfg.paper_mm)?,
            options: transport::Options {
                timeout: Duration::from_secs(
                    cfg.timeout_seconds.clamp(1, config::PRINTER_TIMEOUT_MAX),
                ),
                status_query: cfg.status_query,
            },
            cut: cfg.cut,
        }))
    }

    /// Draws, encodes and sends one receipt.
    pub fn print(&self, blocks: &[Block]) -> Result<(), PrintError> {
        let image = render::render(blocks, self.paper)?;
        let job = escpos::encode(&image, self.cut);
        transport::send(&self.target, &job, &self.options)
    }

    pub fn check(&self) -> Result<(), PrintError> {
        transport::check(&self.target, &self.options).map(drop)
    }
}

impl Printer {
    /// Starts the printer thread, which checks the printer at once; `sink` hears the states.
    pub fn start(setup: Setup, sink: impl Fn(PrinterEvent) + Send + Sync + 'static) -> Printer {
        let (tx, rx) = mpsc::channel::<Job>();
        let state = Arc::new(AtomicU8::new(0));
        let st = state.clone();
        let thread = std::thread::Builder::new()
            .name("motcua-printer".into())
            .spawn(move || {
                let set = |s: PrinterState| {
                    st.store(s.code(), Ordering::SeqCst);
                    sink(PrinterEvent::State(s));
                };
                let mut current = match setup.check() {
                    Ok(()) => PrinterState::Ready,
                    Err(e) => PrinterState::from_error(&e),
                };
                set(current.clone());
                loop {
                    let wait = if current == PrinterState::Ready {
                        Duration::from_secs(3600)
                    } else {
                        RECHECK
                    };
                    let job = match rx.recv_timeout(wait) {
                        Ok(j) => j,
                        Err(RecvTimeoutError::Timeout) => Job::Check,
                        Err(RecvTimeoutError::Disconnected) => return,
                    };
                    let next = match job {
                        Job::Check => match setup.check() {
                            Ok(()) => PrinterState::Ready,
                            Err(e) => PrinterState::from_error(&e),
                        },
                        Job::Print(blocks) => {
                            let r = setup.print(&blocks);
                            let next = match &r {
                                Ok(()) => PrinterState::Ready,
                                Err(e) if e.printer_unavailable() => PrinterState::from_error(e),
                                Err(_) => current.clone(),
                            };
                            if let Err(e) = &r {
                                tracing::warn!("printing: {e}");
                            }
                            sink(PrinterEvent::Printed(r.map_err(|e| e.to_string())));
                            next
                        }
                    };
                    if next != current {
                        current = next;
                        set(current.clone());
                    }
                }
            })
            .map_err(|e| tracing::error!("cannot start the printer thread: {e}"))
            .ok();
        Printer {
            jobs: Some(tx),
            state,
            thread,
        }
    }

    pub fn print(&self, blocks: Vec<Block>) {
        if self
            .jobs
            .as_ref()
            .is_none_or(|t| t.send(Job::Print(blocks)).is_err())
        {
            tracing::error!("the printer thread has stopped");
        }
    }

    /// Asks the printer again now (e.g. when staff say they loaded paper).
    pub fn recheck(&self) {
        if let Some(t) = &self.jobs {
            let _ = t.send(Job::Check);
        }
    }

    pub fn ready(&self) -> bool {
        self.state.load(Ordering::SeqCst) == 1
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_items_are_cut_to_the_case() {
        assert_eq!(
            first_sentence(
                "Trường hợp trẻ em bị bỏ rơi thì phải có biên bản. Biên bản do cơ quan lập."
            ),
            "Trường hợp trẻ em bị bỏ rơi thì phải có biên bản."
        );
        assert_eq!(first_sentence("Giấy tờ 1.001193 x"), "Giấy tờ 1.001193 x");
    }
}
