//! Read-aloud with the real engine and player: espeak-ng's Vietnamese voice speaks what the
//! kiosk prepared for a real procedure, aplay plays it through ALSA (the `file` PCM plugin
//! records what reached the device), stop silences it, volume scales it, and a missing device
//! or a hung engine is reported instead of waited for.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use motcua::app::read_aloud::{self, Availability, Voice, VoiceEvent};
use motcua::config;
use motcua::speech::{self, Engine, Lexicon, Speaker, SpeechError, SpeechEvent, prepare, wav};

use crate::common::{file_len, motcua, procedure};
use crate::support::{require, wait_for};

fn engine() -> Engine {
    require("espeak-ng", "espeak-ng");
    read_aloud::engine_and_lexicon(&config::Speech::default()).0
}

/// An ALSA device that writes what is played to `path` as raw samples.
fn file_device(path: &Path) -> String {
    require("aplay", "alsa-utils");
    format!("file:FILE={},FORMAT=raw", path.display())
}

fn samples(path: &Path) -> Vec<i16> {
    std::fs::read(path)
        .expect("read the played samples")
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

fn birth_registration() -> Vec<String> {
    let p = procedure("1.001193");
    speech::pieces(&read_aloud::procedure_script(&p, None), &Lexicon::builtin())
}

#[test]
fn espeak_ng_reads_birth_registration_at_a_speaking_rate() {
    let pieces = birth_registration();
    let text = pieces.join(" ");
    for expanded in [
        "Thủ tục đăng ký khai sinh.",
        "Mã thủ tục một chấm không không một một chín ba.",
        "một bản chính",
        "Hộ chiếu hoặc Thẻ căn cước công dân",
    ] {
        assert!(text.contains(expanded), "`{expanded}` in: {text}");
    }
    assert!(
        !text.chars().any(|c| c.is_ascii_digit() || c == '/'),
        "nothing left for the engine to guess: {text}"
    );
    let pcm = engine().synthesize_all(&pieces).expect("espeak-ng speaks");
    let syllables = prepare::syllables(&text);
    let per = pcm.seconds() / syllables as f64;
    assert!(
        (0.12..0.8).contains(&per),
        "{:.1} s for {syllables} syllables: {per:.3} s each",
        pcm.seconds()
    );
    assert!(pcm.rms() > 0.02, "not silent: RMS {:.4}", pcm.rms());
}

#[test]
fn abbreviations_in_a_real_name_are_read_in_full() {
    let p = procedure("1.001909");
    assert!(p.name.contains("BHYT"), "{}", p.name);
    let text = speech::pieces(std::slice::from_ref(&p.name), &Lexicon::builtin()).join(" ");
    assert!(text.contains("bảo hiểm y tế"), "{text}");
    assert!(text.contains("khám, chữa bệnh"), "{text}");
    assert!(!text.contains("BHYT"), "{text}");
}

#[test]
fn the_wav_is_what_sox_hears_and_an_out_file_engine_works_too() {
    require("sox", "sox");
    let dir = tempfile::tempdir().expect("tempdir");
    // The `{out}` form (how Piper is configured) with espeak-ng's `-w`.
    let file_engine = Engine::new(
        ["espeak-ng", "-v", "vi", "-w", "{out}"]
            .map(String::from)
            .to_vec(),
        Duration::from_secs(20),
    );
    engine();
    let pcm = file_engine
        .synthesize(
            "Thủ tục đăng ký khai sinh, mã thủ tục một chấm không không một một chín ba.",
            &(),
        )
        .expect("espeak-ng -w");
    let path = dir.path().join("speech.wav");
    std::fs::write(&path, pcm.to_wav()).expect("write wav");
    let out = Command::new("sox")
        .arg(&path)
        .args(["-n", "stat"])
        .output()
        .expect("run sox");
    let report = String::from_utf8_lossy(&out.stderr);
    let value = |label: &str| -> f64 {
        report
            .lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("sox stat has `{label}`: {report}"))
    };
    let seconds = value("Length (seconds)");
    let rms = value("RMS     amplitude");
    assert!(
        (seconds - pcm.seconds()).abs() < 0.01,
        "{seconds} vs {}",
        pcm.seconds()
    );
    assert!((rms - pcm.rms()).abs() < 0.005, "{rms} vs {}", pcm.rms());
    assert!(rms > 0.02, "sox hears sound: {report}");
}

fn events() -> (mpsc::Sender<SpeechEvent>, mpsc::Receiver<SpeechEvent>) {
    mpsc::channel()
}

fn next_event(rx: &mpsc::Receiver<SpeechEvent>) -> SpeechEvent {
    rx.recv_timeout(Duration::from_secs(60))
        .expect("a speech event within a minute")
}

