//! How closely a query covers a procedure's name: the share of the name's content words that the
//! query's words (as typed, completed, corrected or expanded by synonyms) account for.
//!
//! BM25 alone ranks by how much evidence a record has for the typed words, and longer names,
//! which repeat words ("đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con") and have long
//! bodies, collect more of it. A citizen who types "khai sinh" means the procedure that is
//! *called* that, not a qualified variant of it ("… có yếu tố nước ngoài", "… lưu động", "… lại"):
//! the name the query leaves least unexplained. The ranking multiplies the text score by
//! `1 + W · coverage` (see `engine`), so among records that match, the one whose name has the
//! fewest words the citizen did not ask for comes first, and a full-title query still finds its
//! own title (coverage 1) ahead of longer titles that contain it.
//!
//! Name words are counted once each (repetition says nothing about what the citizen wants),
//! function words ("thủ tục", "của", "và", "có", "đối với" …) are not counted, and neither is
//! text in parentheses, which annotates rather than names ("(thực hiện tại cấp tỉnh)", long lists
//! of building categories): levels are the kiosk context's business.

use super::analyzer;
use super::plan::Plan;
use crate::domain::text;

/// Words of names that carry no procedure meaning, matched on their exact diacritics so "có"
/// (has) is dropped but "cơ" (cơ sở) is kept. Multi-word entries are matched as phrases.
const FUNCTION_WORDS: &[&str] = &[
    "thủ tục",
    "đối với",
    "thực hiện",
    "và",
    "của",
    "cho",
    "có",
    "các",
    "những",
    "về",
    "để",
    "tại",
    "ở",
    "với",
    "hoặc",
    "theo",
    "là",
    "được",
    "khi",
    "đến",
    "việc",
];

/// The content words of every procedure name. A word is known by its exact diacritics ("lại"
/// and "lái" are two words) and can be found by them or by its folded form, as ids into two
/// sorted vocabularies (so a folded prefix is a range of ids).
#[derive(Debug, Default)]
pub(crate) struct NameWords {
    folded: Vec<String>,
    tones: Vec<String>,
    /// Per procedure, its range in `units`, `fids` and `tids`.
    spans: Vec<[(u32, u32); 3]>,
    /// The distinct words of each name: (folded id, tone id).
    units: Vec<(u32, u32)>,
    /// Distinct folded ids of each name, sorted.
    fids: Vec<u32>,
    /// Distinct tone ids of each name, sorted.
    tids: Vec<u32>,
}

/// One name's words.
struct Name<'a> {
    units: &'a [(u32, u32)],
    fids: &'a [u32],
    tids: &'a [u32],
}

/// How a query word is looked for in names.
#[derive(Debug, Clone, Copy)]
enum Key {
    /// Folded ids in a range: one word, or the words starting with a prefix.
    Folded(u32, u32),
    /// One word with exactly these diacritics (typed with them, or an official expansion).
    Tone(u32),
}

fn sorted_vocab<'a>(words: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = words.cloned().collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn id(vocab: &[String], w: &str) -> Option<u32> {
    vocab
        .binary_search_by(|x| x.as_str().cmp(w))
        .ok()
        .map(|i| i as u32)
}

fn function_words() -> &'static [Vec<String>] {
    static F: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        FUNCTION_WORDS
            .iter()
            .map(|p| {
                analyzer::words(p)
                    .iter()
                    .map(|w| text::tone_key(w.raw))
                    .collect()
            })
            .collect()
    })
}

/// The content words of a name (folded, tone key): outside parentheses, function words left
/// out.
fn content_words(name: &str) -> Vec<(String, String)> {
    let ws = analyzer::words(name);
    // Depth of parentheses at each byte where a word starts.
    let mut inside = Vec::with_capacity(ws.len());
    let mut depth = 0i32;
    let mut at = 0usize;
    for w in &ws {
        for c in name[at..w.start].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = (depth - 1).max(0),
                _ => {}
            }
        }
        at = w.start;
        inside.push(depth > 0);
    }
    let tones: Vec<String> = ws.iter().map(|w| text::tone_key(w.raw)).collect();
    let mut skip = vec![false; ws.len()];
    for i in 0..ws.len() {
        for p in function_words() {
            if i + p.len() <= ws.len() && tones[i..i + p.len()] == p[..] {
                skip[i..i + p.len()].iter_mut().for_each(|s| *s = true);
            }
        }
    }
    ws.into_iter()
        .zip(tones)
        .enumerate()
        .filter(|(i, _)| !inside[*i] && !skip[*i])
        .map(|(_, (w, t))| (w.folded, t))
        .collect()
}

