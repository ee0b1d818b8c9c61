//! Conversions from `app` views into the Slint structs the pages show: list models (refilled
//! in place so rows keep their elements), names with matched words in bold, QR matrices drawn
//! as images, and one function per item kind.

use std::ops::Range;

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, StyledText, VecModel};

use super::{FilterItem, GroupItem, GuideItem, HotlineItem, ProcedureItem};
use crate::app::screen::search::Chip;
use crate::app::screen::{GroupRow, GuideRow, HotlineRow, QrMatrix};
use crate::app::view::ProcedureRow;

/// A Slint list model from a vector.
pub fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// Puts `items` into the list a property already holds, row by row, so the rows on screen keep
/// their element instances (a new model on every keystroke would rebuild every result card);
/// a property without a [`VecModel`] of its own yet gets one through `set`.
pub fn refill<T: Clone + PartialEq + 'static>(
    current: ModelRc<T>,
    items: Vec<T>,
    set: impl FnOnce(ModelRc<T>),
) {
    use slint::Model;
    let Some(rows) = current.as_any().downcast_ref::<VecModel<T>>() else {
        set(model(items));
        return;
    };
    let n = items.len();
    for (i, item) in items.into_iter().enumerate() {
        if i < rows.row_count() {
            // An unchanged row is left alone: typing one more letter often keeps the top hits.
            if rows.row_data(i).as_ref() != Some(&item) {
                rows.set_row_data(i, item);
            }
        } else {
            rows.push(item);
        }
    }
    while rows.row_count() > n {
        rows.remove(rows.row_count() - 1);
    }
}

pub fn s(text: &str) -> SharedString {
    SharedString::from(text)
}

/// CommonMark source for `text` with the byte `ranges` in bold: every ASCII punctuation mark is
/// escaped so a name can never turn into a list, a link or a heading. Ranges are clamped to char
/// boundaries, merged, and trimmed to start and end on a letter or digit (so `**` always opens
/// and closes, even inside a word).
pub fn highlight_markdown(text: &str, ranges: &[Range<usize>]) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let mut spans: Vec<Range<usize>> = ranges
        .iter()
        .filter_map(|r| {
            let mut start = r.start.min(text.len());
            let mut end = r.end.min(text.len());
            while start < end && !text.is_char_boundary(start) {
                start += 1;
            }
            while end > start && !text.is_char_boundary(end) {
                end -= 1;
            }
            let inner = &text[start..end];
            let lead = inner.len()
                - inner
                    .trim_start_matches(|c: char| !c.is_alphanumeric())
                    .len();
            let trail = inner.len() - inner.trim_end_matches(|c: char| !c.is_alphanumeric()).len();
            (lead + trail < inner.len()).then(|| start + lead..end - trail)
        })
        .collect();
    spans.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for r in spans {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut out = String::with_capacity(text.len() + merged.len() * 4 + 8);
    let mut bounds = merged.iter().flat_map(|r| [r.start, r.end]).peekable();
    for (i, c) in text.char_indices() {
        while bounds.peek() == Some(&i) {
            out.push_str("**");
            bounds.next();
        }
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    if bounds.next().is_some() {
        out.push_str("**");
    }
    out
}

/// A name with its matched words in bold, for `StyledText`.
pub fn styled_name(text: &str, ranges: &[Range<usize>]) -> StyledText {
    if ranges.is_empty() {
        return StyledText::from_plain_text(text);
    }
    StyledText::from_markdown(&highlight_markdown(text, ranges))
        .unwrap_or_else(|_| StyledText::from_plain_text(text))
}

/// A procedure in a list; `highlights` are byte ranges of `row.name` to show in bold.
pub fn procedure_item(row: &ProcedureRow, highlights: &[Range<usize>]) -> ProcedureItem {
    ProcedureItem {
        code: s(&row.code),
        name: s(&row.name),
        title: styled_name(&row.name, highlights),
        short_name: s(&crate::app::view::tile_name(&row.name)),
        subtitle: s(&row.subtitle),
        subtitle_en: s(&row.subtitle_en),
        online: row.online,
        has_detail: row.has_detail,
        answer: SharedString::new(),
        answer_en: SharedString::new(),
        section: SharedString::new(),
        other_provinces: 0,
        recent: row.recent,
    }
}

/// Procedures without highlights (most used, browse lists).
pub fn procedure_items<'a>(
    rows: impl IntoIterator<Item = &'a ProcedureRow>,
) -> ModelRc<ProcedureItem> {
    model(rows.into_iter().map(|r| procedure_item(r, &[])).collect())
}

/// A count as Slint's `int`.
pub fn int<T: TryInto<i32>>(n: T) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

pub fn group_item(g: &GroupRow) -> GroupItem {
    GroupItem {
        key: s(&g.key),
        label: s(&g.label),
        count: int(g.count),
        audience: s(&g.audience),
    }
}

pub fn group_items(rows: &[GroupRow]) -> ModelRc<GroupItem> {
    model(rows.iter().map(group_item).collect())
}

