//! Office features: the configuration file, counters, ratings and usage statistics across a
//! restart, the CSV export and the Prometheus heartbeat.

use std::process::Command;

use motcua::app::kiosk::Kiosk;
use motcua::app::usage::{self, Rating, Recorder};
use motcua::config::{Config, Counter};

use super::common::*;

fn reference_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/kiosk.toml")
}

#[test]
fn config_check_accepts_the_reference_and_lists_every_problem_with_its_line() {
    let ok = Command::new(bin())
        .args(["config", "check"])
        .arg(reference_path())
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("kiosk.toml");
    let text = std::fs::read_to_string(reference_path())
        .expect("read")
        .replace("level = \"province\"", "level = \"district\"")
        .replace(
            "warning_seconds = 30",
            "warning_seconds = 5\ncolour = \"red\"",
        );
    std::fs::write(&bad, &text).expect("write");
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.starts_with(needle))
            .map(|i| i + 1)
            .expect("line")
    };
    let out = Command::new(bin())
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "line {}, `office.level`",
            line_of("level = \"district\"")
        )),
        "{err}"
    );
    assert!(err.contains("`idle`"), "{err}");
    assert!(err.contains("colour"), "{err}");

    // MOTCUA_CONFIG selects the file for every command.
    let out = Command::new(bin())
        .env("MOTCUA_CONFIG", &bad)
        .args(["config", "check"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

/// The small kiosk with counter 3 on the first floor serving Hộ tịch.
fn kiosk_with_civil_status_counter(dir: &std::path::Path) -> Kiosk {
    let mut cfg = Config::default();
    cfg.counters.push(Counter {
        number: 3,
        location: "Tầng 1".into(),
        label: "Tư pháp – Hộ tịch".into(),
        fields: vec!["Hộ tịch".into()],
    });
    drop(small_kiosk(&dir.join("data")));
    Kiosk::open(&dir.join("data"), cfg).expect("open")
}

#[test]
fn a_counter_mapping_shows_on_the_procedure_page() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = kiosk_with_civil_status_counter(tmp.path());
    let v = k
        .procedure_view("1.001193")
        .expect("view")
        .expect("present");
    assert_eq!(
        v.counter.as_deref(),
        Some("Nộp hồ sơ tại quầy số 3 (Tầng 1)")
    );
    let other = k
        .procedure_view("1.004222")
        .expect("view")
        .expect("present");
    assert_eq!(other.counter, None, "cư trú is not mapped");
}

#[test]
fn questions_are_answered_on_the_result_cards_from_the_stored_record() {
    use motcua::app::answer::Section;
    use motcua::app::search::SearchRequest;
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = kiosk_with_civil_status_counter(tmp.path());
    let search = |text: &str| {
        k.search(&SearchRequest {
            text: text.into(),
            limit: 10,
            ..Default::default()
        })
        .expect("search")
    };
    let answer = |text: &str| {
        let out = search(text);
        let i = out
            .results
            .procedures
            .iter()
            .position(|h| h.code == "1.001193")
            .unwrap_or_else(|| panic!("{text}: khai sinh among the results"));
        out.answers
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| panic!("{text}: answered"))
    };
    let view = k
        .procedure_view("1.001193")
        .expect("view")
        .expect("present");
    let a = answer("đăng ký khai sinh mất bao lâu");
    assert_eq!(a.section, Section::Channels);
    assert!(a.text.starts_with("Thời hạn: "), "{}", a.text);
    assert!(
        view.channels
            .iter()
            .any(|c| !c.time.is_empty() && a.text.contains(&c.time)),
        "{} / {:?}",
        a.text,
        view.channels
    );
    let a = answer("le phi dang ky khai sinh");
    assert_eq!(a.section, Section::Channels);
    assert!(a.text.starts_with("Lệ phí: "), "{}", a.text);
    assert!(
        view.channels
            .iter()
            .any(|c| !c.fee.is_empty() && a.text.contains(&c.fee)),
        "{} / {:?}",
        a.text,
        view.channels
    );
    let a = answer("đăng ký khai sinh ở đâu");
    assert_eq!(a.section, Section::Place);
    assert!(a.text.contains("quầy số 3 (Tầng 1)"), "{}", a.text);
    let a = answer("làm khai sinh cần giấy tờ gì");
    assert_eq!(a.section, Section::Dossier);
    assert!(a.text.starts_with("Mang theo: "), "{}", a.text);
    let first = view
        .dossier
        .iter()
        .flat_map(|g| g.items.iter())
        .map(|i| i.name.trim_start_matches(['-', '+', '•', ' ']))
        .find(|n| {
            let f = motcua::domain::text::fold(n);
            !f.starts_with("truong hop") && !f.starts_with("neu ") && !f.contains("truong hop")
        })
        .expect("a document every applicant brings");
    let head: String = first
        .split(['.', ';', '('])
        .next()
        .unwrap_or(first)
        .trim()
        .chars()
        .take(15)
        .collect();
    assert!(a.text.contains(&head), "{} / {first}", a.text);
    // A search that asks nothing gets no answer lines.
    assert!(search("đăng ký khai sinh").answers.is_empty());
}

