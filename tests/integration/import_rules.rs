//! What a signed bundle may carry (issue 10, items 11, 15 and 16): versions within the
//! YYYYMMDDNN scheme and above every version ever applied; text fit for the screen, links only
//! to allowed hosts, hotline numbers that are numbers, lists a page can lay out. Each case is a
//! real bundle from the real portal data, signed with a trusted key.

use std::path::{Path, PathBuf};

use motcua::app::kiosk::{Kiosk, Origin, Replay};
use motcua::bundle::Built;
use motcua::store::RefreshOutcome;

use super::common::*;

struct Setup {
    tmp: tempfile::TempDir,
    keys: Keys,
    kiosk: Kiosk,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    drop(small_kiosk(&tmp.path().join("data")));
    let kiosk = Kiosk::open(&tmp.path().join("data"), config_trusting(&keys)).expect("open");
    Setup { tmp, keys, kiosk }
}

impl Setup {
    fn signed(&self, built: &Built, name: &str) -> PathBuf {
        write_signed_dir(built, &self.tmp.path().join(name), &self.keys)
    }

    fn refused(&self, bundle: &Path, expect: &str) -> String {
        let before = self.kiosk.live().meta.version;
        let err = self
            .kiosk
            .apply_bundle(bundle, &[], Origin::Usb, &mut |_| {})
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains(expect), "expected `{expect}` in: {err}");
        assert_eq!(self.kiosk.live().meta.version, before, "live data changed");
        let last = &self.kiosk.kiosk_db().refresh_log(1).expect("history")[0];
        assert_eq!(last.outcome, RefreshOutcome::Rejected, "{last:?}");
        err
    }
}

/// Rewrites one curated JSON file or the first procedure of a built bundle.
fn edit_json(built: &mut Built, file: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let bytes = &mut built
        .files
        .iter_mut()
        .find(|(n, _)| n == file)
        .expect("file in bundle")
        .1;
    if file.ends_with(".jsonl") {
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut first: serde_json::Value = serde_json::from_str(&lines[0]).expect("record");
        edit(&mut first);
        lines[0] = serde_json::to_string(&first).expect("json");
        *bytes = (lines.join("\n") + "\n").into_bytes();
    } else {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("json");
        edit(&mut v);
        *bytes = serde_json::to_vec_pretty(&v).expect("json");
    }
    rehash(built);
}

/// Item 11: a signed version u64::MAX (or any version dated after tomorrow) is refused, so it
/// cannot block every later bundle. After a rollback the rolled-back version stays refused, also
/// after a restart, until a staff member applies it on purpose.
#[test]
fn versions_stay_in_the_scheme_and_a_rolled_back_version_stays_refused() {
    let s = setup();
    for v in [u64::MAX, 9_999_123_199] {
        let huge = s.signed(&build_from(&small_inputs(), v), &format!("v{v}"));
        s.refused(&huge, "outside the version scheme YYYYMMDDNN");
    }
    let v2 = s.signed(&build_from(&small_inputs(), 2), "v2");
    s.kiosk
        .apply_bundle(&v2, &[], Origin::Usb, &mut |_| {})
        .expect("version 2 applies after the refusals");
    assert_eq!(s.kiosk.rollback().expect("rollback").version, 1);
    let err = s.refused(
        &v2,
        "not newer than version 2, the newest this kiosk has applied",
    );
    assert!(err.contains("rolled back"), "{err}");

    // The floor survives a restart.
    let data = s.tmp.path().join("data");
    let reopened = Kiosk::open(&data, config_trusting(&s.keys)).expect("reopen");
    assert_eq!(reopened.live().meta.version, 1);
    assert_eq!(reopened.highest_applied(), 2);
    reopened
        .apply_bundle(&v2, &[], Origin::Usb, &mut |_| {})
        .expect_err("still refused after a restart");

    // The staff's deliberate choice.
    let m = reopened
        .apply_bundle_as(&v2, &[], Origin::Cli, Replay::AllowRolledBack, &mut |_| {})
        .expect("applied on purpose");
    assert_eq!(m.version, 2);

    // `bundle build` writes versions in the scheme (the day, then the quarter hour).
    let out = std::process::Command::new(bin())
        .args(["bundle", "build", "--from"])
        .args(small_inputs())
        .arg("--out")
        .arg(s.tmp.path().join("built"))
        .output()
        .expect("run motcua");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(s.tmp.path().join("built/manifest.json")).expect("manifest"),
    )
    .expect("json");
    let version = manifest["version"].as_u64().expect("version");
    let today: u64 = chrono::Utc::now()
        .format("%Y%m%d")
        .to_string()
        .parse()
        .expect("date");
    assert_eq!(version / 100, today, "{version}");
    assert!(version % 100 < 96, "{version}");
}

