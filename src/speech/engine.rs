//! The speech engine: a configured command that reads UTF-8 text on its standard input and
//! writes a WAV, to the file named by a `{out}` argument or, without one, to its standard output.
//! espeak-ng (`espeak-ng -v vi --stdout`) is the Debian default; an office can plug in Piper or
//! another voice without a rebuild. Each run is bounded in time and can be cancelled at once.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::SpeechError;
use super::wav::{self, Pcm};
use crate::child::{self, Ended};

/// The placeholder for the WAV path in an engine command.
pub const OUT: &str = "{out}";

#[derive(Debug, Clone)]
pub struct Engine {
    pub command: Vec<String>,
    pub timeout: Duration,
}

/// Answers "should this run stop now?"; checked every few milliseconds while an engine runs.
pub trait Cancel {
    fn cancelled(&self) -> bool;
}

impl Cancel for () {
    fn cancelled(&self) -> bool {
        false
    }
}

impl<F: Fn() -> bool> Cancel for F {
    fn cancelled(&self) -> bool {
        self()
    }
}

fn temp_wav() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "motcua-speech-{}-{}.wav",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Removes the engine's output file however the run ends.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Engine {
    pub fn new(command: Vec<String>, timeout: Duration) -> Engine {
        Engine { command, timeout }
    }

    fn program(&self) -> &str {
        self.command.first().map(String::as_str).unwrap_or("")
    }

    /// Synthesises `text`. `cancel` stops the engine within a few milliseconds.
    pub fn synthesize(&self, text: &str, cancel: &dyn Cancel) -> Result<Pcm, SpeechError> {
        let Some((program, args)) = self.command.split_first() else {
            return Err(SpeechError::NoEngine);
        };
        let out_file = self.command.iter().any(|a| a.contains(OUT)).then(temp_wav);
        let _cleanup = TempFile(out_file.clone());
        let args: Vec<String> = args
            .iter()
            .map(|a| match &out_file {
                Some(p) => a.replace(OUT, &p.to_string_lossy()),
                None => a.clone(),
            })
            .collect();
        let mut child = Command::new(program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(if out_file.is_some() {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SpeechError::EngineStart {
                program: program.clone(),
                source,
            })?;
        let stdout = child::read_all(child.stdout.take());
        let stderr = child::read_all(child.stderr.take());
        if let Some(mut stdin) = child.stdin.take() {
            // Pieces are a few hundred bytes: far below a pipe's buffer, so this never blocks
            // on an engine that does not read.
            let _ = stdin.write_all(text.as_bytes());
        }
        let status = self.wait(&mut child, cancel)?;
        let err_text = child::text(Some(stderr));
        let out = stdout.join().unwrap_or_default();
        if !status.success() {
            return Err(SpeechError::EngineFailed {
                program: self.program().to_string(),
                status: status.to_string(),
                stderr: child::last_line(&err_text),
            });
        }
        let bytes = match &out_file {
            Some(p) => std::fs::read(p).map_err(|source| SpeechError::Io {
                path: p.clone(),
                source,
            })?,
            None => out,
        };
        wav::parse(&bytes).map_err(|message| SpeechError::EngineOutput {
            program: self.program().to_string(),
            message,
        })
    }

    fn wait(
        &self,
        child: &mut Child,
        cancel: &dyn Cancel,
    ) -> Result<std::process::ExitStatus, SpeechError> {
        let deadline = Instant::now() + self.timeout;
        match child::wait(child, deadline, Duration::from_millis(4), || {
            cancel.cancelled()
        }) {
            Ended::Exited(status) => Ok(status),
            Ended::Cancelled => Err(SpeechError::Cancelled),
            Ended::TimedOut => Err(SpeechError::EngineTimeout {
                program: self.program().to_string(),
                seconds: self.timeout.as_secs_f64(),
            }),
            Ended::Unwaitable(source) => Err(SpeechError::EngineStart {
                program: self.program().to_string(),
                source,
            }),
        }
    }

    /// Synthesises every piece and joins them: what the kiosk would say, as one recording.
    pub fn synthesize_all(&self, pieces: &[String]) -> Result<Pcm, SpeechError> {
        let mut all = Pcm::default();
        for p in pieces {
            let pcm = self.synthesize(p, &())?;
            all.append(&pcm)
                .map_err(|message| SpeechError::EngineOutput {
                    program: self.program().to_string(),
                    message,
                })?;
        }
        Ok(all)
    }
}
