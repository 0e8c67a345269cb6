//! Faults injected at the simulated card's AXI boundary (`zkaccel_sim::fault`, what
//! `zkaccel sim serve --fault` serves) against the host's checks: every result equals
//! the CPU's, every injected fault is detected (a failure recorded) or harmless, the
//! board is recovered, and a board that keeps failing is taken out of service.

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::{rngs::StdRng, SeedableRng};
use zkaccel_driver::sim::SimCard;
use zkaccel_driver::DeviceSpec;
use zkaccel_host::accelerator::MsmCheck;
use zkaccel_host::ntt::{cpu_ntt, NttKind};
use zkaccel_host::Accelerator;
use zkaccel_sim::fault::{FaultInjector, FaultKind, FaultSpec};
use zkaccel_spec::msm::BEATS_PER_BUCKET;

fn faulty(spec: &str, seed: u64) -> Accelerator {
    let spec: FaultSpec = spec.parse().unwrap();
    let dev = SimCard::with_faults(FaultInjector::new(vec![spec], seed)).unwrap();
    Accelerator::with_device(DeviceSpec::Sim, Box::new(dev)).unwrap()
}

fn msm_inputs(n: usize, seed: u64) -> (Vec<G1Affine>, Vec<Fr>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let p: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(&mut rng)).collect();
    let s = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    (G1Projective::normalize_batch(&p), s)
}

#[test]
fn every_kind_at_half_rate_is_caught_and_every_result_is_right() {
    let (bases, scalars) = msm_inputs(48, 1);
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    let mut rng = StdRng::seed_from_u64(2);
    for (k, kind) in FaultKind::ALL.into_iter().enumerate() {
        let mut acc = faulty(&format!("{kind}:0.5"), 10 + k as u64);
        for job in 0..4 {
            let before = acc.failures().len();
            let got = acc.msm(&bases, &scalars).unwrap();
            assert_eq!(got, want, "{kind}: MSM {job}");
            let n = 1 << (4 + job);
            let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut reference = input.clone();
            cpu_ntt(&mut reference, NttKind::COSET_FFT).unwrap();
            let mut values = input.clone();
            acc.ntt(&mut values, NttKind::COSET_FFT).unwrap();
            assert_eq!(values, reference, "{kind}: NTT {job}");
            eprintln!(
                "{kind} job {job}: {} failures recorded",
                acc.failures().len() - before
            );
        }
        let h = acc.health().unwrap().clone();
        eprintln!("{kind}: {h:?}");
        assert_eq!(
            h.failures as usize,
            acc.failures()
                .iter()
                .filter(|f| !f.reason.starts_with("out of service"))
                .count()
        );
    }
}

#[test]
fn a_bitflip_in_every_ntt_is_detected_retried_and_computed_on_the_cpu() {
    let mut acc = faulty("ntt-bitflip", 3);
    let mut rng = StdRng::seed_from_u64(4);
    let input: Vec<Fr> = (0..256).map(|_| Fr::rand(&mut rng)).collect();
    let mut reference = input.clone();
    cpu_ntt(&mut reference, NttKind::FFT).unwrap();
    let mut values = input.clone();
    acc.ntt(&mut values, NttKind::FFT).unwrap();
    assert_eq!(values, reference);
    let then: Vec<&str> = acc.failures().iter().map(|f| f.then.as_str()).collect();
    assert_eq!(then, ["retried on sim", "computed on the CPU"]);
    assert!(
        acc.failures()[0].reason.contains("random point"),
        "{:?}",
        acc.failures()
    );
    assert!(
        acc.last_ntt().unwrap().card.is_none(),
        "the result is the CPU's"
    );
    let h = acc.health().unwrap();
    assert_eq!((h.jobs, h.failures, h.resets), (2, 2, 2));
    assert!(h.in_service());
    // A third failure in a row takes the board out of service; its jobs then go to
    // the CPU without touching it.
    let mut values = input.clone();
    acc.ntt(&mut values, NttKind::FFT).unwrap();
    assert_eq!(values, reference);
    let h = acc.health().unwrap().clone();
    assert!(!h.in_service(), "{h:?}");
    assert!(h
        .out_of_service
        .as_ref()
        .unwrap()
        .contains("3 failures in a row"));
    let jobs = h.jobs;
    let mut values = input.clone();
    acc.ntt(&mut values, NttKind::FFT).unwrap();
    assert_eq!(values, reference);
    assert_eq!(
        acc.health().unwrap().jobs,
        jobs,
        "no more work for the board"
    );
    assert!(acc
        .failures()
        .last()
        .unwrap()
        .reason
        .starts_with("out of service"));
}

