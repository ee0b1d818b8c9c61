//! The data core on the real corpus: importers, the default data, the store, `show`/`stats`, and
//! bad input that must be refused without touching what is stored.

use std::path::PathBuf;

use motcua::app::kiosk::Origin;
use motcua::bundle::{self, BundleError, package};
use motcua::domain::{Level, Method};

use super::common::*;

#[test]
fn a_fresh_data_dir_is_seeded_with_every_code() {
    let (_, k) = default_kiosk();
    let s = k.live().content.stats().expect("stats");
    assert!(s.procedures >= 5600, "procedures: {}", s.procedures);
    // 3,067 codes have a detail record (API or page); 98 of those carry no dossier in the source
    // (the crawl cut the page, or the portal lists none) and 17 pages describe another
    // procedure than their code, so they are left out: 2,952 have steps and a dossier.
    assert!(s.with_detail >= 2950, "with detail: {}", s.with_detail);
    assert!(s.by_source["catalog"] >= 5600);
    assert!(s.by_source["portal_api"] >= 500);
    assert!(s.by_source["portal_pages"] >= 2600);
    assert!(s.by_source["official_list"] >= 2600);
    assert_eq!(s.hotlines, 5);
    assert_eq!(s.guides, 5);
    assert_eq!(s.life_events, 22);
    assert!(s.synonyms > 20);
}

/// 1.001193 "Thủ tục đăng ký khai sinh", field by field against its API record.
#[test]
fn birth_registration_matches_the_portal_record() {
    let src = read_text(&corpus_file("portal-api-details")).expect("corpus");
    let raw: serde_json::Value = src
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["data"]["code"] == "1.001193")
        .expect("1.001193 in the corpus");
    let d = &raw["data"];

    let (_, k) = default_kiosk();
    let p = k.procedure("1.001193").expect("store").expect("present");
    assert_eq!(p.name, "Thủ tục đăng ký khai sinh");
    assert_eq!(p.portal_id.as_deref(), d["id"].as_str());
    assert_eq!(p.fields, vec!["Hộ tịch".to_string()]);
    assert_eq!(p.levels, vec![Level::Commune]);

    // Three channels, one working day each (the case's processing day, as the unit is OTHER),
    // and nothing to pay.
    let methods: Vec<Method> = p.channels.iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        vec![Method::Direct, Method::Online, Method::Postal]
    );
    for c in &p.channels {
        assert_eq!(c.time.display(), "1 ngày làm việc", "{c:?}");
        assert!(c.is_free(), "{c:?}");
    }
    assert_eq!(p.free_of_charge(), Some(true));

    // The legal basis: every code of the source, in the source's order.
    let codes: Vec<&str> = d["legalBasisesDetails"]
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l["code"].as_str().expect("code").trim())
        .collect();
    let ours: Vec<&str> = p.legal_basis.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(ours, codes);
    assert!(ours.contains(&"123/2015/NĐ-CP"));

    // The dossier keeps its cases and every component.
    let cases = d["executionCases"].as_array().expect("cases");
    assert_eq!(p.dossier.len(), cases.len());
    for (ours, theirs) in p.dossier.iter().zip(cases) {
        assert_eq!(ours.name, theirs["name"].as_str().expect("name").trim());
        assert_eq!(
            ours.items.len(),
            theirs["profileComponents"]
                .as_array()
                .expect("components")
                .len()
        );
    }
    assert!(
        p.dossier[0]
            .items
            .iter()
            .any(|i| i.name.starts_with("- Giấy chứng sinh"))
    );

    // Steps are split from the portal's bullets, in order.
    assert!(p.steps.len() >= 4, "{:?}", p.steps);
    assert!(
        p.steps[0]
            .text
            .starts_with("Nếu lựa chọn hình thức nộp hồ sơ trực tiếp")
    );
    assert!(p.has_detail());
    assert_eq!(p.results, vec!["Giấy khai sinh".to_string()]);
}

