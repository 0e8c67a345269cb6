//! The MSM engine end to end on the simulated card, through the driver (the same code a
//! board runs), against arkworks' `VariableBaseMSM`: random and adversarial scalars
//! (0, 1, r−1, all equal, mostly 0/1), repeated points, points that cancel, the
//! identity, resident bases, chunking, and bad requests.
//!
//! The card model is built with the field operators' simulation models (see
//! `zkaccel_hdl::arith::sim_model`), fast enough for a 4096-point MSM in the default
//! run.

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::{rngs::StdRng, Rng, SeedableRng};
use zkaccel_driver::DeviceSpec;
use zkaccel_host::Card;

fn card() -> Card {
    Card::new(zkaccel_driver::open(&DeviceSpec::Sim).expect("sim card"))
        .expect("a card with an MSM unit")
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Random,
    AllEqual,
    MostlyZeroOne,
    Extremes,
    RepeatedPoints,
    Cancelling,
}

fn inputs(kind: Kind, n: usize, seed: u64) -> (Vec<G1Affine>, Vec<Fr>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut bases: Vec<G1Affine> = (0..n)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    match kind {
        Kind::Random => {}
        Kind::AllEqual => {
            let k = Fr::rand(&mut rng);
            scalars.iter_mut().for_each(|s| *s = k);
        }
        Kind::MostlyZeroOne => scalars.iter_mut().for_each(|s| {
            *s = match rng.gen_range(0..10) {
                0..=4 => Fr::zero(),
                5..=8 => Fr::from(1u8),
                _ => Fr::rand(&mut rng),
            }
        }),
        Kind::Extremes => scalars.iter_mut().for_each(|s| {
            *s = [Fr::zero(), Fr::from(1u8), -Fr::from(1u8), Fr::from(2u8)][rng.gen_range(0..4)]
        }),
        Kind::RepeatedPoints => {
            let p = bases[0];
            bases.iter_mut().step_by(2).for_each(|b| *b = p);
        }
        Kind::Cancelling => {
            // Pairs (P, −P) with equal scalars, and one identity base.
            for i in (1..n).step_by(2) {
                bases[i] = -bases[i - 1];
                scalars[i] = scalars[i - 1];
            }
            bases[0] = G1Affine::identity();
        }
    }
    (bases, scalars)
}

fn check(
    dev: &mut Card,
    bases: &[G1Affine],
    scalars: &[Fr],
    window: Option<u32>,
) -> Result<(), TestCaseError> {
    let want = G1Projective::msm(bases, scalars).unwrap();
    let (got, stats) = dev
        .msm(bases, scalars, window)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        got.into_affine(),
        want.into_affine(),
        "n = {}, window {:?}",
        bases.len(),
        window
    );
    prop_assert_eq!(stats.points, bases.len() as u64);
    Ok(())
}

#[test]
fn msm_on_the_card_matches_arkworks() {
    let dev = std::cell::RefCell::new(card());
    let mut runner = TestRunner::new(Config {
        cases: 4,
        ..Config::default()
    });
    // All-equal scalars serialise on one bucket (one addition per adder latency), so
    // they run once, small, in `every_adversarial_kind_once`.
    let kinds = prop_oneof![
        Just(Kind::Random),
        Just(Kind::MostlyZeroOne),
        Just(Kind::Extremes),
        Just(Kind::RepeatedPoints),
        Just(Kind::Cancelling),
    ];
    runner
        .run(
            &(kinds, 1usize..=24, any::<u64>(), 5u32..=7),
            |(kind, n, seed, c)| {
                let (b, s) = inputs(kind, n, seed);
                check(&mut dev.borrow_mut(), &b, &s, Some(c))
            },
        )
        .unwrap();
}