#[test]
fn hangs_and_a_board_off_the_bus_are_recovered() {
    let (bases, scalars) = msm_inputs(32, 5);
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    for spec in ["hang", "all-ones", "transfer-error", "msm-bitflip"] {
        let mut acc = faulty(spec, 6);
        let got = acc.msm(&bases, &scalars).unwrap();
        assert_eq!(got, want, "{spec}");
        let h = acc.health().unwrap();
        assert!(h.failures >= 1 && h.resets >= 1, "{spec}: {h:?}");
        eprintln!("{spec}: {:?}", acc.failures());
    }
}

#[test]
fn recompute_catches_what_the_curve_check_cannot_and_returns_the_cpus_result() {
    // Without faults the recomputation agrees and the card's result is returned.
    let (bases, scalars) = msm_inputs(32, 7);
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    let mut acc = faulty("msm-bitflip:0", 8);
    acc.set_msm_check(MsmCheck::Recompute);
    assert_eq!(acc.msm(&bases, &scalars).unwrap(), want);
    assert!(acc.failures().is_empty());
    assert!(acc.last_msm().unwrap().cycles() > 0, "computed on the card");
    // Swapped buckets: a wrong result of valid points.
    // A card whose readouts come back with the first two buckets swapped: every
    // bucket is a valid point, so only a recomputation notices.
    let dev = zkaccel_tests::TamperedReads {
        inner: zkaccel_driver::open(&DeviceSpec::Sim).unwrap(),
        label: "",
        tamper: |beats: &mut Vec<zkaccel_driver::Beat>| {
            if beats.len() >= 2 * BEATS_PER_BUCKET {
                for k in 0..BEATS_PER_BUCKET {
                    beats.swap(k, BEATS_PER_BUCKET + k);
                }
            }
        },
    };
    let mut acc = Accelerator::with_device(DeviceSpec::Sim, Box::new(dev)).unwrap();
    let (wrong, _) = acc.card().unwrap().msm(&bases, &scalars, Some(4)).unwrap();
    assert_ne!(wrong, want, "the swap changes the result");
    acc.set_window(Some(4));
    assert_ne!(acc.msm(&bases, &scalars).unwrap(), want, "unchecked: wrong");
    acc.set_msm_check(MsmCheck::Recompute);
    assert_eq!(acc.msm(&bases, &scalars).unwrap(), want);
    let f = acc.failures();
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].reason.contains("differs from the CPU"), "{f:?}");
}

/// The fault campaign (`zkaccel bench faults`), a representative part: every kind,
/// MSMs, NTTs and a proof, no wrong result, every job completed, every fault detected
/// or harmless.
#[test]
fn fault_campaign_returns_no_wrong_result() {
    let r = zkaccel_host::bench::faults::fault_campaign(3, 0.5, 3, 11, |_| {}).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());
    assert!(r.passed(), "{r:?}");
    assert!(r.injected >= 20, "{} faults", r.injected);
    for k in &r.kinds {
        assert!(k.injected > 0, "{}: no fault injected", k.kind);
        assert_eq!(k.detected + k.harmless, k.faulty_jobs, "{}", k.kind);
    }
}

/// The whole campaign: at least 1,000 faults.
#[test]
#[ignore = "about three minutes on the simulated card"]
fn fault_campaign_of_a_thousand_faults() {
    let r = zkaccel_host::bench::faults::fault_campaign(90, 0.5, 5, 1, |_| {}).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());
    assert!(r.injected >= 1000, "{} faults", r.injected);
    assert!(r.passed(), "{r:?}");
}
