//! The Groth16 prover for snarkjs proving keys: the witness map and the G1 MSMs on a
//! backend, the one G2 MSM on the CPU at the same time, and nothing returned unchecked.
//!
//! Steps and their checks (each check's secret randomness comes from the OS):
//! 1. **witness map** (six NTTs, [`super::witness_map`]), checked at a random point;
//! 2. **A, C and H** (three G1 MSMs) and **B in G1** (one), while the CPU computes
//!    **B in G2**;
//! 3. B in G1 is checked against B in G2 by one pairing equation
//!    (e(B₁, g₂) = e(g₁, B₂): both are Σ wᵢ·bᵢ(τ) in their groups);
//! 4. the proof (randomized with r, s as snarkjs does) is verified with the key's
//!    verification key.
//!
//! A failed check, or a backend error, is recorded ([`Failure`]) and the step runs
//! again on the same backend once, then on the CPU. A proof that fails verification on
//! the CPU means the witness does not satisfy the circuit (or the key is not this
//! circuit's): an error, never an unverified proof.

use super::witness_map::{self, Evaluations, SnarkjsDomain};
use super::zkey::Zkey;
use crate::accelerator::{Accelerator, AcceleratorError};
use crate::backend::Backend;
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use ark_groth16::Proof;
use rand::rngs::OsRng;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("the witness has {got} values; the proving key's circuit has {expected} signals")]
    WitnessLength { expected: usize, got: usize },
    #[error("the witness's first value (the constant signal) is not 1")]
    WitnessOne,
    #[error("could not open the CPU backend for the fallback")]
    Cpu(#[source] AcceleratorError),
    #[error("{step} failed on the CPU too")]
    CpuFailed {
        step: &'static str,
        #[source]
        source: AcceleratorError,
    },
    #[error("the proof does not verify even when computed on the CPU: the witness does not satisfy the circuit, or the proving key is not this circuit's")]
    Unsatisfied,
}

/// One timed piece of work.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Phase {
    pub name: String,
    pub backend: String,
    #[serde(rename = "seconds", serialize_with = "crate::report::seconds")]
    pub time: Duration,
    /// Simulated or board cycles, for card jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles: Option<u64>,
}

/// One check.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckRecord {
    pub name: &'static str,
    /// Where the checked values were computed.
    pub backend: String,
    pub passed: bool,
    #[serde(rename = "seconds", serialize_with = "crate::report::seconds")]
    pub time: Duration,
}

/// A failed check or a backend error, and what was done about it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Failure {
    pub step: &'static str,
    pub backend: String,
    pub reason: String,
    /// Where the step ran next.
    pub then: String,
}

/// What a proof cost and what was checked.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProveReport {
    pub backend: String,
    pub signals: usize,
    pub public_signals: usize,
    pub domain_size: usize,
    pub phases: Vec<Phase>,
    pub checks: Vec<CheckRecord>,
    pub failures: Vec<Failure>,
    #[serde(rename = "total_s", serialize_with = "crate::report::seconds")]
    pub total: Duration,
    #[serde(rename = "checks_s", serialize_with = "crate::report::seconds")]
    pub checks_time: Duration,
    /// The checks' share of the total time.
    pub checks_share: f64,
}

/// A verified proof, its public signals and the report.
pub struct Proved {
    pub proof: Proof<Bls12_381>,
    pub public: Vec<Fr>,
    pub report: ProveReport,
}

/// The backends a step may run on: the chosen one, then the CPU.
struct Runner<'a> {
    primary: &'a mut Accelerator,
    cpu: Option<Accelerator>,
    report: ProveReport,
}

