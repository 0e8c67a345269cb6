//! Field-arithmetic blocks on the Verilator models: simulated cycles, results per
//! cycle (the pipeline's throughput) and the simulator's wall time, for 4096 operand
//! pairs per block, every result checked against ark-ff.
//!
//! `cargo bench -p zkaccel-benches --bench field_arith`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zkaccel_host::field_check::{arithmetic_designs, run_block};

const PAIRS: usize = 4096;

fn field_arith(c: &mut Criterion) {
    println!(
        "{:<12} {:>8} {:>8} {:>10} {:>14}",
        "block", "latency", "cycles", "results/cy", "sim cycles/s"
    );
    for design in arithmetic_designs() {
        let r = run_block(design, PAIRS, 1).expect("simulation");
        assert_eq!(
            r.mismatches, 0,
            "{design} disagrees with ark-ff: {:?}",
            r.first_mismatch
        );
        println!(
            "{:<12} {:>8} {:>8} {:>10.3} {:>14.0}",
            design, r.latency, r.cycles, r.results_per_cycle, r.sim_cycles_per_second
        );
    }
    let mut g = c.benchmark_group("field_arith_sim");
    g.throughput(Throughput::Elements(PAIRS as u64));
    g.sample_size(10);
    for design in arithmetic_designs() {
        g.bench_function(design, |b| {
            b.iter(|| run_block(design, PAIRS, 1).expect("simulation"))
        });
    }
    g.finish();
}

criterion_group!(benches, field_arith);
criterion_main!(benches);
