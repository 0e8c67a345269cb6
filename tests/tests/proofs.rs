//! Proofs on the simulated card: Groth16 from snarkjs artifacts (checked by snarkjs
//! itself), the arkworks-native prover, EIP-4844 KZG; and a faulty card whose wrong
//! results are caught and recomputed.

use ark_bls12_381::Fr;
use std::path::{Path, PathBuf};
use std::process::Command;
use zkaccel_driver::{Beat, DeviceSpec};
use zkaccel_host::groth16::{json, prove, verify, zkey::Zkey};
use zkaccel_host::{wtns, Accelerator};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/groth16")
        .join(name)
}

fn inputs() -> (Zkey, Vec<Fr>) {
    (
        Zkey::read(&fixture("sumsq.zkey")).unwrap(),
        wtns::read(&fixture("sumsq.wtns")).unwrap(),
    )
}

/// A command of the npm tools (snarkjs, circom2) installed by scripts/ensure-js-tools.sh
/// (`./run-tests` sets ZKACCEL_JS_TOOLS and requires them).
fn js_tool(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("ZKACCEL_JS_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/npm/node_modules/.bin")
        });
    let found = Some(dir.join(name)).filter(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("ZKACCEL_REQUIRE_JS_TOOLS").is_none(),
            "{name} is required (ZKACCEL_REQUIRE_JS_TOOLS) but was not found: run scripts/ensure-js-tools.sh"
        );
        eprintln!("NOTE: {name} not found (scripts/ensure-js-tools.sh installs it): the part of this test that needs it did not run");
    }
    found
}

fn snarkjs() -> Option<PathBuf> {
    js_tool("snarkjs")
}

fn snarkjs_verifies(snarkjs: &Path, proof: &Path, public: &Path) -> bool {
    let out = Command::new(snarkjs)
        .args(["groth16", "verify"])
        .arg(fixture("vkey.json"))
        .arg(public)
        .arg(proof)
        .output()
        .expect("snarkjs runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    out.status.success() && text.contains("OK!")
}

fn write_proof(dir: &Path, proved: &prove::Proved) -> (PathBuf, PathBuf) {
    let (p, q) = (dir.join("proof.json"), dir.join("public.json"));
    std::fs::write(&p, json::to_snarkjs_text(&json::proof_json(&proved.proof))).unwrap();
    std::fs::write(
        &q,
        json::to_snarkjs_text(&json::public_json(&proved.public)),
    )
    .unwrap();
    (p, q)
}

#[test]
fn a_proof_on_the_simulated_card_verifies_with_snarkjs() {
    let (zkey, witness) = inputs();
    let mut acc = Accelerator::with_device(
        DeviceSpec::Sim,
        zkaccel_driver::open(&DeviceSpec::Sim).unwrap(),
    )
    .unwrap();
    let proved = prove::prove(&zkey, &witness, &mut acc).unwrap();
    assert!(
        proved.report.failures.is_empty(),
        "{:?}",
        proved.report.failures
    );
    assert!(proved
        .report
        .checks
        .iter()
        .all(|c| c.passed && c.backend == "sim"));
    // The card ran the transforms and the G1 MSMs.
    let on_card: Vec<_> = proved
        .report
        .phases
        .iter()
        .filter(|p| p.backend == "sim")
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        on_card,
        [
            "witness map: ifft A, B, C",
            "witness map: fft A, B, C",
            "msm B in G1",
            "msm A, C, H"
        ]
    );
    assert!(proved
        .report
        .phases
        .iter()
        .filter(|p| p.backend == "sim")
        .all(|p| p.cycles.unwrap_or(0) > 0));
    let vk = json::parse_vkey(
        &serde_json::from_slice(&std::fs::read(fixture("vkey.json")).unwrap()).unwrap(),
        "vkey.json",
    )
    .unwrap();
    assert!(verify(&vk, &proved.public, &proved.proof).unwrap());
    if let Some(snarkjs) = snarkjs() {
        let dir = tempfile::tempdir().unwrap();
        let (p, q) = write_proof(dir.path(), &proved);
        assert!(
            snarkjs_verifies(&snarkjs, &p, &q),
            "snarkjs refuses the card's proof"
        );
        // And snarkjs is not a rubber stamp: a proof for other public signals fails.
        let mut other = proved.public.clone();
        other[1] += Fr::from(1u64);
        std::fs::write(&q, json::to_snarkjs_text(&json::public_json(&other))).unwrap();
        assert!(!snarkjs_verifies(&snarkjs, &p, &q));
    }
}

