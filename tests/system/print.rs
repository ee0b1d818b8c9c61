//! The printed checklist through real transports: a TCP receiver on loopback that answers the
//! ESC/POS status queries like a printer and keeps every byte, a FIFO standing in for a USB
//! printer device, and `lp`. The received raster commands are decoded back into an image, which
//! must equal the PNG render, carry a QR code that decodes to the procedure's portal link, and
//! read (tesseract, Vietnamese) as the procedure's name and documents.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::TimeZone;
use motcua::app::receipt::{self, Printer, PrinterEvent, PrinterState, Setup};
use motcua::config::Config;
use motcua::domain::text::fold;
use motcua::print::{Bitmap, Block, Paper, PrintError, render, transport};

use crate::common::{motcua, procedure};
use crate::support::{require, wait_for};

/// One ESC/POS command as the printer reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cmd {
    Init,
    Raster {
        width_bytes: usize,
        rows: usize,
        data: Vec<u8>,
    },
    Feed(u8),
    Cut,
    Status(u8),
}

/// The command at `buf[at..]`: `Ok(None)` when more bytes are needed.
fn next_command(buf: &[u8], at: usize) -> Result<Option<(Cmd, usize)>, String> {
    let b = &buf[at..];
    let need = |n: usize| b.len() < n;
    match b {
        [] => Ok(None),
        [0x1B, rest @ ..] => match rest {
            [] => Ok(None),
            [b'@', ..] => Ok(Some((Cmd::Init, 2))),
            [b'd', ..] if need(3) => Ok(None),
            [b'd', n, ..] => Ok(Some((Cmd::Feed(*n), 3))),
            other => Err(format!(
                "unknown ESC command at {at}: {:?}",
                &other[..other.len().min(4)]
            )),
        },
        [0x1D, rest @ ..] => match rest {
            [] => Ok(None),
            [b'v', ..] if need(8) => Ok(None),
            [b'v', b'0', 0, xl, xh, yl, yh, ..] => {
                let w = u16::from_le_bytes([*xl, *xh]) as usize;
                let h = u16::from_le_bytes([*yl, *yh]) as usize;
                if need(8 + w * h) {
                    return Ok(None);
                }
                Ok(Some((
                    Cmd::Raster {
                        width_bytes: w,
                        rows: h,
                        data: b[8..8 + w * h].to_vec(),
                    },
                    8 + w * h,
                )))
            }
            [b'V', ..] if need(4) => Ok(None),
            [b'V', 66, _, ..] => Ok(Some((Cmd::Cut, 4))),
            other => Err(format!(
                "unknown GS command at {at}: {:?}",
                &other[..other.len().min(4)]
            )),
        },
        [0x10, ..] if need(3) => Ok(None),
        [0x10, 0x04, n, ..] => Ok(Some((Cmd::Status(*n), 3))),
        other => Err(format!("unexpected byte {:#04x} at {at}", other[0])),
    }
}

pub(crate) fn commands(bytes: &[u8]) -> Vec<Cmd> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        match next_command(bytes, at) {
            Ok(Some((c, len))) => {
                out.push(c);
                at += len;
            }
            Ok(None) => panic!("the job ends inside a command at byte {at}"),
            Err(e) => panic!("{e}"),
        }
    }
    out
}

/// The image the raster commands of a job draw, bands stacked.
pub(crate) fn decode(bytes: &[u8]) -> Bitmap {
    let mut width = None;
    let mut bits = Vec::new();
    let mut height = 0;
    for c in commands(bytes) {
        if let Cmd::Raster {
            width_bytes,
            rows,
            data,
        } = c
        {
            assert_eq!(
                *width.get_or_insert(width_bytes),
                width_bytes,
                "bands of one width"
            );
            bits.extend(data);
            height += rows as u32;
        }
    }
    Bitmap {
        width: width.expect("the job holds a raster image") as u32 * 8,
        height,
        bits,
    }
}

/// A network receipt printer on loopback: answers `DLE EOT 1` and `DLE EOT 4` with `status`
/// and keeps each connection's bytes.
pub(crate) struct FakePrinter {
    port: u16,
    status: Arc<Mutex<[u8; 2]>>,
    jobs: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

pub(crate) const READY: [u8; 2] = [0x12, 0x12];
pub(crate) const PAPER_OUT: [u8; 2] = [0x12, 0x72];

impl FakePrinter {
    pub(crate) fn start(status: [u8; 2]) -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let status = Arc::new(Mutex::new(status));
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, jb, sp) = (status.clone(), jobs.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !sp.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let bytes = serve(conn, &st);
                        jb.lock().expect("jobs").push(bytes);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakePrinter {
            port,
            status,
            jobs,
            stop,
            thread: Some(thread),
        }
    }

    /// The printer as `[printer] target` names it.
    pub(crate) fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn target(&self) -> transport::Target {
        transport::Target::parse(&format!("tcp://127.0.0.1:{}", self.port)).expect("target")
    }

    pub(crate) fn jobs(&self) -> Vec<Vec<u8>> {
        self.jobs.lock().expect("jobs").clone()
    }

