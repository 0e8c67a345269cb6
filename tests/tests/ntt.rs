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
use zkaccel_host::ntt::NttKind;
use zkaccel_host::Card;

fn card() -> Card {
    Card::new(zkaccel_driver::open(&DeviceSpec::Sim).expect("sim card"))
        .expect("a card with an NTT unit")
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

fn on_card(card: &mut Card, values: &[Fr], kind: NttKind) -> Vec<Fr> {
    let mut v = values.to_vec();
    let stats = card
        .ntt(&mut v, kind)
        .unwrap_or_else(|e| panic!("2^{} {kind:?}: {e}", values.len().trailing_zeros()));
    let n = values.len() as u64;
    if n <= 1 << card.ntt_unit().unwrap().max_log_size() {
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
    for log in 1..=card.ntt_unit().unwrap().max_log_size() {
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
    let max = card.borrow_mut().ntt_unit().unwrap().max_log_size();
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
                prop_assert_eq!(
                    on_card(&mut card, &hot, kind),
                    ark(&hot, kind),
                    "2^{} {:?}",
                    log,
                    kind
                );
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

/// The four-step method through the card: single jobs limited to 2^4 so transforms of
/// 2^5..2^7 split into column and row jobs, every kind, against ark-poly.
#[test]
fn four_step_beyond_the_job_size() {
    let mut card = card();
    card.ntt_unit().unwrap().set_max_job_log(4);
    let mut rng = StdRng::seed_from_u64(13);
    for log in 5..=7 {
        let n = 1usize << log;
        let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        for kind in KINDS {
            let mut v = x.clone();
            let stats = card.ntt(&mut v, kind).unwrap();
            let (n1, n2) = stats.four_step.expect("four-step");
            assert_eq!(n1 * n2, n);
            assert_eq!(stats.jobs as usize, n1 + n2);
            assert_eq!(v, ark(&x, kind), "2^{log} {kind:?}");
        }
    }
    let mut too_big = vec![Fr::one(); 1 << 9];
    let e = card.ntt(&mut too_big, KINDS[0]).unwrap_err().to_string();
    assert!(e.contains("2^9") && e.contains("four-step"), "{e}");
}

/// 2^13 and 2^14: beyond the card's 2^12, four-step with the card's full job size.
#[test]
#[ignore = "several minutes on the simulated card"]
fn four_step_beyond_the_card() {
    let mut card = card();
    let mut rng = StdRng::seed_from_u64(17);
    for log in 13..=14 {
        let n = 1usize << log;
        let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        for kind in [KINDS[0], KINDS[3]] {
            let mut v = x.clone();
            card.ntt(&mut v, kind).unwrap();
            assert_eq!(v, ark(&x, kind), "2^{log} {kind:?}");
        }
    }
}

/// Requests the card refuses are errors naming what, and the card stays usable.
#[test]
fn bad_requests_are_errors_and_the_card_recovers() {
    use zkaccel_spec::ntt::{config_word, ntt_control, ntt_status};
    use zkaccel_spec::regmap;
    let mut dev = zkaccel_driver::open(&DeviceSpec::Sim).unwrap();
    // Log size 13 is beyond this card: START sets CONFIG_ERROR and does not start.
    dev.write32(&regmap::NTT_CONFIG, config_word(13, false, false))
        .unwrap();
    dev.write32(&regmap::NTT_CONTROL, ntt_control::START)
        .unwrap();
    let st = dev.read32(&regmap::NTT_STATUS).unwrap();
    assert_eq!(st, ntt_status::IDLE | ntt_status::CONFIG_ERROR);
    // A job holds the engine: its registers are refused until the job ends.
    dev.write32(&regmap::NTT_CONFIG, config_word(3, false, false))
        .unwrap();
    dev.write32(&regmap::NTT_CONTROL, ntt_control::START)
        .unwrap();
    assert_eq!(
        dev.read32(&regmap::NTT_STATUS).unwrap(),
        ntt_status::LOADING
    );
    let e = dev
        .write32(&regmap::NTT_CONFIG, config_word(4, false, false))
        .unwrap_err();
    assert!(e.to_string().contains("NTT_CONFIG"), "{e}");
    assert_eq!(dev.read32(&regmap::NTT_CONFIG).unwrap(), 3);
    // A new client finds the job abandoned mid-load, resets it, and computes.
    dev.write32(&regmap::CONTROL, regmap::control::CLEAR_ERRORS)
        .unwrap();
    let mut card = Card::new(dev).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let x: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(on_card(&mut card, &x, KINDS[1]), ark(&x, KINDS[1]));
}

/// The output port under back pressure: the sink refuses beats at random (and every
/// third cycle), so the card must hold a beat and present it again, and step to the
/// next beat only on a handshake. Register level on the simulated card, every kind,
/// sizes 2^1 (one beat) to 2^9; the result equals ark-poly's and the engine ends idle.
#[test]
fn output_under_back_pressure_matches_ark_poly() {
    use zkaccel_sim::card::CardSim;
    use zkaccel_spec::ntt::{config_word, element_beat, limbs, ntt_control, ntt_status};
    use zkaccel_spec::regmap;
    let mut c = CardSim::new().expect("card model");
    let mut rng = StdRng::seed_from_u64(17);
    for (k, log) in [1u32, 2, 3, 5, 9].into_iter().enumerate() {
        for kind in KINDS {
            let n = 1usize << log;
            let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let write = |c: &mut CardSim, r: &regmap::Register, v: u32| {
                assert_eq!(c.write(r.offset, v, 0xF).unwrap(), 0, "write {}", r.name);
            };
            write(
                &mut c,
                &regmap::NTT_CONFIG,
                config_word(log, kind.inverse, kind.coset),
            );
            write(&mut c, &regmap::NTT_CONTROL, ntt_control::START);
            let beats: Vec<_> = x
                .chunks(2)
                .map(|p| element_beat(&limbs(p[0]), &limbs(p[1])))
                .collect();
            assert!(
                c.send(&beats).unwrap().is_empty(),
                "no output while loading"
            );
            let mut waited = 0;
            while c.read(regmap::NTT_STATUS.offset).unwrap().0 & ntt_status::COMPUTING != 0 {
                c.run(64);
                waited += 1;
                assert!(waited < 10_000, "2^{log} {kind:?}: still computing");
            }
            let stalls: u64 = rand::Rng::gen(&mut rng);
            let out = c
                .receive_with(n / 2, |cycle| {
                    cycle % 3 != 0 && (stalls >> ((cycle + k as u64) % 64)) & 1 == 1
                })
                .unwrap();
            assert_eq!(out.len(), n / 2, "2^{log} {kind:?}: output beats");
            let got: Vec<Fr> = out
                .iter()
                .flat_map(|b| {
                    [0, 4].map(|h| {
                        let l: [u64; 4] = b[h..h + 4].try_into().unwrap();
                        Fr::new_unchecked(ark_ff::BigInt(l))
                    })
                })
                .collect();
            assert_eq!(got, ark(&x, kind), "2^{log} {kind:?}");
            let st = c.read(regmap::NTT_STATUS.offset).unwrap().0;
            assert_eq!(
                st & ntt_status::IDLE,
                ntt_status::IDLE,
                "2^{log} {kind:?}: {st:#x}"
            );
        }
    }
}
