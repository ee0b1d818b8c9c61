//! Where receipts go, as `kiosk.toml` names it: `tcp://HOST:PORT` (a network printer's raw port,
//! usually 9100), a device path (`/dev/usb/lp0`, the kernel's USB printer class driver), or
//! `cups:QUEUE` / `cups://HOST:PORT/QUEUE` (a raw CUPS queue, through `lp`). Every operation is
//! bounded by the configured timeout: a printer that is off, unplugged, jammed or out of paper
//! gives an error, never a hang. TCP and CUPS are asked for their status first; a USB device
//! file is only opened and written (the usblp driver reports its status as write errors).

use std::fmt;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::PrintError;
use super::escpos::{self, Status};
use crate::child::{self, Ended};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Tcp {
        host: String,
        port: u16,
    },
    Device(PathBuf),
    Cups {
        queue: String,
        server: Option<String>,
    },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Target::Device(p) => write!(f, "{}", p.display()),
            Target::Cups {
                queue,
                server: None,
            } => write!(f, "cups:{queue}"),
            Target::Cups {
                queue,
                server: Some(s),
            } => write!(f, "cups://{s}/{queue}"),
        }
    }
}

impl Target {
    pub fn parse(s: &str) -> Result<Target, PrintError> {
        let bad = || PrintError::Target {
            target: s.to_string(),
        };
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("tcp://") {
            let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let port: u16 = port.trim_end_matches('/').parse().map_err(|_| bad())?;
            if host.is_empty() || port == 0 {
                return Err(bad());
            }
            return Ok(Target::Tcp {
                host: host.to_string(),
                port,
            });
        }
        if let Some(rest) = s.strip_prefix("cups://") {
            let (server, queue) = rest.split_once('/').ok_or_else(bad)?;
            if server.is_empty() || !valid_queue(queue) {
                return Err(bad());
            }
            return Ok(Target::Cups {
                queue: queue.to_string(),
                server: Some(server.to_string()),
            });
        }
        if let Some(queue) = s.strip_prefix("cups:") {
            if !valid_queue(queue) {
                return Err(bad());
            }
            return Ok(Target::Cups {
                queue: queue.to_string(),
                server: None,
            });
        }
        if s.starts_with('/') {
            return Ok(Target::Device(PathBuf::from(s)));
        }
        Err(bad())
    }
}

/// CUPS queue names: printable, no spaces, slashes or `#`.
fn valid_queue(q: &str) -> bool {
    !q.is_empty()
        && q.len() <= 127
        && q.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '#' | '\\' | '\'' | '"'))
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Bound on connecting, writing and waiting for `lp`.
    pub timeout: Duration,
    /// Ask an ESC/POS printer for its status before printing (TCP).
    pub status_query: bool,
}

/// Whether the printer can print now, without printing anything. `Ok(None)`: reachable, but it
/// did not answer the status query (many printers do not).
pub fn check(target: &Target, opts: &Options) -> Result<Option<Status>, PrintError> {
    match target {
        Target::Tcp { .. } => {
            let mut stream = connect(target, opts)?;
            let status = if opts.status_query {
                query(&mut stream, target, opts)?
            } else {
                None
            };
            let _ = stream.shutdown(Shutdown::Both);
            Ok(status)
        }
        Target::Device(path) => {
            let p = path.clone();
            with_timeout(target, opts.timeout, move || {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .map(drop)
                    .map_err(|source| PrintError::Offline {
                        target: p.display().to_string(),
                        message: source.to_string(),
                    })
            })?;
            Ok(None)
        }
        Target::Cups { queue, server } => {
            cups_status(queue, server.as_deref(), opts.timeout)?;
            Ok(None)
        }
    }
}

