//! Turning the portal's "trình tự thực hiện" text into ordered steps. The portal writes steps as
//! "Bước 1: …" headings or as "- " bullets with "(i)"/"+" sub-points; each becomes one step and
//! the sub-points stay with the step they belong to. Text that has neither stays one step.

use crate::domain::Step;
use crate::domain::text::{clean, clean_line, fold};

fn step_label(line: &str) -> Option<(String, String)> {
    // "Bước 1: Thụ lý …", "Bước 2. …", "Bước 3 - …"
    let f = fold(line);
    let rest = f.strip_prefix("buoc")?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return None;
    }
    // Map back to the original string: "Bước" is 4 chars, then spaces, then digits.
    let mut chars = line.char_indices().skip(4);
    let mut end = line.len();
    let mut seen_digit = false;
    for (i, c) in chars.by_ref() {
        if c.is_ascii_digit() {
            seen_digit = true;
        } else if seen_digit {
            end = i;
            break;
        } else if !c.is_whitespace() {
            return None;
        }
    }
    let label = line[..end].trim().to_string();
    let body = line[end..]
        .trim_start_matches([':', '.', '-', '–', ')'])
        .trim()
        .to_string();
    Some((label, body))
}

fn is_bullet(line: &str) -> bool {
    line.starts_with("- ")
        || line.starts_with("-\u{a0}")
        || (line.starts_with('-') && line.chars().nth(1).is_some_and(char::is_alphabetic))
}

fn is_note(line: &str) -> bool {
    line.starts_with('*')
}

/// Split one step record (portal name + description) into steps.
pub fn split(name: &str, description: &str) -> Vec<Step> {
    let name = clean_line(name);
    let text = clean(description);
    if text.is_empty() {
        return if name.is_empty() {
            Vec::new()
        } else {
            vec![Step {
                title: String::new(),
                text: name,
            }]
        };
    }
    let lines: Vec<&str> = text.lines().collect();
    let by_label = lines.iter().filter(|l| step_label(l).is_some()).count() >= 1;
    let by_bullet = !by_label && lines.iter().filter(|l| is_bullet(l)).count() >= 2;

    let mut steps: Vec<Step> = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    // Bullets after a "* Lưu ý:" heading are the note's points, not further steps.
    let mut in_note = false;
    let flush = |cur: &mut Option<(String, Vec<String>)>, steps: &mut Vec<Step>| {
        if let Some((title, body)) = cur.take() {
            let t = clean(&body.join("\n"));
            if !t.is_empty() || !title.is_empty() {
                steps.push(Step { title, text: t });
            }
        }
    };
    for line in lines {
        let starts = if by_label {
            step_label(line)
        } else if by_bullet && is_bullet(line) && !in_note {
            Some((String::new(), line[1..].trim().to_string()))
        } else {
            None
        };
        if let Some((title, body)) = starts {
            in_note = false;
            flush(&mut cur, &mut steps);
            cur = Some((title, vec![body]));
        } else if is_note(line) && (by_label || by_bullet) {
            flush(&mut cur, &mut steps);
            in_note = true;
            let t = line
                .trim_start_matches('*')
                .trim()
                .trim_end_matches(':')
                .trim();
            cur = Some((t.to_string(), Vec::new()));
        } else {
            cur.get_or_insert_with(|| (String::new(), Vec::new()))
                .1
                .push(line.to_string());
        }
    }
    flush(&mut cur, &mut steps);
    if !name.is_empty() {
        let n = name
            .trim_start_matches('*')
            .trim()
            .trim_end_matches(':')
            .trim()
            .to_string();
        if let [only] = steps.as_mut_slice()
            && only.title.is_empty()
        {
            only.title = n;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_steps() {
        let s = split(
            "",
            "Bước 1: Thụ lý giải quyết khiếu nại\n\nNếu khiếu nại …\nBước 2: Xác minh nội dung\nChi tiết",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].title, "Bước 1");
        assert!(s[0].text.starts_with("Thụ lý giải quyết khiếu nại"));
        assert!(s[0].text.contains("Nếu khiếu nại"));
        assert_eq!(s[1].title, "Bước 2");
    }

    #[test]
    fn bullets_with_sub_points_and_a_note() {
        let s = split(
            "",
            "- Nộp hồ sơ.\n- Kiểm tra hồ sơ.\n(i) Đủ thì nhận.\n+ Thiếu thì bổ sung.\n* Lưu ý:\n- Trong 60 ngày.",
        );
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0].text, "Nộp hồ sơ.");
        assert!(s[1].text.contains("(i) Đủ thì nhận."));
        assert!(s[1].text.contains("+ Thiếu"));
        assert_eq!(s[2].title, "Lưu ý");
        assert_eq!(s[2].text, "- Trong 60 ngày.");
    }

    #[test]
    fn plain_text_is_one_step() {
        let s = split("", "Tổ chức nộp hồ sơ tại Bộ.");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "Tổ chức nộp hồ sơ tại Bộ.");
        assert!(split("", "  ").is_empty());
    }
}
