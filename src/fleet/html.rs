//! The fleet report as one HTML file: inline CSS and inline SVG charts, no script, no font, no
//! image and no link to fetch, so it opens the same from a USB stick on an offline machine. All
//! text from exports (queries, office names, reasons) is escaped: it was typed by citizens.

use std::fmt::Write as _;

use super::charts::{day_bars, hbars, heat, rating_bars};
use super::merge::{Fleet, KioskUsage, QueryCount};

/// Rating levels from the best down, with their Vietnamese labels and chart colours.
pub(super) const LEVELS: [(usize, &str, &str); 4] = [
    (3, "Rất hài lòng", "#15803d"),
    (2, "Hài lòng", "#4ade80"),
    (1, "Bình thường", "#fbbf24"),
    (0, "Không hài lòng", "#dc2626"),
];

pub(super) const WIDTH: f64 = 1040.0;
const TOP_SEARCHES: usize = 20;
const ZERO_ROWS: usize = 60;
const PROCEDURE_ROWS: usize = 20;

/// Escapes text for HTML and SVG content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// 1234567 → "1.234.567" (Vietnamese digit grouping).
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push('.');
        }
        o.push(c);
    }
    o
}

/// A share as a Vietnamese percentage ("12,5%"); "–" when there is nothing to divide.
pub fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    format!("{p:.1}%").replace('.', ",")
}

/// YYYY-MM-DD… → DD/MM/YYYY.
pub(super) fn date(d: &str) -> String {
    match (d.get(0..4), d.get(5..7), d.get(8..10)) {
        (Some(y), Some(m), Some(dd)) => format!("{dd}/{m}/{y}"),
        _ => d.to_string(),
    }
}

/// An RFC 3339 time as "DD/MM/YYYY HH:MM".
fn time(t: &str) -> String {
    match t.get(11..16) {
        Some(hm) => format!("{} {hm}", date(t)),
        None => date(t),
    }
}

pub(super) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut o: String = s.chars().take(max.saturating_sub(1)).collect();
        o.push('…');
        o
    }
}

/// A kiosk's name in charts: the office, and the kiosk id when two kiosks share an office.
fn kiosk_label(fleet: &Fleet, k: &KioskUsage) -> String {
    let shared = fleet
        .kiosks
        .iter()
        .filter(|o| o.kiosk.office == k.kiosk.office)
        .count()
        > 1;
    if shared {
        format!("{} ({})", k.kiosk.office, short_id(&k.kiosk.id))
    } else {
        k.kiosk.office.clone()
    }
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Renders the report. `names` gives a procedure's name from its code when the local data has
/// it; `generated` is the time shown as the report's date.
pub fn render(fleet: &Fleet, names: &dyn Fn(&str) -> Option<String>, generated: &str) -> String {
    let mut h = String::new();
    let province = most_common(fleet.kiosks.iter().map(|k| k.kiosk.province.as_str()));
    let title = if province.is_empty() {
        "Báo cáo sử dụng kiosk tra cứu thủ tục hành chính".to_string()
    } else {
        format!("Báo cáo sử dụng kiosk tra cứu thủ tục hành chính – {province}")
    };
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let period = match (fleet.days.first(), fleet.days.last()) {
        (Some(a), Some(b)) => format!("Từ {} đến {}", date(a), date(b)),
        _ => "Chưa có lượt sử dụng nào".into(),
    };
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} · {} kiosk, {} bản xuất dữ liệu · lập lúc {}</p>",
        esc(&period),
        fleet.kiosks.len(),
        fleet.exports_read,
        esc(&time(generated))
    );
    summary(&mut h, fleet);
    skipped(&mut h, fleet);
    visits(&mut h, fleet);
    kiosk_table(&mut h, fleet);
    top_searches(&mut h, fleet);
    zero_results(&mut h, fleet);
    ratings_by_office(&mut h, fleet);
    ratings_by_procedure(&mut h, fleet, names);
    data_versions(&mut h, fleet);
    h.push_str(FOOTER);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn most_common<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in it.filter(|s| !s.trim().is_empty()) {
        *counts.entry(s).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.to_string())
        .unwrap_or_default()
}

