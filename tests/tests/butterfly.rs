//! The Fr NTT butterfly's Verilator model against ark-ff: (a, b, w) → (a + w·b, a − w·b)
//! for random words and every edge value, streamed at one butterfly per cycle.

use ark_bls12_381::{Fr, FrConfig};
use ark_ff::{BigInt, MontBackend};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use zkaccel_sim::dataflow::DataflowPipe;
use zkaccel_tests::{edge_words, word};

type P = MontBackend<FrConfig, 4>;

fn fr(w: &[u64; 4]) -> Fr {
    Fr::new_unchecked(BigInt(*w))
}

fn check(sets: &[([u64; 4], [u64; 4], [u64; 4])]) -> Result<(), TestCaseError> {
    let mut pipe =
        DataflowPipe::new("fr_butterfly", &["a", "b", "w"], &["x", "y"]).expect("compiled in");
    let input: Vec<Vec<Vec<u64>>> = sets
        .iter()
        .map(|(a, b, w)| vec![a.to_vec(), b.to_vec(), w.to_vec()])
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
    for (k, ((a, b, w), got)) in sets.iter().zip(&run.outputs).enumerate() {
        let (a, b, w) = (fr(a), fr(b), fr(w));
        prop_assert_eq!(&got[0][..], &(a + w * b).0 .0[..], "x of butterfly {}", k);
        prop_assert_eq!(&got[1][..], &(a - w * b).0 .0[..], "y of butterfly {}", k);
    }
    Ok(())
}

#[test]
fn butterfly_matches_ark_on_random_words() {
    let mut runner = TestRunner::new(Config {
        cases: 10,
        ..Config::default()
    });
    let s = proptest::collection::vec((word::<P, 4>(), word::<P, 4>(), word::<P, 4>()), 500);
    runner.run(&s, |sets| check(&sets)).unwrap();
}

#[test]
fn butterfly_on_every_edge_triple() {
    let e = edge_words::<P, 4>();
    let mut sets = vec![];
    for a in &e {
        for b in &e {
            for w in e.iter().step_by(3) {
                sets.push((*a, *b, *w));
            }
        }
    }
    check(&sets).unwrap();
}
