//! The words of citizens' questions that are not the procedure they want: question and dialect
//! words (fillers), the people and times a life situation is told with (context), and the
//! phrases that ask one specific thing (how long, how much, where, which papers). Matched on
//! folded words, or on the tone key of a word typed with diacritics, so "mở" (open) is never the
//! Central "mô" (where).

use super::analyzer;
use super::plan::QWord;
use crate::domain::text;

/// Question, dialect and grammar words that carry no procedure meaning. They stay in the query
/// as optional words (they still add a little score where they occur) but never decide whether
/// a record matches.
const FILLERS: &[&str] = &[
    // Question words, standard and Central/Southern dialect.
    "gì",
    "chi",
    "nào",
    "sao",
    "đâu",
    "rứa",
    "ni",
    "nớ",
    "mô",
    "mấy",
    "bao nhiêu",
    "bao nhiêu tiền",
    "hết bao nhiêu",
    "hết bao nhiêu tiền",
    "tốn bao nhiêu",
    "tốn bao nhiêu tiền",
    "mất bao nhiêu tiền",
    "bao lâu",
    "mất bao lâu",
    "bao nhiêu lâu",
    "bao nhiêu ngày",
    "mấy ngày",
    "mất mấy ngày",
    "bao giờ",
    "khi nào",
    "lúc nào",
    "thế nào",
    "như thế nào",
    "ra sao",
    "làm sao",
    "làm thế nào",
    "phải làm gì",
    "cần làm gì",
    "làm gì",
    "ở đâu",
    "ở mô",
    "đi đâu",
    "chỗ nào",
    "nơi nào",
    "cơ quan nào",
    "được không",
    "có được không",
    "hay không",
    "có không",
    "có phải",
    "phải không",
    "không",
    "chưa",
    "hả",
    "ạ",
    "à",
    "ơi",
    "nhé",
    "nha",
    "nhỉ",
    "vậy",
    "thế",
    "đó",
    "này",
    "ấy",
    "thôi",
    "luôn",
    "hiện nay",
    "bây giờ",
    // Asking and wanting.
    "tôi",
    "mình",
    "hỏi",
    "xin hỏi",
    "cho hỏi",
    "cho tôi hỏi",
    "muốn hỏi",
    "muốn biết",
    "cho biết",
    "đề nghị cho biết",
    "xin cho biết",
    "giúp",
    "giúp tôi",
    "vui lòng",
    "làm ơn",
    "xin",
    "muốn",
    "cần",
    "phải",
    "nên",
    "được",
    "có",
    "là",
    "thì",
    "mà",
    "và",
    "với",
    "của",
    "cho",
    "các",
    "những",
    "một",
    "về",
    "để",
    "khi",
    "ở",
    "tại",
    "đi",
    "đến",
    "mang",
    "theo",
    "như",
    "làm",
    "gồm",
    "bao gồm",
    "cần chuẩn bị",
    "chuẩn bị",
    "nộp",
    "những gì",
    "gồm những gì",
    "cần những gì",
    "mang theo",
    "trường hợp nào",
    "những trường hợp nào",
    "theo quy định",
    "quy định",
    // Words that name the kiosk's whole subject rather than one procedure.
    "thủ tục",
    "thủ tục hành chính",
    "lệ phí",
    "phí",
    "mức phí",
    "giấy tờ",
    "hồ sơ",
    "thành phần hồ sơ",
    "số lượng hồ sơ",
    "bộ hồ sơ",
    "mẫu đơn",
    "hướng dẫn",
    "quy trình",
    "trình tự",
    "trình tự thực hiện",
    "cách thức",
    "cách thức thực hiện",
    "thẩm quyền",
    "căn cứ pháp lý",
    "thời hạn",
    "thời hạn giải quyết",
    "thời gian",
    "cách",
    "thực hiện",
];

/// The people, times and amounts a citizen tells a situation with ("bố tôi vừa mất", "hai vợ
/// chồng mới cưới", "con 10 tuổi"). They rank like content words where a record has them, but
/// never decide whether it matches: a registration of death need not say "mother".
const CONTEXT: &[&str] = &[
    "bố",
    "ba",
    "cha",
    "mẹ",
    "má",
    "mạ",
    "ông",
    "bà",
    "nội",
    "ngoại",
    "ông bà",
    "bố mẹ",
    "ba mẹ",
    "cha mẹ",
    "vợ",
    "chồng",
    "vợ chồng",
    "hai vợ chồng",
    "con",
    "con cái",
    "cháu",
    "anh",
    "chị",
    "em",
    "bé",
    "em bé",
    "cô",
    "dì",
    "chú",
    "bác",
    "cậu",
    "đứa",
    "hai đứa",
    "người nhà",
    "người thân",
    "gia đình",
    "nhà tôi",
    "hàng xóm",
    "người quen",
    "bạn",
    "họ hàng",
    "ở nhà",
    "tại nhà",
    "ở quê",
    "về quê",
    "quê",
    "lên thành phố",
    "ra thành phố",
    "vào thành phố",
    "miễn phí",
    "ở đây",
    "tại đây",
    "chỗ này",
    "phường này",
    "xã này",
    "địa phương",
    "vừa",
    "mới",
    "đã",
    "sắp",
    "rồi",
    "đang",
    "sẽ",
    "hôm qua",
    "hôm nay",
    "năm nay",
    "lâu",
    "lâu rồi",
    "lâu năm",
    "vài",
    "hai",
    "nhiều",
    "tuổi",
    "nhỏ",
    "già",
    "bị",
    "nữa",
];

