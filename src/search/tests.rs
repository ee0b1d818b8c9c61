//! Behaviour tests on a real tantivy index built once (per test binary) from the real corpus in
//! `data/corpus` and the curated files in `data/src` (synonyms, hotlines, guides).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::*;
use crate::bundle;
use crate::domain::{Dataset, Level, ProcedureKind};

struct Fixture {
    _dir: tempfile::TempDir,
    index: SearchIndex,
    ds: Dataset,
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(super) fn corpus_dir() -> PathBuf {
    manifest().join("data/corpus")
}

/// Reads the real corpus (the catalog, API details, pages and official lists). The importers
/// belong to `bundle`; while one of them still rejects a whole file over a single bad record (the
/// portal sends some `processingTime` values as strings, and one catalog code has seven digits),
/// the JSON Lines files are re-read from copies where such numbers are numbers and records that
/// are still refused are left out, so these tests always run on the real records.
fn read_corpus() -> Dataset {
    match bundle::read_sources(&[corpus_dir()], &mut ()) {
        Ok((ds, _)) => return ds,
        Err(e) => eprintln!("search tests: the corpus as is: {e}; reading lenient copies"),
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut inputs = Vec::new();
    for entry in std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .flatten()
    {
        let p = entry.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".jsonl.zst") {
            let name = format!("{stem}.jsonl");
            let raw = String::from_utf8(bundle::zst::read_file(&p).expect("jsonl")).expect("utf-8");
            let mut out = String::with_capacity(raw.len());
            for line in raw.split('\n') {
                match serde_json::from_str::<serde_json::Value>(line) {
                    Ok(mut v) => {
                        lenient(&mut v);
                        out.push_str(&v.to_string());
                    }
                    Err(_) => out.push_str(line),
                }
                out.push('\n');
            }
            let copy = tmp.path().join(&name);
            std::fs::write(&copy, out).expect("write copy");
            inputs.push(copy);
        } else if name == "official-lists" {
            inputs.push(p);
        }
    }
    for _ in 0..500 {
        match bundle::read_sources(&inputs, &mut ()) {
            Ok((ds, _)) => return ds,
            Err(
                bundle::BundleError::Field { path, line, .. }
                | bundle::BundleError::Json { path, line, .. }
                | bundle::BundleError::NotText { path, line },
            ) if path.starts_with(tmp.path()) => {
                eprintln!("search tests: leaving out {}, line {line}", path.display());
                let text = std::fs::read_to_string(&path).expect("copy");
                let mut lines: Vec<&str> = text.split('\n').collect();
                lines[line - 1] = "";
                std::fs::write(&path, lines.join("\n")).expect("rewrite copy");
            }
            Err(e) => panic!("the real corpus reads: {e}"),
        }
    }
    panic!("too many records refused by the importers")
}

pub(super) fn dataset() -> Dataset {
    let mut ds = read_corpus();
    ds.synonyms = bundle::curated::read_synonyms(&manifest().join("data/src/synonyms.tsv"))
        .expect("the seed synonym table reads");
    ds.hotlines = bundle::curated::read_hotlines(&manifest().join("data/src/hotlines.json"))
        .expect("the curated hotlines read");
    ds.guides = bundle::curated::read_guides(&manifest().join("data/src/guides.json"))
        .expect("the curated guides read");
    ds.featured = bundle::curated::read_featured(&manifest().join("data/src/featured.json"))
        .expect("the curated most-searched list reads");
    ds
}

/// Numbers the portal sometimes sends as strings become numbers (or are dropped); nulls are
/// dropped so defaults apply.
fn lenient(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for (k, x) in m.iter_mut() {
                if matches!(
                    k.as_str(),
                    "processingTime" | "value" | "originalQty" | "copyQty" | "qty"
                ) && let Value::String(s) = x
                {
                    *x = s
                        .trim()
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(Value::Null, Value::Number);
                }
                lenient(x);
            }
            m.retain(|_, x| !x.is_null());
        }
        Value::Array(a) => a.iter_mut().for_each(lenient),
        _ => {}
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let ds = dataset();
        let dir = tempfile::tempdir().expect("temp dir");
        let index = SearchIndex::build(&dir.path().join("index"), &ds).expect("index builds");
        Fixture {
            _dir: dir,
            index,
            ds,
        }
    })
}

fn ix() -> &'static SearchIndex {
    &fixture().index
}