/// Sends an ESC/POS job.
pub fn send(target: &Target, job: &[u8], opts: &Options) -> Result<(), PrintError> {
    match target {
        Target::Tcp { .. } => send_tcp(target, job, opts),
        Target::Device(path) => {
            let (p, data) = (path.clone(), job.to_vec());
            with_timeout(target, opts.timeout, move || {
                let io = |source| PrintError::Io {
                    path: p.clone(),
                    source,
                };
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .map_err(|source| PrintError::Offline {
                        target: p.display().to_string(),
                        message: source.to_string(),
                    })?;
                f.write_all(&data).map_err(io)?;
                f.flush().map_err(io)
            })
        }
        Target::Cups { queue, server } => {
            cups_status(queue, server.as_deref(), opts.timeout)?;
            cups_send(queue, server.as_deref(), job, opts.timeout)
        }
    }
}

/// Runs `f` on its own thread and gives up after `timeout`. A device write that never returns
/// (a USB printer that stopped taking data) leaves that thread blocked in the kernel; the kiosk
/// goes on and says the printer does not answer.
fn with_timeout(
    target: &Target,
    timeout: Duration,
    f: impl FnOnce() -> Result<(), PrintError> + Send + 'static,
) -> Result<(), PrintError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("motcua-printer-io".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|source| PrintError::Io {
            path: PathBuf::from(target.to_string()),
            source,
        })?;
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        Err(_) => Err(PrintError::NotResponding {
            target: target.to_string(),
            seconds: timeout.as_secs(),
        }),
    }
}

fn connect(target: &Target, opts: &Options) -> Result<TcpStream, PrintError> {
    let Target::Tcp { host, port } = target else {
        return Err(PrintError::Target {
            target: target.to_string(),
        });
    };
    let offline = |message: String| PrintError::Offline {
        target: target.to_string(),
        message,
    };
    let addrs: Vec<_> = (host.as_str(), *port)
        .to_socket_addrs()
        .map_err(|e| offline(e.to_string()))?
        .collect();
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, opts.timeout) {
            Ok(s) => {
                let _ = s.set_write_timeout(Some(opts.timeout));
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(PrintError::NotResponding {
                    target: target.to_string(),
                    seconds: opts.timeout.as_secs(),
                });
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(offline(last))
}

/// Sends `DLE EOT 1` and `DLE EOT 4` and reads the two answers, waiting at most two seconds.
fn query(
    stream: &mut TcpStream,
    target: &Target,
    opts: &Options,
) -> Result<Option<Status>, PrintError> {
    let io = |source| PrintError::Io {
        path: PathBuf::from(target.to_string()),
        source,
    };
    stream.write_all(&escpos::STATUS_QUERY).map_err(io)?;
    let wait = opts.timeout.min(Duration::from_secs(2));
    let deadline = Instant::now() + wait;
    let mut got = Vec::with_capacity(2);
    let mut buf = [0u8; 2];
    while got.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut buf[..2 - got.len()]) {
            Ok(0) => {
                return Err(PrintError::Offline {
                    target: target.to_string(),
                    message: "the printer closed the connection".into(),
                });
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(io(e)),
        }
    }
    let status = escpos::parse_status(got[0], got[1]);
    match status {
        Some(Status::PaperOut) => Err(PrintError::PaperOut {
            target: target.to_string(),
        }),
        Some(Status::Offline) => Err(PrintError::Offline {
            target: target.to_string(),
            message: "the printer reports it is offline (cover open or paper feed)".into(),
        }),
        other => Ok(other),
    }
}

fn send_tcp(target: &Target, job: &[u8], opts: &Options) -> Result<(), PrintError> {
    let mut stream = connect(target, opts)?;
    if opts.status_query {
        query(&mut stream, target, opts)?;
    }
    let failed = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            PrintError::NotResponding {
                target: target.to_string(),
                seconds: opts.timeout.as_secs(),
            }
        } else {
            PrintError::Offline {
                target: target.to_string(),
                message: e.to_string(),
            }
        }
    };
    stream.write_all(job).map_err(failed)?;
    stream.flush().map_err(failed)?;
    // Close our side, then read what the printer still says until it closes too (or briefly):
    // closing a socket with unread input resets it, which can drop the job's last bytes.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 256];
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Ok(())
}

