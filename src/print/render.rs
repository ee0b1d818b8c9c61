//! Receipt layout and drawing: blocks of text (wrapped to the paper), check boxes, dashed rules
//! and a QR code, drawn at the printer's 8 dots per millimetre with the kiosk's own font (Noto
//! Sans, embedded from `ui/fonts/`, which covers every Vietnamese letter) and thresholded to the
//! 1 bit a thermal head prints. Anti-aliased coverage is thresholded rather than dithered:
//! dithering text at 203 dpi makes its edges ragged, and a receipt holds nothing but text, lines
//! and a QR code.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

use super::PrintError;

/// Thermal printers print 203 dpi: 8 dots per millimetre.
pub const DOTS_PER_MM: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm roll: 48 mm printable, 384 dots.
    Mm58,
    /// 80 mm roll: 72 mm printable, 576 dots.
    Mm80,
}

impl Paper {
    pub fn from_mm(mm: u32) -> Result<Paper, PrintError> {
        match mm {
            58 => Ok(Paper::Mm58),
            80 => Ok(Paper::Mm80),
            other => Err(PrintError::Paper(other)),
        }
    }

    pub fn mm(self) -> u32 {
        match self {
            Paper::Mm58 => 58,
            Paper::Mm80 => 80,
        }
    }

    /// Printable width in dots (a multiple of 8, as raster commands need).
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Small,
    Body,
    Large,
    Title,
}

impl Size {
    /// ab_glyph's pixel height (ascent to descent) in dots.
    fn px(self) -> f32 {
        match self {
            Size::Small => 26.0,
            Size::Body => 31.0,
            Size::Large => 36.0,
            Size::Title => 42.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub size: Size,
    pub bold: bool,
    pub center: bool,
}

impl Style {
    pub const BODY: Style = Style {
        size: Size::Body,
        bold: false,
        center: false,
    };
    pub const SMALL: Style = Style {
        size: Size::Small,
        bold: false,
        center: false,
    };
    pub const HEADING: Style = Style {
        size: Size::Body,
        bold: true,
        center: false,
    };
}

/// One part of a receipt, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Wrapped to the paper's width.
    Text { text: String, style: Style },
    /// A box to tick, then the text, wrapped beside it.
    Check { text: String },
    /// A dashed line across.
    Rule,
    /// A QR code of `data`, centred, as large as fits up to 6 dots per module.
    Qr { data: String },
    /// Blank space, in dots.
    Gap(u32),
}

/// A 1-bit image: `width` is a multiple of 8; each row is `width / 8` bytes, most significant
/// bit first, 1 = black (the ESC/POS convention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl Bitmap {
    pub fn row_bytes(&self) -> usize {
        (self.width / 8) as usize
    }

    pub fn black(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.bits[y as usize * self.row_bytes() + (x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    /// Length on paper, in millimetres.
    pub fn length_mm(&self) -> f64 {
        self.height as f64 / DOTS_PER_MM as f64
    }

    /// 8-bit grey, 0 = black, 255 = white.
    pub fn to_luma(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity((self.width * self.height) as usize);
        for y in 0..self.height {
            for x in 0..self.width {
                out.push(if self.black(x, y) { 0 } else { 255 });
            }
        }
        out
    }

    /// A 1-bit greyscale PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, PrintError> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::One);
            let mut w = enc
                .write_header()
                .map_err(|e| PrintError::Png(e.to_string()))?;
            // PNG's 1-bit grey is 1 = white.
            let inverted: Vec<u8> = self.bits.iter().map(|b| !b).collect();
            w.write_image_data(&inverted)
                .map_err(|e| PrintError::Png(e.to_string()))?;
        }
        Ok(out)
    }
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> Result<&'static Fonts, PrintError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular =
                FontRef::try_from_slice(include_bytes!("../../ui/fonts/NotoSans-Regular.ttf"))
                    .map_err(|e| format!("NotoSans-Regular.ttf: {e}"))?;
            let bold = FontRef::try_from_slice(include_bytes!("../../ui/fonts/NotoSans-Bold.ttf"))
                .map_err(|e| format!("NotoSans-Bold.ttf: {e}"))?;
            Ok(Fonts { regular, bold })
        })
        .as_ref()
        .map_err(|e| PrintError::Font(e.clone()))
}