fn search(text: &str) -> Results {
    ix().search(&Query::new(text)).expect("search runs")
}

fn codes(r: &Results, n: usize) -> Vec<&str> {
    r.procedures
        .iter()
        .take(n)
        .map(|h| h.code.as_str())
        .collect()
}

fn names(r: &Results, n: usize) -> Vec<String> {
    r.procedures
        .iter()
        .take(n)
        .map(|h| crate::domain::text::fold(&h.name))
        .collect()
}

const KHAI_SINH: &str = "1.001193";
const KHAI_TU: &str = "1.000656";
/// The conversational dev set's floor at Success@5, every typed variant.
const CONVERSATION_DEV_S5: f64 = 0.65;

#[test]
fn the_corpus_is_indexed() {
    let f = fixture();
    assert_eq!(ix().procedure_count(), f.ds.procedures.len());
    assert!(ix().procedure_count() > 5000, "catalog and details");
    assert!(ix().synonym_count() > 50);
}

#[test]
fn prefix_matches_the_word_being_typed() {
    for q in ["dang ky khai si", "đăng ký khai si", "Đăng ký khai sinh"] {
        let r = search(q);
        assert!(codes(&r, 5).contains(&KHAI_SINH), "{q}: {:?}", names(&r, 5));
        assert!(r.relaxed.is_none(), "{q} needs no relaxation");
    }
    // Once the word is finished (a space follows), "si" is a whole word and not a prefix
    // (`plan::tests::last_word_is_a_prefix_until_a_space`); a three-word query is also read
    // without one of its words, so khai sinh may still be shown for it.
    // The first letters of the next word already rank names with such a word first.
    let r = search("dang ky kh");
    assert!(r.procedures.len() >= 10);
    for n in names(&r, 10) {
        assert!(n.split(' ').any(|w| w.starts_with("kh")), "{n}");
    }
}

#[test]
fn typo_fallback_corrects_one_letter() {
    let r = search("dnag ky khai sinh");
    assert!(codes(&r, 5).contains(&KHAI_SINH), "{:?}", names(&r, 5));
    let relax = r.relaxed.expect("reported");
    assert!(relax.typo && !relax.any_word);
    assert!(
        relax
            .corrections
            .iter()
            .any(|(t, c)| t == "dnag" && c == "dang"),
        "{:?}",
        relax.corrections
    );
    // A three-letter word too (DESIGN: one typo from 3 letters).
    let r = search("dang ky thuong trus");
    assert!(codes(&r, 5).contains(&"1.004222"), "{:?}", names(&r, 5));
    // Clean queries never take the typo pass.
    assert!(search("dang ky thuong tru").relaxed.is_none());
}

#[test]
fn synonyms_bring_the_official_words() {
    let r = search("CCCD");
    assert!(!r.procedures.is_empty());
    assert!(
        names(&r, 5).iter().all(|n| n.contains("can cuoc")),
        "{:?}",
        names(&r, 5)
    );
    let r = search("so do");
    assert!(
        names(&r, 3)
            .iter()
            .all(|n| n.contains("giay chung nhan quyen su dung dat")),
        "{:?}",
        names(&r, 3)
    );
    let r = search("GPLX ");
    assert!(names(&r, 3).iter().all(|n| n.contains("giay phep lai xe")));
    let r = search("nhập hộ khẩu");
    assert_eq!(codes(&r, 1), ["1.004222"], "{:?}", names(&r, 5));
    let r = search("giay doc than");
    assert!(codes(&r, 3).contains(&"1.004873"), "{:?}", names(&r, 5));
    // An abbreviation being typed is completed from the synonym table.
    let r = search("thanh lap DN");
    assert!(codes(&r, 5).contains(&"2.001610"), "{:?}", names(&r, 5));
}

#[test]
fn question_and_dialect_words_do_not_drown_content() {
    for q in [
        "Làm căn cước cần chi",
        "lam can cuoc can gi",
        "thủ tục đăng ký khai sinh cần những giấy tờ gì",
        "le phi dang ky thuong tru bao nhieu",
        "đăng ký kết hôn ở mô",
    ] {
        let r = search(q);
        assert!(r.relaxed.is_none(), "{q}: {:?}", r.relaxed);
        let top = names(&r, 1);
        assert!(!top.is_empty(), "{q}");
        let want = ["can cuoc", "khai sinh", "thuong tru", "ket hon"];
        assert!(
            top.iter().all(|n| want.iter().any(|w| n.contains(w))),
            "{q}: {top:?}"
        );
    }
}

