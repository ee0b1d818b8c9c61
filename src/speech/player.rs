//! Speaking out loud: a `Speaker` owns one background thread that synthesises a text piece by
//! piece (the engine runs one piece ahead of playback) and plays it through ALSA with `aplay`
//! (Debian's alsa-utils) on the configured device. `stop` kills the player process at once, so
//! the sound ends with it; volume is applied by scaling samples just before they are written,
//! a fraction of a second ahead of the device, so the on-screen buttons act quickly.

use std::collections::VecDeque;
use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::SpeechError;
use super::engine::Engine;
use super::wav::{self, Pcm};
use crate::child::{self, Ended};

/// The ALSA player from alsa-utils.
pub const PLAYER: &str = "aplay";
/// How far ahead of the device the samples are written: enough to ride out a busy moment on
/// two shared cores, short enough that a volume change is heard within half a second.
const LEAD: Duration = Duration::from_millis(350);
/// aplay's buffer, in microseconds. Smaller than LEAD so playback starts with the first write.
const BUFFER_US: &str = "250000";
/// One write: 50 ms of sound.
const BLOCK_SECONDS: f64 = 0.05;

/// What a speaker reports. `id` is the caller's number for the text.
#[derive(Debug, Clone, PartialEq)]
pub enum SpeechEvent {
    /// The first samples went to the device, `latency` after `say`.
    Started {
        id: u64,
        latency: Duration,
    },
    /// Everything was played.
    Finished {
        id: u64,
    },
    /// `stop` (or a newer `say`) ended it.
    Stopped {
        id: u64,
    },
    Failed {
        id: u64,
        message: String,
    },
}

type Sink = Arc<dyn Fn(SpeechEvent) + Send + Sync>;

struct Shared {
    /// Bumped by every `say` and `stop`: a session runs only while it holds the current number.
    generation: AtomicU64,
    volume: AtomicU8,
    player: Mutex<Option<Child>>,
}

impl Shared {
    fn kill_player(&self) {
        if let Ok(mut slot) = self.player.lock()
            && let Some(child) = slot.as_mut()
        {
            let _ = child.kill();
        }
    }
}

struct Job {
    generation: u64,
    id: u64,
    pieces: Vec<String>,
    asked: Instant,
}

pub struct Speaker {
    jobs: Option<Sender<Job>>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker")
            .field("volume", &self.volume())
            .finish()
    }
}

impl Speaker {
    /// Starts the speech thread. `device` is an ALSA PCM name as `aplay -L` lists it.
    pub fn new(
        engine: Engine,
        device: String,
        volume: u8,
        sink: impl Fn(SpeechEvent) + Send + Sync + 'static,
    ) -> Speaker {
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            volume: AtomicU8::new(volume.min(100)),
            player: Mutex::new(None),
        });
        let (tx, rx) = mpsc::channel();
        let sink: Sink = Arc::new(sink);
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("motcua-speech".into())
            .spawn(move || speech_loop(rx, s, engine, device, sink))
            .map_err(|e| tracing::error!("cannot start the speech thread: {e}"))
            .ok();
        Speaker {
            jobs: Some(tx),
            shared,
            thread,
        }
    }

    /// Says `pieces` (prepared text, see `prepare::utterances`), replacing anything being said.
    pub fn say(&self, id: u64, pieces: Vec<String>) {
        let generation = self.shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.shared.kill_player();
        let job = Job {
            generation,
            id,
            pieces,
            asked: Instant::now(),
        };
        if self.jobs.as_ref().is_none_or(|t| t.send(job).is_err()) {
            tracing::error!("the speech thread has stopped");
        }
    }

    /// Silence now: the player process is killed before this returns.
    pub fn stop(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.shared.kill_player();
    }

    /// 0–100 % of the engine's level; applies to what is being said within half a second.
    pub fn set_volume(&self, percent: u8) {
        self.shared
            .volume
            .store(percent.min(100), Ordering::Relaxed);
    }

    pub fn volume(&self) -> u8 {
        self.shared.volume.load(Ordering::Relaxed)
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.stop();
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn speech_loop(rx: Receiver<Job>, shared: Arc<Shared>, engine: Engine, device: String, sink: Sink) {
    while let Ok(mut job) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            job = newer;
        }
        if shared.generation.load(Ordering::SeqCst) != job.generation {
            sink(SpeechEvent::Stopped { id: job.id });
            continue;
        }
        let id = job.id;
        let generation = job.generation;
        let event = match Session::new(&shared, &engine, &device, &sink, job).run() {
            Ok(true) => SpeechEvent::Finished { id },
            Ok(false) | Err(SpeechError::Cancelled) => SpeechEvent::Stopped { id },
            // Stop kills the player mid-write: the broken pipe is the stop, not a failure.
            Err(_) if shared.generation.load(Ordering::SeqCst) != generation => {
                SpeechEvent::Stopped { id }
            }
            Err(e) => {
                tracing::warn!("speech: {e}");
                SpeechEvent::Failed {
                    id,
                    message: e.to_string(),
                }
            }
        };
        sink(event);
    }
}

