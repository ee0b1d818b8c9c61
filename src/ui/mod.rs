//! The kiosk's window, the only module that uses slint. The `.slint` files in `ui/` are compiled
//! by `build.rs`; this module turns the plain `app::view` and domain records into the Slint
//! structs the pages show ([`procedure_item`], [`show_procedure`], …), draws QR codes
//! ([`qr_image`]), wires the shell behaviour that needs no data (navigation history, on-screen
//! keyboard, idle reset, language and display switches: [`shell`]) and renders pages to PNG
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
pub mod rating;
pub mod run;
pub mod screenshot;
pub mod search;
pub mod shell;
pub mod staff;

use std::ops::Range;

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, StyledText, VecModel};

use crate::app::view::{ChannelRow, DossierGroup, LegalRow, ProcedureRow, ProcedureView, StepRow};
use crate::domain::{FieldCount, Guide, Hotline, LifeEvent};

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

fn s(text: &str) -> SharedString {
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
        subtitle: s(&row.subtitle),
        online: row.online,
        has_detail: row.has_detail,
    }
}

/// Procedures without highlights (most used, browse lists).
pub fn procedure_items<'a>(
    rows: impl IntoIterator<Item = &'a ProcedureRow>,
) -> ModelRc<ProcedureItem> {
    model(rows.into_iter().map(|r| procedure_item(r, &[])).collect())
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn field_item(f: &FieldCount) -> GroupItem {
    GroupItem {
        key: s(&f.name),
        label: s(&f.name),
        count: count(f.count as usize),
        audience: SharedString::new(),
    }
}

/// A life event; the count is its resolved membership.
pub fn life_event_item(e: &LifeEvent) -> GroupItem {
    GroupItem {
        key: s(&e.slug),
        label: s(&e.label),
        count: count(e.codes.len()),
        audience: s(&e.audience),
    }
}

pub fn hotline_item(h: &Hotline) -> HotlineItem {
    HotlineItem {
        name: s(&h.name),
        number: s(&h.number),
        hours: s(&h.hours),
        purpose: s(&h.purpose),
        scope: s(&h.scope),
    }
}

/// The counters of the configuration, each with the data's own spelling of its fields (matched
/// ignoring case and diacritics, so a tap opens the field's list) and how many procedures each
/// has; a field the data does not know is shown as written, with no count.
pub fn counter_items(
    counters: &[crate::config::Counter],
    fields: &[FieldCount],
) -> ModelRc<CounterItem> {
    use crate::domain::text::fold;
    let mut sorted: Vec<&crate::config::Counter> = counters.iter().collect();
    sorted.sort_by_key(|c| c.number);
    model(
        sorted
            .into_iter()
            .map(|c| CounterItem {
                number: i32::try_from(c.number).unwrap_or(i32::MAX),
                location: s(&c.location),
                label: s(&c.label),
                fields: model(
                    c.fields
                        .iter()
                        .map(|f| {
                            let key = fold(f);
                            fields
                                .iter()
                                .find(|d| fold(&d.name) == key)
                                .map(field_item)
                                .unwrap_or_else(|| GroupItem {
                                    key: s(f),
                                    label: s(f),
                                    count: 0,
                                    audience: SharedString::new(),
                                })
                        })
                        .collect(),
                ),
            })
            .collect(),
    )
}

pub fn guide_item(g: &Guide) -> GuideItem {
    GuideItem {
        id: s(&g.id),
        title: s(&g.title),
        summary: s(&g.summary),
        step_count: count(g.steps.len()),
    }
}

/// A search filter chip.
pub fn filter_item(key: &str, label: &str, n: u32, selected: bool) -> FilterItem {
    FilterItem {
        key: s(key),
        label: s(label),
        count: count(n as usize),
        selected,
    }
}

fn channel_item(c: &ChannelRow) -> ChannelItem {
    ChannelItem {
        method: s(&c.method),
        method_key: s(&c.method_key),
        time: s(&c.time),
        fee: s(&c.fee),
        note: s(&c.note),
    }
}

/// `marks_optional`: the source tells required items from optional ones (some item is marked
/// required); when it does not, no item is labelled "Nếu có".
fn dossier_group_item(g: &DossierGroup, marks_optional: bool) -> DossierGroupItem {
    DossierGroupItem {
        title: s(&g.title),
        items: model(
            g.items
                .iter()
                .map(|i| DossierRowItem {
                    name: s(&i.name),
                    quantity: s(&i.quantity),
                    form: s(&i.form),
                    required: i.required || !marks_optional,
                })
                .collect(),
        ),
    }
}

fn step_item(st: &StepRow) -> StepItem {
    // "Bước 2" repeats the number drawn beside the step.
    let generic = crate::domain::text::fold(st.title.trim()) == format!("buoc {}", st.number);
    StepItem {
        number: count(st.number),
        title: if generic {
            SharedString::new()
        } else {
            s(&st.title)
        },
        text: s(&st.text),
    }
}

/// "2026-04-27" → "27/04/2026"; anything else as it is.
pub fn date_vi(iso: &str) -> String {
    let parts: Vec<&str> = iso.trim().split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

fn legal_item(l: &LegalRow) -> LegalItem {
    LegalItem {
        code: s(&l.code),
        title: s(&l.title),
    }
}

/// Fills the procedure page. `qr` is the code for `view.link` (see [`qr_image`]).
pub fn show_procedure(window: &MainWindow, view: &ProcedureView, qr: Image) {
    let a = window.global::<ProcedureAdapter>();
    a.set_code(s(&view.code));
    a.set_name(s(&view.name));
    a.set_fields(s(&view.fields));
    a.set_levels(s(&view.levels));
    a.set_agency(s(&view.agency));
    a.set_receiving_address(s(&view.receiving_address));
    a.set_subjects(s(&view.subjects));
    a.set_channels(model(view.channels.iter().map(channel_item).collect()));
    let marks_optional = view
        .dossier
        .iter()
        .flat_map(|g| &g.items)
        .any(|i| i.required);
    a.set_dossier(model(
        view.dossier
            .iter()
            .map(|g| dossier_group_item(g, marks_optional))
            .collect(),
    ));
    a.set_steps(model(view.steps.iter().map(step_item).collect()));
    a.set_requirements(s(&view.requirements));
    a.set_results(model(view.results.iter().map(|r| s(r)).collect()));
    a.set_legal(model(view.legal.iter().map(legal_item).collect()));
    a.set_other(model(
        view.other
            .iter()
            .map(|(title, text)| TextSection {
                title: s(title),
                text: s(text),
            })
            .collect(),
    ));
    a.set_fully_online(view.fully_online);
    a.set_has_detail(view.has_detail);
    a.set_qr(qr);
    a.set_link_verified(view.link.verified);
    a.set_link_url(s(&view.link.url));
    a.set_counter(s(view.counter.as_deref().unwrap_or_default()));
    a.set_updated(s(&date_vi(&view.updated)));
}

/// Fills the guide page. `qr` is the code for `guide.link`.
pub fn show_guide(window: &MainWindow, guide: &Guide, qr: Image) {
    let a = window.global::<GuidesAdapter>();
    a.set_current_title(s(&guide.title));
    a.set_current_summary(s(&guide.summary));
    a.set_current_steps(model(guide.steps.iter().map(|x| s(x)).collect()));
    a.set_current_link(s(&guide.link));
    a.set_current_qr(qr);
    a.set_current_source(s(&guide.source));
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
    fn dates_read_the_vietnamese_way() {
        assert_eq!(date_vi("2026-04-27"), "27/04/2026");
        assert_eq!(date_vi(""), "");
        assert_eq!(date_vi("tháng 4"), "tháng 4");
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
