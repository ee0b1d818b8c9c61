//! The `motcua` command as a shell user meets it: output into a pipe whose reader goes away
//! (`motcua list | head`) ends the command quietly, with success, like other command-line tools.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::common::*;

fn motcua(args: &[&str]) -> Command {
    let (dir, _) = default_kiosk();
    let mut c = Command::new(bin());
    c.env_remove("RUST_LOG")
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn assert_quiet_success(args: &[&str], out: std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.is_empty(),
        "motcua {args:?} into a closed pipe: {:?}, stderr: {err}",
        out.status
    );
}

#[test]
fn commands_end_quietly_when_the_reader_has_closed_the_pipe() {
    for args in [
        &["list"][..],
        &["stats", "--json"],
        &["stats"],
        &["stats", "usage"],
        &["show", "1.001193"],
        &["search", "dang ky khai sinh", "--json"],
        &["config", "reference"],
    ] {
        // The reader is gone before the command starts: its first write meets a closed pipe.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let child = motcua(args).stdout(writer).spawn().expect("run motcua");
        assert_quiet_success(args, child.wait_with_output().expect("wait"));
    }
}

#[test]
fn list_into_a_reader_that_takes_one_line_then_closes() {
    // `motcua list --json | head -1`: the listing is far larger than a pipe's buffer, so the
    // command is still writing when the reader closes.
    let args = ["list", "--json"];
    let (reader, writer) = std::io::pipe().expect("pipe");
    let child = motcua(&args).stdout(writer).spawn().expect("run motcua");
    let mut first = String::new();
    BufReader::new(reader)
        .read_line(&mut first)
        .expect("read the first line");
    assert_eq!(first, "[\n");
    // The reader is dropped here, mid-listing.
    let out = child.wait_with_output().expect("wait");
    assert_quiet_success(&args, out);
}
