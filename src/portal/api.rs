//! The portal's two public endpoints as they are on the wire: POST with a JSON body, answers in
//! an envelope. The catalog pages by cursor (`lastId`); the detail takes the catalog's UUID.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The national public service portal.
pub const DEFAULT_PORTAL: &str = "https://dichvucong.gov.vn";
pub const CATALOG_PATH: &str = "/api/v1/submitting/formality/list-all-public-formality-by-citizen";
pub const DETAIL_PATH: &str = "/api/v1/configuring/formality/get-formality-by-citizen";

/// The catalog request body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogQuery<'a> {
    pub limit: usize,
    pub last_id: &'a str,
    pub q: &'a str,
    pub category_id: &'a str,
    pub department_code: &'a str,
}

/// The detail request body.
#[derive(Debug, Serialize)]
pub struct DetailQuery<'a> {
    pub id: &'a str,
}

#[derive(Deserialize)]
struct CatalogAnswer<'a> {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(borrow, default)]
    data: Option<CatalogData<'a>>,
}

#[derive(Deserialize)]
struct CatalogData<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    #[serde(default, rename = "lastId")]
    last_id: Option<String>,
}

/// One catalog page: every item as the exact text the portal sent, and the cursor for the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogPage {
    pub items: Vec<String>,
    pub last_id: Option<String>,
}

/// Reads a catalog answer; the error says what is wrong with it.
pub fn parse_catalog(body: &[u8]) -> Result<CatalogPage, String> {
    let answer: CatalogAnswer<'_> =
        serde_json::from_slice(body).map_err(|e| format!("not a catalog answer: {e}"))?;
    let Some(data) = answer.data else {
        return Err(format!(
            "no data in the answer (code `{}`{})",
            answer.code.unwrap_or_default(),
            answer
                .message
                .map(|m| format!(", message `{m}`"))
                .unwrap_or_default()
        ));
    };
    Ok(CatalogPage {
        items: data.items.iter().map(|r| r.get().to_string()).collect(),
        last_id: data.last_id.filter(|s| !s.trim().is_empty()),
    })
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "updatedAt")]
    updated_at: Option<i64>,
}

#[derive(Deserialize)]
struct DetailIds {
    #[serde(default)]
    data: Option<IdOnly>,
}

/// The `id` and `updatedAt` of a catalog item, when it has them.
pub fn item_keys(text: &str) -> (Option<String>, Option<i64>) {
    serde_json::from_str::<IdOnly>(text)
        .map(|i| (i.id.map(|s| s.trim().to_string()), i.updated_at))
        .unwrap_or((None, None))
}

/// The `data.id` and `data.updatedAt` of a detail answer.
pub fn detail_keys(text: &str) -> (Option<String>, Option<i64>) {
    serde_json::from_str::<DetailIds>(text)
        .ok()
        .and_then(|d| d.data)
        .map(|i| (i.id.map(|s| s.trim().to_string()), i.updated_at))
        .unwrap_or((None, None))
}

/// A detail answer as one line of `portal-api-details.jsonl`: the bytes as sent when the portal
/// sent one line (the usual case, so the mirror is byte for byte), else the same JSON re-written
/// on one line.
pub fn one_line(body: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8 text".to_string())?;
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{feff}');
    if !text.contains(['\n', '\r']) {
        return Ok(text.to_string());
    }
    let raw: Box<RawValue> =
        serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(raw.get()).map_err(|e| format!("malformed JSON: {e}"))?;
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_items_keep_their_exact_text() {
        let body = br#"{"code":"OK","data":{"items":[{"id":"a","name":"Tho\u00e0i","code":"1.000001"},  {"id":"b"}],"lastId":"b"}}"#;
        let page = parse_catalog(body).expect("page");
        assert_eq!(
            page.items,
            vec![
                r#"{"id":"a","name":"Tho\u00e0i","code":"1.000001"}"#.to_string(),
                r#"{"id":"b"}"#.to_string()
            ]
        );
        assert_eq!(page.last_id.as_deref(), Some("b"));
        let err = parse_catalog(br#"{"code":"ERR","message":"busy"}"#).expect_err("no data");
        assert!(err.contains("ERR") && err.contains("busy"), "{err}");
        assert!(parse_catalog(b"<html>").is_err());
    }

    #[test]
    fn answers_become_one_line() {
        assert_eq!(one_line(b"{\"a\":1}\n").as_deref(), Ok("{\"a\":1}"));
        assert_eq!(one_line(b"{\n  \"a\": 1\n}").as_deref(), Ok("{\"a\":1}"));
        assert!(one_line(b"{\n\"a\":").is_err());
    }
}
