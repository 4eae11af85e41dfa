//! `weft`: the command-line tool for Weft developers and providers.

fn main() {
    println!("weft");
}
