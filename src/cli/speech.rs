//! `speak`: what "Đọc to" says, as text, as a WAV file, or played on the sound device.

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use motcua::app::read_aloud;
use motcua::app::search::SearchRequest;
use motcua::speech::{self, Speaker, SpeechEvent, prepare};

use super::{Global, out};

#[derive(Args)]
pub struct SpeakArgs {
    /// A procedure code: what "Đọc to" says on its page.
    #[arg(long, conflicts_with = "query", required_unless_present = "query")]
    code: Option<String>,
    /// A search, as typed: what "Đọc to" says on the results (the first names).
    #[arg(long)]
    query: Option<String>,
    /// Write the speech to this WAV file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Play it on the sound device and report the time from the request to the first sound.
    #[arg(long)]
    play: bool,
    /// ALSA device for --play (default: `[speech] device`), e.g. "plughw:CARD=PCH,DEV=0".
    #[arg(long)]
    device: Option<String>,
    /// Print the text as prepared for the engine (the default without --out and --play).
    #[arg(long)]
    text: bool,
}

pub fn speak(g: &Global, a: &SpeakArgs) -> Result<()> {
    let k = g.kiosk()?;
    let script = match (&a.code, &a.query) {
        (Some(code), _) => k
            .read_aloud_script(code)?
            .with_context(|| format!("no procedure with code {code}"))?,
        (None, Some(q)) => {
            let r = k.search(&SearchRequest {
                text: q.clone(),
                limit: read_aloud::RESULTS_READ,
                ..Default::default()
            })?;
            let names: Vec<String> = r
                .results
                .procedures
                .iter()
                .map(|h| h.name.clone())
                .collect();
            read_aloud::results_script(&names, r.results.total)
        }
        (None, None) => bail!("give --code or --query"),
    };
    let cfg = &k.config().speech;
    let (engine, lexicon) = read_aloud::engine_and_lexicon(cfg);
    let pieces = speech::pieces(&script, &lexicon);
    let mut o = out();
    if a.text || (a.out.is_none() && !a.play) {
        for p in &pieces {
            writeln!(o, "{p}")?;
        }
    }
    if let Some(path) = &a.out {
        let pcm = engine.synthesize_all(&pieces)?;
        std::fs::write(path, pcm.to_wav())
            .with_context(|| format!("writing {}", path.display()))?;
        let syllables = prepare::syllables(&pieces.join(" "));
        writeln!(
            o,
            "wrote {}: {:.1} s, {syllables} syllables ({:.2} s each), {} Hz, RMS {:.3}",
            path.display(),
            pcm.seconds(),
            pcm.seconds() / syllables.max(1) as f64,
            pcm.rate,
            pcm.rms()
        )?;
    }
    if a.play {
        let device = a.device.clone().unwrap_or_else(|| cfg.device.clone());
        let (tx, rx) = mpsc::channel();
        let speaker = Speaker::new(engine, device.clone(), cfg.volume, move |e| {
            let _ = tx.send(e);
        });
        speaker.say(1, pieces);
        loop {
            match rx.recv_timeout(Duration::from_secs(120)) {
                Ok(SpeechEvent::Started { latency, .. }) => writeln!(
                    o,
                    "first sound on {device} {:.0} ms after the request",
                    latency.as_secs_f64() * 1000.0
                )?,
                Ok(SpeechEvent::Finished { .. }) => {
                    writeln!(o, "finished")?;
                    break;
                }
                Ok(SpeechEvent::Stopped { .. }) => break,
                Ok(SpeechEvent::Failed { message, .. }) => bail!("{message}"),
                Err(_) => bail!("no word from the speech thread for two minutes"),
            }
        }
    }
    Ok(())
}