#[test]
fn typed_diacritics_rank_exact_words_first() {
    let r = search("thuế đất");
    let top = &r.procedures[..10.min(r.procedures.len())];
    let tax = top
        .iter()
        .filter(|h| h.name.to_lowercase().contains("thuế"))
        .count();
    let rent = top
        .iter()
        .filter(|h| {
            h.name.to_lowercase().contains("thuê") && !h.name.to_lowercase().contains("thuế")
        })
        .count();
    assert!(
        top[0].name.to_lowercase().contains("thuế"),
        "{:?}",
        names(&r, 10)
    );
    assert!(tax > rent, "tax {tax} vs rent {rent}: {:?}", names(&r, 10));
    // And the other way round.
    let r = search("thuê đất");
    assert!(r.procedures[0].name.to_lowercase().contains("thuê"));
    // Old and new tone placement are the same word.
    let a = codes(&search("hoá đơn"), 5).join(",");
    let b = codes(&search("hóa đơn"), 5).join(",");
    assert_eq!(a, b);
}

#[test]
fn code_lookup_returns_that_procedure_flagged() {
    for q in ["1.001193", "1001193", " 1.001193 "] {
        let r = search(q);
        assert_eq!(codes(&r, 1), [KHAI_SINH], "{q}");
        assert!(r.procedures[0].exact_code);
    }
    let r = search("1.0011");
    assert!(!r.procedures.is_empty());
    assert!(
        r.procedures
            .iter()
            .all(|h| h.code.starts_with("1.0011") && !h.exact_code)
    );
    assert!(!search("khai sinh").procedures.iter().any(|h| h.exact_code));
}

#[test]
fn zero_results_are_relaxed_step_by_step() {
    // One word matches nothing: any-word.
    let r = search("đăng ký khai sinh qwzrtx ");
    let relax = r.relaxed.clone().expect("relaxed");
    assert!(relax.any_word, "{relax:?}");
    assert!(codes(&r, 5).contains(&KHAI_SINH), "{:?}", names(&r, 5));
    // Filters that exclude everything are dropped, and the result says so.
    let q = Query::new("đăng ký khai sinh").with_filters(Filters {
        field: Some("Không có lĩnh vực này".into()),
        ..Filters::default()
    });
    let r = ix().search(&q).expect("search");
    assert!(
        r.relaxed
            .as_ref()
            .is_some_and(|x| x.dropped_filters && !x.any_word)
    );
    assert!(codes(&r, 5).contains(&KHAI_SINH));
    // Nothing at all: suggestions.
    let r = search("qwzrtx vbnmpq");
    assert!(r.procedures.is_empty());
    assert!(!r.suggestions.is_empty());
    let r = search("ho tich zzqq");
    assert!(!r.procedures.is_empty() || r.suggestions.iter().any(|s| s.contains("Hộ tịch")));
}

#[test]
fn filters_change_results_and_facets_count_before_them() {
    let base = search("đăng ký");
    assert!(base.total > 50);
    let commune = Query::new("đăng ký").with_filters(Filters {
        level: Some(Level::Commune),
        ..Filters::default()
    });
    let r = ix().search(&commune).expect("search");
    assert!(r.total > 0 && r.total < base.total);
    assert!(
        r.procedures
            .iter()
            .all(|h| h.levels.contains(&Level::Commune))
    );
    assert_eq!(r.facets, base.facets, "facets are counted before filters");
    let facet = base
        .facets
        .levels
        .iter()
        .find(|(l, _)| *l == Level::Commune);
    assert_eq!(facet.map(|x| x.1 as usize), Some(r.total));

    let online = Query::new("đăng ký").with_filters(Filters {
        online_only: true,
        ..Filters::default()
    });
    let r = ix().search(&online).expect("search");
    assert!(r.total > 0 && r.procedures.iter().all(|h| h.online));
    assert_eq!(r.total as u32, base.facets.online);

    let (field, n) = base.facets.fields[0].clone();
    let by_field = Query::new("đăng ký").with_filters(Filters {
        field: Some(crate::domain::text::fold(&field)),
        ..Filters::default()
    });
    let r = ix().search(&by_field).expect("search");
    assert_eq!(r.total as u32, n);
    assert!(r.procedures.iter().all(|h| h.fields.contains(&field)));
}