/// Ink coverage, 0–255, growing downwards as blocks are drawn.
struct Canvas {
    width: u32,
    ink: Vec<u8>,
}

impl Canvas {
    fn height(&self) -> u32 {
        (self.ink.len() / self.width as usize) as u32
    }

    fn ensure(&mut self, height: u32) {
        let want = (height * self.width) as usize;
        if self.ink.len() < want {
            self.ink.resize(want, 0);
        }
    }

    fn put(&mut self, x: i32, y: i32, coverage: f32) {
        if x < 0 || y < 0 || x as u32 >= self.width {
            return;
        }
        self.ensure(y as u32 + 1);
        let i = y as usize * self.width as usize + x as usize;
        let v = (coverage.clamp(0.0, 1.0) * 255.0) as u8;
        self.ink[i] = self.ink[i].max(v);
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for yy in y..y + h {
            for xx in x..(x + w).min(self.width) {
                self.put(xx as i32, yy as i32, 1.0);
            }
        }
    }

    fn into_bitmap(self, height: u32) -> Bitmap {
        let row_bytes = (self.width / 8) as usize;
        let mut bits = vec![0u8; row_bytes * height as usize];
        for y in 0..height.min(self.height()) {
            for x in 0..self.width {
                if self.ink[(y * self.width + x) as usize] >= 128 {
                    bits[y as usize * row_bytes + (x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        Bitmap {
            width: self.width,
            height,
            bits,
        }
    }
}

struct Pen<'a> {
    font: &'a FontRef<'static>,
    scale: PxScale,
}

impl Pen<'_> {
    fn new(fonts: &Fonts, style: Style) -> Pen<'_> {
        Pen {
            font: if style.bold {
                &fonts.bold
            } else {
                &fonts.regular
            },
            scale: PxScale::from(style.size.px()),
        }
    }

    fn line_height(&self) -> f32 {
        let s = self.font.as_scaled(self.scale);
        s.height() + s.line_gap()
    }

    fn width(&self, text: &str) -> f32 {
        let s = self.font.as_scaled(self.scale);
        let mut w = 0.0;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                w += s.kern(p, id);
            }
            w += s.h_advance(id);
            prev = Some(id);
        }
        w
    }

    fn draw(&self, canvas: &mut Canvas, x: f32, top: f32, text: &str) {
        let s = self.font.as_scaled(self.scale);
        let baseline = top + s.ascent();
        let mut x = x;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                x += s.kern(p, id);
            }
            let glyph = id.with_scale_and_position(self.scale, point(x, baseline));
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cov| {
                    canvas.put(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov)
                });
            }
            x += s.h_advance(id);
            prev = Some(id);
        }
    }

    /// Greedy word wrap; a word wider than the line is cut between letters.
    fn wrap(&self, text: &str, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.lines() {
            let mut line = String::new();
            // Only plain spaces break a line: a no-break space keeps "1 bản chính" together.
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if self.width(word) <= width {
                    line = word.to_string();
                } else {
                    for c in word.chars() {
                        let mut next = line.clone();
                        next.push(c);
                        if self.width(&next) > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            line.push(c);
                        } else {
                            line = next;
                        }
                    }
                }
            }
            if !line.is_empty() {
                lines.push(line);
            }
        }
        lines
    }
}

const MARGIN: u32 = 6;
const BOX: u32 = 22;
const BOX_GAP: u32 = 12;

