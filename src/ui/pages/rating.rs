//! The satisfaction rating (`Page::Rating`, `ui/pages/rating.slint`): reset it before showing
//! it ([`show_rating`]), and turn what `RatingAdapter.rate(level, reason)` sends into the app's
//! [`Rating`] ([`parse_rating`]). The page shows the thanks and goes home after 3 seconds by
//! itself; [`show_thanks`] shows it from Rust.

use std::rc::Rc;

use slint::ComponentHandle;

use super::super::context::Ctx;
use super::super::{MainWindow, RatingAdapter, RatingStep};
use crate::app::usage::{Note, Rating};

/// The reasons a citizen can give for "Không hài lòng", exactly as `rate` sends them (the
/// Vietnamese text in every interface language, so the statistics read the same).
pub const REASONS: [&str; 5] = [
    "Không tìm thấy thủ tục",
    "Thông tin khó hiểu",
    "Thiếu thông tin",
    "Máy khó sử dụng",
    "Lý do khác",
];

/// The first step, nothing chosen.
pub fn show_rating(w: &MainWindow) {
    w.global::<RatingAdapter>().invoke_reset();
}

/// "Cảm ơn bạn!" (the page returns home by itself after 3 seconds).
pub fn show_thanks(w: &MainWindow) {
    w.global::<RatingAdapter>().set_step(RatingStep::Thanks);
}

/// `rate(level, reason)` as the app's rating and, for "Không hài lòng" only, one of
/// [`REASONS`]. `None` for a level outside 1…4; an unknown or misplaced reason is dropped.
pub fn parse_rating(level: i32, reason: &str) -> Option<(Rating, Option<&'static str>)> {
    let rating = Rating::from_level(u8::try_from(level).ok()?)?;
    let reason = (rating == Rating::Dissatisfied)
        .then(|| REASONS.iter().copied().find(|r| *r == reason))
        .flatten();
    Some((rating, reason))
}

pub fn bind(w: &MainWindow, ctx: &Rc<Ctx>) {
    let r = w.global::<RatingAdapter>();
    let c = ctx.clone();
    r.on_rate(move |level, reason| {
        if let Some((rating, reason)) = parse_rating(level, &reason) {
            let code = c.last_code.borrow_mut().take();
            c.note(Note::Rated {
                rating,
                reason: reason.map(str::to_string),
                code,
            });
        }
    });
    let c = ctx.clone();
    r.on_skip(move || {
        c.last_code.borrow_mut().take();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_reasons() {
        assert_eq!(parse_rating(4, ""), Some((Rating::VerySatisfied, None)));
        assert_eq!(
            parse_rating(1, "Thiếu thông tin"),
            Some((Rating::Dissatisfied, Some("Thiếu thông tin")))
        );
        // Only the fixed texts, and only with "Không hài lòng".
        assert_eq!(
            parse_rating(1, "số điện thoại của tôi"),
            Some((Rating::Dissatisfied, None))
        );
        assert_eq!(
            parse_rating(3, "Thiếu thông tin"),
            Some((Rating::Satisfied, None))
        );
        assert_eq!(parse_rating(0, ""), None);
        assert_eq!(parse_rating(5, ""), None);
        assert_eq!(parse_rating(-1, ""), None);
    }
}