/// Words in a name that make it a variant of a plainer procedure: a foreign element, "again",
/// mobile, combined, at the border, recording what was done elsewhere, changing or ending
/// something. A query that does not ask for one of them means the plain procedure, so each one
/// it leaves unexplained costs the record some rank (see `engine`). Matched on exact diacritics
/// ("lại" is a qualifier, "lái" is not), as phrases.
const QUALIFIERS: &[&str] = &[
    "nước ngoài",
    "lại",
    "lưu động",
    "kết hợp",
    "biên giới",
    "cấp tỉnh",
    "đổi",
    "chấm dứt",
    "tạm ngừng",
    "tạm dừng",
    "tiếp tục",
    "thu hồi",
    "hủy",
    "huỷ",
    "xóa",
    "xoá",
    "gia hạn",
    "điều chỉnh",
    "sửa đổi",
    "bổ sung",
    "đính chính",
    "trực tuyến",
    "tạm thời",
    "quân sự",
    "công an nhân dân",
    "quốc tế",
    "giám sát",
    "liên thông",
    "mất",
    "ghi vào sổ",
];

/// Each qualifier's words as (tone key, folded).
fn qualifiers() -> &'static [Vec<(String, String)>] {
    static Q: std::sync::OnceLock<Vec<Vec<(String, String)>>> = std::sync::OnceLock::new();
    Q.get_or_init(|| {
        QUALIFIERS
            .iter()
            .map(|p| {
                analyzer::words(p)
                    .into_iter()
                    .map(|w| (text::tone_key(w.raw), w.folded))
                    .collect()
            })
            .collect()
    })
}

/// Which qualifiers a name has, as a bit per entry of `QUALIFIERS` (outside parentheses, where
/// level annotations live).
pub(crate) fn qualifier_mask(name: &str) -> u64 {
    let ws = analyzer::words(name);
    let mut depth = 0i32;
    let mut at = 0usize;
    let mut tones: Vec<String> = Vec::with_capacity(ws.len());
    for w in &ws {
        for c in name[at..w.start].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = (depth - 1).max(0),
                _ => {}
            }
        }
        at = w.start;
        // A word inside parentheses breaks phrases and matches nothing.
        tones.push(if depth > 0 {
            String::new()
        } else {
            text::tone_key(w.raw)
        });
    }
    let mut mask = 0u64;
    for (bit, q) in qualifiers().iter().enumerate() {
        let hit = tones
            .windows(q.len())
            .any(|win| win.iter().zip(q).all(|(a, (t, _))| a == t));
        if hit {
            mask |= 1 << bit;
        }
    }
    mask
}

/// Which qualifiers the query asks for: every word of the qualifier is said by a content word
/// typed (with its diacritics if typed with them, or still being typed) or by an official
/// expansion of a synonym. The words a citizen typed for a synonym do not count ("bằng lái"
/// does not ask for "lại").
pub(crate) fn asked_qualifiers(plan: &Plan) -> u64 {
    let mut said_tones: Vec<&str> = Vec::new();
    let mut said_folded: Vec<(&str, bool)> = Vec::new();
    for c in &plan.concepts {
        if c.filler {
            continue;
        }
        if c.alts.is_empty() {
            for w in &c.words {
                match &w.tone {
                    Some(t) if !w.prefix => said_tones.push(t),
                    _ => said_folded.push((&w.folded, w.prefix)),
                }
                said_folded.extend(w.fuzzy.iter().map(|f| (f.as_str(), false)));
            }
        } else {
            said_tones.extend(c.alt_tones.iter().flatten().map(String::as_str));
        }
    }
    let says = |(t, f): &(String, String)| {
        said_tones.iter().any(|x| x == t)
            || said_folded.iter().any(|(w, prefix)| {
                if *prefix {
                    w.chars().count() >= 2 && f.starts_with(w)
                } else {
                    w == f
                }
            })
    };
    let mut mask = 0u64;
    for (bit, q) in qualifiers().iter().enumerate() {
        if q.iter().all(says) {
            mask |= 1 << bit;
        }
    }
    mask
}

