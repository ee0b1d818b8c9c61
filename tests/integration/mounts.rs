//! USB sticks found through the real mount table: a stick whose label has Vietnamese letters and
//! a space, mounted deeper than the mount roots' grandchildren (where only `/proc/self/mountinfo`
//! can point to it).

use motcua::app::refresh::{read_mountinfo, scan};

use super::tmpfs;

#[test]
fn a_stick_with_a_vietnamese_label_is_found_through_the_mount_table() {
    let Some(fs) = tmpfs::run_inside(
        "mounts::a_stick_with_a_vietnamese_label_is_found_through_the_mount_table",
        "1m",
        "media/kiosk/disks/Hồ Sơ 2026",
    ) else {
        return;
    };
    let bundles = fs.mount.join("motcua");
    std::fs::create_dir_all(&bundles).expect("folder on the stick");
    std::fs::write(bundles.join("goi-du-lieu.zip"), b"not a zip").expect("file on the stick");

    let mountinfo = read_mountinfo();
    assert!(
        mountinfo.contains("Hồ\\040Sơ\\0402026"),
        "the kernel escapes the spaces only: {mountinfo}"
    );
    let found = scan(&[fs.root.join("media")], "motcua", &mountinfo);
    let paths: Vec<_> = found.iter().map(|b| b.path.clone()).collect();
    assert_eq!(paths, vec![bundles.join("goi-du-lieu.zip")], "{found:?}");
    // Listed, with why it cannot be applied.
    assert!(found[0].problem.is_some());
}
