//! The kiosk's window (the only module that uses slint).

slint::include_modules!();
