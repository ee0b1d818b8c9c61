//! What a citizen is sent to: links (https only, to hosts the office allows) and hotline numbers
//! (digits only). Both come from signed bundles and end up in QR codes and on the screen.

/// The national public service portal's host, allowed for links by default.
pub const PORTAL_HOST: &str = "dichvucong.gov.vn";

/// The host of an `https://` link, lower-cased; `None` for anything else (another scheme, a user
/// name or password, an empty host).
pub fn https_host(link: &str) -> Option<String> {
    let rest = link.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    };
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    ok.then(|| host.to_ascii_lowercase())
}

/// Whether `host` is one of `allowed` or below one of them (`thanhtoan.dichvucong.gov.vn` under
/// `dichvucong.gov.vn`).
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| {
        let a = a.trim().trim_end_matches('.').to_ascii_lowercase();
        !a.is_empty() && (host == a || host.ends_with(&format!(".{a}")))
    })
}

/// A hotline number as dialled: digits, single spaces between groups, 3 to 15 digits.
pub fn is_phone_number(number: &str) -> bool {
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    (3..=15).contains(&digits)
        && number.bytes().all(|b| b.is_ascii_digit() || b == b' ')
        && !number.starts_with(' ')
        && !number.ends_with(' ')
        && !number.contains("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_numbers() {
        let allowed = vec!["dichvucong.gov.vn".to_string()];
        for (link, ok) in [
            ("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", true),
            ("https://thanhtoan.dichvucong.gov.vn/", true),
            ("https://DICHVUCONG.gov.vn:443/x", true),
            ("http://dichvucong.gov.vn/", false),
            ("javascript:alert(1)", false),
            ("https://dichvucong.gov.vn@evil.example/", false),
            ("https://evildichvucong.gov.vn/", false),
            ("https://dichvucong.gov.vn.evil.example/", false),
        ] {
            let passes = https_host(link).is_some_and(|h| host_allowed(&h, &allowed));
            assert_eq!(passes, ok, "{link}");
        }
        assert!(is_phone_number("1800 1096"));
        assert!(is_phone_number("111"));
        assert!(!is_phone_number("1800-1096"));
        assert!(!is_phone_number("1800 1096 ext. 2"));
        assert!(!is_phone_number("12"));
    }
}