/// Folded words of a level annotation: "(thực hiện tại cấp tỉnh)", "(Cấp xã)", "(TTHC cấp
/// huyện)".
const LEVEL_WORDS: &[&str] = &[
    "thuc", "hien", "tai", "o", "cap", "tinh", "xa", "huyen", "trung", "uong", "bo", "tthc",
    "phuong", "thi", "tran", "va",
];

/// The key under which records count as one procedure: the folded words of the name, without
/// a leading "Thủ tục" and without level annotations in parentheses. "Thủ tục Chứng thực chữ ký
/// trong các giấy tờ, văn bản" and "Chứng thực chữ ký trong các giấy tờ, văn bản", or "Cấp thẻ
/// bảo hiểm y tế (thực hiện tại cấp tỉnh)" and "… (thực hiện tại cấp trung ương)", are one
/// procedure at different offices: one hit, the others its variants (the kiosk's level picks
/// which one stands for them).
pub(crate) fn same_name_key(name: &str) -> String {
    same_name_key_in(name, None)
}

/// [`same_name_key`] of a province's own copy: a mention of its province ("… trên địa bàn tỉnh
/// Lai Châu") is left out, so the copy folds with the national procedure of the same name.
pub(crate) fn same_name_key_in(name: &str, province: Option<&str>) -> String {
    let ws = analyzer::words(name);
    let mut keep = vec![true; ws.len()];
    // Parenthesised runs of words, by the byte offsets of the brackets.
    let mut open: Option<usize> = None;
    for (b, c) in name.char_indices() {
        match c {
            '(' => open = Some(b),
            ')' => {
                if let Some(a) = open.take() {
                    let inside: Vec<usize> = (0..ws.len())
                        .filter(|&i| ws[i].start > a && ws[i].end <= b)
                        .collect();
                    if !inside.is_empty()
                        && inside
                            .iter()
                            .all(|&i| LEVEL_WORDS.contains(&ws[i].folded.as_str()))
                    {
                        inside.iter().for_each(|&i| keep[i] = false);
                    }
                }
            }
            _ => {}
        }
    }
    let words: Vec<&str> = ws
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(w, _)| w.folded.as_str())
        .collect();
    let mut words: Vec<&str> = match words.as_slice() {
        ["thu", "tuc", rest @ ..] if !rest.is_empty() => rest.to_vec(),
        all => all.to_vec(),
    };
    if let Some(p) = province.map(|p| p.split(' ').collect::<Vec<_>>())
        && !p.is_empty()
        && let Some(at) = (0..words.len()).find(|&i| words[i..].starts_with(&p))
    {
        let mut from = at;
        for lead in [&["tinh"][..], &["thanh", "pho"], &["tren", "dia", "ban"]] {
            if from >= lead.len() && words[from - lead.len()..from] == *lead {
                from -= lead.len();
            }
        }
        words.drain(from..at + p.len());
    }
    words.join(" ")
}

