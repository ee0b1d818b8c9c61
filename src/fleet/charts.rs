//! The report's SVG charts: vertical day bars, horizontal bars and stacked rating bars, drawn
//! to a fixed width so the report needs no script or layout engine to look right.

use std::fmt::Write as _;

use super::html::{LEVELS, WIDTH, cut, date, esc, int, pct};

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v` (a chart's top).
pub(super) fn nice_max(v: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= v.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// Vertical bars, one per day, with a labelled value axis.
pub(super) fn day_bars(h: &mut String, days: &[String], values: &[u64]) {
    let (left, right, top, bottom, height) = (48.0, 8.0, 12.0, 30.0, 220.0);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let max = nice_max(values.iter().copied().max().unwrap_or(0));
    let n = days.len().max(1) as f64;
    let slot = plot_w / n;
    let _ = writeln!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"Lượt sử dụng theo ngày\">"
    );
    for i in 0..=4 {
        let v = max as f64 * f64::from(i) / 4.0;
        let y = top + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = writeln!(
            h,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>",
            WIDTH - right,
            left - 6.0,
            y + 4.0,
            int(v.round() as u64)
        );
    }
    let every = (days.len() as f64 / 12.0).ceil().max(1.0) as usize;
    for (i, (d, v)) in days.iter().zip(values).enumerate() {
        let x = left + slot * i as f64;
        let bh = plot_h * *v as f64 / max as f64;
        let _ = writeln!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" class=\"bar\"><title>{}: {} lượt</title></rect>",
            x + slot * 0.1,
            top + plot_h - bh,
            (slot * 0.8).max(0.5),
            esc(&date(d)),
            int(*v)
        );
        if slot >= 22.0 && *v > 0 {
            let _ = writeln!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"val\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                top + plot_h - bh - 3.0,
                int(*v)
            );
        }
        if i % every == 0 {
            let _ = writeln!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                height - 10.0,
                esc(d
                    .get(8..10)
                    .zip(d.get(5..7))
                    .map(|(dd, m)| format!("{dd}/{m}"))
                    .as_deref()
                    .unwrap_or(d))
            );
        }
    }
    h.push_str("</svg>\n");
}

/// White to blue, by the square root so quiet offices still show.
pub(super) fn heat(v: u64, max: u64) -> String {
    if v == 0 {
        return "#f1f5f9".into();
    }
    let t = (v as f64 / max as f64).sqrt();
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(219.0, 29.0),
        mix(234.0, 78.0),
        mix(254.0, 216.0)
    )
}

/// Horizontal bars with the label on the left and the count on the right.
pub(super) fn hbars(h: &mut String, rows: &[(String, String, u64)], aria: &str) {
    let (label_w, value_w, row_h) = (330.0, 70.0, 24.0);
    let plot_w = WIDTH - label_w - value_w;
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
    let height = row_h * rows.len() as f64 + 6.0;
    let _ = writeln!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-label=\"{}\">",
        esc(aria)
    );
    for (i, (label, tip, v)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 3.0;
        let w = plot_w * *v as f64 / max as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\" text-anchor=\"end\"><title>{}</title>{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"bar\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\">{}</text>",
            label_w - 8.0,
            y + row_h / 2.0 + 3.0,
            esc(tip),
            esc(&cut(label, 44)),
            y + 2.0,
            w.max(1.0),
            row_h - 6.0,
            esc(tip),
            int(*v),
            label_w + w + 6.0,
            y + row_h / 2.0 + 3.0,
            int(*v)
        );
    }
    h.push_str("</svg>\n");
}

/// 100% stacked bars of the four rating levels, one per row, with the number of ratings and
/// the "Không hài lòng" share after each.
pub(super) fn rating_bars(h: &mut String, rows: &[(String, String, [u64; 4])], aria: &str) {
    let (label_w, tail_w, row_h, legend_h) = (330.0, 170.0, 26.0, 26.0);
    let plot_w = WIDTH - label_w - tail_w;
    let height = legend_h + row_h * rows.len() as f64 + 4.0;
    let _ = writeln!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-label=\"{}\">",
        esc(aria)
    );
    let mut x = label_w;
    for (_, name, colour) in LEVELS {
        let _ = writeln!(
            h,
            "<rect x=\"{x:.1}\" y=\"6\" width=\"14\" height=\"14\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"18\" class=\"lbl\">{name}</text>",
            x + 19.0
        );
        x += 19.0 + name.chars().count() as f64 * 7.6 + 22.0;
    }
    let _ = writeln!(
        h,
        "<text x=\"{:.1}\" y=\"18\" class=\"axis\" text-anchor=\"end\">lượt · không hài lòng</text>",
        WIDTH - 4.0
    );
    for (i, (label, tip, r)) in rows.iter().enumerate() {
        let y = legend_h + row_h * i as f64;
        let total: u64 = r.iter().sum();
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\" text-anchor=\"end\"><title>{}</title>{}</text>",
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            esc(tip),
            esc(&cut(label, 44))
        );
        let mut x = label_w;
        for (level, name, colour) in LEVELS {
            if total == 0 || r[level] == 0 {
                continue;
            }
            let w = plot_w * r[level] as f64 / total as f64;
            let _ = writeln!(
                h,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{} · {name}: {} ({})</title></rect>",
                y + 2.0,
                row_h - 4.0,
                esc(tip),
                int(r[level]),
                pct(r[level], total)
            );
            if w >= 26.0 {
                let _ = writeln!(
                    h,
                    "<text x=\"{:.1}\" y=\"{:.1}\" class=\"{}\" text-anchor=\"middle\">{}</text>",
                    x + w / 2.0,
                    y + row_h / 2.0 + 4.0,
                    if level == 1 || level == 2 {
                        "val"
                    } else {
                        "val inv"
                    },
                    int(r[level])
                );
            }
            x += w;
        }
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\" text-anchor=\"end\">{} · {}</text>",
            WIDTH - 4.0,
            y + row_h / 2.0 + 4.0,
            int(total),
            pct(r[0], total)
        );
    }
    h.push_str("</svg>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_tops_are_round_numbers() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(13), 20);
        assert_eq!(nice_max(5000), 5000);
    }
}
