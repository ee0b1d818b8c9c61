//! Reading JSON Lines files whose every error names the file, the line and, when the JSON is
//! well-formed but the data is wrong, the field.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::BundleError;

/// Reads the whole file (decompressed when its name ends in `.zst`); an empty (or
/// whitespace-only) file is an error.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, BundleError> {
    let bytes = super::zst::read_file(path)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BundleError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(bytes)
}

/// Splits into (1-based line number, text) for non-blank lines, refusing binary data.
pub(crate) fn lines<'a>(
    path: &'a Path,
    bytes: &'a [u8],
) -> impl Iterator<Item = Result<(usize, &'a str), BundleError>> + 'a {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !is_blank(l))
        .map(move |(i, raw)| Ok((i + 1, line_text(path, i + 1, raw)?)))
}

/// Whether a line (without its newline) holds nothing but whitespace: such lines are skipped.
pub(crate) fn is_blank(raw: &[u8]) -> bool {
    raw.iter().all(u8::is_ascii_whitespace)
}

/// One line (without its newline) as text, refusing binary data.
pub(crate) fn line_text<'a>(
    path: &Path,
    line: usize,
    raw: &'a [u8],
) -> Result<&'a str, BundleError> {
    let not_text = || BundleError::NotText {
        path: path.to_path_buf(),
        line,
    };
    let text = std::str::from_utf8(raw).map_err(|_| not_text())?;
    // NUL and most C0 controls never occur in JSON text; their presence means garbage.
    if text
        .bytes()
        .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\r'))
    {
        return Err(not_text());
    }
    Ok(text.trim_start_matches('\u{feff}'))
}

/// Parses one line into `T`, naming the field on a type error.
pub(crate) fn parse_line<T: DeserializeOwned>(
    path: &Path,
    line: usize,
    text: &str,
) -> Result<T, BundleError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut de);
    if parsed.is_ok()
        && let Err(e) = de.end()
    {
        return Err(BundleError::Json {
            path: path.to_path_buf(),
            line,
            column: e.column(),
            message: "trailing characters after the record".into(),
        });
    }
    match parsed {
        Ok(v) => Ok(v),
        Err(e) => {
            let field = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_data() && field != "." && !field.is_empty() {
                Err(BundleError::Field {
                    path: path.to_path_buf(),
                    line,
                    field,
                    message: strip_position(&inner.to_string()),
                })
            } else {
                Err(BundleError::Json {
                    path: path.to_path_buf(),
                    line,
                    column: inner.column(),
                    message: strip_position(&inner.to_string()),
                })
            }
        }
    }
}

/// serde_json appends " at line 1 column 42"; the line is the file's, not the record's, so the
/// error carries it separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Reads a JSON Lines file into records, each with its line number.
pub(crate) fn read<T: DeserializeOwned>(path: &Path) -> Result<Vec<(usize, T)>, BundleError> {
    let bytes = read_bytes(path)?;
    let mut out = Vec::new();
    for item in lines(path, &bytes) {
        let (line, text) = item?;
        out.push((line, parse_line(path, line, text)?));
    }
    Ok(out)
}