/// Item 15: links. A guide link `javascript:…`, plain http, or https to a host outside the
/// allow-list (`[portal] link_hosts` plus the province portal) is refused at import; the
/// province's own portal is allowed once configured.
#[test]
fn guide_links_must_be_https_to_an_allowed_host() {
    let s = setup();
    for (link, expect) in [
        (
            "javascript:alert(document.cookie)",
            "is not an https:// address",
        ),
        ("http://dichvucong.gov.vn/", "is not an https:// address"),
        (
            "https://dichvucong.gov.vn@evil.example/",
            "is not an https:// address",
        ),
        (
            "https://dichvucong.gov.vn.evil.example/",
            "not one of the hosts this kiosk allows",
        ),
        (
            "https://dichvucong.thainguyen.gov.vn/",
            "not one of the hosts this kiosk allows",
        ),
    ] {
        let mut b = build_from(&small_inputs(), 2);
        edit_json(&mut b, "guides.json", |v| {
            v[0]["link"] = serde_json::Value::String(link.into())
        });
        let dir = s.signed(&b, "link");
        s.refused(&dir, expect);
        std::fs::remove_dir_all(&dir).expect("clean");
    }
    let mut b = build_from(&small_inputs(), 2);
    edit_json(&mut b, "guides.json", |v| {
        v[0]["link"] = "https://dichvucong.thainguyen.gov.vn/thu-tuc".into()
    });
    let dir = s.signed(&b, "province");
    let mut c = config_trusting(&s.keys);
    c.portal.province_portal = "https://dichvucong.thainguyen.gov.vn".into();
    drop(s.kiosk);
    let k = Kiosk::open(&s.tmp.path().join("data"), c).expect("reopen");
    k.apply_bundle(&dir, &[], Origin::Usb, &mut |_| {})
        .expect("the province portal is allowed");
    assert_eq!(
        k.guides()[0].link,
        "https://dichvucong.thainguyen.gov.vn/thu-tuc"
    );
}

/// Item 15: hotline numbers are digits (in groups), and every text reaches the store NFC and
/// without control characters (ESC, BEL, NUL) or bidi overrides (U+202E), whatever the signed
/// bundle carried.
#[test]
fn numbers_are_digits_and_text_is_cleaned_at_import() {
    let s = setup();
    let mut b = build_from(&small_inputs(), 2);
    edit_json(&mut b, "hotlines.json", |v| {
        v[0]["number"] = "1800 1096 hoặc gọi javascript:".into()
    });
    let dir = s.signed(&b, "number");
    s.refused(&dir, "is not a phone number");

    let mut b = build_from(&small_inputs(), 2);
    let mut code = String::new();
    edit_json(&mut b, "procedures.jsonl", |v| {
        code = v["code"].as_str().expect("code").to_string();
        // Decomposed "ý" (y + U+0301), escape sequences, a bell, NUL and a right-to-left override.
        v["name"] = "Đăng ky\u{301} khai sinh\u{1b}[31m\u{7}\u{0} \u{202e}nhnad".into();
    });
    edit_json(&mut b, "hotlines.json", |v| {
        v[0]["name"] = "Tổng đài\u{1b}[2J \u{2067}hỗ trợ\u{2069}".into()
    });
    let dir = s.signed(&b, "text");
    s.kiosk
        .apply_bundle(&dir, &[], Origin::Usb, &mut |_| {})
        .expect("cleaned, then applied");
    let p = s.kiosk.procedure(&code).expect("store").expect("procedure");
    assert_eq!(p.name, "Đăng ký khai sinh[31m nhnad");
    let h = &s.kiosk.live().hotlines[0];
    assert_eq!(h.name, "Tổng đài[2J hỗ trợ");
}

/// Item 16: every list is bounded at import. A procedure with 400 dossier items is refused with
/// the field and the limit; one at the bound (300) is stored.
#[test]
fn lists_are_bounded_at_import() {
    let s = setup();
    let with_items = |n: usize| {
        let mut b = build_from(&small_inputs(), 2);
        edit_json(&mut b, "procedures.jsonl", |v| {
            let items: Vec<serde_json::Value> = (1..=n)
                .map(|i| serde_json::json!({"name": format!("Giấy tờ số {i}"), "originals": 1}))
                .collect();
            v["dossier"] = serde_json::json!([{"name": "", "items": items}]);
        });
        b
    };
    let dir = s.signed(&with_items(400), "400");
    s.refused(&dir, "dossier[0].items");
    let err = s.refused(&dir, "the limit is 300 per list");
    assert!(err.contains("400 items"), "{err}");

    let dir = s.signed(&with_items(300), "300");
    s.kiosk
        .apply_bundle(&dir, &[], Origin::Usb, &mut |_| {})
        .expect("at the bound");
}
