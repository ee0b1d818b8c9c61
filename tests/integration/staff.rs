//! The staff PIN on a real full disk: an attempt that cannot be counted is refused, the right
//! PIN included, so a full disk never turns the growing wait off.

use std::time::Duration;

use motcua::app::staff::{PinCheck, check_pin, hash_pin};
use motcua::store::KioskDb;

use super::tmpfs;

#[test]
fn a_pin_attempt_that_cannot_be_recorded_is_refused() {
    let Some(fs) = tmpfs::run_inside(
        "staff::a_pin_attempt_that_cannot_be_recorded_is_refused",
        "2m",
        "disk",
    ) else {
        return;
    };
    let hash = hash_pin("2468").expect("hash");
    let max = Duration::from_secs(60);
    let db = KioskDb::open(&fs.mount.join("kiosk.sqlite")).expect("kiosk db on the tmpfs");
    let mut now = chrono::Utc::now();
    assert_eq!(check_pin(&db, &hash, max, "2468", now), PinCheck::Granted);

    let filler = tmpfs::fill(&fs.mount);
    assert!(
        db.set_setting("probe", &"x".repeat(8192)).is_err(),
        "the disk must be full for this test"
    );
    for _ in 0..6 {
        now += chrono::Duration::minutes(2);
        assert!(
            matches!(
                check_pin(&db, &hash, max, "0000", now),
                PinCheck::Unrecorded { .. }
            ),
            "a wrong PIN that cannot be counted must be refused as such"
        );
    }
    now += chrono::Duration::minutes(2);
    let right = check_pin(&db, &hash, max, "2468", now);
    assert!(
        matches!(&right, PinCheck::Unrecorded { reason } if reason.contains("full")),
        "not even the right PIN opens while attempts cannot be counted: {right:?}"
    );

    // Space again: attempts are counted and the right PIN opens.
    std::fs::remove_file(filler).expect("free the disk");
    assert_eq!(
        check_pin(&db, &hash, max, "0000", now),
        PinCheck::Wrong {
            retry_in: Duration::from_secs(1)
        }
    );
    now += chrono::Duration::seconds(1);
    assert_eq!(check_pin(&db, &hash, max, "2468", now), PinCheck::Granted);
}
