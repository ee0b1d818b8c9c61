//! Highlighting on the ORIGINAL diacritic text. Words are cut and folded by the same analyzer as
//! the index, so a folded match ("dang") marks the original bytes ("Đăng"); the word being typed
//! marks every word it completes to, and typo-corrected and synonym words are marked too.

use std::ops::Range;

use serde::Serialize;

use super::analyzer;

/// Text with the byte ranges to emphasise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Highlighted {
    pub text: String,
    /// Byte ranges into `text`, in order, never overlapping, on `char` boundaries.
    pub ranges: Vec<Range<usize>>,
}

impl Highlighted {
    /// `text` with each range wrapped in `open`/`close` (for logs, terminals and tests).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + self.ranges.len() * 4);
        let mut at = 0;
        for r in &self.ranges {
            out.push_str(&self.text[at..r.start]);
            out.push_str(open);
            out.push_str(&self.text[r.clone()]);
            out.push_str(close);
            at = r.end;
        }
        out.push_str(&self.text[at..]);
        out
    }

    /// The highlighted pieces of text.
    pub fn pieces(&self) -> Vec<&str> {
        self.ranges.iter().map(|r| &self.text[r.clone()]).collect()
    }
}

/// What one query concept matches: folded words, or the starts of words. Small lists: a linear
/// scan beats hashing here.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl Group {
    pub fn add_exact(&mut self, w: &str) {
        if !self.exact.iter().any(|x| x == w) {
            self.exact.push(w.to_string());
        }
    }

    pub fn add_prefix(&mut self, p: &str) {
        if !self.prefixes.iter().any(|x| x == p) {
            self.prefixes.push(p.to_string());
        }
    }

    fn matches(&self, folded: &str) -> bool {
        self.exact.iter().any(|x| x == folded)
            || self.prefixes.iter().any(|p| folded.starts_with(p.as_str()))
    }

    /// Only the start of a word of one or two letters: too little to pick a passage for.
    fn weak(&self) -> bool {
        self.exact.is_empty() && self.prefixes.iter().all(|p| p.chars().count() < 3)
    }
}

/// The words to mark for one query, one group per content concept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Highlights {
    pub groups: Vec<Group>,
}

