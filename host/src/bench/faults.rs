//! `zkaccel bench faults`: a fault campaign. For every fault kind of
//! [`zkaccel_sim::fault`], simulated boards that misbehave at a given rate run MSMs,
//! NTTs and Groth16 proofs; every result is compared with the CPU's (a proof must
//! verify). The campaign counts the faults injected, the jobs they hit, how many were
//! detected (a failure recorded), harmless (nothing recorded, result right), wrong
//! (a wrong result returned: must be 0) or incomplete (an error returned: must be 0),
//! and the checks' share of the time.

use crate::accelerator::Accelerator;
use crate::bench::prove::WitnessLikeCircuit;
use crate::groth16::arkworks;
use crate::msm::random_instance;
use crate::ntt::{cpu_ntt, NttKind};
use anyhow::{Context, Result};
use ark_bls12_381::{Bls12_381, Fr, G1Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::UniformRand;
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_snark::SNARK;
use rand::{rngs::StdRng, SeedableRng};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkaccel_driver::sim::SimCard;
use zkaccel_driver::DeviceSpec;
use zkaccel_sim::fault::{FaultCounts, FaultInjector, FaultKind, FaultSpec};

/// Points of each campaign MSM, log2 sizes of its NTTs, constraints (log2) of its proofs.
const MSM_POINTS: usize = 64;
const NTT_LOGS: [u32; 2] = [6, 7];
const PROOF_LOG: u32 = 8;

/// One kind's figures.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct KindFigures {
    pub kind: String,
    /// Host jobs run on boards with this fault.
    pub jobs: u64,
    /// Faults injected.
    pub injected: u64,
    /// Jobs a fault hit.
    pub faulty_jobs: u64,
    /// Of those, jobs where a failure was recorded (and the job completed elsewhere).
    pub detected: u64,
    /// Of those, jobs where nothing was recorded and the result was right.
    pub harmless: u64,
    /// Results that differed from the CPU's (or a proof that did not verify).
    pub wrong: u64,
    /// Jobs that returned an error.
    pub incomplete: u64,
    /// Boards taken out of service.
    pub out_of_service: u64,
    pub resets: u64,
}

/// The campaign's report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FaultCampaignReport {
    pub runs: usize,
    pub rate: f64,
    pub seed: u64,
    pub kinds: Vec<KindFigures>,
    pub injected: u64,
    pub jobs: u64,
    pub wrong: u64,
    pub incomplete: u64,
    /// Time in the checks (NTTs at a random point; the prover's checks) and in all.
    pub checks_s: f64,
    pub wall_s: f64,
    pub checks_share: f64,
}

impl FaultCampaignReport {
    /// 0 wrong results, every job completed, every fault detected or harmless.
    pub fn passed(&self) -> bool {
        self.wrong == 0 && self.incomplete == 0
    }
}

struct Board {
    acc: Accelerator,
    counter: Arc<Mutex<FaultCounts>>,
}

fn board(kind: FaultKind, rate: f64, seed: u64) -> Result<Board> {
    let injector = FaultInjector::new(vec![FaultSpec { kind, rate }], seed);
    let counter = injector.counter();
    let dev = SimCard::with_faults(injector).context("the simulated card")?;
    let acc = Accelerator::with_device(DeviceSpec::Sim, Box::new(dev))?;
    Ok(Board { acc, counter })
}

/// What one job did: faults injected during it, failures recorded, right or not.
struct Outcome {
    injected: u64,
    detected: bool,
    right: Option<bool>,
}

fn job(b: &mut Board, run: impl FnOnce(&mut Accelerator) -> Result<(bool, usize)>) -> Outcome {
    let before = b.counter.lock().expect("not poisoned").total();
    let failures = b.acc.failures().len();
    let (right, recorded) = match run(&mut b.acc) {
        Ok((right, recorded)) => (Some(right), recorded),
        Err(e) => {
            tracing::warn!("campaign job failed: {e:#}");
            (None, 0)
        }
    };
    let injected = b.counter.lock().expect("not poisoned").total() - before;
    Outcome {
        injected,
        detected: b.acc.failures().len() > failures || recorded > 0,
        right,
    }
}

