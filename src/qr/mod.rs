//! QR codes for links citizens continue on their phones (the only module that uses `qrcode`).
//! Produces a plain module matrix; the `ui` module draws it at an integer scale with a 4-module
//! quiet zone so phone cameras read it from a screen.

use qrcode::{EcLevel, QrCode};

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("cannot make a QR code for `{text}`: {message}")]
    Encode { text: String, message: String },
}

/// A square QR matrix, row-major; `true` is a dark module. No quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub size: usize,
    pub modules: Vec<bool>,
}

impl QrMatrix {
    pub fn dark(&self, x: usize, y: usize) -> bool {
        self.modules
            .get(y * self.size + x)
            .copied()
            .unwrap_or(false)
    }
}

/// The quiet zone, in modules, every renderer must leave around the matrix.
pub const QUIET_ZONE: usize = 4;

/// Encodes a URL with medium error correction (a screen is clean; larger modules scan better).
pub fn encode(text: &str) -> Result<QrMatrix, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| {
        QrError::Encode {
            text: text.to_string(),
            message: e.to_string(),
        }
    })?;
    let size = code.width();
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(QrMatrix { size, modules })
}

/// Renders the matrix to 8-bit grey pixels at `scale` pixels per module with the quiet zone:
/// returns (side in pixels, pixels).
pub fn to_luma(m: &QrMatrix, scale: usize) -> (usize, Vec<u8>) {
    let scale = scale.max(1);
    let side = (m.size + 2 * QUIET_ZONE) * scale;
    let mut px = vec![255u8; side * side];
    for y in 0..m.size {
        for x in 0..m.size {
            if m.dark(x, y) {
                let (ox, oy) = ((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale);
                for dy in 0..scale {
                    let row = (oy + dy) * side;
                    px[row + ox..row + ox + scale].fill(0);
                }
            }
        }
    }
    (side, px)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portal_link_round_trips_through_a_decoder() {
        let url =
            "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7";
        let m = encode(url).expect("encode");
        assert!(m.size >= 21);
        let (side, px) = to_luma(&m, 6);
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| px[y * side + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decode");
        assert_eq!(content, url);
    }
}
