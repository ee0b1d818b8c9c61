//! The office features in the window, on real data with the testing backend: the staff screen
//! behind the PIN (wrong PIN, unlock, a signed bundle found on a "stick" applied, a tampered one
//! refused with the data kept, rollback, statistics exported to the stick), the rating after
//! "Xong" stored with its procedure, and the counters of the configuration with their fields.

use std::path::PathBuf;
use std::sync::Arc;

use slint::{ComponentHandle, Model};

use motcua::app::kiosk::Kiosk;
use motcua::app::worker::Event;
use motcua::bundle::{MANIFEST, SIGNATURE, sign};
use motcua::config::Config;
use motcua::ui::run::Attached;
use motcua::ui::{
    HotlinesAdapter, Kiosk as KioskGlobal, MainWindow, Page, PinStatus, RatingAdapter,
    RefreshOutcome, RefreshSource, ResultKind, StaffAdapter,
};

use super::support;

const PIN: &str = "2468";

struct Office {
    dir: tempfile::TempDir,
    kiosk: Arc<Kiosk>,
    window: MainWindow,
    attached: Attached,
    /// The "stick": `<dir>/media/STICK`.
    stick: PathBuf,
    secret_key: PathBuf,
}

fn office() -> Office {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = sign::keygen(&dir.path().join("k.pub"), &dir.path().join("k.key")).expect("keys");
    let stick = dir.path().join("media/STICK");
    std::fs::create_dir_all(&stick).expect("stick");

    let mut cfg = Config::default();
    cfg.staff.pin_hash = motcua::app::staff::hash_pin(PIN).expect("hash");
    cfg.updates.trusted_keys = vec![sign::public_key_line(&public)];
    cfg.updates.usb_mount_roots = vec![dir.path().join("media").display().to_string()];
    // Fields typed the way an office might: other case, no diacritics, and one the data lacks.
    cfg.counters = vec![support::counter_3(&[
        "hộ tịch",
        "Chung thuc",
        "Lĩnh vực không có",
    ])];
    let (kiosk, window, attached) = support::kiosk_window(dir.path(), cfg, true);
    let secret_key = dir.path().join("k.key");
    Office {
        dir,
        kiosk,
        window,
        attached,
        stick,
        secret_key,
    }
}

impl Office {
    /// Writes bundle `version` signed with the trusted key to `<stick>/motcua/<name>`.
    fn put_on_stick(&self, version: u64, name: &str) -> PathBuf {
        let b = support::small_bundle(version);
        let dir = self.stick.join("motcua").join(name);
        b.write_dir(&dir).expect("write bundle");
        let sk = sign::read_secret_key(&self.secret_key, None).expect("secret key");
        let sig = sign::sign(&sk, &b.manifest_bytes, "test").expect("sign");
        std::fs::write(dir.join(SIGNATURE), sig).expect("signature");
        dir
    }

    /// What the watch thread reports when it sees the stick.
    fn stick_seen(&self) {
        self.attached
            .deliver(Event::UsbBundles(self.kiosk.usb_bundles()));
    }

    fn staff(&self) -> StaffAdapter<'_> {
        self.window.global::<StaffAdapter>()
    }
}