#[test]
fn hotlines_and_guides_are_their_own_groups() {
    for q in [
        "đường dây nóng",
        "tong dai",
        "hotline",
        "số điện thoại hỗ trợ",
    ] {
        let r = search(q);
        assert!(!r.hotlines.is_empty(), "{q}");
    }
    for q in ["1800 1096", "18001096", "1800"] {
        let r = search(q);
        assert_eq!(
            r.hotlines.first().map(|h| h.hotline.number.as_str()),
            Some("1800 1096"),
            "{q}"
        );
    }
    let r = search("thanh toán trực tuyến");
    assert_eq!(
        r.guides.first().map(|g| g.guide.id.as_str()),
        Some("thanh-toan-truc-tuyen")
    );
    let r = search("tra cuu ho so");
    assert_eq!(
        r.guides.first().map(|g| g.guide.id.as_str()),
        Some("tra-cuu-ho-so")
    );
    let r = search("cứu hỏa");
    assert_eq!(
        r.hotlines.first().map(|h| h.hotline.number.as_str()),
        Some("114")
    );
}

#[test]
fn snippets_highlight_original_text() {
    // Folded input highlights diacritic text, including the word being typed.
    let r = search("dang ky khai si");
    let h = r
        .procedures
        .iter()
        .find(|h| h.code == KHAI_SINH)
        .expect("found");
    let pieces = h.snippet.name.pieces();
    assert!(pieces.contains(&"đăng"), "{pieces:?}");
    assert!(pieces.contains(&"ký"), "{pieces:?}");
    assert!(pieces.contains(&"sinh"), "{pieces:?}");
    assert!(!pieces.contains(&"Thủ"), "{pieces:?}");
    // A corrected typo is highlighted as the word it was read as.
    let r = search("dnag ky khai sinh");
    let h = r
        .procedures
        .iter()
        .find(|h| h.code == KHAI_SINH)
        .expect("found");
    assert!(h.snippet.name.pieces().contains(&"đăng"));
    // Synonyms highlight the official words.
    let r = search("CCCD ");
    assert!(r.procedures[0].snippet.name.pieces().contains(&"căn"));
    // A word found only in the body gets an excerpt with it highlighted.
    let r = search("tờ khai thường trú");
    let with_excerpt = r
        .procedures
        .iter()
        .find_map(|h| h.snippet.excerpt.clone())
        .expect("a body excerpt");
    let p: Vec<String> = with_excerpt
        .pieces()
        .iter()
        .map(|s| crate::domain::text::fold(s))
        .collect();
    assert!(
        p.iter().any(|x| x == "khai" || x == "to"),
        "{with_excerpt:?}"
    );
    for h in &r.procedures {
        for hl in std::iter::once(&h.snippet.name).chain(h.snippet.excerpt.as_ref()) {
            for rg in &hl.ranges {
                assert!(hl.text.is_char_boundary(rg.start) && hl.text.is_char_boundary(rg.end));
            }
        }
    }
}

#[test]
fn kiosk_context_prefers_own_province_and_full_detail() {
    // A name issued as SPECIFIC variants by several provinces.
    let f = fixture();
    let variant =
        f.ds.procedures
            .iter()
            .find(|p| {
                p.kind == ProcedureKind::Specific
                    && p.issuing_province().is_some()
                    && f.ds
                        .procedures
                        .iter()
                        .filter(|o| o.name == p.name && o.kind == ProcedureKind::Specific)
                        .count()
                        >= 3
            })
            .expect("province variants exist");
    let province = variant.issuing_province().map(str::to_string);
    let q = Query::new(variant.name.clone()).with_context(RankContext {
        province: province.clone(),
        level: None,
    });
    let r = ix().search(&q).expect("search");
    let top = &f
        .ds
        .procedures
        .iter()
        .find(|p| p.code == r.procedures[0].code);
    assert_eq!(
        top.and_then(|p| p.issuing_province()),
        province.as_deref(),
        "{:?}",
        codes(&r, 5)
    );
    // Others are not hidden.
    assert!(r.total >= 3);
}