/// What a question asks about one procedure, so the result card can answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Ask {
    /// "bao lâu", "mấy ngày": the time limit.
    TimeLimit,
    /// "lệ phí", "bao nhiêu tiền": the fee.
    Fee,
    /// "ở đâu", "nộp ở đâu": where to submit, at what level.
    Place,
    /// "cần giấy tờ gì", "mang theo gì": the first documents of the dossier.
    Documents,
}

const ASKS: &[(&str, Ask)] = &[
    ("bao lâu", Ask::TimeLimit),
    ("bao nhiêu lâu", Ask::TimeLimit),
    ("bao nhiêu ngày", Ask::TimeLimit),
    ("mấy ngày", Ask::TimeLimit),
    ("bao giờ", Ask::TimeLimit),
    ("khi nào có", Ask::TimeLimit),
    ("thời hạn", Ask::TimeLimit),
    ("thời gian", Ask::TimeLimit),
    ("lâu không", Ask::TimeLimit),
    ("lệ phí", Ask::Fee),
    ("phí", Ask::Fee),
    ("mức phí", Ask::Fee),
    ("bao nhiêu tiền", Ask::Fee),
    ("hết bao nhiêu", Ask::Fee),
    ("tốn bao nhiêu", Ask::Fee),
    ("mất bao nhiêu", Ask::Fee),
    ("mất tiền", Ask::Fee),
    ("tốn tiền", Ask::Fee),
    ("miễn phí", Ask::Fee),
    ("ở đâu", Ask::Place),
    ("ở mô", Ask::Place),
    ("chỗ mô", Ask::Place),
    ("đi đâu", Ask::Place),
    ("đến đâu", Ask::Place),
    ("chỗ nào", Ask::Place),
    ("nơi nào", Ask::Place),
    ("cơ quan nào", Ask::Place),
    ("giấy tờ gì", Ask::Documents),
    ("giấy tờ nào", Ask::Documents),
    ("những giấy tờ", Ask::Documents),
    ("hồ sơ gì", Ask::Documents),
    ("hồ sơ gồm", Ask::Documents),
    ("thành phần hồ sơ", Ask::Documents),
    ("gồm những gì", Ask::Documents),
    ("cần những gì", Ask::Documents),
    ("cần gì", Ask::Documents),
    ("cần chi", Ask::Documents),
    ("mang gì", Ask::Documents),
    ("mang chi", Ask::Documents),
    ("mang theo gì", Ask::Documents),
    ("chuẩn bị gì", Ask::Documents),
    ("cần chuẩn bị", Ask::Documents),
    ("cần mang", Ask::Documents),
];

/// A list of phrases, each as folded words with the tone keys of its words.
pub(crate) struct Phrases {
    phrases: Vec<(Vec<String>, Vec<String>)>,
    /// The one-word phrases, folded.
    words: Vec<String>,
}

impl Phrases {
    fn new<'a>(list: impl Iterator<Item = &'a str>) -> Phrases {
        let phrases: Vec<(Vec<String>, Vec<String>)> = list
            .map(|p| {
                let ws = analyzer::words(p);
                (
                    ws.iter().map(|w| w.folded.clone()).collect(),
                    ws.iter().map(|w| text::tone_key(w.raw)).collect(),
                )
            })
            .collect();
        let mut words: Vec<String> = phrases
            .iter()
            .filter(|(f, _)| f.len() == 1)
            .map(|(f, _)| f[0].clone())
            .collect();
        words.sort();
        words.dedup();
        Phrases { phrases, words }
    }

    /// Index of the longest phrase at `words[i..]` (complete words only) and its length.
    pub fn longest_at(&self, words: &[QWord], i: usize) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        for (at, (folded, tones)) in self.phrases.iter().enumerate() {
            let k = folded.len();
            if best.is_some_and(|b| k <= b.1) || i + k > words.len() {
                continue;
            }
            let ok = (0..k).all(|o| {
                let w = &words[i + o];
                !w.prefix && w.folded == folded[o] && w.tone.as_ref().is_none_or(|t| *t == tones[o])
            });
            if ok {
                best = Some((at, k));
            }
        }
        best
    }

    /// Index and length of the longest phrase that runs from `words[i]` to the end of the
    /// query, where the last word is still being typed but already equals the phrase's last
    /// word (with its diacritics, when typed with them).
    pub fn ending_at_end(&self, words: &[QWord], i: usize) -> Option<(usize, usize)> {
        let n = words.len();
        if i >= n || !words[n - 1].prefix {
            return None;
        }
        let k = n - i;
        self.phrases
            .iter()
            .position(|(folded, tones)| {
                folded.len() == k
                    && (0..k).all(|o| {
                        let w = &words[i + o];
                        w.folded == folded[o] && w.tone.as_ref().is_none_or(|t| *t == tones[o])
                    })
            })
            .map(|at| (at, k))
    }

    /// Whether a folded word is one of the one-word phrases.
    pub fn has_word(&self, w: &str) -> bool {
        self.words.binary_search_by(|x| x.as_str().cmp(w)).is_ok()
    }
}

