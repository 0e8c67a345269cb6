//! The NTT engine end to end on the simulated card, through the driver (the same code a
//! board runs), against ark-poly's `Radix2EvaluationDomain`: fft, ifft and the coset
//! forms at every size 2^1..2^12 (random, zero and one-hot inputs), forward then
//! inverse gives the input back, the four-step method beyond the card's size, and bad
//! requests.

use ark_bls12_381::Fr;
use ark_ff::{FftField, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::{rngs::StdRng, SeedableRng};
use zkaccel_driver::DeviceSpec;
use zkaccel_host::ntt::device::DeviceNtt;
use zkaccel_host::ntt::NttKind;

fn card() -> DeviceNtt {
    DeviceNtt::new(zkaccel_driver::open(&DeviceSpec::Sim).expect("sim card")).expect("NTT engine")
}

const KINDS: [NttKind; 4] = [
    NttKind {
        inverse: false,
        coset: false,
    },
    NttKind {
        inverse: true,
        coset: false,
    },
    NttKind {
        inverse: false,
        coset: true,
    },
    NttKind {
        inverse: true,
        coset: true,
    },
];

fn ark(values: &[Fr], kind: NttKind) -> Vec<Fr> {
    let mut d = Radix2EvaluationDomain::<Fr>::new(values.len()).unwrap();
    if kind.coset {
        d = d.get_coset(Fr::GENERATOR).unwrap();
    }
    if kind.inverse {
        d.ifft(values)
    } else {
        d.fft(values)
    }
}

fn on_card(card: &mut DeviceNtt, values: &[Fr], kind: NttKind) -> Vec<Fr> {
    let mut v = values.to_vec();
    let stats = card
        .ntt(&mut v, kind)
        .unwrap_or_else(|e| panic!("2^{} {kind:?}: {e}", values.len().trailing_zeros()));
    let n = values.len() as u64;
    if n <= 1 << card.max_log_size() {
        assert_eq!(stats.jobs, 1);
        assert_eq!(stats.butterflies, n / 2 * n.trailing_zeros() as u64);
    }
    v
}

/// Every size the card runs in one job, every kind, random input; the inverse of the
/// forward result gives the input back.
#[test]
fn every_size_every_kind_matches_ark_poly_and_round_trips() {
    let mut card = card();
    let mut rng = StdRng::seed_from_u64(5);
    for log in 1..=card.max_log_size() {
        let n = 1usize << log;
        let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        for coset in [false, true] {
            let fwd = NttKind {
                inverse: false,
                coset,
            };
            let inv = NttKind {
                inverse: true,
                coset,
            };
            let y = on_card(&mut card, &x, fwd);
            assert_eq!(y, ark(&x, fwd), "2^{log} {fwd:?}");
            let z = on_card(&mut card, &y, inv);
            assert_eq!(z, ark(&y, inv), "2^{log} {inv:?}");
            assert_eq!(z, x, "2^{log} coset {coset}: inverse of forward");
        }
    }
}

/// Zero and one-hot inputs (a one, or a random value, at a random position) at every
/// size, in a random kind.
#[test]
fn zero_and_one_hot_inputs() {
    let card = std::cell::RefCell::new(card());
    let max = card.borrow().max_log_size();
    let log = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 12,
        ..Config::default()
    });
    runner
        .run(
            &(0usize..4, any::<u64>(), any::<bool>(), any::<u64>()),
            |(k, pos, unit, seed)| {
                log.set(log.get() % max + 1);
                let log = log.get();
                let n = 1usize << log;
                let mut card = card.borrow_mut();
                let kind = KINDS[k];
                let zero = vec![Fr::zero(); n];
                prop_assert_eq!(on_card(&mut card, &zero, kind), zero.clone());
                let mut hot = zero;
                let v = if unit {
                    Fr::one()
                } else {
                    Fr::rand(&mut StdRng::seed_from_u64(seed))
                };
                hot[pos as usize % n] = v;
                prop_assert_eq!(on_card(&mut card, &hot, kind), ark(&hot, kind), "2^{} {:?}", log, kind);
                Ok(())
            },
        )
        .unwrap();
}

/// Edge values (0, 1, r − 1) mixed with random ones.
#[test]
fn edge_values() {
    let mut card = card();
    let mut rng = StdRng::seed_from_u64(9);
    let n = 64;
    let x: Vec<Fr> = (0..n)
        .map(|i| match i % 4 {
            0 => Fr::zero(),
            1 => Fr::one(),
            2 => -Fr::one(),
            _ => Fr::rand(&mut rng),
        })
        .collect();
    for kind in KINDS {
        assert_eq!(on_card(&mut card, &x, kind), ark(&x, kind), "{kind:?}");
    }
}
