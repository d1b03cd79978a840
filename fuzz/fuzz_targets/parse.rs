//! Fuzz target: the stats parser on arbitrary bytes never panics.
//!
//! It compiles the parser module straight from `src/stats/` (which depends on nothing of the
//! daemon), so the fuzz build stays small. The first input byte picks a file name: a fixed
//! valid round 1 or round 2 name, or the next bytes up to a NUL taken as the name itself.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/stats/mod.rs"]
mod stats;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (name, body): (String, &[u8]) = match selector % 3 {
        0 => ("2025-10-12-224530-sw_goldrush_te-round-1.txt".into(), rest),
        1 => ("2025-10-12-225242-sw_goldrush_te-round-2.txt".into(), rest),
        _ => {
            let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
            let (name, body) = rest.split_at(end);
            (String::from_utf8_lossy(name).into_owned(), body)
        }
    };
    let Ok(parsed) = stats::parse_file(&name, body) else { return };
    // Exercise everything downstream of a successful parse too.
    let round1 = parsed.clone().into_round1();
    for player in &round1.players {
        let _ = (player.dpm(), player.kd_ratio(), player.accuracy(), player.frag_potential());
    }
    if let Ok(first) = stats::parse_file("2025-10-12-224530-sw_goldrush_te-round-1.txt", body) {
        if let Ok(second) = stats::parse_file("2025-10-12-225242-sw_goldrush_te-round-2.txt", body) {
            if let Ok(paired) = stats::pair(second, &first) {
                let _ = stats::match_summary(&first.into_round1(), &paired);
            }
        }
    }
});
