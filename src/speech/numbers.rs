//! Vietnamese number words: how a person reads "2015", "1.500.000", "21" or "105" aloud
//! (hai nghìn không trăm mười lăm, một triệu năm trăm nghìn, hai mươi mốt, một trăm linh năm).
//! Northern usage (nghìn, linh), matching espeak-ng's default Vietnamese voice.

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// One digit's word.
pub fn digit(d: u32) -> &'static str {
    DIGITS.get(d as usize).copied().unwrap_or("")
}

/// Each digit of `s` read on its own ("0208" → "không hai không tám"); other characters are
/// skipped.
pub fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| c.to_digit(10))
        .map(digit)
        .collect::<Vec<_>>()
        .join(" ")
}

/// 0..=999. `inner` means the group follows a larger one ("một nghìn không trăm linh năm"), so
/// an empty hundreds place is still read.
fn group(n: u64, inner: bool, out: &mut Vec<&'static str>) {
    let (h, t, u) = (
        (n / 100) as usize,
        ((n / 10) % 10) as usize,
        (n % 10) as usize,
    );
    if h > 0 || inner {
        out.push(DIGITS[h]);
        out.push("trăm");
    }
    match t {
        0 if u > 0 && (h > 0 || inner) => out.push("linh"),
        0 => {}
        1 => out.push("mười"),
        _ => {
            out.push(DIGITS[t]);
            out.push("mươi");
        }
    }
    match u {
        0 => {}
        1 if t >= 2 => out.push("mốt"),
        4 if t >= 2 => out.push("tư"),
        5 if t >= 1 => out.push("lăm"),
        _ => out.push(DIGITS[u]),
    }
}

fn words(n: u64, inner: bool, out: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    if n >= BILLION {
        words(n / BILLION, inner, out);
        out.push("tỷ");
        let rest = n % BILLION;
        if rest > 0 {
            words(rest, true, out);
        }
        return;
    }
    let mut started = inner;
    for (scale, name) in [(1_000_000, "triệu"), (1_000, "nghìn")] {
        let g = (n / scale) % 1000;
        if g > 0 {
            group(g, started, out);
            out.push(name);
            started = true;
        }
    }
    let g = n % 1000;
    if g > 0 {
        group(g, started, out);
    }
}

/// A whole number in words.
pub fn number(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    let mut out = Vec::new();
    words(n, false, &mut out);
    out.join(" ")
}

/// A decimal written with a comma ("1,5" → "một phẩy năm"; "2,05" → "hai phẩy không năm").
pub fn decimal(whole: u64, fraction: &str) -> String {
    let frac = if fraction.starts_with('0') || fraction.len() > 3 {
        digits(fraction)
    } else {
        number(fraction.parse().unwrap_or(0))
    };
    format!("{} phẩy {frac}", number(whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_say_them() {
        let cases: &[(u64, &str)] = &[
            (0, "không"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (55, "năm mươi lăm"),
            (100, "một trăm"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (115, "một trăm mười lăm"),
            (1000, "một nghìn"),
            (1005, "một nghìn không trăm linh năm"),
            (2015, "hai nghìn không trăm mười lăm"),
            (2022, "hai nghìn không trăm hai mươi hai"),
            (50_000, "năm mươi nghìn"),
            (1_500_000, "một triệu năm trăm nghìn"),
            (2_100_000_000, "hai tỷ một trăm triệu"),
            (1_000_000_001, "một tỷ không trăm linh một"),
        ];
        for (n, want) in cases {
            assert_eq!(number(*n), *want, "{n}");
        }
    }

    #[test]
    fn digits_and_decimals() {
        assert_eq!(digits("001193"), "không không một một chín ba");
        assert_eq!(decimal(1, "5"), "một phẩy năm");
        assert_eq!(decimal(2, "05"), "hai phẩy không năm");
    }
}