/// A card whose data reads come back with one bit flipped, for the first `faulty`
/// reads (usize::MAX: always).
fn faulty_accelerator(faulty: usize) -> Accelerator {
    let mut reads = 0usize;
    let dev = zkaccel_tests::TamperedReads {
        inner: zkaccel_driver::open(&DeviceSpec::Sim).unwrap(),
        label: "bit-flipping ",
        tamper: move |beats: &mut Vec<Beat>| {
            if reads < faulty && !beats.is_empty() {
                let k = beats.len() / 2;
                beats[k][0] ^= 1 << 5;
            }
            reads += 1;
        },
    };
    Accelerator::with_device(DeviceSpec::Sim, Box::new(dev)).unwrap()
}

#[test]
fn a_card_that_always_flips_a_bit_is_caught_and_the_proof_comes_from_the_cpu() {
    let (zkey, witness) = inputs();
    let mut acc = faulty_accelerator(usize::MAX);
    let shown = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let record = shown.clone();
    acc.set_progress(Box::new(move |step| {
        record.borrow_mut().push(step.to_string())
    }));
    let proved = prove::prove(&zkey, &witness, &mut acc).unwrap();
    let r = &proved.report;
    // The progress display was told every attempt of every step.
    assert_eq!(
        shown.borrow()[..3],
        [
            "witness map",
            "witness map (attempt 2 of 3, on sim)",
            "witness map (attempt 3 of 3, on cpu)"
        ]
    );
    assert_eq!(shown.borrow().len(), 9, "{:?}", shown.borrow());
    // Each checked step failed twice on the card and was computed on the CPU.
    let steps: Vec<_> = r
        .failures
        .iter()
        .map(|f| (f.step, f.then.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("witness map", "retried on sim"),
            ("witness map", "computed on the CPU"),
            ("msm B in G1", "retried on sim"),
            ("msm B in G1", "computed on the CPU"),
            ("msm A, C and H", "retried on sim"),
            ("msm A, C and H", "computed on the CPU"),
        ],
        "{:#?}",
        r.failures
    );
    assert!(r
        .checks
        .iter()
        .filter(|c| c.backend == "cpu")
        .all(|c| c.passed));
    let vk = zkey.verifying_key();
    assert!(verify(&vk, &proved.public, &proved.proof).unwrap());
    if let Some(snarkjs) = snarkjs() {
        let dir = tempfile::tempdir().unwrap();
        let (p, q) = write_proof(dir.path(), &proved);
        assert!(snarkjs_verifies(&snarkjs, &p, &q));
    }
}

#[test]
fn a_card_that_flips_one_bit_once_is_caught_and_the_retry_on_the_card_is_used() {
    let (zkey, witness) = inputs();
    let mut acc = faulty_accelerator(1);
    let proved = prove::prove(&zkey, &witness, &mut acc).unwrap();
    let r = &proved.report;
    assert_eq!(r.failures.len(), 1, "{:#?}", r.failures);
    assert_eq!(r.failures[0].step, "witness map");
    assert_eq!(r.failures[0].then, "retried on sim");
    // Everything that was returned came from the card.
    assert!(r
        .checks
        .iter()
        .filter(|c| c.passed)
        .all(|c| c.backend == "sim"));
    assert!(verify(&zkey.verifying_key(), &proved.public, &proved.proof).unwrap());
}

#[test]
fn the_arkworks_prover_and_reduction_run_on_the_simulated_card() {
    use ark_groth16::Groth16;
    use ark_snark::SNARK;
    use rand::SeedableRng;
    use zkaccel_host::groth16::arkworks::{self, test_circuit::Squarings, BackendReduction};
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let k = 300;
    let (pk, vk) = Groth16::<ark_bls12_381::Bls12_381>::circuit_specific_setup(
        Squarings { x: None, k },
        &mut rng,
    )
    .unwrap();
    let circuit = Squarings {
        x: Some(Fr::from(7u64)),
        k,
    };
    let mut acc = Accelerator::with_device(
        DeviceSpec::Sim,
        zkaccel_driver::open(&DeviceSpec::Sim).unwrap(),
    )
    .unwrap();
    let proved = arkworks::prove(&pk, circuit.clone(), &mut acc).unwrap();
    assert!(
        proved.report.failures.is_empty(),
        "{:?}",
        proved.report.failures
    );
    assert!(proved
        .report
        .phases
        .iter()
        .any(|p| p.backend == "sim" && p.name.starts_with("witness map")));
    let pvk = ark_groth16::prepare_verifying_key(&vk);
    assert!(
        Groth16::<ark_bls12_381::Bls12_381>::verify_proof(&pvk, &proved.proof, &proved.public)
            .unwrap()
    );
    // ark-groth16's own prover, its transforms on the card.
    let (proof, report) = arkworks::with_backend(&mut acc, || {
        Groth16::<ark_bls12_381::Bls12_381, BackendReduction>::create_random_proof_with_reduction(
            circuit, &pk, &mut rng,
        )
    });
    assert_eq!(report.backend, "sim");
    assert!(
        report.checks.iter().all(|c| c.passed && c.backend == "sim") && report.checks.len() == 1
    );
    assert!(Groth16::<ark_bls12_381::Bls12_381>::verify_proof(
        &pvk,
        &proof.unwrap(),
        &proved.public
    )
    .unwrap());
}

