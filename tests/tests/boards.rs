//! Several simulated boards behind one accelerator ([`zkaccel_host::board_pool`]):
//! an MSM split over them equals arkworks and keeps each board's share of the bases
//! resident; the four-step NTT's transforms are spread over them; a proof over them
//! verifies; a board that keeps failing leaves service, gets no more work, and every
//! result stays right.

use ark_bls12_381::{Bls12_381, Fr, G1Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::{rngs::StdRng, SeedableRng};
use zkaccel_driver::sim::SimCard;
use zkaccel_driver::DeviceSpec;
use zkaccel_host::bench::prove::WitnessLikeCircuit;
use zkaccel_host::board_pool::{BoardPool, Opener};
use zkaccel_host::groth16::arkworks;
use zkaccel_host::ntt::{cpu_ntt, NttKind};
use zkaccel_host::Accelerator;
use zkaccel_sim::fault::{FaultInjector, FaultSpec};

/// A simulated board opened in its worker thread, with `fault` injected if given.
fn sim_board(fault: Option<&str>, seed: u64) -> (String, Opener) {
    let name = match fault {
        Some(f) => format!("sim({f})"),
        None => "sim".to_string(),
    };
    let fault: Option<FaultSpec> = fault.map(|f| f.parse().unwrap());
    let open: Opener = Box::new(move || {
        let dev = match fault {
            Some(f) => SimCard::with_faults(FaultInjector::new(vec![f], seed)),
            None => SimCard::new(),
        }
        .expect("the simulator starts");
        Accelerator::with_device(DeviceSpec::Sim, Box::new(dev))
    });
    (name, open)
}

fn boards(faults: &[Option<&str>]) -> Accelerator {
    let openers = faults
        .iter()
        .enumerate()
        .map(|(i, f)| sim_board(*f, 100 + i as u64))
        .collect();
    let specs = vec![DeviceSpec::Sim; faults.len()];
    Accelerator::with_pool(specs, BoardPool::with_openers(openers).unwrap())
}

#[test]
fn an_msm_split_over_two_boards_equals_arkworks_and_its_bases_stay_resident() {
    let mut acc = boards(&[None, None]);
    for (n, seed) in [(4096usize, 1u64), (3, 2), (1, 3)] {
        let (bases, scalars) = zkaccel_host::msm::random_instance(n, seed);
        let want = G1Projective::msm(&bases, &scalars).unwrap();
        assert_eq!(acc.msm(&bases, &scalars).unwrap(), want, "{n} points");
        let stats = acc.last_msm().unwrap().clone();
        assert_eq!(stats.points, n as u64);
        if n == 4096 {
            assert_eq!(stats.bases_loaded, 4096, "each board loads its share once");
            let scalars2: Vec<Fr> = {
                let mut rng = StdRng::seed_from_u64(9);
                (0..n).map(|_| Fr::rand(&mut rng)).collect()
            };
            let want2 = G1Projective::msm(&bases, &scalars2).unwrap();
            assert_eq!(acc.msm(&bases, &scalars2).unwrap(), want2);
            assert_eq!(acc.last_msm().unwrap().bases_loaded, 0, "shares resident");
        }
    }
    let health = acc.boards();
    assert_eq!(health.len(), 2);
    for h in &health {
        assert!(h.jobs >= 3, "{h:?}");
        assert_eq!(h.failures, 0, "{h:?}");
    }
    assert!(acc.failures().is_empty(), "{:?}", acc.failures());
    // A length mismatch is the caller's error, not a board's.
    let (bases, scalars) = zkaccel_host::msm::random_instance(8, 4);
    assert!(acc.msm(&bases, &scalars[..7]).is_err());
}

#[test]
fn independent_msms_run_on_the_boards_at_once_and_equal_arkworks() {
    let mut acc = boards(&[None, None]);
    // A large MSM beside small ones is cut into shares; an empty one is zero.
    let sizes = [1500usize, 40, 0, 7, 300];
    let inputs: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(k, &n)| zkaccel_host::msm::random_instance(n, 20 + k as u64))
        .collect();
    let jobs: Vec<(&[ark_bls12_381::G1Affine], &[Fr])> =
        inputs.iter().map(|(b, s)| (&b[..], &s[..])).collect();
    let want: Vec<G1Projective> = inputs
        .iter()
        .map(|(b, s)| G1Projective::msm(b, s).unwrap())
        .collect();
    assert_eq!(acc.msm_many(&jobs).unwrap(), want);
    assert_eq!(acc.last_msm().unwrap().points, 1847);
    let jobs_each: Vec<u64> = acc.boards().iter().map(|h| h.jobs).collect();
    assert!(jobs_each.iter().all(|&j| j >= 2), "{jobs_each:?}");
    // Four equal MSMs: two whole ones per board.
    let (bases, _) = zkaccel_host::msm::random_instance(256, 30);
    let scalars: Vec<Vec<Fr>> = (0..4)
        .map(|k| zkaccel_host::msm::random_instance(256, 31 + k).1)
        .collect();
    let jobs: Vec<(&[ark_bls12_381::G1Affine], &[Fr])> =
        scalars.iter().map(|s| (&bases[..], &s[..])).collect();
    let want: Vec<G1Projective> = scalars
        .iter()
        .map(|s| G1Projective::msm(&bases, s).unwrap())
        .collect();
    let before: Vec<u64> = acc.boards().iter().map(|h| h.jobs).collect();
    assert_eq!(acc.msm_many(&jobs).unwrap(), want);
    let after: Vec<u64> = acc.boards().iter().map(|h| h.jobs).collect();
    assert_eq!(
        after
            .iter()
            .zip(&before)
            .map(|(a, b)| a - b)
            .collect::<Vec<_>>(),
        vec![2, 2]
    );
    assert!(acc.failures().is_empty(), "{:?}", acc.failures());
}

