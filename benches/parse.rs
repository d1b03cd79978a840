//! Criterion benchmark of the stats parser.
fn main() {}
