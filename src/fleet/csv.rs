//! Reading the CSV that `app::usage::export_csv` writes (RFC 4180: fields quoted when they hold a
//! comma, a quote or a line break; quotes doubled), strictly: anything else is an error with its
//! line, so a damaged file is refused rather than half read.

/// One record and the line it starts on (1-based).
pub type Record = (usize, Vec<String>);

/// Splits `text` into records. A leading byte-order mark is dropped; the last line may or may not
/// end with a line break.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') if field.is_empty() => {
                    // A quoted field: runs to the closing quote; "" is a quote.
                    loop {
                        match chars.next() {
                            None => return Err(format!("line {start}: unterminated quoted field")),
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                    match chars.peek() {
                        None | Some(',' | '\n' | '\r') => {}
                        Some(c) => {
                            return Err(format!("line {line}: `{c}` after a closing quote"));
                        }
                    }
                }
                Some('"') => return Err(format!("line {line}: a quote inside an unquoted field")),
                Some(',') => fields.push(std::mem::take(&mut field)),
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    fields.push(std::mem::take(&mut field));
                    line += 1;
                    break;
                }
                Some(c) => field.push(c),
            }
        }
        records.push((start, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn quoted_fields_commas_quotes_and_line_breaks() {
        let r = parse("\u{feff}a,b\r\nx,\"y, \"\"z\"\"\n2\"\n,\n").expect("parse");
        assert_eq!(
            r,
            vec![
                (1, vec!["a".to_string(), "b".into()]),
                (2, vec!["x".to_string(), "y, \"z\"\n2".into()]),
                (4, vec![String::new(), String::new()]),
            ]
        );
        assert_eq!(parse("a,b").expect("no final newline").len(), 1);
    }

    #[test]
    fn damage_is_an_error_with_its_line() {
        assert_eq!(
            parse("a\nb,\"open").expect_err("unterminated"),
            "line 2: unterminated quoted field"
        );
        assert!(
            parse("a\nb\"c\n")
                .expect_err("stray quote")
                .starts_with("line 2")
        );
        assert!(parse("\"a\"b\n").expect_err("junk").starts_with("line 1"));
    }
}
