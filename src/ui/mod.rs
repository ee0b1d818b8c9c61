//! The kiosk's window, the only module that uses slint; it imports nothing of the crate but
//! `app`. The `.slint` files in `ui/` are compiled by `build.rs`. `app` builds every screen as
//! a view; this module copies views into the pages' adapters ([`pages`], through [`convert`]),
//! wires the shell behaviour that needs no data (navigation history, on-screen keyboard, idle
//! reset, language and display switches: [`shell`]), runs the kiosk with its worker threads
//! ([`run`], with the shared state and worker events in [`context`]) and renders pages to PNG
//! without a display ([`screenshot`]).

// The generated code needs these.
#[allow(
    unsafe_code,
    missing_docs,
    clippy::all,
    clippy::unwrap_used,
    clippy::todo,
    clippy::dbg_macro
)]
mod generated {
    slint::include_modules!();
}
pub use generated::*;

pub mod bench;
pub mod closed;
mod context;
pub mod convert;
pub mod fit;
mod output;
pub mod pages;
pub mod run;
pub mod screenshot;
pub mod session;
pub mod shell;
pub mod soak;

pub use convert::{QR_QUIET_ZONE, highlight_markdown, qr_image, styled_name};
pub use pages::procedure::show_procedure;

/// What can go wrong when the window is made or rendered.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("cannot start the headless renderer: {0}")]
    Platform(String),
    #[error("cannot create the kiosk window: {0}")]
    Create(#[source] slint::PlatformError),
    #[error("cannot render the kiosk window at {width}×{height}: {source}")]
    Render {
        width: u32,
        height: u32,
        #[source]
        source: slint::PlatformError,
    },
    #[error("cannot encode the screenshot as PNG: {0}")]
    Png(#[from] png::EncodingError),
}
