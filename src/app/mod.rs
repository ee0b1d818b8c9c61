//! The kiosk's behaviour without a window.

pub mod idle;
pub mod keyboard;
pub mod view;