impl NameWords {
    pub fn new<'a>(names: impl Iterator<Item = &'a str>) -> NameWords {
        let per_name: Vec<Vec<(String, String)>> = names.map(content_words).collect();
        let folded = sorted_vocab(per_name.iter().flatten().map(|w| &w.0));
        let tones = sorted_vocab(per_name.iter().flatten().map(|w| &w.1));
        let mut nw = NameWords {
            folded,
            tones,
            ..NameWords::default()
        };
        for ws in &per_name {
            let start = [nw.units.len(), nw.fids.len(), nw.tids.len()].map(|x| x as u32);
            let mut units: Vec<(u32, u32)> = ws
                .iter()
                .filter_map(|(f, t)| Some((id(&nw.folded, f)?, id(&nw.tones, t)?)))
                .collect();
            units.sort_unstable_by_key(|u| u.1);
            units.dedup_by_key(|u| u.1);
            let mut fids: Vec<u32> = units.iter().map(|u| u.0).collect();
            fids.sort_unstable();
            fids.dedup();
            let tids: Vec<u32> = units.iter().map(|u| u.1).collect();
            nw.units.extend(units);
            nw.fids.extend(fids);
            nw.tids.extend(tids);
            let end = [nw.units.len(), nw.fids.len(), nw.tids.len()].map(|x| x as u32);
            nw.spans
                .push([(start[0], end[0]), (start[1], end[1]), (start[2], end[2])]);
        }
        nw
    }

    fn name(&self, ord: u32) -> Name<'_> {
        let [u, f, t] = self.spans.get(ord as usize).copied().unwrap_or([(0, 0); 3]);
        let r = |(a, b): (u32, u32)| a as usize..b as usize;
        Name {
            units: &self.units[r(u)],
            fids: &self.fids[r(f)],
            tids: &self.tids[r(t)],
        }
    }

    /// A folded word, or the words starting with a prefix.
    fn folded_key(&self, w: &str, prefix: bool) -> Key {
        let lo = self.folded.partition_point(|x| x.as_str() < w);
        let hi = if prefix {
            lo + self.folded[lo..]
                .iter()
                .take_while(|x| x.starts_with(w))
                .count()
        } else if self.folded.get(lo).is_some_and(|x| x == w) {
            lo + 1
        } else {
            lo
        };
        Key::Folded(lo as u32, hi as u32)
    }

    fn tone_key(&self, t: &str) -> Key {
        match id(&self.tones, t) {
            Some(i) => Key::Tone(i),
            None => Key::Folded(0, 0),
        }
    }

    /// What a parsed query can find in names.
    pub fn matcher(&self, plan: &Plan) -> Matcher {
        let mut m = Matcher {
            folded: vec![0; self.folded.len().div_ceil(64)],
            tones: vec![0; self.tones.len().div_ceil(64)],
            concepts: Vec::new(),
        };
        for c in &plan.concepts {
            let mut literal: Vec<Vec<Key>> = Vec::new();
            for w in &c.words {
                let mut keys = Vec::new();
                if w.prefix {
                    // One letter says too little about which word is meant.
                    if w.folded.chars().count() >= 2 {
                        keys.push(self.folded_key(&w.folded, true));
                    }
                } else if let Some(t) = &w.tone {
                    keys.push(self.tone_key(t));
                } else {
                    keys.push(self.folded_key(&w.folded, false));
                }
                for f in &w.fuzzy {
                    keys.push(self.folded_key(f, false));
                }
                literal.push(keys);
            }
            let mut readings = vec![literal];
            for (i, a) in c.alts.iter().enumerate() {
                let reading = match c.alt_tones.get(i) {
                    Some(t) if t.len() == a.len() => {
                        t.iter().map(|x| vec![self.tone_key(x)]).collect()
                    }
                    _ => a.iter().map(|x| vec![self.folded_key(x, false)]).collect(),
                };
                readings.push(reading);
            }
            for k in readings.iter().flatten().flatten() {
                m.mark(*k);
            }
            let counts = !c.filler
                && !c.optional
                && c.words
                    .iter()
                    .any(|w| !w.prefix || w.folded.chars().count() >= 2);
            if counts {
                m.concepts.push(readings);
            }
        }
        m
    }

    /// Share of the procedure's name content words the query accounts for (0 when the name has
    /// none).
    pub fn coverage(&self, m: &Matcher, ord: u32) -> f32 {
        let n = self.name(ord);
        if n.units.is_empty() {
            return 0.0;
        }
        let hit = n
            .units
            .iter()
            .filter(|&&(f, t)| get(&m.folded, f) || get(&m.tones, t))
            .count();
        hit as f32 / n.units.len() as f32
    }

    /// How much of the query the name says: per content concept, the share of the words of its
    /// best reading (as typed, or one synonym expansion) found in the name, averaged over the
    /// concepts. 1 when the query has no content concept.
    pub fn said(&self, m: &Matcher, ord: u32) -> f32 {
        if m.concepts.is_empty() {
            return 1.0;
        }
        let n = self.name(ord);
        let has = |k: &Key| match *k {
            Key::Folded(lo, hi) => {
                let at = n.fids.partition_point(|&i| i < lo);
                n.fids.get(at).is_some_and(|&i| i < hi)
            }
            Key::Tone(t) => n.tids.binary_search(&t).is_ok(),
        };
        let total: f32 = m
            .concepts
            .iter()
            .map(|readings| {
                readings
                    .iter()
                    .map(|r| {
                        let found = r.iter().filter(|keys| keys.iter().any(has)).count();
                        found as f32 / r.len().max(1) as f32
                    })
                    .fold(0.0, f32::max)
            })
            .sum();
        total / m.concepts.len() as f32
    }
}

/// What a query can find in names: the name words it accounts for (folded, or with their
/// diacritics), and per content concept its readings (typed words, then each expansion), each
/// word as the keys it may be found by.
pub(crate) struct Matcher {
    folded: Vec<u64>,
    tones: Vec<u64>,
    concepts: Vec<Vec<Vec<Vec<Key>>>>,
}

