fn main() { eprintln!("motcua: work in progress"); }