fn summary(h: &mut String, fleet: &Fleet) {
    let r = fleet.ratings();
    let rated: u64 = r.iter().sum();
    let cards = [
        ("Kiosk", fleet.kiosks.len().to_string(), String::new()),
        ("Lượt sử dụng", int(fleet.visits()), String::new()),
        ("Lượt tìm kiếm", int(fleet.searches_total()), String::new()),
        (
            "Tìm không thấy",
            pct(fleet.zero_result_total(), fleet.searches_total()),
            format!("{} lượt", int(fleet.zero_result_total())),
        ),
        ("Lượt đánh giá", int(rated), String::new()),
        ("Hài lòng trở lên", pct(r[2] + r[3], rated), String::new()),
        (
            "Không hài lòng",
            pct(r[0], rated),
            format!("{} lượt", int(r[0])),
        ),
    ];
    h.push_str("<div class=\"cards\">\n");
    for (label, value, sub) in cards {
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"sub\">{}</div></div>",
            esc(label),
            esc(&value),
            esc(&sub)
        );
    }
    h.push_str("</div>\n");
}

fn skipped(h: &mut String, fleet: &Fleet) {
    if fleet.skipped.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section class=\"warn\"><h2>Bỏ qua {} bản xuất không đọc được</h2>\n\
         <p>Không có số liệu nào của các bản xuất này được cộng vào báo cáo.</p><ul>",
        fleet.skipped.len()
    );
    for s in &fleet.skipped {
        let _ = writeln!(
            h,
            "<li><code>{}</code>: {}</li>",
            esc(&s.path.display().to_string()),
            esc(&s.reason)
        );
    }
    h.push_str("</ul></section>\n");
}

fn visits(h: &mut String, fleet: &Fleet) {
    h.push_str("<section><h2>Lượt sử dụng theo ngày</h2>\n");
    if fleet.days.is_empty() {
        h.push_str("<p class=\"empty\">Chưa có lượt sử dụng nào.</p></section>\n");
        return;
    }
    let totals: Vec<u64> = fleet
        .days
        .iter()
        .map(|d| {
            fleet
                .kiosks
                .iter()
                .map(|k| k.visits_by_day.get(d).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    h.push_str("<h3>Toàn tỉnh</h3>\n");
    day_bars(h, &fleet.days, &totals);
    h.push_str("<h3>Theo từng đơn vị</h3>\n");
    heatmap(h, fleet);
    h.push_str("</section>\n");
}

/// One row per kiosk, one cell per day, darker for more visits; the row's total at the end.
fn heatmap(h: &mut String, fleet: &Fleet) {
    let (label_w, total_w, row_h, top) = (280.0, 70.0, 24.0, 4.0);
    let plot_w = WIDTH - label_w - total_w;
    let cell = plot_w / fleet.days.len().max(1) as f64;
    let height = top + row_h * fleet.kiosks.len() as f64 + 4.0;
    let max = fleet
        .kiosks
        .iter()
        .flat_map(|k| k.visits_by_day.values())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = writeln!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-label=\"Lượt sử dụng theo ngày của từng đơn vị\">"
    );
    for (r, k) in fleet.kiosks.iter().enumerate() {
        let y = top + row_h * r as f64;
        let label = kiosk_label(fleet, k);
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\" text-anchor=\"end\"><title>{}</title>{}</text>",
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            esc(&label),
            esc(&cut(&label, 38))
        );
        for (i, d) in fleet.days.iter().enumerate() {
            let v = k.visits_by_day.get(d).copied().unwrap_or(0);
            let x = label_w + cell * i as f64;
            let _ = writeln!(
                h,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} · {}: {} lượt</title></rect>",
                y + 1.0,
                (cell - 1.0).max(0.5),
                row_h - 2.0,
                heat(v, max),
                esc(&label),
                esc(&date(d)),
                int(v)
            );
            if cell >= 22.0 && v > 0 {
                let _ = writeln!(
                    h,
                    "<text x=\"{:.1}\" y=\"{:.1}\" class=\"{}\" text-anchor=\"middle\">{}</text>",
                    x + cell / 2.0,
                    y + row_h / 2.0 + 4.0,
                    if v * 2 > max { "val inv" } else { "val" },
                    int(v)
                );
            }
        }
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl total\" text-anchor=\"end\">{}</text>",
            WIDTH - 4.0,
            y + row_h / 2.0 + 4.0,
            int(k.visits)
        );
    }
    h.push_str("</svg>\n");
}

