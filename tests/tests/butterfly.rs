//! The Fr NTT butterfly's Verilator model against ark-ff, in both kinds:
//! Cooley–Tukey (a, b, w) → (a + w·b, a − w·b) and Gentleman–Sande with halving
//! (a, b, w) → ((a + b)/2, w·(a − b)), for random words and every edge value, the two
//! kinds interleaved and streamed at one butterfly per cycle.

use ark_bls12_381::{Fr, FrConfig};
use ark_ff::MontBackend;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use zkaccel_sim::dataflow::DataflowPipe;
use zkaccel_spec::ntt::butterfly_reference;
use zkaccel_tests::{edge_words, word};

type P = MontBackend<FrConfig, 4>;

fn fr(w: &[u64; 4]) -> Fr {
    zkaccel_spec::g1::field_from_word(w).expect("below r")
}

type Set = ([u64; 4], [u64; 4], [u64; 4], bool);

fn check(sets: &[Set]) -> Result<(), TestCaseError> {
    let mut pipe = DataflowPipe::new("fr_butterfly", &["a", "b", "w", "gs"], &["x", "y"])
        .expect("compiled in");
    let input: Vec<Vec<Vec<u64>>> = sets
        .iter()
        .map(|(a, b, w, gs)| vec![a.to_vec(), b.to_vec(), w.to_vec(), vec![*gs as u64]])
        .collect();
    let run = pipe
        .run(&input)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let declared = pipe.model.info().latency.unwrap() as u64;
    prop_assert_eq!(run.latency, declared);
    prop_assert_eq!(
        run.cycles,
        sets.len() as u64 + declared - 1,
        "one butterfly per cycle"
    );
    for (k, ((a, b, w, gs), got)) in sets.iter().zip(&run.outputs).enumerate() {
        let (x, y) = butterfly_reference(fr(a), fr(b), fr(w), *gs);
        prop_assert_eq!(&got[0][..], &x.0 .0[..], "x of butterfly {} (gs {})", k, gs);
        prop_assert_eq!(&got[1][..], &y.0 .0[..], "y of butterfly {} (gs {})", k, gs);
    }
    Ok(())
}

#[test]
fn butterfly_matches_ark_on_random_words() {
    let mut runner = TestRunner::new(Config {
        cases: 10,
        ..Config::default()
    });
    let s = proptest::collection::vec(
        (
            word::<P, 4>(),
            word::<P, 4>(),
            word::<P, 4>(),
            any::<bool>(),
        ),
        500,
    );
    runner.run(&s, |sets| check(&sets)).unwrap();
}

#[test]
fn butterfly_on_every_edge_triple() {
    let e = edge_words::<P, 4>();
    let mut sets = vec![];
    for a in &e {
        for b in &e {
            for (i, w) in e.iter().enumerate().step_by(3) {
                for gs in [false, true] {
                    sets.push((*a, *b, *w, gs ^ (i % 2 == 1)));
                }
            }
        }
    }
    check(&sets).unwrap();
}