impl Matcher {
    fn mark(&mut self, k: Key) {
        match k {
            Key::Folded(lo, hi) => (lo..hi).for_each(|i| set(&mut self.folded, i)),
            Key::Tone(t) => set(&mut self.tones, t),
        }
    }
}

fn set(bits: &mut [u64], i: u32) {
    let i = i as usize;
    bits[i / 64] |= 1 << (i % 64);
}

fn get(bits: &[u64], i: u32) -> bool {
    let i = i as usize;
    bits.get(i / 64).is_some_and(|b| b & (1 << (i % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Synonym;
    use crate::search::plan::{SynonymTable, parse};

    fn folded(name: &str) -> Vec<String> {
        content_words(name).into_iter().map(|w| w.0).collect()
    }

    fn scores(names: &[&str], query: &str, synonyms: &SynonymTable) -> Vec<(f32, f32)> {
        let nw = NameWords::new(names.iter().copied());
        let plan = parse(query, synonyms, &|_| false);
        let m = nw.matcher(&plan);
        (0..names.len() as u32)
            .map(|o| (nw.coverage(&m, o), nw.said(&m, o)))
            .collect()
    }

    fn cov(names: &[&str], query: &str) -> Vec<f32> {
        scores(names, query, &SynonymTable::default())
            .into_iter()
            .map(|s| s.0)
            .collect()
    }

    #[test]
    fn content_words_skip_function_words_and_parentheses() {
        assert_eq!(
            folded("Thủ tục đăng ký khai sinh có yếu tố nước ngoài"),
            ["dang", "ky", "khai", "sinh", "yeu", "to", "nuoc", "ngoai"]
        );
        assert_eq!(
            folded("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)"),
            ["cap", "the", "bao", "hiem", "y", "te"]
        );
        // "cơ" is not the function word "có".
        assert_eq!(folded("Cơ sở có"), ["co", "so"]);
    }

    #[test]
    fn one_procedure_at_several_offices_is_one_name() {
        let k = same_name_key("Chứng thực chữ ký trong các giấy tờ, văn bản");
        assert_eq!(
            same_name_key("Thủ tục Chứng thực chữ ký trong các giấy tờ, văn bản."),
            k
        );
        let k = same_name_key("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)");
        assert_eq!(k, "cap the bao hiem y te");
        assert_eq!(same_name_key("Cấp thẻ bảo hiểm y tế ( Cấp Trung ương )"), k);
        // Other parentheses are part of the name.
        assert_ne!(
            same_name_key("Cấp giấy phép (công trình cấp III)"),
            same_name_key("Cấp giấy phép")
        );
        assert_eq!(same_name_key("Thủ tục"), "thu tuc");
    }

    #[test]
    fn the_plain_name_is_covered_most() {
        let names = [
            "Thủ tục đăng ký khai sinh",
            "Thủ tục đăng ký khai sinh có yếu tố nước ngoài",
            "Thủ tục đăng ký lại khai sinh",
            "Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
        ];
        let c = cov(&names, "dang ky khai si");
        assert_eq!(c[0], 1.0);
        assert!(c[0] > c[2] && c[2] > c[1] && c[1] > 0.0, "{c:?}");
        assert!(c[3] < c[2], "repeated words count once: {c:?}");
        // A one-letter prefix accounts for nothing yet.
        let c = cov(&names, "dang ky k");
        assert_eq!(c[0], 0.5);
    }

    #[test]
    fn diacritics_tell_words_apart_where_folding_cannot() {
        let names = ["Cấp giấy phép lái xe", "Cấp lại giấy phép lái xe"];
        // Typed with diacritics, "lái" is not "lại".
        let c = cov(&names, "cấp giấy phép lái xe ");
        assert_eq!(c, [1.0, 5.0 / 6.0]);
        // Typed without, it may be either.
        let c = cov(&names, "cap giay phep lai xe ");
        assert_eq!(c, [1.0, 1.0]);
        // An official expansion says which: "mất bằng lái" is "cấp lại giấy phép lái xe".
        let t = SynonymTable::new(&[Synonym {
            term: "mất bằng lái".into(),
            expansions: vec!["cấp lại giấy phép lái xe".into()],
        }]);
        let s = scores(&names, "mat bang lai ", &t);
        assert_eq!(s[1], (1.0, 1.0));
        assert!(s[0].1 < 1.0, "{s:?}");
    }
}
