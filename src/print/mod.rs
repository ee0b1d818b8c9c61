//! Printed checklists: a receipt described as blocks (text, check boxes, rules, a QR code) is
//! laid out for 58 mm or 80 mm paper and drawn with the kiosk's own font into a 1-bit raster
//! (`render`), encoded as ESC/POS raster commands (`escpos`), and sent to a network printer
//! (TCP 9100), a USB printer device (/dev/usb/lp*) or a CUPS queue (`transport`), every step
//! bounded in time. Vietnamese is printed as an image because printers' Vietnamese code pages
//! differ by vendor. Nothing here knows procedures: `app` writes the receipt.

pub mod escpos;
pub mod render;
pub mod transport;

use std::path::PathBuf;

pub use render::{Bitmap, Block, Paper, Style};
pub use transport::Target;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("the receipt font cannot be read: {0}")]
    Font(String),
    #[error("cannot draw the QR code: {0}")]
    Qr(#[from] crate::qr::QrError),
    #[error("paper width {0} mm: expected 58 or 80")]
    Paper(u32),
    #[error(
        "printer `{target}`: expected tcp://HOST:PORT, a device path such as /dev/usb/lp0, or cups:QUEUE"
    )]
    Target { target: String },
    #[error("printer {target} is out of paper")]
    PaperOut { target: String },
    #[error("printer {target}: the cover is open")]
    CoverOpen { target: String },
    #[error("printer {target} is offline: {message}")]
    Offline { target: String, message: String },
    #[error("printer {target} did not answer within {seconds} s")]
    NotResponding { target: String, seconds: u64 },
    #[error("CUPS queue `{queue}`: {message}")]
    Cups { queue: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the PNG: {0}")]
    Png(String),
}

impl PrintError {
    /// Problems at the printer that staff must fix (paper, cover, power, cable): the kiosk
    /// disables its print button until the printer answers again.
    pub fn printer_unavailable(&self) -> bool {
        matches!(
            self,
            PrintError::PaperOut { .. }
                | PrintError::CoverOpen { .. }
                | PrintError::Offline { .. }
                | PrintError::NotResponding { .. }
                | PrintError::Cups { .. }
        )
    }
}