#[test]
fn aplay_plays_it_all_and_stop_silences_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = engine();
    let pieces = birth_registration();
    let whole = engine.synthesize_all(&pieces).expect("synthesize");

    // A short text played to the end: every sample reaches the device.
    let short = vec![pieces[0].clone()];
    let short_pcm = engine.synthesize_all(&short).expect("synthesize");
    let out = dir.path().join("short.raw");
    let (tx, rx) = events();
    let speaker = Speaker::new(engine.clone(), file_device(&out), 100, move |e| {
        let _ = tx.send(e);
    });
    speaker.say(1, short);
    assert!(matches!(
        next_event(&rx),
        SpeechEvent::Started { id: 1, .. }
    ));
    assert_eq!(next_event(&rx), SpeechEvent::Finished { id: 1 });
    let played = samples(&out);
    assert!(
        played.len() >= short_pcm.samples.len(),
        "{} of {} samples played",
        played.len(),
        short_pcm.samples.len()
    );
    assert!(wav::rms(&played) > 0.02);

    // The whole procedure, stopped as soon as it is heard.
    let out = dir.path().join("long.raw");
    let (tx, rx) = events();
    let speaker = Speaker::new(engine, file_device(&out), 100, move |e| {
        let _ = tx.send(e);
    });
    speaker.say(2, pieces);
    assert!(matches!(
        next_event(&rx),
        SpeechEvent::Started { id: 2, .. }
    ));
    wait_for(
        "the first sound",
        Duration::from_secs(10),
        || (file_len(&out) > 0).then_some(()),
        || format!("events so far: {:?}", rx.try_iter().collect::<Vec<_>>()),
    );
    speaker.stop();
    assert_eq!(next_event(&rx), SpeechEvent::Stopped { id: 2 });
    let at_stop = file_len(&out);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(file_len(&out), at_stop, "nothing is played after stop");
    let whole_bytes = whole.samples.len() as u64 * 2;
    assert!(
        at_stop < whole_bytes / 4,
        "stopped early: {at_stop} of {whole_bytes} bytes played"
    );
}

#[test]
fn volume_scales_what_reaches_the_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = engine();
    let text = vec!["Thủ tục đăng ký khai sinh.".to_string()];
    let mut levels = Vec::new();
    for volume in [100u8, 50] {
        let out = dir.path().join(format!("v{volume}.raw"));
        let (tx, rx) = events();
        let speaker = Speaker::new(engine.clone(), file_device(&out), volume, move |e| {
            let _ = tx.send(e);
        });
        speaker.say(1, text.clone());
        loop {
            match next_event(&rx) {
                SpeechEvent::Finished { .. } => break,
                SpeechEvent::Failed { message, .. } => panic!("{message}"),
                _ => {}
            }
        }
        levels.push(wav::rms(&samples(&out)));
    }
    let ratio = levels[1] / levels[0];
    assert!(
        (0.47..0.53).contains(&ratio),
        "50 % volume gives {ratio:.3} of the level"
    );
}

fn voice_availability(device: &str) -> Availability {
    let cfg = config::Speech {
        device: device.to_string(),
        ..config::Speech::default()
    };
    let (tx, rx) = mpsc::channel();
    let voice = Voice::start(&cfg, move |e| {
        if let VoiceEvent::Availability(a) = e {
            let _ = tx.send(a);
        }
    });
    let a = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the probe answers");
    assert_eq!(
        voice.available() == Availability::Available,
        a == Availability::Available
    );
    a
}

#[test]
fn a_missing_sound_device_turns_read_aloud_off() {
    engine();
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        voice_availability(&file_device(&dir.path().join("probe.raw"))),
        Availability::Available
    );
    match voice_availability("hw:CARD=motcua_no_such_card") {
        Availability::Missing(reason) => {
            assert!(reason.contains("motcua_no_such_card"), "{reason}")
        }
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn a_hung_or_missing_engine_is_an_error_not_a_wait() {
    let hung = Engine::new(
        ["sleep", "30"].map(String::from).to_vec(),
        Duration::from_secs(1),
    );
    let e = hung
        .synthesize("Xin chào.", &())
        .expect_err("sleep writes no WAV");
    assert!(matches!(e, SpeechError::EngineTimeout { .. }), "{e}");
    let missing = Engine::new(vec!["motcua-no-such-engine".into()], Duration::from_secs(5));
    let e = missing
        .synthesize("Xin chào.", &())
        .expect_err("no such program");
    assert!(
        e.to_string().contains("espeak-ng"),
        "names the package: {e}"
    );
}

#[test]
fn motcua_speak_writes_what_the_button_says() {
    engine();
    let dir = tempfile::tempdir().expect("tempdir");
    let wav_path = dir.path().join("khai-sinh.wav");
    let out = motcua()
        .args(["speak", "--code", "1.001193", "--text", "--out"])
        .arg(&wav_path)
        .output()
        .expect("run motcua speak");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text: String = stdout
        .lines()
        .filter(|l| !l.starts_with("wrote "))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        text,
        birth_registration().join(" "),
        "the text the kiosk says"
    );
    let pcm = wav::parse(&std::fs::read(&wav_path).expect("the WAV exists")).expect("a WAV");
    let per = pcm.seconds() / prepare::syllables(&text) as f64;
    assert!((0.12..0.8).contains(&per), "{per:.3} s per syllable");
    assert!(pcm.rms() > 0.02, "RMS {:.4}", pcm.rms());
    assert!(stdout.contains("syllables"), "{stdout}");
}
