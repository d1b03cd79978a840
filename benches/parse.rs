//! Criterion benchmark of the stats parser: every real fixture (files/s and MB/s) and one
//! round-1 + round-2 pair end to end (parse both, pair, match summary).
mod support;
use support::real_files;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use slomix::stats;

fn bench(c: &mut Criterion) {
    let files = real_files();
    let bytes: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();

    let mut group = c.benchmark_group("real_fixtures");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("parse_all_bytes", |b| {
        b.iter(|| files.iter().filter(|(name, body)| stats::parse_file(name, body).is_ok()).count())
    });
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("parse_all_files", |b| {
        b.iter(|| files.iter().filter(|(name, body)| stats::parse_file(name, body).is_ok()).count())
    });
    group.finish();

    let find = |name: &str| files.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let r1_name = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
    let r2_name = "2025-10-12-225242-sw_goldrush_te-round-2.txt";
    let (r1, r2) = (find(r1_name), find(r2_name));
    let names: Vec<stats::StatsFileName> =
        files.iter().filter_map(|(n, _)| stats::StatsFileName::parse(n).ok()).collect();
    let rules = stats::PairingRules::default();
    c.bench_function("pair_end_to_end", |b| {
        b.iter(|| {
            let second = stats::parse_file(r2_name, &r2).unwrap();
            let companion = rules.find_round1(&second.file, &names).unwrap();
            assert_eq!(companion.as_str(), r1_name);
            let first = stats::parse_file(r1_name, &r1).unwrap();
            let round2 = stats::pair_with(second, &first, &rules).unwrap();
            stats::match_summary(&first.into_round1(), &round2)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
