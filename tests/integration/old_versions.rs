//! Data versions installed by an older build keep working after an upgrade: a content database
//! whose procedures are plain JSON text (schema 1, before documents were stored compressed) is
//! served as it is, without reseeding and without a rebuild.

use motcua::app::datadir::CONTENT_DB;
use motcua::app::kiosk::Kiosk;
use motcua::config::Config;

use super::common::*;

#[test]
fn a_version_written_before_documents_were_compressed_is_served_as_it_is() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = small_kiosk(tmp.path());
    let queries = ["đăng ký khai sinh", "cap lai the bao hiem y te", "CCCD"];
    let before: Vec<Vec<String>> = queries.iter().map(|q| top(&k, q)).collect();
    assert!(before.iter().all(|t| !t.is_empty()), "{before:?}");
    let rows = k.list(&motcua::store::ListFilter::default()).expect("list");
    let procedures: Vec<motcua::domain::Procedure> = rows
        .iter()
        .map(|r| k.procedure(&r.code).expect("reads").expect("listed"))
        .collect();
    assert!(procedures.len() > 10);
    let version = k.data_dir().current().expect("a current version");
    let db = k.data_dir().version_path(&version).join(CONTENT_DB);
    drop(k);

    // The database as the older build wrote it: each document the record's JSON text, no
    // dictionary table, schema 1.
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        for p in &procedures {
            let json = serde_json::to_string(p).expect("json");
            let n = conn
                .execute(
                    "UPDATE procedures SET doc = ?1 WHERE code = ?2",
                    (json, &p.code),
                )
                .expect("update");
            assert_eq!(n, 1);
        }
        conn.execute_batch("DROP TABLE doc_dictionary; PRAGMA user_version = 1; VACUUM;")
            .expect("schema 1");
        let text: i64 = conn
            .query_row(
                "SELECT count(*) FROM procedures WHERE typeof(doc) = 'text'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(text as usize, procedures.len());
    }

    let k = Kiosk::open_with_seed(tmp.path(), Config::default(), || {
        panic!("the installed version is still usable: no reseeding")
    })
    .expect("reopens");
    assert_eq!(k.data_dir().current(), Some(version), "same data version");
    for p in &procedures {
        assert_eq!(k.procedure(&p.code).expect("reads").as_ref(), Some(p));
    }
    let after: Vec<Vec<String>> = queries.iter().map(|q| top(&k, q)).collect();
    assert_eq!(after, before);
}