impl Runner<'_> {
    fn primary_is_cpu(&self) -> bool {
        matches!(self.primary.backend(), Backend::Cpu)
    }

    /// Runs `step` on the chosen backend (twice at most) and then on the CPU until
    /// `check` accepts its result.
    fn checked<T>(
        &mut self,
        step: &'static str,
        mut run: impl FnMut(&mut Accelerator, &mut Vec<Phase>) -> Result<T, AcceleratorError>,
        mut check: impl FnMut(&T) -> bool,
        check_name: &'static str,
    ) -> Result<T, ProveError> {
        let attempts = if self.primary_is_cpu() { 1 } else { 3 };
        for attempt in 0..attempts {
            let on_cpu = attempt == 2 || self.primary_is_cpu();
            if on_cpu && self.cpu.is_none() && !self.primary_is_cpu() {
                self.cpu = Some(Accelerator::open(&Backend::Cpu).map_err(ProveError::Cpu)?);
            }
            let acc: &mut Accelerator = if on_cpu && !self.primary_is_cpu() {
                self.cpu.as_mut().expect("opened")
            } else {
                self.primary
            };
            let backend = acc.backend().to_string();
            let then = if attempt + 1 == 1 && attempts == 3 {
                format!("retried on {backend}")
            } else {
                "computed on the CPU".to_string()
            };
            let result = run(acc, &mut self.report.phases);
            let value = match result {
                Ok(v) => v,
                Err(e) if on_cpu => return Err(ProveError::CpuFailed { step, source: e }),
                Err(e) => {
                    self.report.failures.push(Failure {
                        step,
                        backend,
                        reason: zkaccel_driver::error_chain(&e),
                        then,
                    });
                    continue;
                }
            };
            let started = Instant::now();
            let passed = check(&value);
            self.report.checks.push(CheckRecord {
                name: check_name,
                backend: backend.clone(),
                passed,
                time: started.elapsed(),
            });
            if passed {
                return Ok(value);
            }
            if on_cpu {
                return Err(ProveError::Unsatisfied);
            }
            self.report.failures.push(Failure {
                step,
                backend,
                reason: format!("{check_name}: check failed"),
                then,
            });
        }
        unreachable!("the last attempt runs on the CPU and returns")
    }
}

/// Times `f` as a phase on `acc`, with the card's cycles when it reports them.
fn timed<T>(
    phases: &mut Vec<Phase>,
    acc: &mut Accelerator,
    name: &str,
    f: impl FnOnce(&mut Accelerator) -> Result<T, AcceleratorError>,
) -> Result<T, AcceleratorError> {
    let started = Instant::now();
    let v = f(acc)?;
    phases.push(Phase {
        name: name.to_string(),
        backend: acc.backend().to_string(),
        time: started.elapsed(),
        cycles: acc.last_cycles(),
    });
    Ok(v)
}

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
    let mut runner = Runner {
        report: ProveReport {
            backend: acc.backend().to_string(),
            signals: zkey.n_vars,
            public_signals: zkey.n_public,
            domain_size: zkey.domain_size,
            phases: vec![],
            checks: vec![],
            failures: vec![],
            total: Duration::ZERO,
            checks_time: Duration::ZERO,
            checks_share: 0.0,
        },
        primary: acc,
        cpu: None,
    };
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
                let mut names = vec![];
                let t = Instant::now();
                let e = witness_map::compute(acc, &d, &evaluations, |name, a| {
                    names.push((name.to_string(), t.elapsed(), a.last_cycles()))
                })?;
                let mut last = Duration::ZERO;
                for (name, at, cycles) in names {
                    phases.push(Phase {
                        name: format!("witness map: {name}"),
                        backend: acc.backend().to_string(),
                        time: at - last,
                        cycles,
                    });
                    last = at;
                }
                Ok(e)
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
                Bls12_381::pairing(b1.into_affine(), G2Affine::generator())
                    == Bls12_381::pairing(G1Affine::generator(), b2.into_affine())
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
                let a = timed(phases, acc, "msm A", |x| x.msm(&zkey.a, witness))?;
                let c = timed(phases, acc, "msm C", |x| x.msm(&zkey.c, private))?;
                let h = timed(phases, acc, "msm H", |x| x.msm(&zkey.h, &h_scalars))?;
                Ok(assemble(zkey, a, b1, b2, c + h, r, s))
            },
            |proof| {
                ark_groth16::Groth16::<Bls12_381>::verify_proof(&vk, proof, &public)
                    .unwrap_or(false)
            },
            "proof verifies",
        )?;
        let mut report = runner.report;
        report.total = started.elapsed();
        report.checks_time = report.checks.iter().map(|c| c.time).sum();
        report.checks_share =
            report.checks_time.as_secs_f64() / report.total.as_secs_f64().max(1e-9);
        Ok(Proved {
            proof,
            public,
            report,
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
