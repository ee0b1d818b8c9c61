//! What to bring: a procedure's dossier sorted for a visitor at the counter. The portal lists
//! conditional items ("Trường hợp trẻ em bị bỏ rơi…"), notes ("0 bản chính", "Lưu ý") and the
//! documents everyone needs in one list, often with the common documents last. Here the items
//! every applicant brings come first, the ones for particular cases next, notes apart; nothing is
//! invented or dropped, only sorted. Read-aloud and the printed checklist use this order.

use super::{DossierItem, Procedure, text};

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The item's words without the source's list markers ("- ", "+ ").
    pub text: String,
    /// "1 bản chính, 1 bản sao"; empty when the source gives no number.
    pub quantity: String,
    /// The same for the English interface: "1 original, 2 copies".
    pub quantity_en: String,
    /// The dossier group it came from ("Giấy tờ phải xuất trình").
    pub group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checklist {
    /// What every applicant brings.
    pub documents: Vec<Entry>,
    /// What to bring in a particular case ("Trường hợp…", "Nếu…", "… trong trường hợp …").
    pub conditional: Vec<Entry>,
    /// Explanations, not documents.
    pub notes: Vec<Entry>,
}

impl Checklist {
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty() && self.conditional.is_empty()
    }
}

/// "- - Giấy chứng sinh" → "Giấy chứng sinh".
pub fn strip_markers(s: &str) -> &str {
    s.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '+' | '*' | '•' | '–' | '·')
    })
    .trim_end()
}

pub fn quantity(originals: u32, copies: u32) -> String {
    let mut q = Vec::new();
    if originals > 0 {
        q.push(format!("{originals} bản chính"));
    }
    if copies > 0 {
        q.push(format!("{copies} bản sao"));
    }
    q.join(", ")
}

/// [`quantity`] for the English interface: "1 original, 2 copies".
pub fn quantity_en(originals: u32, copies: u32) -> String {
    let mut q = Vec::new();
    match originals {
        0 => {}
        1 => q.push("1 original".to_string()),
        n => q.push(format!("{n} originals")),
    }
    match copies {
        0 => {}
        1 => q.push("1 copy".to_string()),
        n => q.push(format!("{n} copies")),
    }
    q.join(", ")
}

/// Items that begin "Trường hợp…", "Nếu…", "Đối với…" or say "trong trường hợp…".
pub fn is_conditional(item_text: &str) -> bool {
    let f = text::fold(strip_markers(item_text));
    ["truong hop", "neu ", "doi voi ", "khi "]
        .iter()
        .any(|p| f.starts_with(p))
        || f.contains("trong truong hop")
}

fn is_note(item: &DossierItem, group: &str, quantities_given: bool) -> bool {
    let t = strip_markers(&item.name);
    (quantities_given && item.originals == 0 && item.copies == 0)
        || t.ends_with(':')
        || text::fold(group).contains("luu y")
}

/// The checklist of a procedure, in the source's order within each part.
pub fn checklist(p: &Procedure) -> Checklist {
    // Some sources give no quantities at all: then a missing number says nothing.
    let quantities_given = p
        .dossier
        .iter()
        .flat_map(|c| &c.items)
        .any(|i| i.originals > 0 || i.copies > 0);
    let mut out = Checklist::default();
    let mut seen = std::collections::HashSet::new();
    for case in &p.dossier {
        let case_conditional = is_conditional(&case.name);
        for item in &case.items {
            let t = text::clean_line(strip_markers(&item.name));
            if t.is_empty() || !seen.insert(text::fold(&t)) {
                continue;
            }
            let entry = Entry {
                text: t,
                quantity: quantity(item.originals, item.copies),
                quantity_en: quantity_en(item.originals, item.copies),
                group: case.name.clone(),
            };
            if is_note(item, &case.name, quantities_given) {
                out.notes.push(entry);
            } else if case_conditional || is_conditional(&item.name) {
                out.conditional.push(entry);
            } else {
                out.documents.push(entry);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DossierCase;

    fn item(name: &str, originals: u32) -> DossierItem {
        DossierItem::for_test(name, originals)
    }

    #[test]
    fn documents_everyone_needs_come_first_notes_apart() {
        let p = Procedure {
            code: "1.001193".into(),
            dossier: vec![
                DossierCase {
                    name: "Giấy tờ phải nộp".into(),
                    items: vec![
                        item("- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản", 1),
                        item("- Văn bản ủy quyền trong trường hợp ủy quyền", 1),
                        item(
                            "Trường hợp đã nộp bản điện tử thì không phải nộp bản giấy.",
                            0,
                        ),
                        item("- Giấy chứng sinh", 1),
                        item("- Đối với giấy tờ gửi kèm theo:", 0),
                    ],
                },
                DossierCase {
                    name: "Lưu ý".into(),
                    items: vec![item("- Cá nhân có quyền lựa chọn", 1)],
                },
            ],
            ..Default::default()
        };
        let c = checklist(&p);
        let texts = |v: &[Entry]| v.iter().map(|e| e.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&c.documents), ["Giấy chứng sinh"]);
        assert_eq!(c.documents[0].quantity, "1 bản chính");
        assert_eq!(c.documents[0].quantity_en, "1 original");
        assert_eq!(
            texts(&c.conditional),
            [
                "Trường hợp trẻ em bị bỏ rơi thì phải có biên bản",
                "Văn bản ủy quyền trong trường hợp ủy quyền"
            ]
        );
        assert_eq!(c.notes.len(), 3);
    }

    #[test]
    fn quantities_in_both_languages() {
        assert_eq!(quantity(1, 2), "1 bản chính, 2 bản sao");
        assert_eq!(quantity_en(1, 2), "1 original, 2 copies");
        assert_eq!(quantity_en(2, 1), "2 originals, 1 copy");
        assert_eq!(quantity_en(0, 3), "3 copies");
        assert_eq!(quantity_en(0, 0), "");
    }

    #[test]
    fn without_any_quantity_nothing_is_taken_for_a_note() {
        let p = Procedure {
            dossier: vec![DossierCase {
                name: String::new(),
                items: vec![item("Tờ khai", 0), item("Bản sao giấy khai sinh", 0)],
            }],
            ..Default::default()
        };
        assert_eq!(checklist(&p).documents.len(), 2);
    }
}