struct Session<'a> {
    shared: &'a Arc<Shared>,
    engine: &'a Engine,
    device: &'a str,
    sink: &'a Sink,
    job: Job,
}

/// The player process while a session writes to it; killed and reaped however the session ends.
struct Playing<'a> {
    shared: &'a Shared,
    stdin: Option<ChildStdin>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    started: Instant,
    written: f64,
    rate: u32,
    channels: u16,
    buf: Vec<u8>,
}

impl Drop for Playing<'_> {
    fn drop(&mut self) {
        self.stdin.take();
        if let Ok(mut slot) = self.shared.player.lock()
            && let Some(mut child) = slot.take()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl<'a> Session<'a> {
    fn new(
        shared: &'a Arc<Shared>,
        engine: &'a Engine,
        device: &'a str,
        sink: &'a Sink,
        job: Job,
    ) -> Self {
        Session {
            shared,
            engine,
            device,
            sink,
            job,
        }
    }

    fn current(&self) -> bool {
        self.shared.generation.load(Ordering::SeqCst) == self.job.generation
    }

    /// `Ok(true)`: played to the end; `Ok(false)`: stopped.
    fn run(self) -> Result<bool, SpeechError> {
        let (tx, rx) = mpsc::sync_channel::<Result<Pcm, SpeechError>>(2);
        let synth = self.spawn_synthesis(tx);
        let result = self.play(rx);
        // The synthesis thread sees the generation change (or the closed channel) and ends.
        if let Some(t) = synth {
            let _ = t.join();
        }
        result
    }

    fn spawn_synthesis(&self, tx: SyncSender<Result<Pcm, SpeechError>>) -> Option<JoinHandle<()>> {
        let engine = self.engine.clone();
        let pieces = self.job.pieces.clone();
        let shared = self.shared.clone();
        let generation = self.job.generation;
        std::thread::Builder::new()
            .name("motcua-synth".into())
            .spawn(move || {
                let cancelled = || shared.generation.load(Ordering::SeqCst) != generation;
                for piece in pieces {
                    if cancelled() {
                        return;
                    }
                    let r = engine.synthesize(&piece, &cancelled);
                    let failed = r.is_err();
                    if tx.send(r).is_err() || failed {
                        return;
                    }
                }
            })
            .map_err(|e| tracing::error!("cannot start speech synthesis: {e}"))
            .ok()
    }

    fn play(&self, rx: Receiver<Result<Pcm, SpeechError>>) -> Result<bool, SpeechError> {
        let first = match rx.recv() {
            Ok(r) => r?,
            Err(_) => return Ok(self.current()),
        };
        if !self.current() {
            return Ok(false);
        }
        let mut playing = self.start_player(first.rate, first.channels)?;
        if !self.current() {
            return Ok(false);
        }
        let mut queue = VecDeque::from([first]);
        let mut first_write = true;
        loop {
            let Some(pcm) = queue.pop_front() else {
                match rx.try_recv() {
                    Ok(r) => {
                        let pcm = r?;
                        if (pcm.rate, pcm.channels) != (playing.rate, playing.channels) {
                            return Err(SpeechError::EngineOutput {
                                program: self.engine.command.first().cloned().unwrap_or_default(),
                                message: "the engine changed audio format mid-text".into(),
                            });
                        }
                        queue.push_back(pcm);
                    }
                    Err(TryRecvError::Empty) => {
                        // The engine is behind: keep the device fed with silence.
                        if !self.current() {
                            return Ok(false);
                        }
                        if playing.ahead() < LEAD.as_secs_f64() - BLOCK_SECONDS {
                            let frames = (playing.rate as f64 * BLOCK_SECONDS) as usize;
                            let silence = vec![0i16; frames * playing.channels as usize];
                            playing.write(&silence, 100)?;
                        } else {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                    Err(TryRecvError::Disconnected) => break,
                }
                continue;
            };
            let block = ((pcm.rate as f64 * BLOCK_SECONDS) as usize * pcm.channels as usize).max(2);
            for chunk in pcm.samples.chunks(block) {
                while playing.ahead() > LEAD.as_secs_f64() {
                    if !self.current() {
                        return Ok(false);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                if !self.current() {
                    return Ok(false);
                }
                playing.write(chunk, self.shared.volume.load(Ordering::Relaxed))?;
                if first_write {
                    first_write = false;
                    (self.sink)(SpeechEvent::Started {
                        id: self.job.id,
                        latency: self.job.asked.elapsed(),
                    });
                }
            }
        }
        playing.finish(|| self.current())
    }

    fn start_player(&self, rate: u32, channels: u16) -> Result<Playing<'a>, SpeechError> {
        let mut child = Command::new(PLAYER)
            .args(["-q", "-D", self.device, "-t", "raw", "-f", "S16_LE"])
            .args(["-r", &rate.to_string(), "-c", &channels.to_string()])
            .args(["-B", BUFFER_US])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SpeechError::PlayerStart {
                program: PLAYER.into(),
                source,
            })?;
        let stdin = child.stdin.take();
        let stderr = Some(child::read_all(child.stderr.take()));
        if let Ok(mut slot) = self.shared.player.lock() {
            *slot = Some(child);
        }
        Ok(Playing {
            shared: self.shared,
            stdin,
            stderr,
            started: Instant::now(),
            written: 0.0,
            rate,
            channels,
            buf: Vec::new(),
        })
    }
}

impl Playing<'_> {
    /// Seconds of sound written beyond what the device has played by the wall clock.
    fn ahead(&self) -> f64 {
        self.written - self.started.elapsed().as_secs_f64()
    }

    fn write(&mut self, samples: &[i16], volume: u8) -> Result<(), SpeechError> {
        wav::scale(samples, volume, &mut self.buf);
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.died());
        };
        if stdin.write_all(&self.buf).is_err() {
            return Err(self.died());
        }
        self.written += samples.len() as f64 / (self.rate as f64 * self.channels as f64);
        Ok(())
    }

    /// The player's own words for why it stopped reading.
    fn died(&mut self) -> SpeechError {
        self.stdin.take();
        if let Ok(mut slot) = self.shared.player.lock()
            && let Some(mut child) = slot.take()
        {
            let _ = child.wait();
        }
        let stderr = child::text(self.stderr.take());
        SpeechError::Playback {
            message: child::last_line(&stderr),
        }
    }

    /// Lets the device play what it holds, then reaps the player. `Ok(false)` when stopped.
    fn finish(mut self, current: impl Fn() -> bool) -> Result<bool, SpeechError> {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs_f64(self.ahead().max(0.0) + 3.0);
        loop {
            if !current() {
                return Ok(false);
            }
            let status = match self.shared.player.lock() {
                Ok(mut slot) => match slot.as_mut().map(|c| c.try_wait()) {
                    Some(Ok(Some(status))) => {
                        slot.take();
                        Some(status)
                    }
                    Some(Ok(None)) => None,
                    // Already reaped or unwaitable: nothing more to play.
                    _ => return Ok(current()),
                },
                Err(_) => return Ok(current()),
            };
            if let Some(status) = status {
                if status.success() {
                    return Ok(true);
                }
                if !current() {
                    return Ok(false);
                }
                let stderr = child::text(self.stderr.take());
                return Err(SpeechError::Playback {
                    message: format!("{status}: {}", child::last_line(&stderr)),
                });
            }
            if Instant::now() > deadline {
                return Err(SpeechError::Playback {
                    message: "the player did not finish".into(),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Plays a tenth of a second of silence on `device`: `Ok` when the device opens and accepts
/// sound. Bounded by `timeout`.
pub fn probe_output(device: &str, timeout: Duration) -> Result<(), SpeechError> {
    let mut child = Command::new(PLAYER)
        .args([
            "-q", "-D", device, "-t", "raw", "-f", "S16_LE", "-r", "22050", "-c", "1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SpeechError::PlayerStart {
            program: PLAYER.into(),
            source,
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&[0u8; 4410]);
    }
    let stderr = child::read_all(child.stderr.take());
    match child::wait(
        &mut child,
        Instant::now() + timeout,
        Duration::from_millis(10),
        || false,
    ) {
        Ended::Exited(status) if status.success() => Ok(()),
        Ended::Exited(_) => Err(SpeechError::NoDevice {
            device: device.to_string(),
            message: child::last_line(&child::text(Some(stderr))),
        }),
        Ended::TimedOut | Ended::Cancelled => Err(SpeechError::NoDevice {
            device: device.to_string(),
            message: format!("no answer within {} s", timeout.as_secs()),
        }),
        Ended::Unwaitable(e) => Err(SpeechError::NoDevice {
            device: device.to_string(),
            message: e.to_string(),
        }),
    }
}
