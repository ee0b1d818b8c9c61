//! ESC/POS, the command language of receipt printers (Epson's, followed by nearly every thermal
//! printer): initialise, the image as raster bit-image commands (`GS v 0`) in bands, feed and
//! cut; and the real-time status queries (`DLE EOT`) that tell paper-out and offline apart.

use super::render::Bitmap;

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;

/// Rows per `GS v 0` command: small enough for the input buffer of cheap printers.
pub const BAND_ROWS: u32 = 256;

/// The whole job: `ESC @`, the image in bands, `ESC d 3` (feed three lines) and, when `cut`,
/// `GS V 66 0` (feed to the cutter and cut partially).
pub fn encode(image: &Bitmap, cut: bool) -> Vec<u8> {
    let row_bytes = image.row_bytes();
    let mut out = Vec::with_capacity(image.bits.len() + 64);
    out.extend_from_slice(&[ESC, b'@']);
    let mut y = 0;
    while y < image.height {
        let rows = BAND_ROWS.min(image.height - y);
        let xb = row_bytes as u16;
        out.extend_from_slice(&[GS, b'v', b'0', 0]);
        out.extend_from_slice(&xb.to_le_bytes());
        out.extend_from_slice(&(rows as u16).to_le_bytes());
        let start = y as usize * row_bytes;
        out.extend_from_slice(&image.bits[start..start + rows as usize * row_bytes]);
        y += rows;
    }
    out.extend_from_slice(&[ESC, b'd', 3]);
    if cut {
        out.extend_from_slice(&[GS, b'V', 66, 0]);
    }
    out
}

/// `DLE EOT 1` (printer status) then `DLE EOT 4` (paper roll sensor): the printer answers one
/// byte to each.
pub const STATUS_QUERY: [u8; 6] = [DLE, EOT, 1, DLE, EOT, 4];

/// What the two status bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ready,
    /// Paper is low but printing works.
    PaperNearEnd,
    PaperOut,
    Offline,
}

/// A status byte always has bit 1 and bit 4 set and bits 0 and 7 clear.
fn valid(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

/// Reads the answers to `STATUS_QUERY`; `None` when they are not status bytes.
pub fn parse_status(printer: u8, paper: u8) -> Option<Status> {
    if !valid(printer) || !valid(paper) {
        return None;
    }
    Some(if paper & 0b0110_0000 != 0 {
        Status::PaperOut
    } else if printer & 0b0000_1000 != 0 {
        Status::Offline
    } else if paper & 0b0000_1100 != 0 {
        Status::PaperNearEnd
    } else {
        Status::Ready
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bytes_as_epson_documents_them() {
        assert_eq!(parse_status(0x12, 0x12), Some(Status::Ready));
        assert_eq!(parse_status(0x12, 0x72), Some(Status::PaperOut));
        assert_eq!(parse_status(0x1A, 0x12), Some(Status::Offline));
        assert_eq!(parse_status(0x12, 0x1E), Some(Status::PaperNearEnd));
        assert_eq!(parse_status(0x00, 0x12), None);
    }

    #[test]
    fn images_go_in_bands_with_their_sizes() {
        let img = Bitmap {
            width: 16,
            height: 300,
            bits: vec![0xAA; 2 * 300],
        };
        let bytes = encode(&img, true);
        assert_eq!(&bytes[..2], &[ESC, b'@']);
        // First band: 256 rows of 2 bytes.
        assert_eq!(&bytes[2..10], &[GS, b'v', b'0', 0, 2, 0, 0, 1]);
        let second = 10 + 512;
        assert_eq!(
            &bytes[second..second + 8],
            &[GS, b'v', b'0', 0, 2, 0, 44, 0]
        );
        assert!(bytes.ends_with(&[GS, b'V', 66, 0]));
    }
}