#[test]
fn open_restores_the_index_and_synonyms_and_is_shared_across_threads() {
    let reopened = SearchIndex::open(ix().dir()).expect("opens");
    assert_eq!(reopened.synonym_count(), ix().synonym_count());
    let a = reopened.search(&Query::new("GPLX")).expect("search");
    let b = search("GPLX");
    assert_eq!(codes(&a, 10), codes(&b, 10));
    fn shared<T: Send + Sync>(_: &T) {}
    shared(&reopened);
    let shared_ix = &reopened;
    std::thread::scope(|s| {
        let handles: Vec<_> = ["khai sinh", "so do", "CCCD", "ket hon"]
            .into_iter()
            .map(|q| s.spawn(move || shared_ix.search(&Query::new(q)).map(|r| r.total)))
            .collect();
        for h in handles {
            assert!(h.join().expect("thread").expect("search") > 0);
        }
    });
    assert!(ix().size_on_disk() > 0);
    let missing = SearchIndex::open(&ix().dir().join("nope"));
    assert!(missing.is_err());
}

/// A copy of the fixture's index directory, to damage.
fn index_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for e in std::fs::read_dir(ix().dir()).expect("index dir").flatten() {
        if e.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::copy(e.path(), tmp.path().join(e.file_name())).expect("copy");
        }
    }
    tmp
}

fn side_file(dir: &Path) -> serde_json::Value {
    let bytes = std::fs::read(dir.join(index::META_FILE)).expect("side file");
    serde_json::from_slice(&bytes).expect("side file is JSON")
}

fn write_side_file(dir: &Path, v: &serde_json::Value) {
    std::fs::write(dir.join(index::META_FILE), v.to_string()).expect("write side file");
}

#[test]
fn a_side_file_that_disagrees_with_the_index_is_refused_at_open() {
    let copy = index_copy();
    let dir = copy.path();
    assert!(SearchIndex::open(dir).is_ok(), "the undamaged copy opens");
    let good = side_file(dir);

    // One procedure fewer: the index has a document the side file cannot name.
    let mut v = good.clone();
    let procs = v["procedures"].as_array_mut().expect("procedures");
    let last = procs.pop().expect("a procedure");
    write_side_file(dir, &v);
    let err = SearchIndex::open(dir).expect_err("refused");
    assert!(
        matches!(&err, SearchError::Inconsistent { message, .. } if message.contains("procedure")),
        "{err}"
    );

    // One more: the side file names a record the index does not have.
    let mut v = good.clone();
    let procs = v["procedures"].as_array_mut().expect("procedures");
    procs.push(last);
    write_side_file(dir, &v);
    let err = SearchIndex::open(dir).expect_err("refused");
    assert!(matches!(err, SearchError::Inconsistent { .. }), "{err}");

    // A side file written for another build of the index, even with the same counts.
    let mut v = good.clone();
    v["segments"] = serde_json::json!(["00000000000000000000000000000000"]);
    write_side_file(dir, &v);
    let err = SearchIndex::open(dir).expect_err("refused");
    assert!(
        matches!(&err, SearchError::Inconsistent { message, .. } if message.contains("segments")),
        "{err}"
    );

    write_side_file(dir, &good);
    assert!(SearchIndex::open(dir).is_ok(), "the repaired copy opens");
}

#[test]
fn a_record_missing_from_the_side_file_at_query_time_is_an_error_not_a_panic() {
    let copy = index_copy();
    let mut damaged = SearchIndex::open(copy.path()).expect("opens");
    // As if the side file had changed under an open index: every lookup by ordinal is checked.
    let mut meta = damaged.records.meta.clone();
    meta.procedures.truncate(10);
    meta.hotlines.clear();
    damaged.records = records::Records::new(meta);
    for q in ["đăng ký khai sinh", "dang ky", "1800 1096", "tong dai"] {
        match damaged.search(&Query::new(q)) {
            Err(SearchError::Inconsistent { path, .. }) => assert_eq!(path, copy.path()),
            other => panic!("{q}: expected an inconsistency, got {other:?}"),
        }
    }
}

fn dev_cases() -> Vec<EvalCase> {
    let text = std::fs::read_to_string(manifest().join("data/eval/dev.jsonl")).expect("dev.jsonl");
    EvalCase::parse_jsonl(&text).expect("parses")
}

#[test]
fn dev_set_success_at_5_is_at_least_095_for_every_variant() {
    let report = evaluate(ix(), &dev_cases(), &RankContext::default()).expect("evaluates");
    for v in Variant::ALL {
        let row = report.row("all", v).expect("row");
        assert!(
            row.success_at_5 >= 0.95,
            "{}\n{}\nfailures: {:#?}",
            v.as_str(),
            report.table(),
            report.failures
        );
    }
}