pub(crate) fn fillers() -> &'static Phrases {
    static F: std::sync::OnceLock<Phrases> = std::sync::OnceLock::new();
    F.get_or_init(|| Phrases::new(FILLERS.iter().copied()))
}

pub(crate) fn context() -> &'static Phrases {
    static F: std::sync::OnceLock<Phrases> = std::sync::OnceLock::new();
    F.get_or_init(|| Phrases::new(CONTEXT.iter().copied()))
}

fn asks() -> &'static Phrases {
    static F: std::sync::OnceLock<Phrases> = std::sync::OnceLock::new();
    F.get_or_init(|| Phrases::new(ASKS.iter().map(|a| a.0)))
}

/// The first thing the query asks about a procedure, if it asks one. "bao nhiêu" alone asks
/// the fee unless the next word makes it a time ("bao nhiêu ngày").
pub(crate) fn ask(words: &[QWord]) -> Option<Ask> {
    let table = asks();
    for i in 0..words.len() {
        // The longest phrase, also one that the question ends on ("… mất bao lâu").
        let whole = table.longest_at(words, i);
        let ending = table.ending_at_end(words, i);
        let at = match (whole, ending) {
            (Some(w), Some(e)) => Some(if e.1 > w.1 { e.0 } else { w.0 }),
            (w, e) => w.or(e).map(|x| x.0),
        };
        if let Some(at) = at {
            return ASKS.get(at).map(|a| a.1);
        }
        let w = &words[i];
        if !w.prefix
            && w.folded == "bao"
            && words.get(i + 1).is_some_and(|n| n.folded == "nhieu")
            && words
                .get(i + 2)
                .is_none_or(|n| !matches!(n.folded.as_str(), "ngay" | "lau" | "thang"))
        {
            return Some(Ask::Fee);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::plan::tokenize;

    #[test]
    fn questions_say_what_they_ask() {
        let a = |q: &str| ask(&tokenize(q));
        assert_eq!(a("làm khai sinh mất bao lâu "), Some(Ask::TimeLimit));
        assert_eq!(a("lam khai sinh may ngay "), Some(Ask::TimeLimit));
        assert_eq!(a("lệ phí đăng ký thường trú "), Some(Ask::Fee));
        assert_eq!(a("lam can cuoc het bao nhieu tien"), Some(Ask::Fee));
        assert_eq!(a("đổi bằng lái bao nhiêu "), Some(Ask::Fee));
        assert_eq!(a("nộp hồ sơ khai tử ở đâu "), Some(Ask::Place));
        assert_eq!(a("dang ky ket hon o mo "), Some(Ask::Place));
        assert_eq!(a("làm căn cước cần giấy tờ gì "), Some(Ask::Documents));
        assert_eq!(a("Làm căn cước cần chi "), Some(Ask::Documents));
        assert_eq!(a("đăng ký khai sinh "), None);
        // Typed with diacritics, "mở" is not the Central "mô".
        assert_eq!(a("mở công ty ở mở "), None);
        // A word still being typed asks nothing yet; a question that ends on its last word
        // does.
        assert_eq!(a("khai sinh bao lâ"), None);
        assert_eq!(a("khai sinh bao lâu"), Some(Ask::TimeLimit));
        assert_eq!(a("ket hon can giay to gi"), Some(Ask::Documents));
        assert_eq!(a("nộp hồ sơ khai tử ở đâu"), Some(Ask::Place));
    }

    #[test]
    fn phrase_lists_find_the_longest() {
        let ws = tokenize("tôi muốn biết thủ tục hành chính ");
        let f = fillers();
        assert_eq!(f.longest_at(&ws, 1).map(|x| x.1), Some(2));
        assert_eq!(f.longest_at(&ws, 3).map(|x| x.1), Some(4));
        assert!(f.has_word("gi") && !f.has_word("khai"));
        assert!(
            context()
                .longest_at(&tokenize("hai vợ chồng "), 0)
                .is_some_and(|x| x.1 == 3)
        );
    }
}
