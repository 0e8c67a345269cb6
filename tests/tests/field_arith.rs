//! Every field-arithmetic block's Verilator model against ark-ff: at least 10,000
//! random operand pairs per block per run (edge cases mixed in), every pair of edge
//! values, all streamed back to back at one pair per cycle.

use ark_bls12_381::{FqConfig, FrConfig};
use ark_ff::{FpConfig, MontBackend};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use zkaccel_sim::pipeline::BinaryOpPipe;
use zkaccel_tests::{edge_words, reference, word, Op};

/// Pairs per proptest case, and cases per block: 10 × 1000 = 10,000 random pairs.
const PAIRS_PER_CASE: usize = 1000;
const CASES: u32 = 10;

fn check_batch<P: FpConfig<N>, const N: usize>(
    design: &str,
    op: Op,
    pairs: &[([u64; N], [u64; N])],
) -> Result<(), TestCaseError> {
    let mut pipe = BinaryOpPipe::new(design).expect("design compiled in");
    let refs: Vec<(&[u64], &[u64])> = pairs.iter().map(|(a, b)| (&a[..], &b[..])).collect();
    let run = pipe
        .run(&refs)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let latency = pipe.model.info().latency.expect("pipelined") as u64;
    prop_assert_eq!(
        run.latency,
        latency,
        "{}: measured latency differs from declared",
        design
    );
    // Full rate: one pair in per cycle, and results out on consecutive cycles.
    prop_assert_eq!(
        run.cycles,
        pairs.len() as u64 + latency - 1,
        "{}: not full rate",
        design
    );
    for (k, ((a, b), got)) in pairs.iter().zip(&run.outputs).enumerate() {
        let want = reference::<P, N>(op, a, b);
        prop_assert_eq!(
            &got[..],
            &want[..],
            "{} pair {}: a = {:x?}, b = {:x?}",
            design,
            k,
            a,
            b
        );
    }
    Ok(())
}

fn random_pairs<P: FpConfig<N>, const N: usize>(design: &str, op: Op) {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        ..Config::default()
    });
    let strategy = proptest::collection::vec((word::<P, N>(), word::<P, N>()), PAIRS_PER_CASE);
    runner
        .run(&strategy, |pairs| check_batch::<P, N>(design, op, &pairs))
        .unwrap_or_else(|e| panic!("{design}: {e}"));
}

fn edge_pairs<P: FpConfig<N>, const N: usize>(design: &str, op: Op) {
    let edges = edge_words::<P, N>();
    let pairs: Vec<_> = edges
        .iter()
        .flat_map(|a| edges.iter().map(move |b| (*a, *b)))
        .collect();
    check_batch::<P, N>(design, op, &pairs).unwrap_or_else(|e| panic!("{design}: {e}"));
}

type Fq = MontBackend<FqConfig, 6>;
type Fr = MontBackend<FrConfig, 4>;

#[test]
fn fq_add_random() {
    random_pairs::<Fq, 6>("fq_add", Op::Add);
}
#[test]
fn fq_add_edges() {
    edge_pairs::<Fq, 6>("fq_add", Op::Add);
}
#[test]
fn fq_sub_random() {
    random_pairs::<Fq, 6>("fq_sub", Op::Sub);
}
#[test]
fn fq_sub_edges() {
    edge_pairs::<Fq, 6>("fq_sub", Op::Sub);
}
#[test]
fn fq_mont_mul_random() {
    random_pairs::<Fq, 6>("fq_mont_mul", Op::MontMul);
}
#[test]
fn fq_mont_mul_edges() {
    edge_pairs::<Fq, 6>("fq_mont_mul", Op::MontMul);
}
#[test]
fn fr_add_random() {
    random_pairs::<Fr, 4>("fr_add", Op::Add);
}
#[test]
fn fr_add_edges() {
    edge_pairs::<Fr, 4>("fr_add", Op::Add);
}
#[test]
fn fr_sub_random() {
    random_pairs::<Fr, 4>("fr_sub", Op::Sub);
}
#[test]
fn fr_sub_edges() {
    edge_pairs::<Fr, 4>("fr_sub", Op::Sub);
}
#[test]
fn fr_mont_mul_random() {
    random_pairs::<Fr, 4>("fr_mont_mul", Op::MontMul);
}
#[test]
fn fr_mont_mul_edges() {
    edge_pairs::<Fr, 4>("fr_mont_mul", Op::MontMul);
}

/// The edge set really contains the values the issue names.
#[test]
fn edge_set_has_named_values() {
    let e = edge_words::<Fq, 6>();
    assert!(e.contains(&[0; 6]));
    assert!(e.contains(&[1, 0, 0, 0, 0, 0]));
    let p = <Fq as FpConfig<6>>::MODULUS.0;
    let mut pm1 = p;
    pm1[0] -= 1;
    assert!(e.contains(&pm1));
}

/// Long run: a million random pairs through each multiplier (`cargo test -- --ignored`).
#[test]
#[ignore]
fn mont_mul_million_pairs() {
    let mut runner = TestRunner::new(Config {
        cases: 1000,
        ..Config::default()
    });
    for (design, fq) in [("fq_mont_mul", true), ("fr_mont_mul", false)] {
        if fq {
            let s = proptest::collection::vec((word::<Fq, 6>(), word::<Fq, 6>()), PAIRS_PER_CASE);
            runner
                .run(&s, |p| check_batch::<Fq, 6>(design, Op::MontMul, &p))
                .unwrap();
        } else {
            let s = proptest::collection::vec((word::<Fr, 4>(), word::<Fr, 4>()), PAIRS_PER_CASE);
            runner
                .run(&s, |p| check_batch::<Fr, 4>(design, Op::MontMul, &p))
                .unwrap();
        }
    }
}

/// The operators' simulation models (what the simulated card is built with) pass the
/// same checks as the generated operators: same latency, full rate, bit-exact.
#[test]
fn operator_models_random_and_edges() {
    for (design, op) in [
        ("fq_add_model", Op::Add),
        ("fq_sub_model", Op::Sub),
        ("fq_mont_mul_model", Op::MontMul),
    ] {
        random_pairs::<Fq, 6>(design, op);
        edge_pairs::<Fq, 6>(design, op);
    }
    for (design, op) in [
        ("fr_add_model", Op::Add),
        ("fr_sub_model", Op::Sub),
        ("fr_mont_mul_model", Op::MontMul),
    ] {
        random_pairs::<Fr, 4>(design, op);
        edge_pairs::<Fr, 4>(design, op);
    }
}