#[test]
fn every_adversarial_kind_once() {
    let mut dev = card();
    for (i, kind) in [
        Kind::AllEqual,
        Kind::MostlyZeroOne,
        Kind::Extremes,
        Kind::RepeatedPoints,
        Kind::Cancelling,
    ]
    .into_iter()
    .enumerate()
    {
        let n = if matches!(kind, Kind::AllEqual) {
            6
        } else {
            20
        };
        let (b, s) = inputs(kind, n, i as u64);
        check(&mut dev, &b, &s, Some(5)).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
}

#[test]
fn bases_stay_resident_and_chunks_add_up() {
    let mut dev = card();
    let (b, s1) = inputs(Kind::Random, 12, 1);
    let (_, s2) = inputs(Kind::Random, 12, 2);
    check(&mut dev, &b, &s1, Some(6)).unwrap();
    check(&mut dev, &b, &s2, Some(6)).unwrap();
    assert_eq!(
        dev.msm_unit().unwrap().base_loads(),
        1,
        "the second MSM reuses the resident bases"
    );
    // Chunks of 5: 12 points in three chunks, each reloading its bases.
    dev.msm_unit().unwrap().set_chunk(5);
    check(&mut dev, &b, &s1, Some(6)).unwrap();
    assert_eq!(dev.msm_unit().unwrap().base_loads(), 4);
}

#[test]
fn bad_requests_are_errors() {
    let mut dev = card();
    let (b, s) = inputs(Kind::Random, 4, 3);
    let e = dev.msm(&b, &s[..3], None).unwrap_err().to_string();
    assert!(e.contains("4 points but 3 scalars"), "{e}");
    let too_big = dev.msm_unit().unwrap().max_window() + 1;
    let e = dev.msm(&b, &s, Some(too_big)).unwrap_err().to_string();
    assert!(e.contains("window size"), "{e}");
    // The card is still fine afterwards.
    check(&mut dev, &b, &s, Some(7)).unwrap();
}

#[test]
fn engine_counters_show_a_busy_adder() {
    let mut dev = card();
    let (b, s) = inputs(Kind::Random, 128, 5);
    let want = G1Projective::msm(&b, &s).unwrap();
    let (got, stats) = dev.msm(&b, &s, Some(9)).unwrap();
    assert_eq!(got, want);
    // Every non-zero digit is one addition.
    assert!(stats.adds > 0 && stats.adds <= 128 * stats.windows);
    let u = stats.adder_utilization().unwrap();
    assert!(u > 0.0 && u <= 1.0, "utilization {u}");
    eprintln!("128 points, window 9: {stats:?}, utilization {u:.3}");
}

#[test]
fn msm_4096_points() {
    let mut dev = card();
    let (b, s) = inputs(Kind::Random, 4096, 9);
    let want = G1Projective::msm(&b, &s).unwrap();
    let (got, stats) = dev.msm(&b, &s, None).unwrap();
    assert_eq!(got, want);
    let u = stats.adder_utilization().unwrap();
    eprintln!("{stats:?} utilization {u:.3}");
    // A property of the design in simulated cycles (deterministic for these inputs),
    // not a wall-clock figure: a scheduling regression shows here.
    let cpp = stats.cycles_per_point().unwrap();
    // Issue 14's no-regression figures (37.4 cycles per point, 91.4 %).
    assert!(u >= 0.914, "adder utilization {u:.3} at 2^12");
    assert!(cpp <= 37.4, "{cpp:.2} cycles per point at 2^12");
}

/// The scalars of real witnesses (zeros, ones, repeated values) on the simulated card:
/// every distribution of `zkaccel bench msm`, and the all-zero, all-one and all-minus-one
/// edges, equal arkworks.
#[test]
fn witness_like_scalars_equal_arkworks() {
    use zkaccel_host::bench::msm::Distribution;
    let mut dev = card();
    let n = 1024;
    let (bases, _) = inputs(Kind::Random, n, 31);
    let mut cases: Vec<(String, Vec<Fr>)> = [
        Distribution::Uniform,
        Distribution::Skewed,
        Distribution::Bits,
        Distribution::Equal,
    ]
    .iter()
    .map(|d| (d.to_string(), d.scalars(n, 7).unwrap()))
    .collect();
    cases.push(("all zero".into(), vec![Fr::zero(); n]));
    cases.push(("all one".into(), vec![Fr::from(1u8); n]));
    cases.push(("all minus one".into(), vec![-Fr::from(1u8); n]));
    // Small repeated values (2..40), a few large ones: more groups than the plan takes.
    let mut rng = StdRng::seed_from_u64(8);
    cases.push((
        "small values".into(),
        (0..n)
            .map(|i| {
                if i % 10 == 0 {
                    Fr::rand(&mut rng)
                } else {
                    Fr::from(rng.gen_range(2u64..40))
                }
            })
            .collect(),
    ));
    for (name, scalars) in &cases {
        let want = G1Projective::msm(&bases, scalars).unwrap();
        let (got, stats) = dev.msm(&bases, scalars, None).unwrap();
        assert_eq!(got, want, "{name}");
        eprintln!(
            "{name}: {} cycles ({:.1}/point), {} passes, {} dropped, {} grouped, utilization {:.3}",
            stats.cycles(),
            stats.cycles_per_point().unwrap_or(0.0),
            stats.passes,
            stats.dropped_points,
            stats.grouped_points,
            stats.adder_utilization().unwrap_or(0.0)
        );
    }
}

/// Skewed scalars (50 % zero, 25 % one, 25 % uniform) at 4096 points keep the adder
/// busy and cost fewer cycles per point than uniform ones (simulated cycles:
/// deterministic for these inputs). Measured: 0.825 utilization and 13.1 cycles per
/// point against 0.888 and 38.3 for uniform scalars; the target is 0.85, met
/// with `--window 9` (0.881, 14.1 cycles per point) but not at the cycle-optimal window.
#[test]
fn skewed_4096_keeps_the_adder_busy() {
    use zkaccel_host::bench::msm::Distribution;
    let mut dev = card();
    let (bases, _) = inputs(Kind::Random, 4096, 41);
    let scalars = Distribution::Skewed.scalars(4096, 1).unwrap();
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    let (got, stats) = dev.msm(&bases, &scalars, None).unwrap();
    assert_eq!(got, want);
    let u = stats.adder_utilization().unwrap();
    let cpp = stats.cycles_per_point().unwrap();
    eprintln!("skewed 4096: {stats:?}, utilization {u:.3}, {cpp:.2} cycles/point");
    // Issue 13's targets, in simulated cycles (deterministic for these inputs).
    assert!(u >= 0.85, "adder utilization {u:.3} on skewed scalars");
    assert!(
        cpp <= 37.4,
        "{cpp:.2} cycles per point: worse than uniform scalars"
    );
}

/// A real circom witness (`tests/fixtures/bits.wtns`, written by circom's witness
/// generator) read by our `.wtns` reader and used as MSM scalars on the simulated card.
#[test]
fn circom_witness_scalars_equal_arkworks() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bits.wtns");
    let scalars = zkaccel_host::wtns::read(&path).unwrap();
    assert_eq!(scalars.len(), 4093);
    assert_eq!(
        scalars[0],
        Fr::from(1u8),
        "a circom witness starts with the constant 1"
    );
    let bits = scalars
        .iter()
        .filter(|s| **s == Fr::zero() || **s == Fr::from(1u8))
        .count();
    assert_eq!(bits, 3969);
    let mut dev = card();
    let (bases, _) = inputs(Kind::Random, scalars.len(), 51);
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    let (got, stats) = dev.msm(&bases, &scalars, None).unwrap();
    assert_eq!(got, want);
    let (u, cpp) = (
        stats.adder_utilization().unwrap(),
        stats.cycles_per_point().unwrap(),
    );
    eprintln!("circom witness: {stats:?}, {cpp:.2} cycles/point, utilization {u:.3}");
    assert!(u >= 0.85, "adder utilization {u:.3} on a circom witness");
    assert!(cpp <= 37.4, "{cpp:.2} cycles per point on a circom witness");
}

