//! The search index is derived data: when its side file and its tantivy segments disagree, the
//! kiosk rebuilds it from the store at open instead of answering from mismatched halves (or
//! panicking on the search thread).

use motcua::app::datadir::INDEX_DIR;
use motcua::app::kiosk::Kiosk;
use motcua::config::Config;

use super::common::*;

#[test]
fn a_corrupted_side_file_makes_the_kiosk_rebuild_the_index_from_the_store() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(tmp.path());
    let queries = ["đăng ký khai sinh", "cap lai the bao hiem y te", "CCCD"];
    let before: Vec<Vec<String>> = queries.iter().map(|q| top(&k, q)).collect();
    assert!(before.iter().all(|t| !t.is_empty()), "{before:?}");
    let procedures = k.live().index.procedure_count();
    let version = k.data_dir().current().expect("a current version");
    let index = k.data_dir().version_path(&version).join(INDEX_DIR);
    drop(k);

    // The side file loses its last procedure: still valid JSON, but the index has one more
    // document than it can name.
    let side = index.join("motcua-search.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&side).expect("side file")).expect("JSON");
    v["procedures"]
        .as_array_mut()
        .expect("procedures")
        .pop()
        .expect("one procedure");
    std::fs::write(&side, v.to_string()).expect("corrupt the side file");
    assert!(motcua::search::SearchIndex::open(&index).is_err());

    let k = Kiosk::open_with_seed(tmp.path(), Config::default(), || {
        panic!("the installed version is still usable: no reseeding")
    })
    .expect("reopens");
    assert_eq!(k.data_dir().current(), Some(version), "same data version");
    assert_eq!(
        k.live().index.procedure_count(),
        procedures,
        "rebuilt in full"
    );
    let after: Vec<Vec<String>> = queries.iter().map(|q| top(&k, q)).collect();
    assert_eq!(after, before);
    // The rebuilt index is on disk: the next start opens it directly.
    drop(k);
    assert!(motcua::search::SearchIndex::open(&index).is_ok());
}
