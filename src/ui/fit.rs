//! The window's scale factor from its size in physical pixels: the kiosk is designed at
//! 1920×1080 (landscape) and 1080×1920 (portrait) logical pixels. Bigger panels (2560×1440,
//! 3840×2160) show that design enlarged, so text and touch targets keep their physical size
//! on a panel of the same diagonal; smaller panels (1366×768, 1280×800, 1280×720, portrait
//! 768×1366) shrink it down to [`MIN_SCALE`] at most, which keeps the smallest touch target
//! (64 logical px) above 48 physical px and body text (24 logical px) above 19 px. Below that
//! the pages' own breakpoints take over (the compact header, the browse tabs, the procedure's
//! side column). Whatever the platform says (a HiDPI laptop, cage's output scale), the kiosk
//! sets its own scale so that every panel gets the same layout.

use slint::platform::WindowEvent;
use std::time::Duration;

use slint::{ComponentHandle, PhysicalSize, Timer};

use super::MainWindow;

/// The design size in landscape (width, height); portrait swaps it.
pub const DESIGN: (f32, f32) = (1920.0, 1080.0);

/// The smallest scale: 64 px touch targets stay ≥ 51 px, 24 px text ≥ 19 px.
pub const MIN_SCALE: f32 = 0.8;

/// The scale factor for a window of `width` × `height` physical pixels.
pub fn scale_for(width: u32, height: u32) -> f32 {
    if width == 0 || height == 0 {
        return 1.0;
    }
    let (w, h) = (width as f32, height as f32);
    let (dw, dh) = if h > w { (DESIGN.1, DESIGN.0) } else { DESIGN };
    // Quarter steps upward keep whole-pixel QR modules and crisp lines at the common sizes
    // (2560×1440 → 1.25 is not a quarter of 1.333, so it rounds down to fit).
    let s = (w / dw).min(h / dh);
    if s >= 1.0 {
        (s * 4.0).floor() / 4.0
    } else {
        s.max(MIN_SCALE)
    }
}

/// Gives `window` the scale factor its physical size calls for (a no-op when it has it).
///
/// A change asks for one more frame once the current event is handled. The window calls this
/// from its size's change handlers, which Slint runs while it draws a frame: the frame in
/// progress began at the old scale (measured under cage on a 1280×720 output: the page laid
/// out for 1600×900 logical pixels drawn at scale 1, its right column cut off), and the new
/// scale's own redraw request is lost in that draw, so without this the screen keeps the
/// mixed frame until something else changes.
pub fn apply(window: &MainWindow) {
    apply_for(window, window.window().size());
}

/// [`apply`] for the size the window is about to have (`size`, physical pixels).
pub fn apply_for(window: &MainWindow, size: PhysicalSize) {
    let w = window.window();
    let scale = scale_for(size.width, size.height);
    if (w.scale_factor() - scale).abs() <= 0.001 {
        return;
    }
    w.dispatch_event(WindowEvent::ScaleFactorChanged {
        scale_factor: scale,
    });
    w.dispatch_event(WindowEvent::Resized {
        size: size.to_logical(scale),
    });
    let weak = window.as_weak();
    Timer::single_shot(Duration::ZERO, move || {
        if let Some(w) = weak.upgrade() {
            w.window().request_redraw();
        }
    });
}

/// Sets the physical size of a headless window and then its scale factor.
pub fn set_physical_size(window: &MainWindow, width: u32, height: u32) {
    let w = window.window();
    let scale = scale_for(width, height);
    w.dispatch_event(WindowEvent::ScaleFactorChanged {
        scale_factor: scale,
    });
    w.set_size(PhysicalSize::new(width, height));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_panel_gets_a_scale_within_bounds() {
        assert_eq!(scale_for(1920, 1080), 1.0);
        assert_eq!(scale_for(1080, 1920), 1.0);
        assert_eq!(scale_for(3840, 2160), 2.0);
        assert_eq!(scale_for(2160, 3840), 2.0);
        assert_eq!(scale_for(2560, 1440), 1.25);
        assert_eq!(scale_for(1280, 720), MIN_SCALE);
        assert_eq!(scale_for(1366, 768), MIN_SCALE);
        assert_eq!(scale_for(768, 1366), MIN_SCALE);
        // A window between sizes keeps the design size rather than a fraction above 1.
        assert_eq!(scale_for(2000, 1200), 1.0);
        assert!((scale_for(1600, 900) - 0.8333).abs() < 0.001);
    }
}
