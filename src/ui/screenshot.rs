//! Renders the kiosk window to PNG without a display: a software-rendered `MinimalSoftwareWindow`
//! platform and `Window::take_snapshot`. For page previews (`motcua screenshot`, [`screenshot`]),
//! the documentation and tests (the QR in a rendered frame must decode). PNG encoding is the
//! one thing here that is not Slint (the `png` crate, used by this module alone).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PlatformError, SharedString};

use super::run::{Attached, attach, shell_options};
use super::{
    HelpAdapter, HelpSignal, Kiosk as KioskGlobal, MainWindow, Page, SearchAdapter, UiError, pages,
};
use crate::app::kiosk::Kiosk;
use crate::app::usage::Recorder;

/// Every window gets its own software-rendered buffer; time is the real clock.
struct Headless;

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        let repaint = if PARTIAL.with(Cell::get) {
            RepaintBufferType::ReusedBuffer
        } else {
            RepaintBufferType::NewBuffer
        };
        let w = MinimalSoftwareWindow::new(repaint);
        LAST.with(|l| *l.borrow_mut() = Some(w.clone()));
        Ok(w)
    }
}

thread_local! {
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
    /// Windows made from now on keep their pixels between frames and redraw only what changed
    /// (as a kiosk on the software renderer does), drawn by [`draw_if_needed`].
    static PARTIAL: Cell<bool> = const { Cell::new(false) };
    /// The pixels [`draw_if_needed`] draws into, kept between frames for partial redraws.
    static PIXELS: std::cell::RefCell<Vec<slint::platform::software_renderer::Rgb565Pixel>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// The last window made, so benchmarks can ask whether anything needs redrawing.
    static LAST: std::cell::RefCell<Option<Rc<MinimalSoftwareWindow>>> =
        const { std::cell::RefCell::new(None) };
    /// The pixels the last [`draw_if_needed`] repainted.
    static REPAINTED: Cell<u64> = const { Cell::new(0) };
}

/// Draws the last headless window if something changed since it was last drawn; returns whether
/// it drew. Benchmarks use it to count redraws of an idle kiosk.
pub fn draw_if_needed() -> bool {
    LAST.with(|l| {
        let Some(w) = l.borrow().clone() else {
            return false;
        };
        w.draw_if_needed(|renderer| {
            let size = w.size();
            let (width, height) = (size.width as usize, size.height as usize);
            PIXELS.with(|p| {
                let mut buf = p.borrow_mut();
                buf.resize(width * height, Default::default());
                let region = renderer.render(&mut buf, width);
                let area = region
                    .iter()
                    .map(|(_, s)| u64::from(s.width) * u64::from(s.height))
                    .sum();
                REPAINTED.with(|r| r.set(area));
            });
        })
    })
}

/// How many pixels the last frame [`draw_if_needed`] drew repainted (what a partial redraw
/// costs).
pub fn last_repainted_pixels() -> u64 {
    REPAINTED.with(Cell::get)
}

/// Windows made after this call on this thread redraw only what changed between
/// [`draw_if_needed`] calls (benchmarks); screenshots want whole frames and leave it off.
pub fn use_partial_rendering(on: bool) {
    PARTIAL.with(|p| p.set(on));
}

/// Makes the headless platform Slint's platform on this thread (Slint keeps one per thread).
/// Fails when another platform (a real window, the test backend) already runs here.
pub fn init_headless() -> Result<(), UiError> {
    if INSTALLED.with(Cell::get) {
        return Ok(());
    }
    slint::platform::set_platform(Box::new(Headless)).map_err(|e| {
        UiError::Platform(format!(
            "{e}: a different Slint platform already runs on this thread"
        ))
    })?;
    INSTALLED.with(|i| i.set(true));
    Ok(())
}

/// A kiosk window under the headless platform, Vietnamese selected.
pub fn new_window() -> Result<MainWindow, UiError> {
    init_headless()?;
    let window = MainWindow::new().map_err(UiError::Create)?;
    // Bundled translations pick the system locale by default; the kiosk starts in Vietnamese.
    let _ = slint::select_bundled_translation("");
    Ok(window)
}

/// The window drawn at `size` (width, height in physical pixels, at the scale [`super::fit`]
/// chooses for it) as PNG bytes.
pub fn render(window: &MainWindow, size: (u32, u32)) -> Result<Vec<u8>, UiError> {
    let rgba = snapshot(window, size)?;
    encode_png(rgba.width(), rgba.height(), rgba.as_bytes())
}

/// The window drawn at `size` as RGBA pixels (for tests that look at pixels).
pub fn snapshot(
    window: &MainWindow,
    size: (u32, u32),
) -> Result<slint::SharedPixelBuffer<slint::Rgba8Pixel>, UiError> {
    let (width, height) = size;
    let w = window.window();
    super::fit::set_physical_size(window, width, height);
    window.show().map_err(|source| UiError::Render {
        width,
        height,
        source,
    })?;
    // Timers and change handlers (page switches, `changed` callbacks) run before drawing.
    slint::platform::update_timers_and_animations();
    w.take_snapshot().map_err(|source| UiError::Render {
        width,
        height,
        source,
    })
}

/// RGBA8 pixels, row after row, as PNG bytes.
pub fn encode_png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, UiError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(out)
}

/// The pages `motcua screenshot --page` knows.
pub const SHOT_PAGES: [&str; 15] = [
    "home",
    "search",
    "procedure",
    "browse",
    "hotlines",
    "guides",
    "guide",
    "staff-pin",
    "staff",
    "rating",
    "countdown",
    "help",
    "closed",
    "closed-dark",
    "attract",
];

