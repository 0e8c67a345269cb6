//! `zkaccel bench prove`: Groth16 proofs of a circuit built here with about 2^K
//! constraints, on a backend ([`crate::groth16::arkworks::prove`], every step checked)
//! beside ark-groth16's own CPU prover on the same circuit and key, in the same run,
//! alternating. Every proof is verified.
//!
//! The circuit is witness-like, not uniform: blocks of a random 64-bit value decomposed
//! into bits (64 boolean constraints and one sum), the value squared, and the squares
//! chained into a running sum whose last value is the one public input; the rest of the
//! domain is filled with squarings. Its A, B and C scalars are mostly 0 and 1.

use crate::accelerator::{Accelerator, AcceleratorError};
use crate::backend::Backend;
use crate::groth16::arkworks::{self, ArkProveError};
use crate::groth16::runner::ProveReport;
use ark_bls12_381::{Bls12_381, Fr};
use ark_ff::Field;
use ark_groth16::Groth16;
use ark_relations::lc;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use rand::{Rng, SeedableRng};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum BenchProveError {
    #[error("--log-constraints {0}: choose 6 to 22")]
    Size(u32),
    #[error(transparent)]
    Backend(#[from] AcceleratorError),
    #[error("setting up the benchmark circuit")]
    Setup(#[source] SynthesisError),
    #[error(transparent)]
    Prove(#[from] ArkProveError),
    #[error("ark-groth16's proof of the benchmark circuit does not verify")]
    Reference,
}

/// The benchmark circuit (see the module's documentation).
#[derive(Clone)]
pub struct WitnessLikeCircuit {
    /// The 64-bit values; `None` for the setup.
    pub values: Vec<Option<u64>>,
    /// Squarings that fill the domain.
    pub filler: usize,
}

impl WitnessLikeCircuit {
    /// A circuit of about `2^log` constraints (its domain is 2^log).
    pub fn new(log: u32, seed: u64) -> Self {
        let n = 1usize << log;
        // Keep constraints + inputs (2) within the domain.
        let budget = n - 2;
        let blocks = budget / 68;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        Self {
            values: (0..blocks).map(|_| Some(rng.gen())).collect(),
            filler: budget - 68 * blocks,
        }
    }

    /// The circuit without values (for the setup).
    pub fn blank(&self) -> Self {
        Self {
            values: vec![None; self.values.len()],
            filler: self.filler,
        }
    }
}

impl ConstraintSynthesizer<Fr> for WitnessLikeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let missing = || SynthesisError::AssignmentMissing;
        let total: Option<Fr> = self
            .values
            .iter()
            .map(|v| v.map(|v| Fr::from(v).square()))
            .sum();
        let out = cs.new_input_variable(|| total.ok_or_else(missing))?;
        let mut acc_val = Some(Fr::from(0u64));
        let mut acc = cs.new_witness_variable(|| Ok(Fr::from(0u64)))?;
        cs.enforce_constraint(
            lc!() + acc,
            lc!() + ark_relations::r1cs::Variable::One,
            lc!(),
        )?;
        let count = self.values.len();
        for (k, v) in self.values.iter().enumerate() {
            let x = cs.new_witness_variable(|| v.map(Fr::from).ok_or_else(missing))?;
            let mut sum = lc!();
            for i in 0..64 {
                let bit = v.map(|v| Fr::from((v >> i) & 1));
                let b = cs.new_witness_variable(|| bit.ok_or_else(missing))?;
                cs.enforce_constraint(
                    lc!() + b,
                    lc!() + b - ark_relations::r1cs::Variable::One,
                    lc!(),
                )?;
                sum = sum + (Fr::from(2u64).pow([i as u64]), b);
            }
            cs.enforce_constraint(sum, lc!() + ark_relations::r1cs::Variable::One, lc!() + x)?;
            let sq_val = v.map(|v| Fr::from(v).square());
            let sq = cs.new_witness_variable(|| sq_val.ok_or_else(missing))?;
            cs.enforce_constraint(lc!() + x, lc!() + x, lc!() + sq)?;
            let next_val = acc_val.zip(sq_val).map(|(a, s)| a + s);
            let next = if k + 1 == count {
                out
            } else {
                cs.new_witness_variable(|| next_val.ok_or_else(missing))?
            };
            cs.enforce_constraint(
                lc!() + acc + sq,
                lc!() + ark_relations::r1cs::Variable::One,
                lc!() + next,
            )?;
            acc = next;
            acc_val = next_val;
        }
        let mut f_val = Some(Fr::from(3u64));
        let mut f = cs.new_witness_variable(|| Ok(Fr::from(3u64)))?;
        for _ in 0..self.filler.saturating_sub(1) {
            f_val = f_val.map(|x| x.square());
            let g = cs.new_witness_variable(|| f_val.ok_or_else(missing))?;
            cs.enforce_constraint(lc!() + f, lc!() + f, lc!() + g)?;
            f = g;
        }
        Ok(())
    }
}

/// The benchmark's figures.
#[derive(serde::Serialize)]
pub struct ProveBenchReport {
    pub log_constraints: u32,
    pub constraints: usize,
    pub backend: String,
    pub reps: usize,
    /// zkaccel's prove time on the backend (median), seconds.
    pub zkaccel_s: f64,
    /// ark-groth16's CPU prover on the same circuit and key (median), seconds.
    pub ark_groth16_cpu_s: f64,
    /// zkaccel / ark-groth16.
    pub ratio: f64,
    /// The last zkaccel run's phases, checks and failures.
    pub last_run: ProveReport,
    pub setup_s: f64,
}

/// Proves the circuit of 2^log constraints `reps` times on `backend` and with
/// ark-groth16's CPU prover, alternating.
pub fn bench_prove(
    backend: &Backend,
    log: u32,
    reps: usize,
    seed: u64,
) -> Result<ProveBenchReport, BenchProveError> {
    if !(6..=22).contains(&log) {
        return Err(BenchProveError::Size(log));
    }
    let circuit = WitnessLikeCircuit::new(log, seed);
    let t = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x5eed);
    let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(circuit.blank(), &mut rng)
        .map_err(BenchProveError::Setup)?;
    let setup_s = t.elapsed().as_secs_f64();
    let constraints = {
        let cs = ark_relations::r1cs::ConstraintSystem::<Fr>::new_ref();
        circuit
            .clone()
            .generate_constraints(cs.clone())
            .map_err(BenchProveError::Setup)?;
        cs.num_constraints()
    };
    let pvk = ark_groth16::prepare_verifying_key(&vk);
    let mut acc = Accelerator::open(backend)?;
    let mut last = None;
    let mut reference_ok = true;
    let (ours, theirs) = crate::bench::alternate(
        reps,
        || -> Result<f64, BenchProveError> {
            let t = Instant::now();
            let proved = arkworks::prove(&pk, circuit.clone(), &mut acc)?;
            let s = t.elapsed().as_secs_f64();
            last = Some(proved.report);
            Ok(s)
        },
        || {
            let t = Instant::now();
            let proof = Groth16::<Bls12_381>::prove(&pk, circuit.clone(), &mut rng);
            let s = t.elapsed().as_secs_f64();
            let public = [circuit
                .values
                .iter()
                .map(|v| Fr::from(v.unwrap()).square())
                .sum::<Fr>()];
            reference_ok &= proof
                .ok()
                .and_then(|p| {
                    Groth16::<Bls12_381>::verify_with_processed_vk(&pvk, &public, &p).ok()
                })
                .unwrap_or(false);
            s
        },
    )?;
    if !reference_ok {
        return Err(BenchProveError::Reference);
    }
    let (zk, ark) = (crate::bench::median(&ours), crate::bench::median(&theirs));
    Ok(ProveBenchReport {
        log_constraints: log,
        constraints,
        backend: backend.to_string(),
        reps,
        zkaccel_s: zk,
        ark_groth16_cpu_s: ark,
        ratio: zk / ark,
        last_run: last.expect("reps ≥ 1"),
        setup_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_fills_its_domain_and_the_bench_verifies_both_provers() {
        let c = WitnessLikeCircuit::new(10, 1);
        let cs = ark_relations::r1cs::ConstraintSystem::<Fr>::new_ref();
        c.clone().generate_constraints(cs.clone()).unwrap();
        assert!(cs.is_satisfied().unwrap());
        let n = cs.num_constraints() + cs.num_instance_variables();
        assert!(n <= 1024 && n > 1000, "{n}");
        let r = bench_prove(&Backend::Cpu, 10, 1, 1).unwrap();
        assert!(r.last_run.failures.is_empty());
        assert_eq!(r.last_run.checks.len(), 3);
    }
}