/// Pages filed under the wrong code (their portal UUID is another procedure's) are left out, so
/// 3.000285 keeps its catalog name instead of "Hỗ trợ phát triển sản xuất cộng đồng.".
#[test]
fn misfiled_detail_pages_do_not_overwrite_a_procedure() {
    let (_, k) = default_kiosk();
    let p = k.procedure("3.000285").expect("store").expect("present");
    assert_eq!(p.name, "Khóa căn cước điện tử (thực hiện tại cấp xã)");
    assert!(!p.sources.contains(&motcua::domain::Source::PortalPages));
}

#[test]
fn show_json_prints_the_real_record() {
    let (dir, _) = default_kiosk();
    let out = motcua_in(dir.path(), &["show", "1.001193", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["code"], "1.001193");
    assert_eq!(v["channels"].as_array().map(Vec::len), Some(3));
    assert!(v["steps"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(v["dossier"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(v["legal_basis"].as_array().is_some_and(|s| s.len() >= 10));
}

#[test]
fn stats_json_has_the_documented_keys() {
    let (dir, _) = default_kiosk();
    let out = motcua_in(dir.path(), &["stats", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["procedures"].as_u64().is_some_and(|n| n >= 5600));
    assert!(v["with_detail"].as_u64().is_some_and(|n| n >= 2950));
    assert!(v["by_source"]["portal_api"].as_u64().is_some());
    assert!(v["by_field"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn list_filters_by_field_and_level() {
    let (_, k) = default_kiosk();
    let rows = k
        .live()
        .content
        .list(&motcua::store::ListFilter {
            field: Some("Hộ tịch".into()),
            level: Some(Level::Commune),
            ..Default::default()
        })
        .expect("list");
    assert!(rows.iter().any(|r| r.code == "1.001193"));
    assert!(rows.iter().all(|r| r.fields.iter().any(|f| f == "Hộ tịch")));
    assert!(rows.iter().all(|r| r.levels.contains(&Level::Commune)));
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn first_api_lines(n: usize) -> Vec<String> {
    read_text(&corpus_file("portal-api-details"))
        .expect("corpus")
        .lines()
        .take(n)
        .map(str::to_string)
        .collect()
}

#[test]
fn bad_source_files_are_refused_with_file_line_and_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lines = first_api_lines(3);

    // A truncated JSON line (line 3 cut in half).
    let truncated = format!(
        "{}\n{}\n{}\n",
        lines[0],
        lines[1],
        &lines[2][..lines[2].len() / 2]
    );
    let p = write(tmp.path(), "portal-api-details.jsonl", truncated.as_bytes());
    match bundle::read_sources(std::slice::from_ref(&p), &mut ()) {
        Err(e @ BundleError::Json { line: 3, .. }) => {
            assert!(
                e.to_string().contains("portal-api-details.jsonl, line 3"),
                "{e}"
            );
        }
        other => panic!("expected a JSON error on line 3, got {other:?}"),
    }

    // A wrong type: the code is a number.
    let wrong = lines[1].replacen("\"code\":\"1.", "\"code\":1.", 1);
    let p = write(
        tmp.path(),
        "portal-api-details.jsonl",
        format!("{}\n{wrong}\n", lines[0]).as_bytes(),
    );
    match bundle::read_sources(&[p], &mut ()) {
        Err(BundleError::Field { line: 2, field, .. }) => assert_eq!(field, "data.code"),
        other => panic!("expected a field error on line 2, got {other:?}"),
    }

    // An empty file.
    let p = write(tmp.path(), "portal-catalog.jsonl", b"");
    assert!(matches!(
        bundle::read_sources(&[p], &mut ()),
        Err(BundleError::Empty { .. })
    ));

    // Binary garbage.
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let p = write(tmp.path(), "portal-pages.jsonl", &garbage);
    match bundle::read_sources(&[p], &mut ()) {
        Err(e @ BundleError::NotText { .. }) => {
            assert!(e.to_string().contains("portal-pages.jsonl"))
        }
        other => panic!("expected a not-text error, got {other:?}"),
    }

    // An official list that is not a spreadsheet at all.
    let p = write(tmp.path(), "danh-sach.xlsx", &garbage);
    let e = bundle::read_sources(&[p], &mut ()).expect_err("garbage xlsx");
    assert!(e.to_string().contains("danh-sach.xlsx"), "{e}");
}

/// A bundle whose procedures file is bad in each of these ways is refused, with the file, line
/// and field in the message, and the kiosk keeps serving the data it had.
#[test]
fn a_bad_bundle_leaves_the_stored_data_exactly_as_it_was() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    let keys = Keys::new();
    let before = k.live().content.stats().expect("stats");
    let before_version = k.live().meta.version;
    let current = std::fs::read_to_string(tmp.path().join("data/CURRENT")).expect("CURRENT");

    let good = build_from(&small_inputs(), 2);
    let procs = good
        .files
        .iter()
        .find(|(n, _)| n == "procedures.jsonl")
        .map(|(_, b)| String::from_utf8(b.clone()).expect("utf8"))
        .expect("procedures");
    let lines: Vec<&str> = procs.lines().collect();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated line",
            format!("{}\n{}\n", lines[0], &lines[1][..lines[1].len() / 2]),
            "line 2",
        ),
        (
            "wrong type",
            format!(
                "{}\n{}\n",
                lines[0],
                lines[1].replacen("\"name\":\"", "\"name\":7,\"x\":\"", 1)
            ),
            "field `name`",
        ),
        ("empty", String::new(), "no procedures"),
        (
            "bad code",
            format!(
                "{}\n",
                lines[0].replacen("\"code\":\"1.", "\"code\":\"x.", 1)
            ),
            "field `code`",
        ),
    ];
    for (i, (what, content, expect)) in cases.into_iter().enumerate() {
        let mut built = good.clone();
        for (name, bytes) in &mut built.files {
            if name == "procedures.jsonl" {
                *bytes = content.clone().into_bytes();
            }
        }
        // Re-hash honestly: the content is wrong, not the integrity data.
        for f in &mut built.manifest.files {
            if let Some((_, b)) = built.files.iter().find(|(n, _)| *n == f.path) {
                f.size = b.len() as u64;
                f.sha256 = package::sha256_hex(b);
            }
        }
        built.manifest.version = 10 + i as u64;
        built.manifest_bytes = serde_json::to_vec_pretty(&built.manifest).expect("manifest");
        let dir = write_signed_dir(&built, &tmp.path().join(format!("bad{i}")), &keys);
        let err = k
            .apply_bundle(
                &dir,
                std::slice::from_ref(&keys.public),
                Origin::Cli,
                &mut |_| {},
            )
            .expect_err(what);
        let msg = err.to_string();
        assert!(msg.contains(expect), "{what}: {msg}");
        if expect.starts_with("line") || expect.starts_with("field") {
            assert!(msg.contains("procedures.jsonl"), "{what}: {msg}");
        }
        // Nothing changed.
        assert_eq!(k.live().meta.version, before_version, "{what}");
        assert_eq!(k.live().content.stats().expect("stats"), before, "{what}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("data/CURRENT")).expect("CURRENT"),
            current,
            "{what}"
        );
    }
    // And the next start serves the same data.
    drop(k);
    let k = small_kiosk(&tmp.path().join("data"));
    assert_eq!(k.live().meta.version, before_version);
    assert_eq!(k.live().content.stats().expect("stats"), before);
    assert!(k.procedure("1.001193").expect("store").is_some());
}

#[test]
fn a_good_bundle_replaces_the_data_and_the_previous_one_is_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    let keys = Keys::new();
    let mut inputs = small_inputs();
    inputs.push(corpus_file("portal-catalog"));
    let built = build_from(&inputs, 5);
    let dir = write_signed_dir(&built, &tmp.path().join("b5"), &keys);
    let meta = k
        .apply_bundle(
            &dir,
            std::slice::from_ref(&keys.public),
            Origin::Cli,
            &mut |_| {},
        )
        .expect("apply");
    assert_eq!(meta.version, 5);
    assert!(k.live().content.count().expect("count") >= 5600);
    assert!(k.data_dir().previous().is_some());
    let back = k.rollback().expect("rollback");
    assert_eq!(back.version, 1);
    assert_eq!(k.live().content.count().expect("count"), 502);
}
