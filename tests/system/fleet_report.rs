//! The fleet report from three real kiosks: each kiosk's data directory is driven through the
//! app core (searches run on its real index, procedures opened from the results, ratings), its
//! usage exported as staff would to a USB stick, and the province's report made from the three
//! exports (plus one it must refuse). The numbers are checked against what the test did, and the
//! report is rendered by headless Chromium to a PNG.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, Local};

use motcua::app::kiosk::{Kiosk, Origin};
use motcua::app::search::SearchRequest;
use motcua::app::usage::{self, Rating, Recorder};
use motcua::config::Config;

use super::support::*;

/// Citizen phrases (as typed at the counter: without diacritics, abbreviations) and phrases that
/// find nothing, one of them hostile.
const QUERIES: [&str; 9] = [
    "dang ky khai sinh",
    "cap lai cccd",
    "so do",
    "giay phep lai xe",
    "dang ky ket hon",
    "chung thuc ban sao",
    "zxqv",
    "qwrtp kkk",
    "<script>alert(1)</script>",
];

/// What the test did, to check the report against.
#[derive(Default)]
struct Tally {
    visits_by_day: BTreeMap<String, u64>,
    searches: BTreeMap<String, u64>,
    zero: BTreeMap<String, u64>,
    views: u64,
    ratings: [u64; 4],
    by_procedure: BTreeMap<String, [u64; 4]>,
}

/// Number of results and the first procedure for `q` on this kiosk's real index.
fn search(k: &Kiosk, q: &str) -> (u64, Option<String>) {
    let out = k
        .search(&SearchRequest {
            text: q.into(),
            ..Default::default()
        })
        .expect("search");
    (
        out.results.total as u64,
        out.results.procedures.first().map(|h| h.code.clone()),
    )
}

/// Seven days of visits: the past six written with their times into the kiosk's database, today's
/// through the recorder as the window records them. Deterministic, different per kiosk.
fn drive(k: &Kiosk, seed: usize, busy: u64) -> Tally {
    let mut t = Tally::default();
    let answers: Vec<(u64, Option<String>)> = QUERIES.iter().map(|q| search(k, q)).collect();
    assert!(answers[0].0 > 0 && answers[6].0 == 0, "{answers:?}");
    let levels = [
        Rating::VerySatisfied,
        Rating::Satisfied,
        Rating::Neutral,
        Rating::Dissatisfied,
    ];
    let db = k.kiosk_db();
    let rec = Recorder::new(true);
    let today = Local::now();
    for back in (0..7i64).rev() {
        let day = today - Duration::days(back);
        let visits = busy + ((back as usize * 7 + seed * 3) % 5) as u64;
        let date = day.format("%Y-%m-%d").to_string();
        for v in 0..visits as usize {
            let qi = (back as usize * 31 + v * 17 + seed * 5) % QUERIES.len();
            let q = QUERIES[qi];
            let (n, top) = answers[qi].clone();
            let rating = match (v + seed) % 5 {
                0 | 1 => Some(levels[(v + back as usize + seed) % 4]),
                2 if n == 0 => Some(Rating::Dissatisfied),
                _ => None,
            };
            let code = top.filter(|_| n > 0);
            if back == 0 {
                rec.touch(k);
                rec.query_typed(q, n);
                if let Some(c) = &code {
                    rec.viewed(k, c);
                }
                if let Some(r) = rating {
                    rec.rated(k, r, Some("Không tìm thấy thủ tục"), code.as_deref());
                }
                rec.end_visit(k);
            } else {
                let at = format!("{date}T{:02}:{:02}:00+07:00", 8 + v / 6, (v * 7) % 60);
                let s = db.start_session(&at).expect("session");
                db.record_search(&at, &usage::normalise_query(q), n)
                    .expect("search");
                if let Some(c) = &code {
                    db.record_view(&at, c).expect("view");
                }
                if let Some(r) = rating {
                    let reason = (r == Rating::Dissatisfied).then_some("Không tìm thấy thủ tục");
                    db.record_rating(&at, r as u8, reason, code.as_deref())
                        .expect("rating");
                }
                db.end_session(s, &at).expect("end");
            }
            *t.visits_by_day.entry(date.clone()).or_default() += 1;
            let nq = usage::normalise_query(q);
            *t.searches.entry(nq.clone()).or_default() += 1;
            if n == 0 {
                *t.zero.entry(nq).or_default() += 1;
            }
            if code.is_some() {
                t.views += 1;
            }
            if let Some(r) = rating {
                let l = r as usize - 1;
                t.ratings[l] += 1;
                if let Some(c) = &code {
                    t.by_procedure.entry(c.clone()).or_default()[l] += 1;
                }
            }
        }
    }
    t
}