#[test]
fn the_four_step_transforms_are_spread_over_the_boards() {
    let mut acc = boards(&[None, None]);
    acc.pool().unwrap().set_max_ntt_job_log(4).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    for (log, kind) in [
        (7u32, NttKind::FFT),
        (8, NttKind::COSET_IFFT),
        (4, NttKind::IFFT),
        (4, NttKind::COSET_FFT),
    ] {
        let input: Vec<Fr> = (0..1usize << log).map(|_| Fr::rand(&mut rng)).collect();
        let mut want = input.clone();
        cpu_ntt(&mut want, kind).unwrap();
        let mut got = input.clone();
        acc.ntt(&mut got, kind).unwrap();
        assert_eq!(got, want, "2^{log} {kind:?}");
        let card = acc.last_ntt().unwrap().card.clone().unwrap();
        if log > 4 {
            let (n1, n2) = zkaccel_host::ntt::four_step::four_step_split(log);
            assert_eq!(card.four_step, Some((n1, n2)));
            assert_eq!(card.jobs as usize, n1 + n2, "{card:?}");
        } else {
            assert_eq!(card.jobs, 1);
        }
    }
    let health = acc.boards();
    // 2^7: 8 + 16 jobs, 2^8: 16 + 16, halved over two boards; the single jobs alternate.
    assert!(health.iter().all(|h| h.jobs >= 20), "{health:?}");
    assert!(acc.failures().is_empty(), "{:?}", acc.failures());
}

#[test]
fn a_proof_over_two_boards_verifies() {
    let mut rng = StdRng::seed_from_u64(7);
    let circuit = WitnessLikeCircuit::new(8, 7);
    let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(circuit.blank(), &mut rng).unwrap();
    let mut acc = boards(&[None, None]);
    let proved = arkworks::prove(&pk, circuit, &mut acc).unwrap();
    assert!(Groth16::<Bls12_381>::verify(&vk, &proved.public, &proved.proof).unwrap());
    assert!(
        proved.report.failures.is_empty(),
        "{:?}",
        proved.report.failures
    );
    assert!(
        acc.boards().iter().all(|h| h.jobs >= 4),
        "{:?}",
        acc.boards()
    );
}

#[test]
fn a_board_that_keeps_failing_leaves_service_and_every_result_is_right() {
    let mut acc = boards(&[Some("all-ones"), None]);
    let (bases, scalars) = zkaccel_host::msm::random_instance(64, 11);
    let want = G1Projective::msm(&bases, &scalars).unwrap();
    let mut rng = StdRng::seed_from_u64(12);
    let mut jobs_when_out = None;
    for round in 0..5 {
        assert_eq!(acc.msm(&bases, &scalars).unwrap(), want, "round {round}");
        let two = [(&bases[..], &scalars[..]), (&bases[..8], &scalars[..8])];
        let want8 = G1Projective::msm(&bases[..8], &scalars[..8]).unwrap();
        assert_eq!(
            acc.msm_many(&two).unwrap(),
            vec![want, want8],
            "round {round}"
        );
        let input: Vec<Fr> = (0..64).map(|_| Fr::rand(&mut rng)).collect();
        let mut reference = input.clone();
        cpu_ntt(&mut reference, NttKind::FFT).unwrap();
        let mut got = input.clone();
        acc.ntt(&mut got, NttKind::FFT).unwrap();
        assert_eq!(got, reference, "round {round}");
        let bad = &acc.boards()[0];
        if !bad.in_service() {
            // Out of service: no more jobs reach it.
            let jobs = *jobs_when_out.get_or_insert(bad.jobs);
            assert_eq!(bad.jobs, jobs, "round {round}: {bad:?}");
        }
    }
    let health = acc.boards();
    assert!(!health[0].in_service(), "{health:?}");
    assert!(jobs_when_out.is_some());
    assert!(
        health[1].in_service() && health[1].failures == 0,
        "{health:?}"
    );
    assert!(acc.failures().iter().all(|f| f.backend.starts_with("sim")));
    // The good board took the work once the bad one left.
    assert!(health[1].jobs >= 10, "{health:?}");
}

#[test]
fn a_board_that_does_not_open_is_named() {
    let bad: Opener =
        Box::new(|| Accelerator::open(&"vfio-user:/nonexistent/zkaccel.sock".parse().unwrap()));
    let err = BoardPool::with_openers(vec![
        sim_board(None, 1),
        ("vfio-user:/nonexistent/zkaccel.sock".into(), bad),
    ])
    .err()
    .expect("the second board does not open");
    let text = zkaccel_driver::error_chain(&err);
    assert!(text.contains("/nonexistent/zkaccel.sock"), "{text}");
}