    /// The connections received so far, waiting up to ten seconds for the first.
    fn wait_for_jobs(&self, what: &str) -> Vec<Vec<u8>> {
        wait_for(
            what,
            Duration::from_secs(10),
            || {
                let j = self.jobs();
                (!j.is_empty()).then_some(j)
            },
            || format!("the printer on port {} received nothing", self.port),
        )
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one connection to its end, answering status queries at command boundaries.
fn serve(mut conn: TcpStream, status: &Mutex<[u8; 2]>) -> Vec<u8> {
    conn.set_nonblocking(false).expect("blocking");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut buf = Vec::new();
    let mut at = 0;
    let mut chunk = [0u8; 65536];
    loop {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        while let Ok(Some((cmd, len))) = next_command(&buf, at) {
            if let Cmd::Status(n) = cmd {
                let s = *status.lock().expect("status");
                let answer = if n == 4 { s[1] } else { s[0] };
                let _ = conn.write_all(&[answer]);
            }
            at += len;
        }
    }
}

fn birth_registration_receipt() -> (Vec<Block>, String) {
    let p = procedure("1.001193");
    let cfg = Config::default();
    let now = chrono::Local
        .with_ymd_and_hms(2026, 11, 30, 9, 42, 0)
        .single()
        .expect("time");
    let link = p
        .portal_link(&cfg.portal.procedure_base, &cfg.portal.search_url)
        .url;
    (receipt::receipt_blocks(&p, &cfg, None, now), link)
}

fn setup(target: transport::Target, paper: Paper) -> Setup {
    Setup {
        target,
        paper,
        options: transport::Options {
            timeout: Duration::from_secs(3),
            status_query: true,
        },
        cut: true,
    }
}

pub(crate) fn qr_text(image: &Bitmap) -> String {
    let luma = image.to_luma();
    let w = image.width as usize;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w, image.height as usize, |x, y| {
            luma[y * w + x]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the receipt");
    grids[0].decode().expect("the QR code decodes").1
}

fn ocr(image: &Bitmap, dir: &Path) -> String {
    require("tesseract", "tesseract-ocr tesseract-ocr-vie");
    let png = dir.join("receipt.png");
    if let Some(keep) = std::env::var_os("MOTCUA_KEEP_RECEIPT") {
        std::fs::write(keep, image.to_png().expect("png")).expect("keep png");
    }
    std::fs::write(&png, image.to_png().expect("png")).expect("write png");
    let out = Command::new("tesseract")
        .arg(&png)
        .args(["stdout", "-l", "vie", "--psm", "4"])
        .output()
        .expect("run tesseract");
    assert!(
        out.status.success(),
        "tesseract with Vietnamese data (apt-get install tesseract-ocr-vie): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn a_receipt_sent_over_tcp_decodes_to_the_render_the_qr_and_the_words() {
    let (blocks, link) = birth_registration_receipt();
    let dir = tempfile::tempdir().expect("tempdir");
    for paper in [Paper::Mm58, Paper::Mm80] {
        let printer = FakePrinter::start(READY);
        let rendered = render::render(&blocks, paper).expect("render");
        setup(printer.target(), paper)
            .print(&blocks)
            .expect("printed");
        let jobs = printer.wait_for_jobs("the job");
        assert_eq!(jobs.len(), 1);
        let cmds = commands(&jobs[0]);
        assert_eq!(
            &cmds[..3],
            &[Cmd::Status(1), Cmd::Status(4), Cmd::Init],
            "asks for the status, then initialises"
        );
        assert_eq!(cmds.last(), Some(&Cmd::Cut));
        let decoded = decode(&jobs[0]);
        assert_eq!(decoded.width, paper.dots());
        assert!(decoded == rendered, "the printed image is the rendered one");
        assert_eq!(qr_text(&decoded), link);
        eprintln!(
            "receipt for 1.001193 on {} mm paper: {:.0} mm of image ({} dots)",
            paper.mm(),
            decoded.length_mm(),
            decoded.height
        );
        if paper == Paper::Mm80 {
            let text = fold(&ocr(&decoded, dir.path()));
            for words in [
                "dang ky khai sinh",
                "001193",
                "giay chung sinh",
                "giay to can mang",
            ] {
                assert!(text.contains(words), "OCR reads `{words}` in:\n{text}");
            }
        }
    }
}

#[test]
fn paper_out_and_an_offline_printer_are_errors_before_any_printing() {
    let (blocks, _) = birth_registration_receipt();
    let printer = FakePrinter::start(PAPER_OUT);
    let e = setup(printer.target(), Paper::Mm58)
        .print(&blocks)
        .expect_err("out of paper");
    assert!(matches!(e, PrintError::PaperOut { .. }), "{e}");
    let jobs = printer.wait_for_jobs("the connection");
    assert_eq!(
        commands(&jobs[0]),
        [Cmd::Status(1), Cmd::Status(4)],
        "nothing printed"
    );

    // A port nobody listens on: the printer is off.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let target = transport::Target::parse(&format!("tcp://127.0.0.1:{port}")).expect("target");
    let e = setup(target, Paper::Mm58)
        .print(&blocks)
        .expect_err("offline");
    assert!(matches!(e, PrintError::Offline { .. }), "{e}");
    assert!(e.printer_unavailable());
}

fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let ok = Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("run mkfifo")
        .success();
    assert!(ok, "mkfifo");
    path
}

fn read_fifo(path: &Path) -> Vec<u8> {
    let mut b = Vec::new();
    std::fs::File::open(path)
        .expect("open fifo")
        .read_to_end(&mut b)
        .expect("read fifo");
    b
}

#[test]
fn a_device_that_does_not_take_data_times_out_and_one_that_does_gets_the_job() {
    let (blocks, _) = birth_registration_receipt();
    let dir = tempfile::tempdir().expect("tempdir");
    // Nobody reads this FIFO: opening it for writing blocks, as a stuck USB printer does.
    let stuck = fifo(dir.path(), "stuck");
    let target = transport::Target::parse(&stuck.to_string_lossy()).expect("device target");
    let mut s = setup(target, Paper::Mm58);
    s.options.timeout = Duration::from_secs(1);
    let e = s.print(&blocks).expect_err("no reader");
    assert!(matches!(e, PrintError::NotResponding { .. }), "{e}");
    // Release the writer left blocked in the kernel.
    read_fifo(&stuck);

    let lp0 = fifo(dir.path(), "lp0");
    let reader_path = lp0.clone();
    let reader = std::thread::spawn(move || read_fifo(&reader_path));
    let target = transport::Target::parse(&lp0.to_string_lossy()).expect("device target");
    setup(target, Paper::Mm58)
        .print(&blocks)
        .expect("printed to the device");
    let job = reader.join().expect("reader");
    let rendered = render::render(&blocks, Paper::Mm58).expect("render");
    assert!(decode(&job) == rendered);
    assert_eq!(
        commands(&job).first(),
        Some(&Cmd::Init),
        "no status query on a device"
    );
}

#[test]
fn cups_without_the_queue_says_so() {
    require("lp", "cups-client");
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let target =
        transport::Target::parse(&format!("cups://127.0.0.1:{port}/receipt")).expect("target");
    let (blocks, _) = birth_registration_receipt();
    let e = setup(target, Paper::Mm80)
        .print(&blocks)
        .expect_err("no CUPS server");
    assert!(matches!(e, PrintError::Cups { .. }), "{e}");
    assert!(e.to_string().contains("receipt"), "{e}");
}

#[test]
fn the_kiosk_printer_disables_on_paper_out_and_recovers() {
    let fake = FakePrinter::start(PAPER_OUT);
    let (tx, rx) = mpsc::channel();
    let printer = Printer::start(setup(fake.target(), Paper::Mm58), move |e| {
        let _ = tx.send(e);
    });
    let next = || {
        rx.recv_timeout(Duration::from_secs(20))
            .expect("a printer event")
    };
    assert_eq!(next(), PrinterEvent::State(PrinterState::PaperOut));
    assert!(!printer.ready());
    *fake.status.lock().expect("status") = READY;
    printer.recheck();
    assert_eq!(next(), PrinterEvent::State(PrinterState::Ready));
    assert!(printer.ready());
    let (blocks, _) = birth_registration_receipt();
    printer.print(blocks);
    assert_eq!(next(), PrinterEvent::Printed(Ok(())));
    // The fake records a connection once it has read it to the end, which can be a moment
    // after the kiosk has written the last byte and reported the job printed.
    wait_for(
        "the receipt reached the printer",
        Duration::from_secs(10),
        || {
            fake.jobs()
                .iter()
                .any(|j| commands(j).iter().any(|c| matches!(c, Cmd::Raster { .. })))
                .then_some(())
        },
        || format!("jobs received: {}", fake.jobs().len()),
    );
}

#[test]
fn motcua_print_renders_the_png_and_sends_the_same_receipt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("receipt.png");
    let printer = FakePrinter::start(READY);
    let out = motcua()
        .args(["print", "--code", "1.001193", "--paper", "58", "--out"])
        .arg(&png)
        .arg("--to")
        .arg(printer.target().to_string())
        .output()
        .expect("run motcua print");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("mm long on 58 mm paper"), "{stdout}");
    let picture = image::open(&png).expect("a PNG").to_luma8();
    let jobs = printer.wait_for_jobs("the job");
    let printed = decode(&jobs[0]);
    assert_eq!(
        (picture.width(), picture.height()),
        (printed.width, printed.height)
    );
    assert!(
        picture
            .enumerate_pixels()
            .all(|(x, y, p)| (p.0[0] < 128) == printed.black(x, y)),
        "the PNG is what was printed"
    );

    let e = motcua()
        .args(["print", "--code", "9.999999", "--out"])
        .arg(&png)
        .output()
        .expect("run motcua print");
    assert!(!e.status.success());
    assert!(String::from_utf8_lossy(&e.stderr).contains("9.999999"));
}