/// MSM_DIGITS_PER_BASE at the register level: with k digits per base, stream digit m
/// applies to base ⌊m/k⌋ (k = 0 and 1 both mean one digit per base), and a write to
/// MSM_BASE_INDEX restarts the count. A second segment follows in the same pass once
/// MSM_STATUS.DIGITS_CONSUMED (new index and digits per base, without waiting for the
/// adder), landing in the same buckets.
#[test]
fn digits_per_base_applies_k_digits_to_each_base() {
    use zkaccel_spec::g1::{affine_words, from_homogeneous_words};
    use zkaccel_spec::msm::{
        coordinate_beat, digit_beat, encode_digit, mode, msm_control, msm_status, BEATS_PER_BUCKET,
        DIGITS_PER_BEAT,
    };
    use zkaccel_spec::regmap;
    let mut dev = zkaccel_driver::open(&DeviceSpec::Sim).expect("sim card");
    let mut rng = StdRng::seed_from_u64(41);
    let bases: Vec<G1Affine> = (0..40)
        .map(|_| (G1Projective::rand(&mut rng)).into_affine())
        .collect();
    let mut load = vec![];
    for p in &bases {
        let [x, y] = affine_words(p).unwrap();
        load.push(coordinate_beat(&x));
        load.push(coordinate_beat(&y));
    }
    let idle = |dev: &mut Box<dyn zkaccel_driver::Device>| {
        zkaccel_driver::wait_status(
            dev.as_mut(),
            &regmap::MSM_STATUS,
            msm_status::IDLE,
            true,
            std::time::Duration::from_secs(30),
        )
        .unwrap()
    };
    // After reset the engine drains its adder before it reports idle.
    idle(&mut dev);
    dev.write32(&regmap::MSM_MODE, mode::LOAD_BASES).unwrap();
    dev.write32(&regmap::MSM_BASE_INDEX, 0).unwrap();
    dev.data_write(&load).unwrap();
    for (k, first) in [(0usize, 3usize), (1, 0), (2, 1), (3, 0), (7, 2), (255, 0)] {
        let per = k.max(1);
        let buckets = 8usize;
        // Enough digits to reach past a beat boundary, within the loaded bases.
        let n = (per * (bases.len() - first)).min(2 * DIGITS_PER_BEAT + 5);
        let digits: Vec<i32> = (0..n)
            .map(|_| rng.gen_range(-(buckets as i32)..=buckets as i32))
            .collect();
        let mut want = vec![G1Projective::zero(); buckets];
        for (m, &d) in digits.iter().enumerate() {
            if d != 0 {
                let p: G1Projective = bases[first + m / per].into();
                want[d.unsigned_abs() as usize - 1] += if d > 0 { p } else { -p };
            }
        }
        let stream: Vec<u16> = digits.iter().map(|&d| encode_digit(d)).collect();
        let beats: Vec<_> = stream.chunks(DIGITS_PER_BEAT).map(digit_beat).collect();
        idle(&mut dev);
        dev.write32(&regmap::MSM_MODE, mode::LOOPBACK).unwrap();
        dev.write32(&regmap::MSM_CONTROL, msm_control::CLEAR_BUCKETS)
            .unwrap();
        dev.write32(&regmap::MSM_DIGITS_PER_BASE, k as u32).unwrap();
        assert_eq!(dev.read32(&regmap::MSM_DIGITS_PER_BASE).unwrap(), k as u32);
        dev.write32(&regmap::MSM_BASE_INDEX, first as u32).unwrap();
        dev.write32(&regmap::MSM_MODE, mode::DIGITS).unwrap();
        dev.data_write(&beats).unwrap();
        let consumed = zkaccel_driver::wait_status(
            dev.as_mut(),
            &regmap::MSM_STATUS,
            msm_status::DIGITS_CONSUMED,
            true,
            std::time::Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(
            consumed & (msm_status::DIGIT_RANGE | msm_status::BASE_RANGE),
            0
        );
        // The whole beats were consumed: the index stands after the last full base.
        let taken = beats.len() * DIGITS_PER_BEAT;
        assert_eq!(
            dev.read32(&regmap::MSM_BASE_INDEX).unwrap() as usize,
            first + taken / per,
            "k = {k}"
        );
        // Second segment: one digit per base from base 30, same buckets.
        let second: Vec<i32> = (0..10)
            .map(|_| rng.gen_range(-(buckets as i32)..=buckets as i32))
            .collect();
        for (m, &d) in second.iter().enumerate() {
            if d != 0 {
                let p: G1Projective = bases[30 + m].into();
                want[d.unsigned_abs() as usize - 1] += if d > 0 { p } else { -p };
            }
        }
        dev.write32(&regmap::MSM_BASE_INDEX, 30).unwrap();
        dev.write32(&regmap::MSM_DIGITS_PER_BASE, 1).unwrap();
        let stream: Vec<u16> = second.iter().map(|&d| encode_digit(d)).collect();
        dev.data_write(&[digit_beat(&stream)]).unwrap();
        let status = idle(&mut dev);
        assert_eq!(
            status & (msm_status::DIGIT_RANGE | msm_status::BASE_RANGE),
            0,
            "k = {k}: status {status:#x}"
        );
        assert_eq!(
            dev.read32(&regmap::STATUS).unwrap() & regmap::status::BUS_ERROR,
            0,
            "k = {k}: a write was refused"
        );
        dev.write32(&regmap::MSM_MODE, mode::READOUT).unwrap();
        dev.write32(&regmap::MSM_READOUT_COUNT, buckets as u32)
            .unwrap();
        dev.write32(&regmap::MSM_CONTROL, msm_control::START_READOUT)
            .unwrap();
        let out = dev.data_read(buckets * BEATS_PER_BUCKET).unwrap();
        idle(&mut dev);
        dev.write32(&regmap::MSM_MODE, mode::LOOPBACK).unwrap();
        for (b, w) in want.iter().enumerate() {
            let mut words = [[0u64; 6]; 3];
            for (c, beat) in out[b * BEATS_PER_BUCKET..][..BEATS_PER_BUCKET]
                .iter()
                .enumerate()
            {
                words[c].copy_from_slice(&beat[..6]);
            }
            let got = from_homogeneous_words(&words).expect("a curve point");
            assert_eq!(got, *w, "k = {k}, bucket {b}");
        }
    }
}
