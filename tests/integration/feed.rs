//! `publish`: a province's signed feed folder from real data, its change lists from version to
//! version, renewal without a new bundle, retention, and what a kiosk refuses in `latest.json`.

use std::path::Path;

use chrono::{Duration, Utc};
use motcua::app::kiosk::Origin;
use motcua::bundle::feed::{self, LATEST, LATEST_SIGNATURE, PublishOptions};
use motcua::bundle::{archive, package, sign};
use motcua::domain::Dataset;
use motcua::domain::changes::{ChangeCounts, Part};

use super::common::*;

/// The small real dataset as the feed's first version, with a few differences a later
/// version undoes: three procedures missing (new later), one with an older step text (changed
/// later). The later version is the real data minus two procedures (withdrawn).
fn versions() -> (Dataset, Dataset, [String; 3], String, [String; 2]) {
    let (real, _) = dataset(&small_inputs());
    let codes: Vec<String> = real.procedures.iter().map(|p| p.code.clone()).collect();
    let added = [codes[0].clone(), codes[1].clone(), codes[2].clone()];
    let changed = codes[10].clone();
    let gone = [codes[20].clone(), codes[21].clone()];
    let mut first = real.clone();
    first.procedures.retain(|p| !added.contains(&p.code));
    let p = first
        .procedures
        .iter_mut()
        .find(|p| p.code == changed)
        .expect("procedure to change");
    p.steps[0].text.push_str(" (bản cũ)");
    let mut second = real;
    second.procedures.retain(|p| !gone.contains(&p.code));
    (first, second, added, changed, gone)
}

/// A procedure of `ds` that is neither `other` nor changed by the test.
fn codes_kept(ds: &Dataset, other: &str) -> String {
    ds.procedures
        .iter()
        .map(|p| p.code.clone())
        .rfind(|c| c != other)
        .expect("a procedure")
}

fn opts(now: chrono::DateTime<Utc>, keep: usize) -> PublishOptions {
    PublishOptions {
        now,
        keep,
        publisher: "Sở Thông tin (thử)".into(),
        ..Default::default()
    }
}

fn read_latest(feed_dir: &Path, keys: &Keys, now: chrono::DateTime<Utc>) -> feed::Latest {
    let bytes = std::fs::read(feed_dir.join(LATEST)).expect("latest.json");
    let sig = std::fs::read_to_string(feed_dir.join(LATEST_SIGNATURE)).expect("signature");
    feed::verify_latest(
        "latest.json",
        &bytes,
        &sig,
        std::slice::from_ref(&keys.public),
        now,
    )
    .expect("latest.json verifies")
}