fn office_config(name: &str, level: &str) -> Config {
    let mut cfg = Config::default();
    cfg.office.name = name.into();
    cfg.office.province = "Tỉnh Thái Nguyên".into();
    cfg.office.level = level.into();
    cfg
}

/// Renders `html` with headless Chromium to a PNG of `width`×`height`.
fn chromium_png(html: &Path, png: &Path, width: u32, height: u32) {
    let chromium = require("chromium", "chromium");
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success() && png.is_file(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_report_from_three_kiosks_has_their_numbers_and_renders_in_chromium() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    let offices = [
        ("UBND phường Phan Đình Phùng", "commune", 3, false),
        ("UBND xã Tân Cương", "commune", 2, true),
        (
            "Trung tâm Phục vụ hành chính công tỉnh",
            "province",
            6,
            true,
        ),
    ];
    let mut tallies = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (i, (name, level, busy, newer)) in offices.iter().enumerate() {
        let data = tmp.join(format!("kiosk-{i}"));
        let k = kiosk(&data, office_config(name, level));
        if *newer {
            let built = bundle(2, chrono::Utc::now() - Duration::days(3));
            let key = signed_bundle(&built, &data.join("incoming"));
            k.apply_bundle(
                &data.join("incoming/bundle"),
                &[key],
                Origin::Usb,
                &mut |_| {},
            )
            .expect("apply version 2");
        }
        tallies.push((
            name.to_string(),
            drive(&k, i, *busy),
            usage::kiosk_id(&k).expect("id"),
        ));
        let stick = tmp.join(format!("usb/kiosk-{i}/motcua/thong-ke"));
        usage::export_csv(&k, &stick).expect("export");
        dirs.push(tmp.join(format!("usb/kiosk-{i}")));
    }
    // A stick that went through a newer motcua: refused, listed, not counted.
    let newer = tmp.join("usb/newer");
    std::fs::create_dir_all(&newer).expect("mkdir");
    for e in std::fs::read_dir(tmp.join("usb/kiosk-0/motcua/thong-ke")).expect("dir") {
        let p = e.expect("entry").path();
        let text = std::fs::read_to_string(&p).expect("read");
        let text = text.replace("\"format_version\": 1", "\"format_version\": 3");
        std::fs::write(newer.join(p.file_name().expect("name")), text).expect("write");
    }
    dirs.push(newer);

    let fleet = motcua::fleet::build(&dirs).expect("fleet");
    assert_eq!(fleet.kiosks.len(), 3);
    assert_eq!(fleet.exports_read, 3);
    assert_eq!(fleet.skipped.len(), 1, "{:?}", fleet.skipped);
    assert!(fleet.skipped[0].reason.contains("format version 3"));

    // Each kiosk's numbers are the test's.
    let mut all_searches: BTreeMap<String, u64> = BTreeMap::new();
    let mut all_zero: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_procedure: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for (name, t, id) in &tallies {
        let ku = fleet
            .kiosks
            .iter()
            .find(|k| &k.kiosk.office == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(&ku.kiosk.id, id);
        assert_eq!(ku.visits_by_day, t.visits_by_day, "{name}: visits per day");
        assert_eq!(ku.visits, t.visits_by_day.values().sum::<u64>());
        assert_eq!(ku.searches, t.searches.values().sum::<u64>(), "{name}");
        assert_eq!(
            ku.zero_result_searches,
            t.zero.values().sum::<u64>(),
            "{name}"
        );
        assert_eq!(ku.views, t.views, "{name}");
        assert_eq!(ku.ratings, t.ratings, "{name}");
        assert_eq!(ku.kiosk.province, "Tỉnh Thái Nguyên");
        for (q, n) in &t.searches {
            *all_searches.entry(q.clone()).or_default() += n;
        }
        for (q, n) in &t.zero {
            *all_zero.entry(q.clone()).or_default() += n;
        }
        for (c, r) in &t.by_procedure {
            let e = by_procedure.entry(c.clone()).or_default();
            for l in 0..4 {
                e[l] += r[l];
            }
        }
    }
    let versions: BTreeMap<&str, u64> = fleet
        .kiosks
        .iter()
        .map(|k| (k.kiosk.office.as_str(), k.data.version))
        .collect();
    assert_eq!(versions["UBND phường Phan Đình Phùng"], 1);
    assert_eq!(versions["UBND xã Tân Cương"], 2);
    assert_eq!(fleet.newest_data_version(), 2);
    let got: BTreeMap<String, u64> = fleet
        .searches
        .iter()
        .map(|q| (q.query.clone(), q.count))
        .collect();
    assert_eq!(got, all_searches);
    let got: BTreeMap<String, u64> = fleet
        .zero_result
        .iter()
        .map(|q| (q.query.clone(), q.count))
        .collect();
    assert_eq!(got, all_zero);
    assert!(
        fleet
            .zero_result
            .windows(2)
            .all(|w| w[0].count >= w[1].count),
        "most first"
    );
    assert_eq!(fleet.zero_result[0].kiosks, 3, "searched at every kiosk");
    let got: BTreeMap<String, [u64; 4]> = fleet.ratings_by_procedure.iter().cloned().collect();
    assert_eq!(got, by_procedure);

    // The report, made by the command as a province would, with procedure names from the first
    // kiosk's data: the same numbers, escaped citizen text, nothing to fetch.
    let report = tmp.join("report.html");
    let out = Command::new(bin())
        .arg("--data-dir")
        .arg(tmp.join("kiosk-0"))
        .args(["fleet", "report", "--out"])
        .arg(&report)
        .arg("--from")
        .args(&dirs)
        .output()
        .expect("run motcua fleet report");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("3 kiosks from 3 exports, 1 skipped"),
        "{stdout}"
    );
    assert!(
        stderr.contains("format version 3 is not supported"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&report).expect("report");
    let (zq, zn) = (&fleet.zero_result[0].query, fleet.zero_result[0].count);
    assert!(
        html.contains(&format!(
            "<td>{}</td><td class=\"num\">{zn}</td>",
            zq.replace('<', "&lt;").replace('>', "&gt;")
        )),
        "zero-result row for {zq}"
    );
    for (name, t, _) in &tallies {
        let visits: u64 = t.visits_by_day.values().sum();
        assert!(
            html.contains(&format!("<tr><td>{name}</td>"))
                && html.contains(&format!(">{visits}</text>")),
            "{name}: {visits} visits"
        );
    }
    let k0 = Kiosk::open(&tmp.join("kiosk-0"), Config::default()).expect("open kiosk 0");
    let code = &fleet.ratings_by_procedure[0].0;
    let name = k0
        .procedure(code)
        .expect("read")
        .expect("rated procedure exists")
        .name;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    assert!(
        html.contains(&format!("<title>{code} – {}</title>", esc(&name))),
        "{code} named from the local data"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script"));
    for needle in ["src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(
            !html.contains(needle),
            "the report must not load anything: {needle}"
        );
    }
    assert!(html.contains("format version 3 is not supported"));
    assert!(
        html.contains("<span class=\"old\">cũ hơn</span>"),
        "kiosk on version 1 marked"
    );

    let png = tmp.join("report.png");
    chromium_png(&report, &png, 1280, 3400);
    let img = image::open(&png).expect("decode PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1280, 3400));
    // Chromium drew the charts: the bars' blue, the "Không hài lòng" red and the heat map.
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0 == rgb).count();
    assert!(count([0x25, 0x63, 0xeb]) > 2000, "bars");
    assert!(count([0xdc, 0x26, 0x26]) > 500, "Không hài lòng");
    assert!(count([0x15, 0x80, 0x3d]) > 500, "Rất hài lòng");
    // The page ends before the window does: the rest is the page's background.
    let background = [0xf8, 0xfa, 0xfc];
    let last = (0..img.height())
        .rev()
        .find(|&y| (0..img.width()).any(|x| img.get_pixel(x, y).0 != background))
        .expect("something drawn");
    assert!(
        last + 1 < img.height(),
        "the report is longer than the window"
    );
    // `MOTCUA_FLEET_REPORT_PNG=docs/screenshots/fleet-report.png` keeps the picture for the docs.
    if let Some(out) = std::env::var_os("MOTCUA_FLEET_REPORT_PNG") {
        image::imageops::crop_imm(&img, 0, 0, img.width(), (last + 24).min(img.height()))
            .to_image()
            .save(&out)
            .expect("save PNG");
    }
}