pub fn hotline_item(h: &HotlineRow) -> HotlineItem {
    HotlineItem {
        name: s(&h.name),
        number: s(&h.number),
        hours: s(&h.hours),
        purpose: s(&h.purpose),
        scope: s(&h.scope),
    }
}

pub fn guide_item(g: &GuideRow) -> GuideItem {
    GuideItem {
        id: s(&g.id),
        title: s(&g.title),
        summary: s(&g.summary),
        step_count: int(g.step_count),
    }
}

/// A search filter chip.
pub fn filter_item(c: &Chip) -> FilterItem {
    FilterItem {
        key: s(&c.key),
        label: s(&c.label),
        count: int(c.count),
        selected: c.selected,
    }
}

/// The image for a QR code, or an empty image when there is none.
pub fn qr(m: Option<&QrMatrix>) -> Image {
    m.map(|m| qr_image(m.size, &m.modules, 1))
        .unwrap_or_default()
}

/// The quiet zone around a QR code, in modules (ISO/IEC 18004 asks for 4).
pub const QR_QUIET_ZONE: usize = 4;

/// A QR matrix (`size`×`size`, row-major, `true` = dark; missing modules are light) as an
/// image at `pixels_per_module` whole pixels per module with a 4-module white quiet zone. The
/// `QrView` component enlarges it by a whole number again with `image-rendering: pixelated`.
pub fn qr_image(size: usize, modules: &[bool], pixels_per_module: u32) -> Image {
    let ppm = pixels_per_module.max(1) as usize;
    let side = (size + 2 * QR_QUIET_ZONE) * ppm;
    let side_px = u32::try_from(side).unwrap_or(0);
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side_px, side_px);
    let pixels = buffer.make_mut_slice();
    pixels.fill(Rgb8Pixel::new(255, 255, 255));
    for y in 0..size {
        for x in 0..size {
            if !modules.get(y * size + x).copied().unwrap_or(false) {
                continue;
            }
            let (px, py) = ((x + QR_QUIET_ZONE) * ppm, (y + QR_QUIET_ZONE) * ppm);
            for row in py..py + ppm {
                pixels[row * side + px..row * side + px + ppm].fill(Rgb8Pixel::new(0, 0, 0));
            }
        }
    }
    Image::from_rgb8(buffer)
}

#[cfg(test)]
// One-element range slices are exactly what the highlighter takes.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn highlights_become_bold_runs() {
        let name = "Thủ tục đăng ký khai sinh";
        let at = name.find("khai").unwrap_or(0);
        assert_eq!(
            highlight_markdown(name, &[at..at + "khai sinh".len()]),
            "Thủ tục đăng ký **khai sinh**"
        );
        // Adjacent and overlapping ranges merge; ranges outside the text are ignored.
        assert_eq!(
            highlight_markdown("abc def", &[0..2, 1..3, 50..60]),
            "**abc** def"
        );
        // Inside a word.
        assert_eq!(
            highlight_markdown("đăngký", &[0.."đăng".len()]),
            "**đăng**ký"
        );
    }

    #[test]
    fn names_cannot_become_markdown() {
        assert_eq!(
            highlight_markdown("1. Cấp (lại) *giấy* #2 <b>", &[]),
            r"1\. Cấp \(lại\) \*giấy\* \#2 \<b\>"
        );
        // A highlight that starts on punctuation is trimmed to the letters.
        assert_eq!(
            highlight_markdown("(khai) sinh", &[0..6]),
            r"\(**khai**\) sinh"
        );
        // Ranges off char boundaries are moved onto them.
        let t = "đăng ký";
        assert_eq!(highlight_markdown(t, &[1..t.len()]), "đ**ăng ký**");
    }

    #[test]
    fn styled_names_parse() {
        let name = "Đăng ký thường trú (Cấp xã) - 1.004222";
        let st = styled_name(name, &[0..name.len()]);
        assert_ne!(st, StyledText::default());
    }

    #[test]
    fn qr_images_have_a_quiet_zone_and_whole_pixels() {
        // A 2×2 "matrix": dark on the diagonal.
        let img = qr_image(2, &[true, false, false, true], 3);
        let side = (2 + 2 * QR_QUIET_ZONE) * 3;
        assert_eq!(
            (img.size().width, img.size().height),
            (side as u32, side as u32)
        );
        let buf = img.to_rgb8().expect("rgb8 image");
        let px = |x: usize, y: usize| buf.as_slice()[y * side + x];
        let q = QR_QUIET_ZONE * 3;
        assert_eq!(px(0, 0), Rgb8Pixel::new(255, 255, 255));
        assert_eq!(px(q, q), Rgb8Pixel::new(0, 0, 0));
        assert_eq!(px(q + 2, q + 2), Rgb8Pixel::new(0, 0, 0));
        assert_eq!(px(q + 3, q), Rgb8Pixel::new(255, 255, 255));
        assert_eq!(px(q + 3, q + 3), Rgb8Pixel::new(0, 0, 0));
    }
}
