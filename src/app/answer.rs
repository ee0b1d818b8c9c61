//! Answers on the result cards: when a citizen's question asks one thing about a procedure
//! ("bao lâu", "lệ phí", "ở đâu", "cần giấy tờ gì"), each of the first results says it in one
//! line, taken from the stored record, and tapping the card opens the procedure at that
//! section. Nothing is invented: a record that does not state it says so.

use super::view::ChannelRow;
use crate::config::Config;
use crate::domain::{DossierItem, Procedure};
pub use crate::search::Ask;

/// The part of the procedure page an answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Ways to submit, with time limits and fees.
    Channels,
    /// Where to submit: the counter, the agency and level.
    Place,
    /// What to bring.
    Dossier,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Channels => "channels",
            Section::Place => "place",
            Section::Dossier => "dossier",
        }
    }
}

/// One line under a result's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub ask: Ask,
    /// "Thời hạn: 1 ngày làm việc", "Lệ phí: Miễn phí", "Nộp tại: quầy số 3 · Cấp xã",
    /// "Mang theo: Tờ khai…; Giấy chứng sinh…".
    pub text: String,
    /// The same line for the English interface: its words are English, what it quotes from the
    /// record (document names, addresses, the source's own wording) stays Vietnamese.
    pub text_en: String,
    pub section: Section,
}

/// How many results get an answer line (each reads its record from the store).
pub const ANSWERED: usize = 5;
/// Documents named in a "Mang theo" line.
const FIRST_DOCUMENTS: usize = 3;

/// The words of an answer line in one language.
struct Words {
    en: bool,
}

impl Words {
    fn pick(&self, vi: &'static str, en: &'static str) -> &'static str {
        if self.en { en } else { vi }
    }
}

/// What `p` says to `ask`, with the office's counters.
pub fn answer(ask: Ask, p: &Procedure, cfg: &Config) -> Answer {
    let line = |w: &Words| match ask {
        Ask::TimeLimit => time_limit(p, w),
        Ask::Fee => fee(p, w),
        Ask::Place => place(p, cfg, w),
        Ask::Documents => documents(p, w),
    };
    let section = match ask {
        Ask::TimeLimit | Ask::Fee => Section::Channels,
        Ask::Place => Section::Place,
        Ask::Documents => Section::Dossier,
    };
    Answer {
        ask,
        text: line(&Words { en: false }),
        text_en: line(&Words { en: true }),
        section,
    }
}

/// The distinct values of a channel field, with the channel named when they differ.
fn per_channel(p: &Procedure, w: &Words, value: impl Fn(&ChannelRow) -> String) -> Option<String> {
    let rows: Vec<(&str, String)> = p
        .channels
        .iter()
        .map(|c| {
            let method = if w.en {
                c.method.label_en()
            } else {
                c.method.label_vi()
            };
            (method, value(&ChannelRow::from_channel(c)))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let first = rows.first()?;
    if rows.iter().all(|(_, v)| *v == first.1) {
        return Some(first.1.clone());
    }
    let mut parts: Vec<String> = Vec::new();
    for (m, v) in &rows {
        let part = format!("{m}: {v}");
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    Some(parts.join("; "))
}

/// "— xem chi tiết": the record does not say it.
fn not_stated(w: &Words, what: &'static str, what_en: &'static str) -> String {
    format!(
        "{}: {}",
        w.pick(what, what_en),
        w.pick(
            "chưa có trong dữ liệu — xem chi tiết",
            "not in the data — see the details"
        )
    )
}

fn time_limit(p: &Procedure, w: &Words) -> String {
    let label = w.pick("Thời hạn", "Time limit");
    match per_channel(p, w, |r| {
        if w.en {
            r.time_en.clone()
        } else {
            r.time.clone()
        }
    }) {
        Some(t) => format!("{label}: {t}"),
        None => not_stated(w, "Thời hạn", "Time limit"),
    }
}

fn fee(p: &Procedure, w: &Words) -> String {
    let label = w.pick("Lệ phí", "Fee");
    match per_channel(p, w, |r| {
        if w.en {
            r.fee_en.clone()
        } else {
            r.fee.clone()
        }
    }) {
        Some(f) => format!("{label}: {f}"),
        None => not_stated(w, "Lệ phí", "Fee"),
    }
}

fn place(p: &Procedure, cfg: &Config, w: &Words) -> String {
    let levels = p
        .levels
        .iter()
        .map(|l| if w.en { l.label_en() } else { l.label_vi() })
        .collect::<Vec<_>>()
        .join(", ");
    let at = if let Some(c) = cfg.counter_for(&p.fields) {
        let mut s = format!("{} {}", w.pick("quầy số", "counter"), c.number);
        if !c.location.is_empty() {
            s.push_str(&format!(" ({})", c.location));
        }
        s
    } else if !p.agencies.receiving_address.trim().is_empty() {
        p.agencies.receiving_address.trim().to_string()
    } else if let Some(a) = p
        .agencies
        .executing
        .iter()
        .chain(&p.agencies.competent)
        .find(|a| !a.trim().is_empty())
    {
        a.trim().to_string()
    } else {
        String::new()
    };
    let label = w.pick("Nộp tại", "Submit at");
    match (at.is_empty(), levels.is_empty()) {
        (false, false) => format!("{label}: {at} · {levels}"),
        (false, true) => format!("{label}: {at}"),
        (true, false) => format!("{label}: {levels}"),
        (true, true) => not_stated(w, "Nơi nộp", "Where to submit"),
    }
}

/// An item every applicant brings, not a case: the portal lists conditional items ("Trường
/// hợp…", "Nếu…", "… trong trường hợp …") first (DESIGN), and its notes are cases too.
fn unconditional(i: &DossierItem) -> bool {
    let n = crate::domain::text::fold(i.name.trim_start_matches(['-', '+', '•', ' ']));
    !n.starts_with("truong hop")
        && !n.starts_with("neu ")
        && !n.starts_with("doi voi truong hop")
        && !n.contains("trong truong hop")
}

fn documents(p: &Procedure, w: &Words) -> String {
    let items: Vec<&DossierItem> = p
        .dossier
        .iter()
        .flat_map(|c| c.items.iter())
        .filter(|i| unconditional(i))
        .collect();
    if items.is_empty() {
        return not_stated(w, "Hồ sơ", "Documents");
    }
    let mut names: Vec<String> = Vec::new();
    for i in &items {
        let name = short(i.name.trim_start_matches(['-', '+', '•', ' ']).trim());
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        if names.len() == FIRST_DOCUMENTS {
            break;
        }
    }
    let more = items.len().saturating_sub(names.len());
    let mut s = format!("{}: {}", w.pick("Mang theo", "Bring"), names.join("; "));
    if more > 0 {
        if w.en {
            let plural = if more == 1 { "" } else { "s" };
            s.push_str(&format!(" (and {more} other document{plural})"));
        } else {
            s.push_str(&format!(" (và {more} giấy tờ khác)"));
        }
    }
    s
}

/// The first sentence or clause of a long item, at most about 80 characters, cut at a word.
fn short(s: &str) -> String {
    const MAX: usize = 80;
    let head = s.split(['.', ';', '(']).next().unwrap_or(s).trim();
    if head.chars().count() <= MAX {
        return head.trim_end_matches([',', ':']).to_string();
    }
    let mut out = String::new();
    for w in head.split_whitespace() {
        if out.chars().count() + w.chars().count() + 1 > MAX {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    format!("{}…", out.trim_end_matches([',', ':']))
}