fn kiosk_table(h: &mut String, fleet: &Fleet) {
    h.push_str(
        "<section><h2>Theo từng kiosk</h2>\n<table>\n<thead><tr><th>Đơn vị</th><th>Kiosk</th>\
         <th class=\"num\">Lượt sử dụng</th><th class=\"num\">Tìm kiếm</th>\
         <th class=\"num\">Tìm không thấy</th><th class=\"num\">Xem thủ tục</th>\
         <th class=\"num\">Đánh giá</th><th class=\"num\">Hài lòng trở lên</th>\
         <th class=\"num\">Không hài lòng</th></tr></thead>\n<tbody>\n",
    );
    for k in &fleet.kiosks {
        let rated = k.rated();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&k.kiosk.office),
            esc(short_id(&k.kiosk.id)),
            int(k.visits),
            int(k.searches),
            pct(k.zero_result_searches, k.searches),
            int(k.views),
            int(rated),
            pct(k.ratings[2] + k.ratings[3], rated),
            pct(k.ratings[0], rated)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn top_searches(h: &mut String, fleet: &Fleet) {
    let _ = writeln!(
        h,
        "<section><h2>Tìm kiếm nhiều nhất</h2>\n<p class=\"note\">{} lượt tìm kiếm, {} cụm từ khác nhau; {} cụm từ nhiều nhất trên toàn tỉnh.</p>",
        int(fleet.searches_total()),
        int(fleet.searches.len() as u64),
        TOP_SEARCHES.min(fleet.searches.len())
    );
    if fleet.searches.is_empty() {
        h.push_str("<p class=\"empty\">Chưa có lượt tìm kiếm nào.</p></section>\n");
        return;
    }
    let rows: Vec<(String, String, u64)> = fleet
        .searches
        .iter()
        .take(TOP_SEARCHES)
        .map(|q| {
            (
                q.query.clone(),
                format!("{} (ở {} kiosk)", q.query, q.kiosks),
                q.count,
            )
        })
        .collect();
    hbars(h, &rows, "Tìm kiếm nhiều nhất");
    h.push_str("</section>\n");
}

fn zero_results(h: &mut String, fleet: &Fleet) {
    let _ = writeln!(
        h,
        "<section><h2>Tìm không thấy kết quả</h2>\n<p class=\"note\">Những cụm từ người dân đã gõ mà \
         kiosk không tìm thấy thủ tục nào, nhiều nhất trước: mỗi cụm từ là một ứng viên cho danh \
         sách từ đồng nghĩa (synonyms.tsv) của gói dữ liệu. {} lượt, {} cụm từ.</p>",
        int(fleet.zero_result_total()),
        int(fleet.zero_result.len() as u64)
    );
    if fleet.zero_result.is_empty() {
        h.push_str(
            "<p class=\"empty\">Không có lượt tìm kiếm nào không ra kết quả.</p></section>\n",
        );
        return;
    }
    let max = fleet.zero_result[0].count.max(1);
    h.push_str(
        "<table>\n<thead><tr><th class=\"num\">#</th><th>Cụm từ</th><th class=\"num\">Số lượt</th>\
         <th></th><th class=\"num\">Số kiosk</th><th>Lần cuối</th></tr></thead>\n<tbody>\n",
    );
    for (i, q) in fleet.zero_result.iter().take(ZERO_ROWS).enumerate() {
        zero_row(h, i, q, max);
    }
    h.push_str("</tbody></table>\n");
    if fleet.zero_result.len() > ZERO_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">… và {} cụm từ khác, mỗi cụm ít lượt hơn.</p>",
            int((fleet.zero_result.len() - ZERO_ROWS) as u64)
        );
    }
    h.push_str("</section>\n");
}

fn zero_row(h: &mut String, i: usize, q: &QueryCount, max: u64) {
    let _ = writeln!(
        h,
        "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>\
         <td class=\"barcell\"><svg viewBox=\"0 0 200 12\" width=\"200\" height=\"12\"><rect width=\"{:.1}\" height=\"12\" class=\"bar zero\"/></svg></td>\
         <td class=\"num\">{}</td><td>{}</td></tr>",
        i + 1,
        esc(&q.query),
        int(q.count),
        (200.0 * q.count as f64 / max as f64).max(1.0),
        q.kiosks,
        esc(&date(&q.last_day))
    );
}

