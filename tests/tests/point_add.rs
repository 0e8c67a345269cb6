//! The G1 point adder's Verilator model against arkworks: random additions streamed at
//! one per cycle, mixed with the cases a bucket accumulator meets — doubling (P + P),
//! P + (−P), the identity as the running sum, repeated points — with the running sum
//! at a random projective scale (Z ≠ 1), as it is inside the engine.

use ark_bls12_381::{Fq, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{UniformRand, Zero};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::{rngs::StdRng, Rng, SeedableRng};
use zkaccel_host::g1::{affine_words, fq_word, from_homogeneous_words};
use zkaccel_sim::point_add::{AddInput, PointAddPipe};

const ADDS_PER_CASE: usize = 200;
const CASES: u32 = 10;

/// `p` at projective scale `s`: (s·x : s·y : s), or (0 : s : 0) for the identity.
fn scaled(p: &G1Affine, s: Fq) -> [[u64; 6]; 3] {
    match p.xy() {
        Some((x, y)) => [fq_word(&(x * s)), fq_word(&(y * s)), fq_word(&s)],
        None => [[0; 6], fq_word(&s), [0; 6]],
    }
}

/// A batch: each entry is (P1, P2, P1 scale). Kinds are drawn at random.
fn batch(seed: u64) -> Vec<(G1Affine, G1Affine, Fq)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let pool: Vec<G1Affine> = (0..8)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    (0..ADDS_PER_CASE)
        .map(|_| {
            let q = if rng.gen_bool(0.3) {
                pool[rng.gen_range(0..pool.len())] // repeated points
            } else {
                G1Projective::rand(&mut rng).into_affine()
            };
            let s = if rng.gen_bool(0.2) {
                ark_ff::One::one()
            } else {
                Fq::rand(&mut rng)
            };
            let p = match rng.gen_range(0..5) {
                0 => q,                    // P + P
                1 => -q,                   // P + (−P)
                2 => G1Affine::identity(), // O + P
                _ => G1Projective::rand(&mut rng).into_affine(),
            };
            (p, q, s)
        })
        .collect()
}

fn check(seed: u64) -> Result<(), TestCaseError> {
    let cases = batch(seed);
    let adds: Vec<AddInput> = cases
        .iter()
        .map(|(p, q, s)| AddInput {
            p1: scaled(p, *s),
            p2: affine_words(q).expect("not identity"),
        })
        .collect();
    let mut pipe = PointAddPipe::new().expect("g1_add compiled in");
    let run = pipe
        .run(&adds)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let declared = pipe.model().info().latency.expect("pipelined") as u64;
    prop_assert_eq!(
        run.latency,
        declared,
        "measured latency differs from declared"
    );
    prop_assert_eq!(
        run.cycles,
        adds.len() as u64 + declared - 1,
        "not one addition per cycle"
    );
    for (k, ((p, q, _), got)) in cases.iter().zip(&run.outputs).enumerate() {
        let want = (*p + *q).into_affine();
        let got = from_homogeneous_words(got).ok_or_else(|| {
            TestCaseError::fail(format!("addition {k}: result is not a curve point"))
        })?;
        prop_assert_eq!(
            got.into_affine(),
            want,
            "addition {} (seed {}): {} + {}",
            k,
            seed,
            p,
            q
        );
    }
    Ok(())
}

#[test]
fn point_adder_matches_arkworks() {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        ..Config::default()
    });
    runner.run(&any::<u64>(), check).unwrap();
}

#[test]
fn identity_plus_point_at_unit_scale() {
    // The engine's empty bucket is exactly (0 : 1 : 0) with 1 in Montgomery form.
    let mut rng = StdRng::seed_from_u64(7);
    let q = G1Projective::rand(&mut rng).into_affine();
    let mut pipe = PointAddPipe::new().unwrap();
    let id = zkaccel_host::g1::homogeneous_words(&G1Affine::identity());
    let run = pipe
        .run(&[AddInput {
            p1: id,
            p2: affine_words(&q).unwrap(),
        }])
        .unwrap();
    let got = from_homogeneous_words(&run.outputs[0]).unwrap();
    assert_eq!(got.into_affine(), q);
    assert!(!got.is_zero());
}

#[test]
fn a_wrong_reference_is_caught() {
    // The check is not vacuous: comparing against P + 2Q must fail.
    let mut rng = StdRng::seed_from_u64(11);
    let (p, q) = (
        G1Projective::rand(&mut rng).into_affine(),
        G1Projective::rand(&mut rng).into_affine(),
    );
    let mut pipe = PointAddPipe::new().unwrap();
    let run = pipe
        .run(&[AddInput {
            p1: scaled(&p, Fq::from(5u8)),
            p2: affine_words(&q).unwrap(),
        }])
        .unwrap();
    let got = from_homogeneous_words(&run.outputs[0])
        .unwrap()
        .into_affine();
    assert_eq!(got, (p + q).into_affine());
    assert_ne!(got, (p + q + q).into_affine());
}