fn cups_args(server: Option<&str>) -> Vec<String> {
    server
        .map(|s| vec!["-h".to_string(), s.to_string()])
        .unwrap_or_default()
}

/// Runs a CUPS client program with `input` on stdin, bounded by `timeout`: (success, stdout,
/// stderr).
fn run_bounded(
    program: &str,
    args: &[String],
    input: &[u8],
    timeout: Duration,
    queue: &str,
) -> Result<(bool, String, String), PrintError> {
    let cups = |message: String| PrintError::Cups {
        queue: queue.to_string(),
        message,
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            cups(format!(
                "cannot run `{program}`: {e} (Debian: apt-get install cups-client)"
            ))
        })?;
    let out = child::read_all(child.stdout.take());
    let err = child::read_all(child.stderr.take());
    if let Some(mut stdin) = child.stdin.take() {
        let data = input.to_vec();
        // A job can be larger than a pipe's buffer: write it while we wait.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }
    let status = match child::wait(
        &mut child,
        Instant::now() + timeout,
        Duration::from_millis(10),
        || false,
    ) {
        Ended::Exited(status) => status,
        Ended::TimedOut | Ended::Cancelled => {
            return Err(PrintError::NotResponding {
                target: format!("cups:{queue}"),
                seconds: timeout.as_secs(),
            });
        }
        Ended::Unwaitable(e) => return Err(cups(format!("cannot wait for `{program}`: {e}"))),
    };
    let out = child::text(Some(out));
    let err = child::text(Some(err));
    Ok((status.success(), out, err))
}

fn cups_status(queue: &str, server: Option<&str>, timeout: Duration) -> Result<(), PrintError> {
    let mut args = cups_args(server);
    args.extend(["-p".to_string(), queue.to_string()]);
    let (ok, out, err) = run_bounded("lpstat", &args, &[], timeout, queue)?;
    if !ok {
        return Err(PrintError::Cups {
            queue: queue.to_string(),
            message: err.trim().to_string(),
        });
    }
    // "printer kiosk is idle.  enabled since …" or "printer kiosk disabled since …"
    if out.contains("disabled") {
        return Err(PrintError::Offline {
            target: format!("cups:{queue}"),
            message: out.lines().next().unwrap_or("").trim().to_string(),
        });
    }
    Ok(())
}

fn cups_send(
    queue: &str,
    server: Option<&str>,
    job: &[u8],
    timeout: Duration,
) -> Result<(), PrintError> {
    let mut args = cups_args(server);
    args.extend(
        ["-d", queue, "-o", "raw", "-t", "motcua"]
            .iter()
            .map(|s| s.to_string()),
    );
    args.push("-".into());
    let (ok, _, err) = run_bounded("lp", &args, job, timeout, queue)?;
    if ok {
        Ok(())
    } else {
        Err(PrintError::Cups {
            queue: queue.to_string(),
            message: err.trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_from_the_configuration() {
        assert_eq!(
            Target::parse("tcp://192.168.1.50:9100").expect("tcp"),
            Target::Tcp {
                host: "192.168.1.50".into(),
                port: 9100
            }
        );
        assert_eq!(
            Target::parse("/dev/usb/lp0").expect("dev"),
            Target::Device("/dev/usb/lp0".into())
        );
        assert_eq!(
            Target::parse("cups:receipt").expect("cups"),
            Target::Cups {
                queue: "receipt".into(),
                server: None
            }
        );
        assert_eq!(
            Target::parse("cups://127.0.0.1:631/receipt")
                .expect("cups server")
                .to_string(),
            "cups://127.0.0.1:631/receipt"
        );
        for bad in ["lp0", "tcp://printer", "tcp://:9100", "cups:", "cups:a b"] {
            let e = Target::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
