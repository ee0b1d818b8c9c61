//! Helper programs the kiosk runs for a bounded time (espeak-ng, aplay, lp and lpstat): their
//! output is read on threads of its own so a full pipe never stalls them, and the wait kills and
//! reaps them at a deadline or when the caller cancels, so no hung helper outlives its request.

use std::io::Read;
use std::process::{Child, ExitStatus};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a bounded wait ended. The child is reaped in every case.
#[derive(Debug)]
pub enum Ended {
    Exited(ExitStatus),
    /// Killed at the deadline.
    TimedOut,
    /// Killed because the caller no longer wants the result.
    Cancelled,
    /// The system could not report on the child (it was killed and reaped if it could be).
    Unwaitable(std::io::Error),
}

/// Reads a pipe to its end on its own thread; join it for the bytes.
pub fn read_all(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// What a reader thread collected, as text (lossy: helpers may print in any encoding).
pub fn text(reader: Option<JoinHandle<Vec<u8>>>) -> String {
    reader
        .and_then(|h| h.join().ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Waits for `child` until `deadline`, polling every `poll`; `cancelled` is asked between polls.
pub fn wait(
    child: &mut Child,
    deadline: Instant,
    poll: Duration,
    cancelled: impl Fn() -> bool,
) -> Ended {
    loop {
        let ended = match child.try_wait() {
            Ok(Some(status)) => return Ended::Exited(status),
            Ok(None) if cancelled() => Ended::Cancelled,
            Ok(None) if Instant::now() >= deadline => Ended::TimedOut,
            Ok(None) => {
                std::thread::sleep(poll);
                continue;
            }
            Err(e) => Ended::Unwaitable(e),
        };
        let _ = child.kill();
        let _ = child.wait();
        return ended;
    }
}

/// The last non-blank line of a helper's messages: where programs put the reason they stopped.
pub fn last_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn a_child_that_outlives_its_deadline_is_killed_and_reaped() {
        let mut child = Command::new("sleep").arg("30").spawn().expect("sleep runs");
        let started = Instant::now();
        let ended = wait(
            &mut child,
            Instant::now() + Duration::from_millis(50),
            Duration::from_millis(5),
            || false,
        );
        assert!(matches!(ended, Ended::TimedOut), "{ended:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(child.try_wait().expect("reaped").is_some());
    }

    #[test]
    fn output_and_status_reach_the_caller() {
        let mut child = Command::new("sh")
            .args([
                "-c",
                "echo out; echo first >&2; echo '  last  ' >&2; echo >&2; exit 3",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh runs");
        let out = read_all(child.stdout.take());
        let err = read_all(child.stderr.take());
        let ended = wait(
            &mut child,
            Instant::now() + Duration::from_secs(30),
            Duration::from_millis(5),
            || false,
        );
        let Ended::Exited(status) = ended else {
            panic!("{ended:?}");
        };
        assert_eq!(status.code(), Some(3));
        assert_eq!(text(Some(out)), "out\n");
        assert_eq!(last_line(&text(Some(err))), "last");
    }

    #[test]
    fn a_cancelled_wait_ends_at_once() {
        let mut child = Command::new("sleep").arg("30").spawn().expect("sleep runs");
        let ended = wait(
            &mut child,
            Instant::now() + Duration::from_secs(30),
            Duration::from_millis(5),
            || true,
        );
        assert!(matches!(ended, Ended::Cancelled), "{ended:?}");
    }
}