#[test]
fn publish_writes_a_signed_feed_with_change_lists_renewal_and_retention() {
    let keys = Keys::new();
    let sk = sign::read_secret_key(&keys.secret_path(), None).expect("secret key");
    let dir = tempfile::tempdir().expect("tempdir");
    let feed_dir = dir.path();
    let (first, second, added, changed, gone) = versions();
    let t0 = Utc::now() - Duration::days(40);

    let p1 = feed::publish(feed_dir, first.clone(), None, &sk, &opts(t0, 2)).expect("publish 1");
    assert!(p1.new_bundle);
    assert_eq!(p1.from_version, None);
    assert_eq!(p1.counts, ChangeCounts::default());
    let l1 = read_latest(feed_dir, &keys, t0);
    assert_eq!(l1.version, p1.version);
    assert_eq!(l1.bundle.path, format!("bundles/{}.zip", p1.version));
    let zip1 = std::fs::read(feed_dir.join(&l1.bundle.path)).expect("bundle 1");
    assert_eq!(zip1.len() as u64, l1.bundle.size);
    assert_eq!(package::sha256_hex(&zip1), l1.bundle.sha256);

    // The next version, a day later: new, changed (in its steps) and withdrawn procedures.
    let t1 = t0 + Duration::days(1);
    let p2 = feed::publish(feed_dir, second.clone(), None, &sk, &opts(t1, 2)).expect("publish 2");
    assert!(p2.new_bundle && p2.version > p1.version);
    assert_eq!(p2.from_version, Some(p1.version));
    assert_eq!(
        p2.counts,
        ChangeCounts {
            new: 3,
            changed: 1,
            withdrawn: 2
        }
    );
    let l2 = read_latest(feed_dir, &keys, t1);
    let mut new_codes: Vec<&str> = l2.changes.new.iter().map(|c| c.code.as_str()).collect();
    new_codes.sort();
    let mut want: Vec<&str> = added.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(new_codes, want);
    assert_eq!(l2.changes.changed[0].code, changed);
    assert_eq!(l2.changes.changed[0].parts, vec![Part::Steps]);
    let withdrawn: Vec<&str> = l2
        .changes
        .withdrawn
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert!(gone.iter().all(|g| withdrawn.contains(&g.as_str())));

    // The bundle itself carries the list, signed, with what kiosks remember across versions.
    let raw = archive::read(&feed_dir.join(&l2.bundle.path), archive::Limits::default())
        .expect("read bundle 2");
    let v = package::verify(
        &raw,
        &package::Policy {
            trusted_keys: std::slice::from_ref(&keys.public),
            require_signature: true,
            installed_version: Some(p1.version),
            now: t1,
        },
    )
    .expect("bundle 2 verifies");
    let c = v.dataset.changes.expect("the bundle carries its changes");
    assert_eq!(c.counts(), l2.changes.counts());
    let day = t1.date_naive();
    for g in &gone {
        let w = c.withdrawn(g).expect("withdrawn is remembered");
        assert_eq!(w.since, day.format("%Y-%m-%d").to_string());
    }
    assert_eq!(c.changed_on(&changed), Some(day));
    assert_eq!(c.changed_on(&added[0]), Some(day));

    // A kiosk that installs it shows the list, the "Mới cập nhật" badge, the withdrawal and the
    // data's age.
    let kiosk_dir = tempfile::tempdir().expect("kiosk dir");
    let kiosk = small_kiosk(kiosk_dir.path());
    assert!(
        kiosk.last_changes().is_none(),
        "seed data has no change list"
    );
    kiosk
        .apply_bundle(
            &feed_dir.join(&l2.bundle.path),
            std::slice::from_ref(&keys.public),
            Origin::Cli,
            &mut |_| {},
        )
        .expect("apply bundle 2");
    let view = kiosk.last_changes().expect("change list");
    assert_eq!((view.new, view.changed, view.withdrawn), (3, 1, 2));
    assert_eq!(view.summary, "3 thủ tục mới, 1 thay đổi, 2 bãi bỏ");
    let row = view
        .rows
        .iter()
        .find(|r| r.code == changed)
        .expect("changed row");
    assert_eq!(row.parts_label, "Trình tự thực hiện");
    assert!(row.openable);
    assert!(kiosk.procedure(&row.code).expect("lookup").is_some());
    let gone_row = view
        .rows
        .iter()
        .find(|r| r.code == gone[0])
        .expect("withdrawn row");
    assert!(!gone_row.openable);
    assert!(kiosk.procedure(&gone[0]).expect("lookup").is_none());
    let notice = kiosk.withdrawn(&gone[0]).expect("withdrawn notice");
    assert_eq!(notice.since, Some(day));
    assert!(
        notice.message.contains("đã bãi bỏ từ ngày"),
        "{}",
        notice.message
    );
    assert!(kiosk.withdrawn(&changed).is_none());
    assert!(kiosk.recently_updated(&changed, None, day + Duration::days(29)));
    assert!(!kiosk.recently_updated(&changed, None, day + Duration::days(31)));
    assert!(!kiosk.recently_updated(&codes_kept(&second, &changed), None, day));
    let age = kiosk.data_age(t1 + Duration::days(10));
    assert_eq!((age.days, age.stale), (10, false));
    let age = kiosk.data_age(t1 + Duration::days(61));
    assert_eq!((age.days, age.stale, age.limit_days), (61, true, 60));

    // Nothing changed: latest.json is renewed, no bundle is written, the version stays.
    let t2 = t1 + Duration::days(10);
    let p3 = feed::publish(feed_dir, second.clone(), None, &sk, &opts(t2, 2)).expect("publish 3");
    assert!(!p3.new_bundle);
    assert_eq!(p3.version, p2.version);
    let l3 = read_latest(feed_dir, &keys, t2);
    assert_eq!(l3.created, t2);
    assert!(l3.expires > t2 + Duration::days(13));
    assert_eq!(l3.changes, l2.changes, "the last change list stays on show");

    // A kiosk refuses an expired latest.json, one signed by another key, and an altered one.
    let bytes = std::fs::read(feed_dir.join(LATEST)).expect("latest.json");
    let sig = std::fs::read_to_string(feed_dir.join(LATEST_SIGNATURE)).expect("signature");
    let err = feed::verify_latest(
        "latest.json",
        &bytes,
        &sig,
        std::slice::from_ref(&keys.public),
        l3.expires,
    )
    .expect_err("expired");
    assert!(err.to_string().contains("expired"), "{err}");
    let other = Keys::new();
    let err = feed::verify_latest("latest.json", &bytes, &sig, &[other.public], t2)
        .expect_err("unknown key");
    assert!(err.to_string().contains("signature"), "{err}");
    let mut altered = bytes.clone();
    let at = altered
        .windows(7)
        .position(|w| w == b"\"size\":")
        .expect("size field");
    altered[at + 8] = if altered[at + 8] == b'9' { b'8' } else { b'9' };
    let err = feed::verify_latest(
        "latest.json",
        &altered,
        &sig,
        std::slice::from_ref(&keys.public),
        t2,
    )
    .expect_err("altered");
    assert!(err.to_string().contains("signature"), "{err}");

    // Retention: with two kept, a third bundle removes the first.
    let t3 = t2 + Duration::days(1);
    let p4 = feed::publish(feed_dir, first, None, &sk, &opts(t3, 2)).expect("publish 4");
    assert!(p4.new_bundle);
    assert_eq!(p4.counts.new, 2, "the withdrawn procedures came back");
    assert_eq!(
        p4.pruned,
        vec![feed_dir.join(format!("bundles/{}.zip", p1.version))]
    );
    let left: Vec<String> = std::fs::read_dir(feed_dir.join("bundles"))
        .expect("bundles")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    let l4 = read_latest(feed_dir, &keys, t3);
    let raw = archive::read(&feed_dir.join(&l4.bundle.path), archive::Limits::default())
        .expect("read bundle 4");
    let v = package::verify(
        &raw,
        &package::Policy {
            trusted_keys: std::slice::from_ref(&keys.public),
            require_signature: true,
            installed_version: None,
            now: t3,
        },
    )
    .expect("bundle 4 verifies");
    let c = v.dataset.changes.expect("changes");
    assert!(gone.iter().all(|g| c.withdrawn(g).is_none()), "republished");
    let since = c.withdrawn(&added[0]).map(|w| w.since.clone());
    assert_eq!(since, Some(t3.date_naive().format("%Y-%m-%d").to_string()));
    assert_eq!(c.changed_on(&changed), Some(t3.date_naive()));
    assert!(p4.feed_size > p4.bundle_size);
}
