//! 16-bit PCM audio and the WAV container: reading what an engine writes (including espeak-ng's
//! streaming header, whose sizes are placeholders), writing WAV files, loudness (RMS) and the
//! volume applied by scaling samples, so no mixer control is needed on the kiosk.

/// Signed 16-bit samples, interleaved when there are several channels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pcm {
    pub rate: u32,
    pub channels: u16,
    pub samples: Vec<i16>,
}

impl Pcm {
    pub fn seconds(&self) -> f64 {
        if self.rate == 0 || self.channels == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / (self.rate as f64 * self.channels as f64)
    }

    /// Root mean square of the samples, 0.0 (silence) to 1.0 (full scale).
    pub fn rms(&self) -> f64 {
        rms(&self.samples)
    }

    /// Appends `other`, which must have the same format.
    pub fn append(&mut self, other: &Pcm) -> Result<(), String> {
        if self.samples.is_empty() && self.rate == 0 {
            *self = other.clone();
            return Ok(());
        }
        if (self.rate, self.channels) != (other.rate, other.channels) {
            return Err(format!(
                "the engine changed format mid-text ({} Hz × {} → {} Hz × {})",
                self.rate, self.channels, other.rate, other.channels
            ));
        }
        self.samples.extend_from_slice(&other.samples);
        Ok(())
    }

    pub fn to_wav(&self) -> Vec<u8> {
        let data_len = (self.samples.len() * 2) as u32;
        let block_align = self.channels * 2;
        let mut out = Vec::with_capacity(44 + data_len as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.rate.to_le_bytes());
        out.extend_from_slice(&(self.rate * block_align as u32).to_le_bytes());
        out.extend_from_slice(&block_align.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }
}

pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| (s as f64) * (s as f64)).sum();
    (sum / samples.len() as f64).sqrt() / 32768.0
}

/// Samples scaled to `percent` of their level (100 = as the engine made them).
pub fn scale(samples: &[i16], percent: u8, out: &mut Vec<u8>) {
    let f = percent.min(100) as i32;
    out.clear();
    out.reserve(samples.len() * 2);
    for &s in samples {
        let v = (s as i32 * f / 100) as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads a 16-bit PCM WAV. A `data` size larger than what follows (a streaming writer's
/// placeholder) means "to the end".
pub fn parse(bytes: &[u8]) -> Result<Pcm, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(format!(
            "not a WAV file ({} bytes, starts with {:?})",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(4)])
        ));
    }
    let mut at = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32_at(bytes, at + 4).unwrap_or(0) as usize;
        let body = at + 8;
        if id == b"fmt " {
            let tag = u16_at(bytes, body).ok_or("short fmt chunk")?;
            let channels = u16_at(bytes, body + 2).ok_or("short fmt chunk")?;
            let rate = u32_at(bytes, body + 4).ok_or("short fmt chunk")?;
            let bits = u16_at(bytes, body + 14).ok_or("short fmt chunk")?;
            format = Some((tag, channels, rate, bits));
        } else if id == b"data" {
            let Some((tag, channels, rate, bits)) = format else {
                return Err("WAV data before its format".into());
            };
            // 1 = PCM, 0xFFFE = extensible (Piper and sox write it for mono 16-bit too).
            if !(tag == 1 || tag == 0xFFFE) || bits != 16 || channels == 0 || rate == 0 {
                return Err(format!(
                    "unsupported WAV format (tag {tag:#x}, {bits} bits, {channels} channels, {rate} Hz): 16-bit PCM expected"
                ));
            }
            let end = body.saturating_add(len).min(bytes.len());
            let data = &bytes[body..end];
            let samples = data
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            return Ok(Pcm {
                rate,
                channels,
                samples,
            });
        }
        at = body.saturating_add(len + (len & 1));
    }
    Err("WAV file without a data chunk".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_round_trips_and_streaming_sizes_are_read_to_the_end() {
        let pcm = Pcm {
            rate: 22050,
            channels: 1,
            samples: vec![0, 1000, -1000, 32767, -32768],
        };
        let mut bytes = pcm.to_wav();
        assert_eq!(parse(&bytes).expect("parse"), pcm);
        // espeak-ng --stdout writes 0x7ffff000 as the data size.
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        assert_eq!(parse(&bytes).expect("parse").samples.len(), 5);
        assert!(parse(b"ID3 not a wav").is_err());
    }

    #[test]
    fn volume_scales_loudness() {
        let s: Vec<i16> = (0..1000).map(|i| ((i % 50) as i16 - 25) * 400).collect();
        let mut half = Vec::new();
        scale(&s, 50, &mut half);
        let half: Vec<i16> = half
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let ratio = rms(&half) / rms(&s);
        assert!((ratio - 0.5).abs() < 0.01, "{ratio}");
    }
}