/// Runs the campaign: `runs` rounds, in each a fresh board per kind (faults at `rate`)
/// running an MSM, two NTTs and, every `proof_every` rounds, a proof.
pub fn fault_campaign(
    runs: usize,
    rate: f64,
    proof_every: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<FaultCampaignReport> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let circuit = WitnessLikeCircuit::new(PROOF_LOG, seed);
    let (pk, vk): (ProvingKey<Bls12_381>, VerifyingKey<Bls12_381>) =
        Groth16::<Bls12_381>::circuit_specific_setup(circuit.blank(), &mut rng)
            .map_err(|e| anyhow::anyhow!("setup: {e}"))?;
    let pvk = Groth16::<Bls12_381>::process_vk(&vk).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut kinds: Vec<KindFigures> = FaultKind::ALL
        .iter()
        .map(|k| KindFigures {
            kind: k.to_string(),
            ..Default::default()
        })
        .collect();
    let mut checks = Duration::ZERO;
    for r in 0..runs {
        for (k, kind) in FaultKind::ALL.into_iter().enumerate() {
            let mut b = board(kind, rate, seed ^ ((r * 8 + k) as u64 + 1) << 8)?;
            let mut outcomes = vec![];
            let (bases, scalars) = random_instance(MSM_POINTS, rng.next_seed());
            let want = G1Projective::msm(&bases, &scalars).expect("same length");
            outcomes.push(job(&mut b, |acc| {
                Ok((acc.msm(&bases, &scalars)? == want, 0))
            }));
            for (i, log) in NTT_LOGS.into_iter().enumerate() {
                let kind = [NttKind::FFT, NttKind::COSET_IFFT][i];
                let input: Vec<Fr> = (0..1usize << log).map(|_| Fr::rand(&mut rng)).collect();
                let mut reference = input.clone();
                cpu_ntt(&mut reference, kind)?;
                outcomes.push(job(&mut b, |acc| {
                    let mut v = input.clone();
                    acc.ntt(&mut v, kind)?;
                    Ok((v == reference, 0))
                }));
            }
            if proof_every > 0 && r % proof_every == 0 {
                let c = WitnessLikeCircuit::new(PROOF_LOG, seed + r as u64);
                outcomes.push(job(&mut b, |acc| {
                    let proved = arkworks::prove(&pk, c, acc)?;
                    checks += proved.report.checks_time;
                    let ok = Groth16::<Bls12_381>::verify_with_processed_vk(
                        &pvk,
                        &proved.public,
                        &proved.proof,
                    )
                    .unwrap_or(false);
                    Ok((ok, proved.report.failures.len()))
                }));
            }
            checks += b.acc.checks_time();
            let f = &mut kinds[k];
            for o in outcomes {
                f.jobs += 1;
                f.injected += o.injected;
                match o.right {
                    None => f.incomplete += 1,
                    Some(false) => f.wrong += 1,
                    Some(true) if o.injected > 0 => {
                        f.faulty_jobs += 1;
                        if o.detected {
                            f.detected += 1;
                        } else {
                            f.harmless += 1;
                        }
                    }
                    Some(true) => {}
                }
            }
            if let Some(h) = b.acc.health() {
                f.resets += h.resets;
                f.out_of_service += u64::from(!h.in_service());
            }
        }
        progress(r + 1);
    }
    let wall = started.elapsed();
    Ok(FaultCampaignReport {
        runs,
        rate,
        seed,
        injected: kinds.iter().map(|k| k.injected).sum(),
        jobs: kinds.iter().map(|k| k.jobs).sum(),
        wrong: kinds.iter().map(|k| k.wrong).sum(),
        incomplete: kinds.iter().map(|k| k.incomplete).sum(),
        kinds,
        checks_s: checks.as_secs_f64(),
        wall_s: wall.as_secs_f64(),
        checks_share: checks.as_secs_f64() / wall.as_secs_f64().max(1e-9),
    })
}

trait NextSeed {
    fn next_seed(&mut self) -> u64;
}

impl NextSeed for StdRng {
    fn next_seed(&mut self) -> u64 {
        rand::Rng::gen(self)
    }
}