fn conversation_dev_cases() -> Vec<EvalCase> {
    let text = std::fs::read_to_string(manifest().join("data/eval/conversation-dev.jsonl"))
        .expect("conversation-dev.jsonl");
    EvalCase::parse_jsonl(&text).expect("parses")
}

#[test]
fn conversational_dev_phrases_find_the_procedure_in_the_top_5() {
    // The held-out set (conversation-heldout.jsonl) is never read by tests or tuning.
    let report =
        evaluate(ix(), &conversation_dev_cases(), &RankContext::default()).expect("evaluates");
    for v in Variant::ALL {
        let row = report.row("all", v).expect("row");
        assert!(
            row.success_at_5 >= CONVERSATION_DEV_S5,
            "{}\n{}\nfailures: {:#?}",
            v.as_str(),
            report.table(),
            report.failures
        );
    }
}

#[test]
fn a_plain_question_ranks_the_plain_procedure_above_its_variants() {
    let r = search("đăng ký kết hôn");
    let top = names(&r, 1);
    assert!(
        top[0].contains("ket hon")
            && !top[0].contains("nuoc ngoai")
            && !top[0].contains("luu dong"),
        "{:?}",
        names(&r, 5)
    );
    // Asked for, the variant comes first.
    let r = search("đăng ký kết hôn có yếu tố nước ngoài");
    assert!(names(&r, 1)[0].contains("nuoc ngoai"), "{:?}", names(&r, 5));
    let r = search("đăng ký khai sinh lưu động");
    assert!(names(&r, 1)[0].contains("luu dong"), "{:?}", names(&r, 5));
}

#[test]
fn a_relaxed_question_drops_its_filler_first_and_keeps_its_content() {
    let r = search("cho tôi hỏi đăng ký khai sinh cho con ở đâu qwzrtx ");
    let relax = r.relaxed.clone().expect("relaxed");
    assert!(relax.any_word, "{relax:?}");
    // The filler words never decide what matches: the first results are about the content
    // (khai tử, a near neighbour in wording and among the most searched, may follow).
    assert!(
        names(&r, 3).iter().all(|n| n.contains("khai sinh")),
        "{:?}",
        names(&r, 5)
    );
}

#[test]
fn people_and_filler_in_a_life_situation_do_not_decide_the_match() {
    for q in [
        "mẹ tôi vừa mất thì làm giấy chứng tử ở đâu",
        "me toi vua mat thi lam giay chung tu o dau",
        "bố tôi mất ở nhà cần làm giấy tờ gì",
    ] {
        let r = search(q);
        assert!(codes(&r, 3).contains(&KHAI_TU), "{q}: {:?}", names(&r, 5));
        // "bị mất" papers (a lost certificate) are not a death.
        let top = names(&r, 1);
        assert!(top[0].contains("khai tu"), "{q}: {top:?}");
    }
}

#[test]
fn province_copies_fold_into_one_result_led_by_the_office_province() {
    let f = fixture();
    // A name that several provinces publish their own copy of.
    let mut by_name: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for p in &f.ds.procedures {
        if p.kind == ProcedureKind::Specific
            && let Some(prov) = p.issuing_province()
        {
            by_name.entry(p.name.as_str()).or_default().push(prov);
        }
    }
    let (name, mut provinces) = by_name
        .into_iter()
        .filter(|(_, ps)| {
            let mut d = ps.clone();
            d.sort_unstable();
            d.dedup();
            d.len() >= 3
        })
        .min_by_key(|(n, _)| n.to_string())
        .expect("several provinces publish the same procedure");
    provinces.sort_unstable();
    provinces.dedup();
    for want in provinces.iter().take(2) {
        let q = Query::new(name).with_context(RankContext {
            province: Some(want.to_string()),
            level: None,
        });
        let r = ix().search(&q).expect("search");
        let hit = &r.procedures[0];
        let top =
            f.ds.procedures
                .iter()
                .find(|p| p.code == hit.code)
                .expect("known");
        assert_eq!(
            top.issuing_province(),
            Some(*want),
            "{name}: {:?}",
            codes(&r, 5)
        );
        // One place in the list for them all, the other provinces counted on it.
        assert!(
            hit.other_provinces as usize >= provinces.len() - 1,
            "{name}: {}",
            hit.other_provinces
        );
        assert!(hit.variants.len() >= provinces.len() - 1, "{name}");
        assert!(
            r.procedures[1..].iter().all(|h| h.name != name),
            "{name}: {:?}",
            codes(&r, 10)
        );
    }
}

