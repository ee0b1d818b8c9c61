//! A real small file system for a test: the test runs again in a child process, in its own
//! mount namespace (`unshare`, util-linux), with a fresh tmpfs of the given size mounted where
//! the test asked. Nothing is mounted outside that namespace, so a failing test leaves nothing
//! behind. As root the namespace is a plain mount namespace; otherwise a user namespace maps the
//! user to root inside it.
//!
//! ```ignore
//! let Some(fs) = tmpfs::run_inside("module::test_name", "2m", "disk") else { return };
//! // here, in the child: fs.mount is a 2 MB tmpfs
//! ```

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT_VAR: &str = "MOTCUA_TEST_TMPFS_ROOT";
const MOUNT_VAR: &str = "MOTCUA_TEST_TMPFS_MOUNT";
/// The longest a child test may run.
const DEADLINE: Duration = Duration::from_secs(300);

/// Where the child finds its file system.
pub struct Mounted {
    /// A scratch folder on the ordinary disk (the mount point is inside it).
    pub root: PathBuf,
    /// The tmpfs.
    pub mount: PathBuf,
    _keep: Option<tempfile::TempDir>,
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// In the parent: runs `test` (its full name in this binary) again in a child with a `size`
/// tmpfs (`mount -o size=`, e.g. "2m") at `<scratch>/<at>`, asserts that it passed, and returns
/// `None`. In the child: returns the mount.
pub fn run_inside(test: &str, size: &str, at: &str) -> Option<Mounted> {
    if let (Some(root), Some(mount)) = (std::env::var_os(ROOT_VAR), std::env::var_os(MOUNT_VAR)) {
        return Some(Mounted {
            root: root.into(),
            mount: mount.into(),
            _keep: None,
        });
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let mount = scratch.path().join(at);
    std::fs::create_dir_all(&mount).expect("mount point");
    let exe = std::env::current_exe().expect("test binary");
    let mut c = Command::new("unshare");
    c.arg("--mount");
    if !is_root() {
        c.arg("--map-root-user");
    }
    c.args([
        "--",
        "sh",
        "-c",
        "mount -t tmpfs -o size=\"$1\" motcua-test \"$2\" && shift 2 && exec \"$@\"",
        "sh",
        size,
    ])
    .arg(&mount)
    .arg(&exe)
    .args(["--exact", test, "--test-threads=1", "--nocapture"])
    .env(ROOT_VAR, scratch.path())
    .env(MOUNT_VAR, &mount)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap_or_else(|e| {
        panic!("cannot run `unshare` ({e}): it is in util-linux, installed on every Debian system")
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "`{test}` on a {size} tmpfs failed ({}):\n{stdout}\n{stderr}\n\
         (the test needs `unshare --mount` and `mount -t tmpfs`: root, or user namespaces)",
        out.status
    );
    None
}

/// Fills the file system holding `dir` until writing fails with "no space left"; returns the
/// filler's path.
pub fn fill(dir: &std::path::Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    let block = vec![0x5au8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    // Smaller writes take the last partial pages.
    while f.write(&[0x5a]).is_ok_and(|n| n == 1) {}
    let _ = f.flush();
    path
}