/// Lays out and draws `blocks` on `paper`.
pub fn render(blocks: &[Block], paper: Paper) -> Result<Bitmap, PrintError> {
    let fonts = fonts()?;
    let width = paper.dots();
    let inner = (width - 2 * MARGIN) as f32;
    let mut canvas = Canvas {
        width,
        ink: Vec::new(),
    };
    let mut y: f32 = 8.0;
    for block in blocks {
        match block {
            Block::Text { text, style } => {
                let pen = Pen::new(fonts, *style);
                let lh = pen.line_height();
                for line in pen.wrap(text, inner) {
                    let x = if style.center {
                        MARGIN as f32 + ((inner - pen.width(&line)) / 2.0).max(0.0)
                    } else {
                        MARGIN as f32
                    };
                    pen.draw(&mut canvas, x, y, &line);
                    y += lh;
                }
                y += 4.0;
            }
            Block::Check { text } => {
                let pen = Pen::new(fonts, Style::BODY);
                let lh = pen.line_height();
                let x_text = (MARGIN + BOX + BOX_GAP) as f32;
                let top = y.round() as u32 + ((lh as u32).saturating_sub(BOX)) / 2;
                // The box: a 2-dot square outline.
                canvas.fill(MARGIN, top, BOX, 2);
                canvas.fill(MARGIN, top + BOX - 2, BOX, 2);
                canvas.fill(MARGIN, top, 2, BOX);
                canvas.fill(MARGIN + BOX - 2, top, 2, BOX);
                for line in pen.wrap(text, inner - x_text + MARGIN as f32) {
                    pen.draw(&mut canvas, x_text, y, &line);
                    y += lh;
                }
                y += 8.0;
            }
            Block::Rule => {
                y += 10.0;
                let mut x = MARGIN;
                while x < width - MARGIN {
                    canvas.fill(x, y as u32, 8.min(width - MARGIN - x), 2);
                    x += 12;
                }
                y += 14.0;
            }
            Block::Qr { data } => {
                let m = crate::qr::encode(data)?;
                let modules = (m.size + 2 * crate::qr::QUIET_ZONE) as u32;
                let scale = (inner as u32 / modules).clamp(1, 6);
                let side = modules * scale;
                let x0 = (width - side) / 2;
                let y0 = y.round() as u32;
                canvas.ensure(y0 + side);
                for my in 0..m.size {
                    for mx in 0..m.size {
                        if m.dark(mx, my) {
                            let q = crate::qr::QUIET_ZONE as u32;
                            canvas.fill(
                                x0 + (mx as u32 + q) * scale,
                                y0 + (my as u32 + q) * scale,
                                scale,
                                scale,
                            );
                        }
                    }
                }
                y += side as f32;
            }
            Block::Gap(dots) => y += *dots as f32,
        }
    }
    let height = y.ceil() as u32 + 16;
    canvas.ensure(height);
    Ok(canvas.into_bitmap(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_to_the_paper_and_the_png_is_one_bit() {
        let long = "Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng xác nhận về việc sinh";
        let blocks = vec![
            Block::Text {
                text: "Thủ tục đăng ký khai sinh".into(),
                style: Style::HEADING,
            },
            Block::Check { text: long.into() },
        ];
        let narrow = render(&blocks, Paper::Mm58).expect("58");
        let wide = render(&blocks, Paper::Mm80).expect("80");
        assert_eq!((narrow.width, wide.width), (384, 576));
        assert!(
            narrow.height > wide.height,
            "the same text takes more lines on 58 mm ({} vs {} dots)",
            narrow.height,
            wide.height
        );
        let ink = |b: &Bitmap| b.bits.iter().map(|x| x.count_ones()).sum::<u32>();
        assert!(ink(&narrow) > 1000, "text was drawn");
        // Nothing is drawn outside the margins.
        for y in 0..narrow.height {
            assert!(!narrow.black(0, y) && !narrow.black(383, y));
        }
        let png = narrow.to_png().expect("png");
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn paper_widths_are_the_two_roll_sizes() {
        assert_eq!(Paper::from_mm(58).expect("58").dots(), 384);
        assert!(Paper::from_mm(57).is_err());
    }
}