#[test]
fn questions_carry_what_they_ask() {
    assert_eq!(search("khai sinh bao lâu ").asks, Some(Ask::TimeLimit));
    assert_eq!(
        search("lam can cuoc het bao nhieu tien").asks,
        Some(Ask::Fee)
    );
    assert_eq!(search("nộp hồ sơ khai tử ở đâu ").asks, Some(Ask::Place));
    assert_eq!(search("ket hon can giay to gi").asks, Some(Ask::Documents));
    assert_eq!(search("đăng ký khai sinh").asks, None);
}

#[test]
fn the_popularity_prior_orders_near_equals_and_never_lifts_a_worse_match() {
    // "khai" matches khai sinh and khai tử alike; the portal's most-searched list says which.
    let r = search("khai");
    assert_eq!(codes(&r, 1), [KHAI_SINH], "{:?}", names(&r, 5));
    // This kiosk's own use joins the prior (on a second instance: the fixture is shared).
    let own = SearchIndex::open(ix().dir()).expect("opens");
    own.set_usage(&[(KHAI_TU.to_string(), 400), (KHAI_SINH.to_string(), 2)]);
    let r = own.search(&Query::new("khai")).expect("search");
    assert_eq!(codes(&r, 1), [KHAI_TU], "{:?}", names(&r, 5));
    // Never above a clearly better match.
    let r = own
        .search(&Query::new("đăng ký khai sinh"))
        .expect("search");
    assert_eq!(codes(&r, 1), [KHAI_SINH], "{:?}", names(&r, 5));
    // A handful of views says nothing; an empty list clears it.
    own.set_usage(&[(KHAI_TU.to_string(), 3)]);
    let r = own.search(&Query::new("khai")).expect("search");
    assert_eq!(codes(&r, 1), [KHAI_SINH]);
    own.set_usage(&[]);
    let r = own.search(&Query::new("khai")).expect("search");
    assert_eq!(codes(&r, 1), [KHAI_SINH]);
}

#[test]
fn a_long_question_is_not_decided_by_bodies_that_hold_every_word() {
    // A few long bodies hold "vợ", "hưởng" and "không" beside "tử tuất"; the name that says
    // "chế độ tử tuất" comes first all the same.
    for q in [
        "chồng mất vợ được hưởng chế độ tử tuất không",
        "chong mat vo duoc huong che do tu tuat khong",
        "cồhng mất vợ được hưởng chế độ tử tuất không",
    ] {
        let r = search(q);
        assert_eq!(codes(&r, 1), ["2.000821"], "{q}: {:?}", names(&r, 5));
    }
    // Where and how much are not what: "về quê" at the end, "hết bao nhiêu tiền".
    let r = search("chuyển hộ khẩu về quê");
    assert_eq!(codes(&r, 1), ["1.004222"], "{:?}", names(&r, 5));
    let r = search("làm lại cccd hết bao nhiêu tiền");
    assert!(
        names(&r, 1)[0].starts_with("cap lai the can cuoc"),
        "{:?}",
        names(&r, 5)
    );
    // Why a paper is wanted does not decide which paper it is.
    for q in [
        "giấy xác nhận tình trạng hôn nhân để vay ngân hàng",
        "giay xac nhan tinh trang hon nhan de vay ngan hang",
    ] {
        let r = search(q);
        assert_eq!(codes(&r, 1), ["1.004873"], "{q}: {:?}", names(&r, 5));
    }
}

/// Issue 11 defect 6: field facets in the order of the results they hold, not of their size.
/// "khai sinh" matches more tax procedures ("khai thuế") than civil-status ones, but those come
/// far below the birth registrations.
#[test]
fn field_facets_follow_the_best_results_not_the_biggest_field() {
    let r = search("khai sinh");
    let fields = &r.facets.fields;
    assert_eq!(fields[0].0, "Hộ tịch", "{fields:?}");
    let tax = fields
        .iter()
        .position(|f| f.0 == "Thuế")
        .expect("tax matched");
    assert!(
        fields[tax].1 > fields[0].1,
        "tax is the bigger field: {fields:?}"
    );
    // Each count is still what the chip's filter gives.
    let total: u32 = fields.iter().map(|f| f.1).sum();
    assert!(total as usize >= r.total);
}