/// Which page a screenshot shows, and with what.
#[derive(Debug, Clone)]
pub struct ShotOptions {
    /// One of [`SHOT_PAGES`].
    pub page: String,
    pub query: Option<String>,
    pub code: Option<String>,
    /// A field name or a life-event slug for the browse page.
    pub group: Option<String>,
    pub size: (u32, u32),
    pub language: Option<String>,
    pub large_text: bool,
    pub high_contrast: bool,
    /// Leave the on-screen keyboard closed on the search page.
    pub keyboard_closed: bool,
    /// The local time the header's clock shows instead of now (pictures that do not change
    /// with the day; the longest weekdays for layouts).
    pub at: Option<chrono::NaiveDateTime>,
}

impl Default for ShotOptions {
    /// The home page at 1920×1080 in the office's settings.
    fn default() -> Self {
        ShotOptions {
            page: "home".into(),
            query: None,
            code: None,
            group: None,
            size: (1920, 1080),
            language: None,
            large_text: false,
            high_contrast: false,
            keyboard_closed: false,
            at: None,
        }
    }
}

/// Renders one page of the kiosk on its real data to PNG, headless (software renderer).
pub fn screenshot(kiosk: Arc<Kiosk>, o: &ShotOptions) -> Result<Vec<u8>, UiError> {
    let w = new_window()?;
    let mut options = shell_options(&kiosk.shell_settings());
    if let Some(l) = &o.language {
        options.language = l.clone();
    }
    options.large_text |= o.large_text;
    options.high_contrast |= o.high_contrast;
    // A given time replaces the clock, which would otherwise set it again on its next tick.
    options.show_clock &= o.at.is_none();
    // Screenshots are not visits.
    let attached = attach(&w, kiosk.clone(), options, Arc::new(Recorder::new(false)));
    show_page(&attached, &w, &kiosk, o)?;
    if let Some(at) = o.at {
        let english = w.global::<KioskGlobal>().get_language() == "en";
        super::shell::show_clock(&w, &crate::app::screen::clock(&at.and_utc(), english));
    }
    render(&w, o.size)
}

/// Shows the page `o` names on a window bound to `kiosk` (from the home page), as
/// `motcua screenshot` and the layout tests see it.
pub fn show_page(
    attached: &Attached,
    w: &MainWindow,
    kiosk: &Kiosk,
    o: &ShotOptions,
) -> Result<(), UiError> {
    let ctx = attached.ctx.clone();
    let shell = ctx.shell.clone();
    shell.home();
    // The controls a kiosk with working sound and its configured printer shows (nothing is
    // probed or printed here).
    pages::aloud::preview(&ctx, w);
    match o.page.as_str() {
        "home" => {}
        "search" => {
            let q = o.query.clone().unwrap_or_else(|| "khai sinh".into());
            shell.navigate(Page::Search);
            w.global::<SearchAdapter>()
                .set_query(SharedString::from(q.as_str()));
            w.global::<SearchAdapter>()
                .set_keyboard_open(!o.keyboard_closed);
            attached.search_now();
        }
        "procedure" => {
            let code = o.code.clone().unwrap_or_else(|| "1.001193".into());
            attached.open_procedure(&code);
            if w.global::<KioskGlobal>().get_page() != Page::Procedure {
                return Err(UiError::Platform(format!(
                    "no procedure {code} in the data"
                )));
            }
        }
        "browse" => {
            shell.navigate(Page::Browse);
            if let Some(g) = &o.group {
                attached.open_group(g);
            }
        }
        "hotlines" => shell.navigate(Page::Hotlines),
        "guides" => shell.navigate(Page::Guides),
        "guide" => {
            let id = o
                .code
                .clone()
                .or_else(|| kiosk.guides().first().map(|g| g.id.clone()))
                .unwrap_or_default();
            attached.open_guide(&id);
        }
        "staff-pin" => shell.navigate(Page::Staff),
        "staff" => {
            // As after the right PIN, with the sticks the kiosk can see now.
            shell.navigate(Page::Staff);
            *ctx.usb.borrow_mut() = kiosk.usb_bundles();
            pages::staff::pin_checked(&ctx, w, &crate::app::staff::PinCheck::Granted);
        }
        "rating" => {
            pages::rating::show_rating(w);
            shell.navigate(Page::Rating);
        }
        "countdown" => {
            // The idle countdown over a procedure the visitor left.
            let code = o.code.clone().unwrap_or_else(|| "1.001193".into());
            attached.open_procedure(&code);
            let k = w.global::<KioskGlobal>();
            k.set_idle_seconds_left(
                i32::try_from(kiosk.shell_settings().idle.warning.as_secs()).unwrap_or(30),
            );
            k.set_idle_warning(true);
        }
        "attract" => {
            // The invitation screen over the untouched start screen, at the start of its path.
            let k = w.global::<KioskGlobal>();
            k.set_attract_step(0);
            k.set_attract(true);
        }
        "help" => {
            // "Gọi cán bộ hỗ trợ" pressed on a procedure, as answered once the office was told
            // (a screenshot signals nothing).
            let code = o.code.clone().unwrap_or_else(|| "1.001193".into());
            attached.open_procedure(&code);
            let h = w.global::<HelpAdapter>();
            h.set_open(true);
            h.set_signal(if kiosk.help_view().signals {
                HelpSignal::Sent
            } else {
                HelpSignal::None
            });
        }
        "closed" | "closed-dark" => {
            // The page stays as the preview set it; its once-a-second timer is not needed for
            // a still picture.
            drop(super::closed::preview(
                w,
                kiosk,
                shell.clone(),
                o.page == "closed-dark",
            ));
        }
        other => {
            return Err(UiError::Platform(format!(
                "unknown page `{other}` ({})",
                SHOT_PAGES.join(", ")
            )));
        }
    }
    Ok(())
}