#[test]
fn ratings_and_usage_survive_a_restart_and_export_as_csv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    {
        let k = small_kiosk(&data);
        let rec = Recorder::new(true);
        rec.touch(&k);
        rec.query_typed("  Đăng ký  khai sinh ", 3);
        rec.viewed(&k, "1.001193");
        rec.rated(&k, Rating::VerySatisfied, None, Some("1.001193"));
        rec.end_visit(&k);
        rec.touch(&k);
        rec.query_typed("xyzzy", 0);
        rec.rated(
            &k,
            Rating::Dissatisfied,
            Some("Không tìm thấy thủ tục, cần thêm \"hướng dẫn\""),
            None,
        );
        rec.end_visit(&k);
    }
    let k = small_kiosk(&data);
    let u = k.kiosk_db().usage("").expect("usage");
    assert_eq!(u.sessions, 2);
    assert_eq!(u.searches, 2);
    assert_eq!(u.zero_result_searches, 1);
    assert_eq!(u.views, 1);
    assert_eq!(u.ratings, [1, 0, 0, 1]);
    assert_eq!(u.top_queries[0].0, "xyzzy");
    assert!(u.top_queries.iter().any(|(q, _)| q == "đăng ký khai sinh"));
    assert_eq!(u.top_zero_queries, vec![("xyzzy".to_string(), 1)]);
    assert_eq!(u.sessions_by_day.iter().map(|(_, n)| n).sum::<u64>(), 2);

    let files = usage::export_csv(&k, &tmp.path().join("usb")).expect("export");
    let events = std::fs::read_to_string(&files[0]).expect("read");
    let lines: Vec<&str> = events.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "kind,at,subject,value,detail");
    assert_eq!(lines.len(), 1 + 2 + 2 + 1 + 2, "{events}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("search,") && l.contains(",đăng ký khai sinh,3,"))
    );
    assert!(
        lines.iter().any(|l| l.starts_with("rating,")
            && l.ends_with(",1,\"Không tìm thấy thủ tục, cần thêm \"\"hướng dẫn\"\"\"")),
        "{events}"
    );
    let daily = std::fs::read_to_string(&files[1]).expect("read");
    let row = daily.lines().nth(1).expect("a day");
    assert!(row.ends_with(",2,2,1,1,1,0,0,1"), "{daily}");

    // Nothing identifies a person: the export holds only these columns.
    assert!(!events.contains("192.168") && !events.contains('@'));

    // The retention limit deletes old records.
    let rec = Recorder::new(true);
    assert_eq!(
        rec.prune(&k).expect("prune"),
        0,
        "nothing is older than a year"
    );
}

#[test]
fn statistics_switched_off_record_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    let rec = Recorder::new(false);
    rec.touch(&k);
    rec.query_typed("khai sinh", 5);
    rec.viewed(&k, "1.001193");
    rec.end_visit(&k);
    assert_eq!(k.kiosk_db().usage("").expect("usage").sessions, 0);
}

/// Parses the Prometheus text exposition format strictly enough to catch malformed output.
pub fn parse_prometheus(text: &str) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let mut typed = std::collections::BTreeSet::new();
    let name_ok = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut it = rest.split(' ');
            let name = it.next().expect("name");
            assert!(name_ok(name), "bad name {name}");
            assert!(matches!(it.next(), Some("gauge" | "counter")), "{line}");
            typed.insert(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "unexpected line {line:?}"
        );
        let (series, value) = line.rsplit_once(' ').expect("series value");
        let name = series.split('{').next().expect("name");
        assert!(name_ok(name), "{line}");
        assert!(typed.contains(name), "{name} has no TYPE line before it");
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            for kv in labels[1..labels.len() - 1].split(',') {
                let (k, v) = kv.split_once('=').expect("label");
                assert!(
                    name_ok(k) && v.starts_with('"') && v.ends_with('"'),
                    "{line}"
                );
            }
        }
        let v: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
        out.insert(series.to_string(), v);
    }
    out
}

#[test]
fn the_heartbeat_is_well_formed_prometheus_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    let rec = Recorder::new(true);
    rec.touch(&k);
    rec.viewed(&k, "1.001193");
    rec.rated(&k, Rating::Satisfied, None, None);
    rec.end_visit(&k);
    let path = tmp.path().join("textfile/motcua.prom");
    usage::write_heartbeat(&k, &path, 42).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    let m = parse_prometheus(&text);
    assert_eq!(m["motcua_up"], 1.0);
    assert_eq!(m["motcua_uptime_seconds"], 42.0);
    assert_eq!(m["motcua_data_version"], 1.0);
    assert_eq!(m["motcua_procedures"], 502.0);
    assert_eq!(m["motcua_procedure_views_total"], 1.0);
    assert_eq!(m["motcua_ratings_total{level=\"3\"}"], 1.0);
    assert_eq!(m["motcua_last_refresh_success"], 1.0);
    assert!(m["motcua_data_age_seconds"] >= 0.0);
    // Written atomically: no temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("motcua.prom")]);
}