fn ratings_by_office(h: &mut String, fleet: &Fleet) {
    h.push_str("<section><h2>Mức độ hài lòng theo đơn vị</h2>\n");
    let rows: Vec<(String, String, [u64; 4])> = fleet
        .kiosks
        .iter()
        .filter(|k| k.rated() > 0)
        .map(|k| {
            let l = kiosk_label(fleet, k);
            (l.clone(), l, k.ratings)
        })
        .collect();
    if rows.is_empty() {
        h.push_str("<p class=\"empty\">Chưa có lượt đánh giá nào.</p></section>\n");
        return;
    }
    rating_bars(h, &rows, "Mức độ hài lòng theo đơn vị");
    let mut reasons: std::collections::BTreeMap<&str, u64> = Default::default();
    for k in &fleet.kiosks {
        for (r, n) in &k.reasons {
            *reasons.entry(r.as_str()).or_default() += n;
        }
    }
    if !reasons.is_empty() {
        let mut v: Vec<(&str, u64)> = reasons.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        h.push_str("<h3>Lý do không hài lòng</h3>\n<ul class=\"reasons\">\n");
        for (r, n) in v {
            let _ = writeln!(h, "<li>{}: <b>{}</b></li>", esc(r), int(n));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

fn ratings_by_procedure(h: &mut String, fleet: &Fleet, names: &dyn Fn(&str) -> Option<String>) {
    let _ = writeln!(
        h,
        "<section><h2>Mức độ hài lòng theo thủ tục</h2>\n<p class=\"note\">Đánh giá gửi sau khi xem \
         một thủ tục; {} thủ tục được đánh giá nhiều nhất.</p>",
        PROCEDURE_ROWS.min(fleet.ratings_by_procedure.len())
    );
    if fleet.ratings_by_procedure.is_empty() {
        h.push_str("<p class=\"empty\">Chưa có đánh giá nào gắn với thủ tục.</p></section>\n");
        return;
    }
    let rows: Vec<(String, String, [u64; 4])> = fleet
        .ratings_by_procedure
        .iter()
        .take(PROCEDURE_ROWS)
        .map(|(code, r)| match names(code) {
            Some(name) => (format!("{code} {name}"), format!("{code} – {name}"), *r),
            None => (code.clone(), code.clone(), *r),
        })
        .collect();
    rating_bars(h, &rows, "Mức độ hài lòng theo thủ tục");
    h.push_str("</section>\n");
}

fn data_versions(h: &mut String, fleet: &Fleet) {
    let newest = fleet.newest_data_version();
    h.push_str(
        "<section><h2>Phiên bản dữ liệu theo kiosk</h2>\n<p class=\"note\">Khi xuất số liệu. Kiosk \
         chưa có phiên bản mới nhất được đánh dấu.</p>\n<table>\n<thead><tr><th>Đơn vị</th>\
         <th>Kiosk</th><th>Máy</th><th class=\"num\">Phiên bản dữ liệu</th><th>Dữ liệu lập ngày</th>\
         <th>Phần mềm</th><th>Xuất lúc</th><th class=\"num\">Số bản xuất</th></tr></thead>\n<tbody>\n",
    );
    for k in &fleet.kiosks {
        let badge = if k.data.version == newest {
            "<span class=\"ok\">mới nhất</span>"
        } else {
            "<span class=\"old\">cũ hơn</span>"
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{} {badge}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&k.kiosk.office),
            esc(short_id(&k.kiosk.id)),
            esc(&k.kiosk.hostname),
            k.data.version,
            esc(&date(&k.data.created)),
            esc(&k.kiosk.software_version),
            esc(&time(&k.exported_at)),
            k.exports
        );
    }
    h.push_str("</tbody></table></section>\n");
}

/// The report's stylesheet, inlined into its <head>.
const STYLE: &str = include_str!("report.css");

const FOOTER: &str = "<footer>Số liệu từ các bản xuất thống kê của kiosk (<code>motcua stats export</code>): \
lượt sử dụng (thời điểm bắt đầu và kết thúc), cụm từ tìm kiếm và số kết quả, mã thủ tục đã xem, \
mức đánh giá và lý do chọn sẵn. Không có thông tin nào nhận dạng người dân. \
Báo cáo lập bằng <code>motcua fleet report</code>.</footer>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text_in_vietnamese_form() {
        assert_eq!(int(0), "0");
        assert_eq!(int(1234567), "1.234.567");
        assert_eq!(pct(1, 8), "12,5%");
        assert_eq!(pct(0, 0), "–");
        assert_eq!(date("2026-11-30T08:00:00+07:00"), "30/11/2026");
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(cut("đăng ký khai sinh", 8), "đăng ký…");
    }
}