#[test]
fn kzg_on_the_simulated_card_equals_the_cpu_and_a_faulty_card_is_caught() {
    use ark_ff::UniformRand;
    use zkaccel_host::kzg;
    let mut rng = ark_std::test_rng();
    // A witness-like blob: mostly 0 and 1, some uniform.
    let blob: Vec<Fr> = (0..4096)
        .map(|i| match i % 4 {
            0 | 1 => Fr::from(0u64),
            2 => Fr::from(1u64),
            _ => Fr::rand(&mut rng),
        })
        .collect();
    let mut cpu = Accelerator::open(&zkaccel_host::Backend::Cpu).unwrap();
    let reference = kzg::commit_and_prove(&mut cpu, &blob).unwrap();
    let mut card = Accelerator::with_device(
        DeviceSpec::Sim,
        zkaccel_driver::open(&DeviceSpec::Sim).unwrap(),
    )
    .unwrap();
    let opened = kzg::commit_and_prove(&mut card, &blob).unwrap();
    assert_eq!(
        (opened.commitment, opened.proof),
        (reference.commitment, reference.proof)
    );
    assert!(opened.report.failures.is_empty());
    assert!(opened
        .report
        .phases
        .iter()
        .all(|p| p.backend == "sim" && p.cycles.unwrap_or(0) > 0));
    // A card that always flips a bit: caught twice, computed on the CPU, still right.
    let mut faulty = faulty_accelerator(usize::MAX);
    let opened = kzg::commit_and_prove(&mut faulty, &blob).unwrap();
    assert_eq!(
        (opened.commitment, opened.proof),
        (reference.commitment, reference.proof)
    );
    let then: Vec<_> = opened
        .report
        .failures
        .iter()
        .map(|f| f.then.as_str())
        .collect();
    assert_eq!(then, ["retried on sim", "computed on the CPU"]);
}

/// The whole circom path in CI: the fixture circuit compiled by circom2 (the same
/// constraints as the key was set up for), its witness generated from input.json, a
/// proof on the CPU backend, accepted by snarkjs.
#[test]
fn a_circuit_compiled_by_circom_is_proved_on_the_cpu_and_snarkjs_accepts_it() {
    let (Some(circom), Some(snarkjs)) = (js_tool("circom2"), snarkjs()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&circom)
        .arg(fixture("sumsq.circom"))
        .args(["--r1cs", "--wasm", "--prime", "bls12381", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(dir.path().join("sumsq.r1cs")).unwrap(),
        std::fs::read(fixture("sumsq.r1cs")).unwrap(),
        "circom2 compiled other constraints than the key was set up for"
    );
    let wtns = dir.path().join("w.wtns");
    let out = Command::new("node")
        .arg(dir.path().join("sumsq_js/generate_witness.js"))
        .arg(dir.path().join("sumsq_js/sumsq.wasm"))
        .arg(fixture("input.json"))
        .arg(&wtns)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let zkey = Zkey::read(&fixture("sumsq.zkey")).unwrap();
    let witness = wtns::read(&wtns).unwrap();
    let mut acc = Accelerator::open(&zkaccel_host::Backend::Cpu).unwrap();
    let proved = prove::prove(&zkey, &witness, &mut acc).unwrap();
    let (p, q) = write_proof(dir.path(), &proved);
    assert!(
        snarkjs_verifies(&snarkjs, &p, &q),
        "snarkjs refuses the CPU backend's proof"
    );
}
