//! Read-aloud: Vietnamese text made ready for speech (`prepare`), a configured engine command
//! that turns it into a WAV (`engine`; espeak-ng by default), 16-bit PCM and WAV files (`wav`),
//! and playback through ALSA that stops at once, with volume applied to the samples (`player`).
//! Nothing here knows procedures or the window: `app` decides what to say and when.

pub mod engine;
pub mod numbers;
pub mod player;
pub mod prepare;
pub mod wav;

use std::path::PathBuf;

pub use engine::Engine;
pub use player::{Speaker, SpeechEvent};
pub use prepare::Lexicon;

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("no speech engine is configured (`[speech] engine` is empty)")]
    NoEngine,
    #[error(
        "cannot start the speech engine `{program}`: {source} (Debian: apt-get install espeak-ng, or see scripts/install-deps.sh)"
    )]
    EngineStart {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the speech engine `{program}` failed ({status}): {stderr}")]
    EngineFailed {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("the speech engine `{program}` took longer than {seconds} s and was stopped")]
    EngineTimeout { program: String, seconds: f64 },
    #[error("the speech engine `{program}` wrote no usable WAV: {message}")]
    EngineOutput { program: String, message: String },
    #[error(
        "cannot start the audio player `{program}`: {source} (Debian: apt-get install alsa-utils)"
    )]
    PlayerStart {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no sound device `{device}`: {message}")]
    NoDevice { device: String, message: String },
    #[error("playback stopped: {message}")]
    Playback { message: String },
    #[error("{path}, line {line}: {message}")]
    Lexicon {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cancelled")]
    Cancelled,
}

/// Paragraphs (a name, a sentence about the fee, one per document, ...) as the pieces an
/// engine synthesises one after another: each prepared for speech, then cut into utterances.
pub fn pieces(paragraphs: &[String], lexicon: &Lexicon) -> Vec<String> {
    paragraphs
        .iter()
        .map(|p| prepare::prepare(p, lexicon))
        .filter(|p| !p.is_empty())
        .flat_map(|p| prepare::utterances(&p))
        .collect()
}