#[test]
fn home_fields_follow_the_office_level_then_what_citizens_here_open() {
    // A commune office on the full built-in data: the fields its visitors come for, not the
    // largest ones (customs, aviation, tax rules for ministries).
    let (dir, province) = default_kiosk();
    let mut cfg = Config::default();
    cfg.office.level = "commune".into();
    let commune = Kiosk::open(dir.path(), cfg).expect("open as a commune office");
    let labels = |k: &Kiosk| -> Vec<String> {
        k.home_view()
            .expect("home")
            .fields
            .into_iter()
            .map(|f| f.label)
            .collect()
    };
    let home = labels(&commune);
    assert_eq!(home.len(), motcua::app::screen::HOME_FIELDS);
    for wanted in [
        "Hộ tịch",
        "Đăng ký, quản lý cư trú",
        "Chứng thực",
        "Đất đai",
    ] {
        assert!(home.iter().any(|f| f == wanted), "{wanted} in {home:?}");
    }
    for not_here in ["Hải quan", "Hàng không", "Chứng khoán"] {
        assert!(
            !home.iter().any(|f| f == not_here),
            "{not_here} in {home:?}"
        );
        assert!(
            !labels(province).iter().any(|f| f == not_here),
            "{not_here} on a province office's home"
        );
    }

    // A counter's fields lead, in counter order.
    let mut cfg = Config::default();
    cfg.office.level = "commune".into();
    cfg.counters.push(Counter {
        number: 1,
        location: String::new(),
        label: "Nuôi con nuôi".into(),
        fields: vec!["nuoi con nuoi".into()],
    });
    let with_counter = Kiosk::open(dir.path(), cfg).expect("open");
    assert_eq!(labels(&with_counter)[0], "Nuôi con nuôi");

    // What citizens open here comes next, once it is more than a passing look (five views).
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(&tmp.path().join("data"));
    let before = labels(&k);
    // The small data has seven fields, all on the home page: the last one moves up.
    let field = before.last().expect("home fields").clone();
    assert_ne!(before[0], field);
    let code = k
        .list(&motcua::store::ListFilter {
            field: Some(field.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .expect("list")
        .remove(0)
        .code;
    let recorder = Recorder::new(true);
    for _ in 0..4 {
        recorder.viewed(&k, &code);
    }
    usage::refresh_search_prior(&k);
    assert_eq!(labels(&k), before, "four views change nothing");
    recorder.viewed(&k, &code);
    usage::refresh_search_prior(&k);
    let after = labels(&k);
    // (Its procedure's other fields, if any, move up with it.)
    let code_fields = k.procedure(&code).expect("read").expect("present").fields;
    assert!(
        after[..code_fields.len()].contains(&field),
        "{field} leads: {after:?}"
    );
    assert_eq!(after.len(), before.len());
}

#[test]
fn browse_fields_go_a_to_z_with_an_index_and_a_level_filter() {
    use motcua::app::screen::GroupKind;
    use motcua::domain::Level;
    let (_dir, k) = default_kiosk();
    let all = k.browse_view(None);
    assert_eq!(all.fields.len(), k.fields().len());
    let keys: Vec<String> = all
        .fields
        .iter()
        .map(|f| motcua::domain::text::alphabet_key(&f.label))
        .collect();
    assert!(keys.is_sorted(), "A to Z");
    // Each letter points at the first field it begins.
    let letters: Vec<&str> = all.letters.iter().map(|l| l.letter.as_str()).collect();
    assert!(
        letters.contains(&"Đ") && letters.contains(&"H"),
        "{letters:?}"
    );
    for l in &all.letters {
        assert_eq!(
            motcua::domain::text::initial(&all.fields[l.first].label),
            l.letter
        );
        assert!(
            l.first == 0
                || motcua::domain::text::initial(&all.fields[l.first - 1].label) != l.letter
        );
    }
    let d = all.letters.iter().position(|l| l.letter == "D").expect("D");
    assert_eq!(all.letters[d + 1].letter, "Đ", "Đ right after D");

    // One level: only the fields with procedures there, counted there, and their lists too.
    let commune = k.browse_view(Some(Level::Commune));
    assert_eq!(commune.level, Some(Level::Commune));
    assert!(commune.fields.len() < all.fields.len());
    assert!(
        all.levels
            .iter()
            .any(|l| l.level == Level::Commune && l.fields == commune.fields.len())
    );
    let ho_tich = commune
        .fields
        .iter()
        .find(|f| f.key == "Hộ tịch")
        .expect("Hộ tịch at commune level");
    let whole = all
        .fields
        .iter()
        .find(|f| f.key == "Hộ tịch")
        .expect("Hộ tịch");
    assert!(
        ho_tich.count < whole.count,
        "{} of {}",
        ho_tich.count,
        whole.count
    );
    let list = k
        .list_view(GroupKind::Field, "Hộ tịch", Some(Level::Commune), 1000)
        .expect("list");
    assert_eq!(list.total, ho_tich.count);
    assert_eq!(list.rows.len(), ho_tich.count);
    assert!(
        list.rows.iter().all(|r| r.subtitle.contains("Cấp xã")),
        "every row at commune level"
    );
    assert!(!commune.fields.iter().any(|f| f.key == "Hàng không"));
}