impl Highlights {
    fn first_match(&self, folded: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.matches(folded))
    }

    /// Marks every matching word of `text`. Returns the text and whether a body passage would
    /// tell more: some group with a whole word (or a start of three letters or more) is not in
    /// `text`.
    pub fn whole(&self, text: &str) -> (Highlighted, bool) {
        let ws = analyzer::words(text);
        let mut ranges = Vec::new();
        let mut hit = vec![false; self.groups.len()];
        for w in &ws {
            let mut any = false;
            for (g, h) in self.groups.iter().zip(hit.iter_mut()) {
                if g.matches(&w.folded) {
                    *h = true;
                    any = true;
                }
            }
            if any {
                ranges.push(w.start..w.end);
            }
        }
        let covered = self.groups.iter().zip(&hit).all(|(g, h)| *h || g.weak());
        (
            Highlighted {
                text: text.to_string(),
                ranges,
            },
            covered,
        )
    }

    /// The passage of `text` (about `max_bytes` long) that holds the most query concepts, with
    /// its matching words marked. `None` when nothing matches.
    pub fn excerpt(&self, text: &str, max_bytes: usize) -> Option<Highlighted> {
        // Bodies can be long; what a citizen needs first (results, dossier) comes first, and
        // matches past the first 8 KiB are not worth the time.
        let scan = &text[..floor_char_boundary(text, 8 * 1024)];
        // A body holds a thousand words or more and few of them match: each is folded into one
        // buffer and only its edges are kept (a folded copy of every word was a quarter of the
        // time of a search as the kiosk shows it, 30 results with passages).
        let mut ws: Vec<Range<usize>> = Vec::new();
        let mut matched: Vec<(usize, usize)> = Vec::new();
        let mut folded = String::new();
        for (start, raw) in analyzer::word_spans(scan) {
            folded.clear();
            analyzer::fold_word_into(raw, &mut folded);
            if let Some(g) = self.first_match(&folded) {
                matched.push((ws.len(), g));
            }
            ws.push(start..start + raw.len());
        }
        if matched.is_empty() {
            return None;
        }
        // Slide over the matches: the window (in bytes) covering the most distinct groups.
        let mut counts = vec![0usize; self.groups.len()];
        let mut distinct = 0;
        let mut best = (0usize, 0usize, 0usize); // (distinct groups, first match, last match)
        let mut j = 0;
        for i in 0..matched.len() {
            let g = matched[i].1;
            counts[g] += 1;
            if counts[g] == 1 {
                distinct += 1;
            }
            while j < i && ws[matched[i].0].end - ws[matched[j].0].start > max_bytes {
                let gj = matched[j].1;
                counts[gj] -= 1;
                if counts[gj] == 0 {
                    distinct -= 1;
                }
                j += 1;
            }
            if distinct > best.0 {
                best = (distinct, j, i);
                if distinct == self.groups.len() {
                    break;
                }
            }
        }
        let (first, last) = (ws[matched[best.1].0].start, ws[matched[best.2].0].end);
        // Centre the window on the matches, then snap to word edges and line breaks.
        let room = max_bytes.saturating_sub(last - first);
        let mut start = floor_char_boundary(scan, first.saturating_sub(room / 3));
        let mut end = floor_char_boundary(scan, last + room - room / 3).max(last);
        let near = floor_char_boundary(scan, start.saturating_sub(40));
        if let Some(nl) = scan[near..first].rfind('\n') {
            start = near + nl + 1;
        } else if let Some(w) = ws.iter().find(|w| w.end > start) {
            start = w.start.min(first);
        }
        if let Some(nl) = scan[last..end].find('\n') {
            end = last + nl;
        } else if let Some(w) = ws.iter().rev().find(|w| w.start < end) {
            end = w.end.max(last);
        }
        let lead = if start > 0 { "…" } else { "" };
        let tail = if end < text.len() { "…" } else { "" };
        let ranges = matched
            .iter()
            .map(|&(k, _)| &ws[k])
            .filter(|w| w.start >= start && w.end <= end)
            .map(|w| (w.start - start + lead.len())..(w.end - start + lead.len()))
            .collect();
        Some(Highlighted {
            text: format!("{lead}{}{tail}", &scan[start..end]),
            ranges,
        })
    }
}

fn floor_char_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(exact: &[&str], prefixes: &[&str]) -> Highlights {
        let mut g = Group::default();
        exact.iter().for_each(|e| g.add_exact(e));
        prefixes.iter().for_each(|p| g.add_prefix(p));
        Highlights { groups: vec![g] }
    }

    #[test]
    fn marks_original_text_from_folded_words() {
        let h = hl(&["dang", "ky"], &["si"]);
        let (out, all) = h.whole("Thủ tục đăng ký khai sinh");
        assert!(all);
        assert_eq!(out.pieces(), ["đăng", "ký", "sinh"]);
        assert_eq!(out.marked("[", "]"), "Thủ tục [đăng] [ký] khai [sinh]");
    }

    #[test]
    fn excerpt_finds_the_passage() {
        let body = format!(
            "{}\nNgười yêu cầu nộp Tờ khai đăng ký thường trú và giấy tờ chứng minh chỗ ở.\n{}",
            "Bước đầu. ".repeat(40),
            "Kết thúc. ".repeat(40)
        );
        let h = hl(&["thuong", "tru"], &[]);
        let ex = h.excerpt(&body, 120).expect("match");
        assert_eq!(ex.pieces(), ["thường", "trú"]);
        assert!(ex.text.len() < 200, "{}", ex.text);
        assert!(ex.text.starts_with("…Người yêu cầu"), "{}", ex.text);
        assert!(h.excerpt("không có gì", 120).is_none());
    }
}
