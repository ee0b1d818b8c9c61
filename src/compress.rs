//! Zstandard compression, the one module that calls the `zstd` crate: whole streams (the
//! repository's `.zst` files and the built-in bundle, read through `bundle::zst`) and small
//! records compressed one at a time against a dictionary trained on records of their kind (each
//! procedure in a content database, `store`). Every decompression is capped, so damaged or
//! hostile data cannot expand without limit.

use std::io::Read;

/// What went wrong; the caller adds which data it was.
#[derive(Debug, thiserror::Error)]
pub enum CompressError {
    #[error("not a zstd stream: {0}")]
    NotZstd(std::io::Error),
    #[error("damaged zstd data: {0}")]
    Damaged(std::io::Error),
    #[error("decompresses to more than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("cannot compress: {0}")]
    Encode(std::io::Error),
    #[error("cannot train a dictionary: {0}")]
    Train(std::io::Error),
}

/// Compresses a whole stream at `level` (1–22).
pub fn encode(bytes: &[u8], level: i32) -> Result<Vec<u8>, CompressError> {
    zstd::stream::encode_all(bytes, level).map_err(CompressError::Encode)
}

/// Decompresses a whole zstd stream of at most `cap` bytes once decompressed.
pub fn decode(compressed: &[u8], cap: u64) -> Result<Vec<u8>, CompressError> {
    let decoder = zstd::stream::read::Decoder::new(compressed).map_err(CompressError::NotZstd)?;
    let mut out = Vec::new();
    decoder
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(CompressError::Damaged)?;
    if out.len() as u64 > cap {
        return Err(CompressError::TooLarge { limit: cap });
    }
    Ok(out)
}

/// A dictionary of at most `max_bytes` trained on `samples` (records of one kind). Small records
/// compressed against it shrink several times more than each on its own, since what records
/// share (key names, the usual phrases) is in the dictionary instead of in every record. Fails
/// when the samples are too few or too small to learn from.
pub fn train<S: AsRef<[u8]>>(samples: &[S], max_bytes: usize) -> Result<Vec<u8>, CompressError> {
    zstd::dict::from_samples(samples, max_bytes).map_err(CompressError::Train)
}

/// Compresses records one at a time against a dictionary (or none), each into a frame of its
/// own that records its decompressed size.
pub struct RecordEncoder {
    inner: zstd::bulk::Compressor<'static>,
}

impl std::fmt::Debug for RecordEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordEncoder")
    }
}

impl RecordEncoder {
    /// `dictionary` empty: no dictionary.
    pub fn new(dictionary: &[u8], level: i32) -> Result<RecordEncoder, CompressError> {
        let inner = zstd::bulk::Compressor::with_dictionary(level, dictionary)
            .map_err(CompressError::Encode)?;
        Ok(RecordEncoder { inner })
    }

    pub fn encode(&mut self, record: &[u8]) -> Result<Vec<u8>, CompressError> {
        self.inner.compress(record).map_err(CompressError::Encode)
    }
}

/// Decompresses records written by a [`RecordEncoder`] with the same dictionary.
pub struct RecordDecoder {
    inner: zstd::bulk::Decompressor<'static>,
}

impl std::fmt::Debug for RecordDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordDecoder")
    }
}

impl RecordDecoder {
    /// `dictionary` empty: no dictionary. A dictionary that is not one fails here.
    pub fn new(dictionary: &[u8]) -> Result<RecordDecoder, CompressError> {
        let inner = zstd::bulk::Decompressor::with_dictionary(dictionary)
            .map_err(CompressError::Damaged)?;
        Ok(RecordDecoder { inner })
    }

    /// One record of at most `cap` bytes once decompressed.
    pub fn decode(&mut self, frame: &[u8], cap: usize) -> Result<Vec<u8>, CompressError> {
        match zstd::zstd_safe::get_frame_content_size(frame) {
            Ok(Some(n)) if n > cap as u64 => {
                return Err(CompressError::TooLarge { limit: cap as u64 });
            }
            Ok(_) => {}
            Err(_) => {
                return Err(CompressError::NotZstd(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "no zstd frame header",
                )));
            }
        }
        self.inner
            .decompress(frame, cap)
            .map_err(CompressError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_streams_round_trip_under_their_cap() {
        let text = "{\"code\": \"1.001193\"}\n".repeat(1000);
        let packed = encode(text.as_bytes(), 19).expect("compresses");
        assert!(packed.len() < text.len() / 10);
        assert_eq!(
            decode(&packed, text.len() as u64).expect("at the cap"),
            text.as_bytes()
        );
        assert!(matches!(
            decode(&packed, text.len() as u64 - 1),
            Err(CompressError::TooLarge { .. })
        ));
        assert!(matches!(
            decode(b"not zstd at all", 1024),
            Err(CompressError::NotZstd(_) | CompressError::Damaged(_))
        ));
    }

    fn records() -> Vec<Vec<u8>> {
        (0..400)
            .map(|i| {
                format!(
                    "{{\"code\":\"1.{i:06}\",\"name\":\"Cấp giấy phép số {i}\",\"fields\":[\"Hộ tịch\"],\
                     \"steps\":[{{\"title\":\"Bước {}\",\"text\":\"Nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả\"}}],\
                     \"fee\":\"{} đồng\"}}",
                    i % 7,
                    i * 1000
                )
                .into_bytes()
            })
            .collect()
    }

    #[test]
    fn records_compressed_against_a_trained_dictionary_are_smaller_and_round_trip() {
        let recs = records();
        let dict = train(&recs, 16 * 1024).expect("trains");
        let mut plain = RecordEncoder::new(&[], 3).expect("encoder");
        let mut with = RecordEncoder::new(&dict, 3).expect("encoder");
        let mut dec = RecordDecoder::new(&dict).expect("decoder");
        let (mut alone, mut shared) = (0, 0);
        for r in &recs {
            alone += plain.encode(r).expect("encodes").len();
            let frame = with.encode(r).expect("encodes");
            shared += frame.len();
            assert_eq!(&dec.decode(&frame, r.len()).expect("decodes"), r);
            assert!(matches!(
                dec.decode(&frame, r.len() - 1),
                Err(CompressError::TooLarge { .. })
            ));
        }
        assert!(shared * 2 < alone, "{shared} vs {alone} bytes");
        // Without the dictionary the frames cannot be read.
        let frame = with.encode(&recs[0]).expect("encodes");
        let mut none = RecordDecoder::new(&[]).expect("decoder");
        assert!(none.decode(&frame, 1 << 20).is_err());
        assert!(matches!(
            dec.decode(b"{\"not\":\"zstd\"}", 1 << 20),
            Err(CompressError::NotZstd(_))
        ));
        assert!(
            train(&recs[..1], 16 * 1024).is_err(),
            "one sample is too few"
        );
    }
}
