//! The Groth16 prover for snarkjs proving keys: the witness map and the G1 MSMs on a
//! backend, the one G2 MSM on the CPU at the same time, and nothing returned unchecked.
//!
//! Steps and their checks (each check's secret randomness comes from the OS):
//! 1. **witness map** (six NTTs, [`super::witness_map`]), checked at a random point;
//! 2. **A, C and H** (three G1 MSMs, at once on several boards) and **B in G1** (one),
//!    while the CPU computes
//!    **B in G2**;
//! 3. B in G1 is checked against B in G2 by one pairing equation
//!    (e(B₁, δ₂) = e(δ₁, B₂): both are Σ wᵢ·bᵢ(τ) in their groups, and δ in both
//!    groups ties the key's generators together);
//! 4. the proof (randomized with r, s as snarkjs does) is verified with the key's
//!    verification key.
//!
//! A failed check, or a backend error, is recorded ([`Failure`]) and the step runs
//! again on the same backend once, then on the CPU. A proof that fails verification on
//! the CPU means the witness does not satisfy the circuit (or the key is not this
//! circuit's): an error, never an unverified proof.

use super::runner::{timed, Laps, Runner};
pub use super::runner::{CheckRecord, Failure, Phase, ProveError, ProveReport, Proved};
use super::witness_map::{self, Evaluations, SnarkjsDomain};
use super::zkey::Zkey;
use crate::accelerator::Accelerator;
use ark_bls12_381::{Bls12_381, Fr, G1Projective, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use ark_groth16::Proof;
use rand::rngs::OsRng;
use std::time::{Duration, Instant};

/// A Groth16 proof for `witness` with a snarkjs proving key, computed on `acc` and
/// verified before it is returned.
pub fn prove(zkey: &Zkey, witness: &[Fr], acc: &mut Accelerator) -> Result<Proved, ProveError> {
    let started = Instant::now();
    if witness.len() != zkey.n_vars {
        return Err(ProveError::WitnessLength {
            expected: zkey.n_vars,
            got: witness.len(),
        });
    }
    if !witness[0].is_one() {
        return Err(ProveError::WitnessOne);
    }
    let mut runner = Runner::new(acc, zkey.n_vars, zkey.n_public, zkey.domain_size);
    let public = witness[1..=zkey.n_public].to_vec();

    std::thread::scope(|scope| {
        // B in G2 on the CPU, beside everything else.
        let b2 = scope.spawn(|| {
            let t = Instant::now();
            let p = G2Projective::msm_unchecked(&zkey.b_g2, witness);
            (p, t.elapsed())
        });

        // 1. The witness map.
        let t = Instant::now();
        let evaluations = witness_map::qap_evaluations(zkey, witness);
        runner.report.phases.push(Phase {
            name: "qap evaluations".into(),
            backend: "cpu".into(),
            time: t.elapsed(),
            cycles: None,
        });
        let d = SnarkjsDomain::new(zkey.domain_size);
        let z = Fr::rand(&mut OsRng);
        let map: Evaluations = runner.checked(
            "witness map",
            |acc, phases| {
                let mut laps = Laps::new(phases, "witness map");
                witness_map::compute(acc, &d, &evaluations, |name, a| laps.lap(name, a))
            },
            |e| witness_map::check(&d, e, z),
            "witness map at a random point",
        )?;
        let h_scalars = d.to_snarkjs(&map.h_ark);

        // 2, 3. B in G1 against B in G2 (joined when first needed).
        let b2_handle = std::cell::RefCell::new(Some(b2));
        let b2_done: std::cell::OnceCell<(G2Projective, Duration)> = std::cell::OnceCell::new();
        let b2_get = || {
            *b2_done.get_or_init(|| {
                let handle = b2_handle.borrow_mut().take().expect("joined once");
                handle.join().expect("the G2 MSM thread does not panic")
            })
        };
        let b1 = runner.checked(
            "msm B in G1",
            |acc, phases| timed(phases, acc, "msm B in G1", |a| a.msm(&zkey.b_g1, witness)),
            |b1| {
                let (b2, _) = b2_get();
                Bls12_381::pairing(b1.into_affine(), zkey.delta_g2)
                    == Bls12_381::pairing(zkey.delta_g1, b2.into_affine())
            },
            "B in G1 against B in G2 (pairing)",
        )?;
        let (b2, b2_time) = b2_get();
        runner.report.phases.push(Phase {
            name: "msm B in G2 (cpu, concurrent)".into(),
            backend: "cpu".into(),
            time: b2_time,
            cycles: None,
        });

        // 2, 4. A, C, H and the verified proof.
        let r = Fr::rand(&mut OsRng);
        let s = Fr::rand(&mut OsRng);
        let vk = ark_groth16::prepare_verifying_key(&zkey.verifying_key());
        let private = &witness[zkey.n_public + 1..];
        let proof = runner.checked(
            "msm A, C and H",
            |acc, phases| {
                // Independent: on several boards, each on its own board at once.
                let jobs = [
                    (&zkey.a[..], witness),
                    (&zkey.c[..], private),
                    (&zkey.h[..], &h_scalars[..]),
                ];
                let sums = timed(phases, acc, "msm A, C, H", |x| x.msm_many(&jobs))?;
                let (a, c, h) = (sums[0], sums[1], sums[2]);
                Ok(assemble(zkey, a, b1, b2, c + h, r, s))
            },
            |proof| {
                ark_groth16::Groth16::<Bls12_381>::verify_proof(&vk, proof, &public)
                    .unwrap_or(false)
            },
            "proof verifies",
        )?;
        Ok(Proved {
            proof,
            public,
            report: runner.finish(started),
        })
    })
}

/// snarkjs's randomization: A = α + Σwᵢaᵢ + rδ, B = β + Σwᵢbᵢ + sδ,
/// C = Σ_private wᵢcᵢ + Σhⱼ·Hⱼ + s·A + r·B₁ − rs·δ.
fn assemble(
    zkey: &Zkey,
    a: G1Projective,
    b1: G1Projective,
    b2: G2Projective,
    c_and_h: G1Projective,
    r: Fr,
    s: Fr,
) -> Proof<Bls12_381> {
    let pi_a = a + zkey.alpha_g1 + zkey.delta_g1 * r;
    let pi_b = b2 + zkey.beta_g2 + zkey.delta_g2 * s;
    let pib1 = b1 + zkey.beta_g1 + zkey.delta_g1 * s;
    let pi_c = c_and_h + pi_a * s + pib1 * r - zkey.delta_g1 * (r * s);
    debug_assert!(!pi_a.is_zero() || r.is_zero());
    Proof {
        a: pi_a.into_affine(),
        b: pi_b.into_affine(),
        c: pi_c.into_affine(),
    }
}