#[test]
fn staff_screen_unlocks_applies_a_stick_refuses_a_forgery_rolls_back_and_exports() {
    let o = office();
    let w = &o.window;
    w.global::<KioskGlobal>().invoke_staff_requested();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Staff);
    assert!(!o.staff().get_unlocked(), "locked until the PIN");

    o.staff().invoke_pin_submit("1111".into());
    assert!(!o.staff().get_unlocked());
    assert_eq!(o.staff().get_pin_status(), PinStatus::Wrong);
    assert_eq!(o.staff().get_pin_wait_seconds(), 1);
    assert_eq!(
        o.staff().get_pin_message(),
        "Sai mã PIN. Thử lại sau 1 giây"
    );
    // Too soon after a wrong PIN: refused unchecked, even the right one.
    o.staff().invoke_pin_submit(PIN.into());
    assert!(!o.staff().get_unlocked());
    assert_eq!(o.staff().get_pin_status(), PinStatus::Wait);
    // The pad counts the wait down (the first call lets the window start its timer, as the
    // event loop would right after the answer) …
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::ZERO);
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(1100));
    assert_eq!(o.staff().get_pin_wait_seconds(), 0);
    // … and once the kiosk's own clock has passed it too, the right PIN opens the page.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    o.staff().invoke_pin_submit(PIN.into());
    assert!(o.staff().get_unlocked());
    assert_eq!(o.staff().get_data_version(), "1");
    assert!(
        o.staff().get_procedures() > 400,
        "{}",
        o.staff().get_procedures()
    );
    assert_eq!(o.staff().get_usb().row_count(), 0, "no stick yet");

    // A stick with version 2 is inserted.
    let good = o.put_on_stick(2, "v2");
    o.stick_seen();
    let usb = o.staff().get_usb();
    assert_eq!(usb.row_count(), 1);
    let row = usb.row_data(0).expect("row");
    assert_eq!(row.version, "2");
    assert!(row.newer);
    assert_eq!(row.problem, "");
    assert_eq!(o.staff().get_usb_folder(), "motcua");

    o.staff().invoke_apply_usb(row.path.clone());
    assert!(!o.staff().get_busy());
    assert_eq!(o.staff().get_result(), ResultKind::Success);
    assert_eq!(o.staff().get_result_version(), "2");
    assert_eq!(o.staff().get_data_version(), "2");
    assert_eq!(o.staff().get_previous_version(), "1");
    assert_eq!(o.kiosk.live().meta.version, 2);
    let history = o.staff().get_history();
    assert!(history.row_count() >= 1);
    let last = history.row_data(0).expect("history line");
    assert_eq!(
        (last.source, last.outcome),
        (RefreshSource::Usb, RefreshOutcome::Applied)
    );

    // A forged version 3: one content file changed after signing.
    let forged = o.put_on_stick(3, "v3");
    let victim = std::fs::read_dir(&forged)
        .expect("bundle dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "jsonl" || x == "json") && !p.ends_with(MANIFEST)
        })
        .expect("a content file");
    let mut bytes = std::fs::read(&victim).expect("read");
    bytes.extend_from_slice(b"\n");
    std::fs::write(&victim, bytes).expect("tamper");
    o.stick_seen();
    assert_eq!(o.staff().get_usb().row_count(), 2);
    o.staff()
        .invoke_apply_usb(forged.display().to_string().into());
    assert_eq!(o.staff().get_result(), ResultKind::Failure);
    let why = o.staff().get_result_message().to_string();
    assert!(!why.is_empty(), "the refusal says why");
    assert_eq!(o.staff().get_data_version(), "2", "the data in use stays");
    assert_eq!(o.kiosk.live().meta.version, 2);

    // A path that is not one of the sticks' bundles is refused without touching anything.
    o.staff()
        .invoke_apply_usb(o.dir.path().join("elsewhere").display().to_string().into());
    assert_eq!(o.staff().get_result(), ResultKind::Failure);
    assert_eq!(o.kiosk.live().meta.version, 2);

    o.staff().invoke_rollback();
    assert_eq!(o.staff().get_result(), ResultKind::Success);
    assert_eq!(o.staff().get_data_version(), "1");
    assert_eq!(o.kiosk.live().meta.version, 1);

    o.staff().invoke_export_stats();
    assert_eq!(o.staff().get_result(), ResultKind::Exported);
    let out = o.stick.join("motcua/thong-ke");
    assert_eq!(
        o.staff().get_result_message(),
        out.display().to_string().as_str()
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("export folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    // Two CSV files and the manifest that names them with their hashes.
    let csvs = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"));
    assert_eq!(csvs.count(), 2, "{files:?}");
    let manifests = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"));
    assert_eq!(manifests.count(), 1, "{files:?}");

    // Closing locks it again.
    o.staff().invoke_close();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Home);
    assert!(!o.staff().get_unlocked());
    drop(good);
}

#[test]
fn export_without_a_stick_says_so() {
    let o = office();
    std::fs::remove_dir_all(&o.stick).expect("pull the stick");
    o.window.global::<KioskGlobal>().invoke_staff_requested();
    o.staff().invoke_pin_submit(PIN.into());
    o.staff().invoke_export_stats();
    assert_eq!(o.staff().get_result(), ResultKind::NoUsb);
}

#[test]
fn xong_offers_the_rating_and_stores_it_with_the_procedure() {
    let o = office();
    let w = &o.window;
    o.attached.open_procedure("1.001193");
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Procedure);
    w.global::<KioskGlobal>().invoke_finish_visit();
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Rating);
    w.global::<RatingAdapter>()
        .invoke_rate(1, "Thiếu thông tin".into());

    let events = o.kiosk.kiosk_db().usage_events("").expect("events");
    let ratings: Vec<_> = events.iter().filter(|e| e.kind == "rating").collect();
    assert_eq!(ratings.len(), 1, "{events:?}");
    assert_eq!(ratings[0].subject, "1.001193");
    assert_eq!(ratings[0].value, "1");
    assert_eq!(ratings[0].detail, "Thiếu thông tin");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "view" && e.subject == "1.001193")
    );

    // Skipping records nothing.
    o.attached.open_procedure("1.001193");
    w.global::<KioskGlobal>().invoke_finish_visit();
    w.global::<RatingAdapter>().invoke_skip();
    let n = o
        .kiosk
        .kiosk_db()
        .usage_events("")
        .expect("events")
        .iter()
        .filter(|e| e.kind == "rating")
        .count();
    assert_eq!(n, 1);
}

#[test]
fn counters_list_their_fields_from_the_config() {
    let o = office();
    let w = &o.window;
    let counters = w.global::<HotlinesAdapter>().get_counters();
    assert_eq!(counters.row_count(), 1);
    let c = counters.row_data(0).expect("counter");
    assert_eq!((c.number, c.location.as_str()), (3, "Tầng 1"));
    let fields: Vec<_> = (0..c.fields.row_count())
        .filter_map(|i| c.fields.row_data(i))
        .collect();
    assert_eq!(fields.len(), 3);
    // Matched to the data's own spelling, with counts; the unknown one kept as written.
    assert_eq!(fields[0].key, "Hộ tịch");
    assert!(fields[0].count > 0);
    assert_eq!(fields[2].key, "Lĩnh vực không có");
    assert_eq!(fields[2].count, 0);

    w.global::<KioskGlobal>()
        .invoke_open_field(fields[0].key.clone());
    assert_eq!(w.global::<KioskGlobal>().get_page(), Page::Browse);
    assert_eq!(
        w.global::<motcua::ui::BrowseAdapter>().get_selected_count(),
        fields[0].count
    );
}
