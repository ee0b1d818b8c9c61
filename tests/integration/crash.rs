//! Crash safety: the import process is killed with SIGKILL at many points spread over the whole
//! import, and the disk fills up during an import. After each, the next start must serve either
//! the previous data intact or the new data complete — never a mix — and leave nothing behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use motcua::app::kiosk::Kiosk;
use motcua::config::Config;

use super::common::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

struct Setup {
    tmp: tempfile::TempDir,
    pristine: PathBuf,
    bundle: PathBuf,
    keys: Keys,
    before: motcua::store::ContentStats,
    after_count: u64,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pristine = tmp.path().join("pristine");
    let before = {
        let k = small_kiosk(&pristine);
        k.live().content.stats().expect("stats")
    };
    let keys = Keys::new();
    // A bigger version 2 (every catalog code too) so the import takes a while.
    let mut inputs = small_inputs();
    inputs.push(corpus_file("portal-catalog"));
    let built = build_from(&inputs, 2);
    let after_count = built.manifest.counts["procedures"];
    let bundle = write_signed_dir(&built, &tmp.path().join("bundle"), &keys);
    Setup {
        tmp,
        pristine,
        bundle,
        keys,
        before,
        after_count,
    }
}

impl Setup {
    fn import(&self, data: &Path) -> Command {
        let mut c = Command::new(bin());
        c.arg("--data-dir")
            .arg(data)
            .arg("import")
            .arg(&self.bundle)
            .arg("--key")
            .arg(self.keys.public_path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }

    /// Opens the data dir as the next start would and checks it is whole. Returns the version.
    fn check(&self, data: &Path, what: &str) -> u64 {
        let k = Kiosk::open_with_seed(data, Config::default(), || {
            panic!("{what}: the data directory was treated as empty")
        })
        .unwrap_or_else(|e| panic!("{what}: next start fails: {e}"));
        let live = k.live();
        assert!(
            live.content.integrity_check().expect("check"),
            "{what}: corrupt database"
        );
        let v = live.meta.version;
        match v {
            1 => assert_eq!(live.content.stats().expect("stats"), self.before, "{what}"),
            2 => assert_eq!(
                live.content.count().expect("count"),
                self.after_count,
                "{what}"
            ),
            other => panic!("{what}: unexpected version {other}"),
        }
        // Search works on whatever is served.
        let hits = k
            .search(&motcua::app::search::SearchRequest {
                text: "khai sinh".into(),
                ..Default::default()
            })
            .expect("search");
        assert!(!hits.results.procedures.is_empty(), "{what}: search broken");
        let staging: Vec<_> = std::fs::read_dir(data.join("staging"))
            .expect("staging")
            .collect();
        assert!(staging.is_empty(), "{what}: staging not cleaned");
        let versions = std::fs::read_dir(data.join("versions"))
            .expect("versions")
            .count();
        assert!(versions <= 2, "{what}: {versions} versions kept");
        v
    }
}

#[test]
fn sigkill_at_many_points_never_breaks_the_data() {
    let s = setup();
    // How long a whole import takes here.
    let probe = s.tmp.path().join("probe");
    copy_dir(&s.pristine, &probe);
    let t0 = Instant::now();
    let out = s.import(&probe).output().expect("run import");
    let total = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.check(&probe, "complete import"), 2);

    // Spread over 95% of the measured time; the machine's speed varies, so aim for more points
    // than the 20 that must land while the import runs.
    const POINTS: u32 = 30;
    let mut killed_while_running = 0;
    let mut served = [0u32; 3];
    for i in 1..=POINTS {
        let data = s.tmp.path().join(format!("kill{i}"));
        copy_dir(&s.pristine, &data);
        let mut child = s.import(&data).spawn().expect("spawn");
        std::thread::sleep(total.mul_f64(0.95) * i / POINTS);
        if child.try_wait().expect("try_wait").is_none() {
            killed_while_running += 1;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        let v = s.check(&data, &format!("killed at {i}/{POINTS}"));
        served[v as usize] += 1;
        std::fs::remove_dir_all(&data).expect("cleanup");
    }
    assert!(
        killed_while_running >= 20,
        "only {killed_while_running} kills landed during the import"
    );
    assert!(served[1] >= 1, "no kill left the previous data: {served:?}");
    eprintln!(
        "import took {total:?}; {killed_while_running} kills during the import; served v1 {} times, v2 {} times",
        served[1], served[2]
    );
}

#[test]
fn disk_full_during_the_import_keeps_the_previous_data() {
    let s = setup();
    let data = s.tmp.path().join("full");
    copy_dir(&s.pristine, &data);
    // RLIMIT_FSIZE makes every write past 2 MB fail with EFBIG, as a full disk fails with
    // ENOSPC; SIGXFSZ is ignored so the write returns the error instead of killing the process.
    let import = s.import(&data);
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4096; exec \"$@\"")
        .arg("sh")
        .arg(import.get_program())
        .args(import.get_args())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = c.output().expect("run");
    assert!(
        !out.status.success(),
        "the import must fail when the disk is full"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error:"), "{err}");
    assert_eq!(s.check(&data, "disk full"), 1);
}
