//! The `motcua` command. Everything lives in the binary's own module tree, `cli/`: argument
//! parsing and printing over thin calls into the library.

mod cli;

fn main() {
    cli::main()
}
