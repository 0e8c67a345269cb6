//! Groth16 for arkworks users: the same prover with an `ark_groth16::ProvingKey` and a
//! `ConstraintSynthesizer` ([`prove`]), and an `R1CSToQAP` reduction whose transforms
//! run on a backend ([`BackendReduction`], for users who keep ark-groth16's prover).
//!
//! The witness map is ark-groth16's `LibsnarkReduction` (three inverse FFTs, three coset
//! FFTs over `get_coset(GENERATOR)`, one coset inverse FFT: seven transforms on the
//! backend), checked at a secret random z: h(z)·Z(z) = a(z)b(z) − c(z), with a, b, c
//! from their evaluations over the domain by Lagrange coefficients and h(z) by Horner.
//! Proofs are ark-groth16's (`Groth16::verify_proof` accepts them) and are verified with
//! the key's verification key before they are returned, like snarkjs-key proofs
//! ([`super::prove`]).

use super::runner::{timed, Laps, ProveError, ProveReport, Proved, Runner};
use crate::accelerator::{Accelerator, AcceleratorError};
use crate::backend::Backend;
use crate::ntt::NttKind;
use ark_bls12_381::{Bls12_381, Fr, G1Projective, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, FftField, Field, PrimeField, UniformRand, Zero};
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError,
    SynthesisMode,
};
use rand::rngs::OsRng;
use rayon::prelude::*;
use std::cell::RefCell;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum ArkProveError {
    #[error("synthesizing the circuit")]
    Synthesis(#[from] SynthesisError),
    #[error("the proving key was made for {key} signals, the circuit has {circuit}")]
    KeyMismatch { key: usize, circuit: usize },
    #[error(transparent)]
    Prove(#[from] ProveError),
}

/// The evaluations of A·w, B·w, C·w over the domain and the coefficients of h.
pub struct LibsnarkMap {
    pub abc: [Vec<Fr>; 3],
    pub h: Vec<Fr>,
}

/// ark-groth16's `LibsnarkReduction::witness_map_from_matrices`, with its seven
/// transforms on `acc`; `on_transform` is called after each, with its name.
pub fn witness_map(
    acc: &mut Accelerator,
    matrices: &ConstraintMatrices<Fr>,
    num_inputs: usize,
    num_constraints: usize,
    full_assignment: &[Fr],
    mut on_transform: impl FnMut(&str, &Accelerator),
) -> Result<LibsnarkMap, AcceleratorError> {
    let domain = libsnark_domain(num_inputs, num_constraints);
    let n = domain.size();
    let mut a = vec![Fr::zero(); n];
    let mut b = vec![Fr::zero(); n];
    let mut c = vec![Fr::zero(); n];
    a[..num_constraints]
        .par_iter_mut()
        .zip(&mut b[..num_constraints])
        .zip(&mut c[..num_constraints])
        .enumerate()
        .for_each(|(i, ((a, b), c))| {
            *a = evaluate_constraint(&matrices.a[i], full_assignment);
            *b = evaluate_constraint(&matrices.b[i], full_assignment);
            *c = evaluate_constraint(&matrices.c[i], full_assignment);
        });
    a[num_constraints..num_constraints + num_inputs]
        .clone_from_slice(&full_assignment[..num_inputs]);
    let abc = [a.clone(), b.clone(), c.clone()];
    // A, B and C are independent: each step's three transforms run as a batch (on
    // several boards at once).
    let mut polys = [a, b, c];
    acc.ntt_batch(&mut polys, NttKind::IFFT)?;
    on_transform("ifft A, B, C", acc);
    acc.ntt_batch(&mut polys, NttKind::COSET_FFT)?;
    on_transform("coset fft A, B, C", acc);
    let [a, b, c] = polys;
    let z_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .expect("the generator is not in the domain");
    let mut h: Vec<Fr> = a
        .par_iter()
        .zip(&b)
        .zip(&c)
        .map(|((a, b), c)| (*a * b - c) * z_inv)
        .collect();
    acc.coset_ifft(&mut h)?;
    on_transform("coset ifft H", acc);
    Ok(LibsnarkMap { abc, h })
}

fn libsnark_domain(num_inputs: usize, num_constraints: usize) -> Radix2EvaluationDomain<Fr> {
    Radix2EvaluationDomain::new(num_constraints + num_inputs).expect("a domain this size exists")
}

/// The witness map run by `runner` (on its backend, again there, then on the CPU) until
/// it passes its check at a secret random point; each transform is a phase.
fn checked_witness_map(
    runner: &mut Runner,
    matrices: &ConstraintMatrices<Fr>,
    num_inputs: usize,
    num_constraints: usize,
    full: &[Fr],
) -> Result<LibsnarkMap, ProveError> {
    let z = Fr::rand(&mut OsRng);
    runner.checked(
        "witness map",
        |acc, phases| {
            let mut laps = Laps::new(phases, "witness map");
            witness_map(acc, matrices, num_inputs, num_constraints, full, |n, a| {
                laps.lap(n, a)
            })
        },
        |m| check(num_inputs, num_constraints, m, z),
        "witness map at a random point",
    )
}

/// The check at `z`: h(z)·Z(z) = a(z)b(z) − c(z).
pub fn check(num_inputs: usize, num_constraints: usize, m: &LibsnarkMap, z: Fr) -> bool {
    let domain = libsnark_domain(num_inputs, num_constraints);
    let l = domain.evaluate_all_lagrange_coefficients(z);
    let dot = |v: &[Fr]| -> Fr { v.par_iter().zip(&l).map(|(x, y)| *x * y).sum() };
    let (a, b, c) = (dot(&m.abc[0]), dot(&m.abc[1]), dot(&m.abc[2]));
    let h = m.h.iter().rev().fold(Fr::zero(), |acc, x| acc * z + x);
    h * domain.evaluate_vanishing_polynomial(z) == a * b - c
}

/// A proof for `circuit` under `pk`: the witness map and the G1 MSMs on `acc`, the G2
/// MSM on the CPU beside them, every step checked (see [`super::prove`]).
pub fn prove<C: ConstraintSynthesizer<Fr>>(
    pk: &ProvingKey<Bls12_381>,
    circuit: C,
    acc: &mut Accelerator,
) -> Result<Proved, ArkProveError> {
    let started = Instant::now();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
    });
    circuit.generate_constraints(cs.clone())?;
    cs.finalize();
    let matrices = cs.to_matrices().ok_or(SynthesisError::AssignmentMissing)?;
    let (instance, aux) = {
        let inner = cs.borrow().ok_or(SynthesisError::AssignmentMissing)?;
        (
            inner.instance_assignment.clone(),
            inner.witness_assignment.clone(),
        )
    };
    let num_inputs = instance.len();
    let num_constraints = cs.num_constraints();
    let full: Vec<Fr> = [instance.as_slice(), aux.as_slice()].concat();
    if pk.a_query.len() != full.len() {
        return Err(ArkProveError::KeyMismatch {
            key: pk.a_query.len(),
            circuit: full.len(),
        });
    }
    let assignment = &full[1..];
    let public = instance[1..].to_vec();
    let domain_size = libsnark_domain(num_inputs, num_constraints).size();
    let mut runner = Runner::new(acc, full.len(), public.len(), domain_size);

    let result = std::thread::scope(|scope| -> Result<Proof<Bls12_381>, ProveError> {
        let b2 = scope.spawn(|| {
            let t = Instant::now();
            let p = G2Projective::msm_unchecked(&pk.b_g2_query[1..], assignment) + pk.b_g2_query[0];
            (p, t.elapsed())
        });
        let map = checked_witness_map(&mut runner, &matrices, num_inputs, num_constraints, &full)?;
        let b2_handle = RefCell::new(Some(b2));
        let b2_done = std::cell::OnceCell::new();
        let b2_get = || -> (G2Projective, std::time::Duration) {
            *b2_done.get_or_init(|| {
                let handle = b2_handle.borrow_mut().take().expect("joined once");
                handle.join().expect("the G2 MSM thread does not panic")
            })
        };
        let b1 = runner.checked(
            "msm B in G1",
            |acc, phases| {
                timed(phases, acc, "msm B in G1", |a| {
                    a.msm(&pk.b_g1_query[1..], assignment)
                })
                .map(|p| p + pk.b_g1_query[0])
            },
            |b1| {
                // The key's generators are the setup's (random in arkworks' setup): δ in
                // both groups ties them, e(B₁, δ₂) = e(δ₁, B₂).
                Bls12_381::pairing(b1.into_affine(), pk.vk.delta_g2)
                    == Bls12_381::pairing(pk.delta_g1, b2_get().0.into_affine())
            },
            "B in G1 against B in G2 (pairing)",
        )?;
        let (b2, b2_time) = b2_get();
        runner.report.phases.push(super::runner::Phase {
            name: "msm B in G2 (cpu, concurrent)".into(),
            backend: "cpu".into(),
            time: b2_time,
            cycles: None,
        });
        let (r, s) = (Fr::rand(&mut OsRng), Fr::rand(&mut OsRng));
        let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
        runner.checked(
            "msm A, L and H",
            |acc, phases| {
                // Independent: on several boards, each on its own board at once.
                let jobs = [
                    (&pk.a_query[1..], assignment),
                    (&pk.l_query[..], &aux[..]),
                    (&pk.h_query[..], &map.h[..pk.h_query.len()]),
                ];
                let sums = timed(phases, acc, "msm A, L, H", |x| x.msm_many(&jobs))?;
                let (a, l, h) = (sums[0] + pk.a_query[0], sums[1], sums[2]);
                Ok(assemble(pk, a, b1, b2, l + h, r, s))
            },
            |proof| {
                ark_groth16::Groth16::<Bls12_381>::verify_proof(&pvk, proof, &public)
                    .unwrap_or(false)
            },
            "proof verifies",
        )
    });
    let proof = result?;
    Ok(Proved {
        proof,
        public,
        report: runner.finish(started),
    })
}

/// ark-groth16's proof from the MSMs: A = α + A_w + rδ, B = β + B_w + sδ,
/// C = s·A + r·B₁ − rs·δ + L + H.
fn assemble(
    pk: &ProvingKey<Bls12_381>,
    a: G1Projective,
    b1: G1Projective,
    b2: G2Projective,
    l_and_h: G1Projective,
    r: Fr,
    s: Fr,
) -> Proof<Bls12_381> {
    let g_a = a + pk.vk.alpha_g1 + pk.delta_g1 * r;
    let g1_b = b1 + pk.beta_g1 + pk.delta_g1 * s;
    let g2_b = b2 + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_and_h;
    Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    }
}

thread_local! {
    static REDUCTION: RefCell<Option<(Accelerator, ProveReport)>> = const { RefCell::new(None) };
}

/// An `R1CSToQAP` reduction (ark-groth16's libsnark one) whose transforms run on the
/// accelerator installed by [`with_backend`], checked at a random point, retried there
/// and then computed on the CPU when the check fails. Outside [`with_backend`], and for
/// fields other than BLS12-381's Fr, it is ark-groth16's `LibsnarkReduction` on the CPU.
///
/// ```ignore
/// let (proof, report) = with_backend(&mut acc, || {
///     Groth16::<Bls12_381, BackendReduction>::create_random_proof_with_reduction(circuit, &pk, &mut rng)
/// });
/// ```
pub struct BackendReduction;

/// Runs `f` with `acc` as [`BackendReduction`]'s backend on this thread; returns `f`'s
/// result and the report of the witness maps it ran (transforms, checks, failures).
pub fn with_backend<T>(acc: &mut Accelerator, f: impl FnOnce() -> T) -> (T, ProveReport) {
    let placeholder = Accelerator::open(&Backend::Cpu).expect("the CPU backend opens");
    let installed = std::mem::replace(acc, placeholder);
    let report = ProveReport::new(installed.backend().to_string(), 0, 0, 0);
    REDUCTION.with(|r| *r.borrow_mut() = Some((installed, report)));
    let out = f();
    let (installed, report) = REDUCTION
        .with(|r| r.borrow_mut().take())
        .expect("installed above");
    *acc = installed;
    (out, report)
}

fn to_fr<F: PrimeField>(x: &F) -> Fr {
    Fr::from_le_bytes_mod_order(&x.into_bigint().to_bytes_le())
}

fn from_fr<F: PrimeField>(x: &Fr) -> F {
    F::from_le_bytes_mod_order(&x.into_bigint().to_bytes_le())
}

impl R1CSToQAP for BackendReduction {
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ark_relations::r1cs::ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &ConstraintMatrices<F>,
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let is_fr = std::any::TypeId::of::<F>() == std::any::TypeId::of::<Fr>();
        let installed = if is_fr {
            REDUCTION.with(|r| r.borrow_mut().take())
        } else {
            None
        };
        let Some((mut acc, report)) = installed else {
            return LibsnarkReduction::witness_map_from_matrices::<F, D>(
                matrices,
                num_inputs,
                num_constraints,
                full_assignment,
            );
        };
        let convert = |rows: &Vec<Vec<(F, usize)>>| -> Vec<Vec<(Fr, usize)>> {
            rows.iter()
                .map(|row| row.iter().map(|(c, i)| (to_fr(c), *i)).collect())
                .collect()
        };
        let fr_matrices = ConstraintMatrices::<Fr> {
            num_instance_variables: matrices.num_instance_variables,
            num_witness_variables: matrices.num_witness_variables,
            num_constraints: matrices.num_constraints,
            a_num_non_zero: matrices.a_num_non_zero,
            b_num_non_zero: matrices.b_num_non_zero,
            c_num_non_zero: matrices.c_num_non_zero,
            a: convert(&matrices.a),
            b: convert(&matrices.b),
            c: convert(&matrices.c),
        };
        let full: Vec<Fr> = full_assignment.iter().map(to_fr).collect();
        let mut runner = Runner::new(&mut acc, full.len(), num_inputs, 0);
        runner.report = report;
        let result = checked_witness_map(
            &mut runner,
            &fr_matrices,
            num_inputs,
            num_constraints,
            &full,
        );
        let report =
            std::mem::replace(&mut runner.report, ProveReport::new(String::new(), 0, 0, 0));
        drop(runner);
        REDUCTION.with(|r| *r.borrow_mut() = Some((acc, report)));
        match result {
            Ok(m) => Ok(m.h.iter().map(from_fr).collect()),
            // The CPU's own result failed its check: not a backend fault.
            Err(_) => Err(SynthesisError::Unsatisfiable),
        }
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        LibsnarkReduction::h_query_scalars::<F, D>(max_power, t, zt, delta_inverse)
    }
}

/// A circuit for tests: y = x^(2^k) by k squarings, with y public.
#[doc(hidden)]
pub mod test_circuit {
    use ark_bls12_381::Fr;
    use ark_ff::Field;
    use ark_relations::lc;
    use ark_relations::r1cs::{
        ConstraintSynthesizer, ConstraintSystemRef, SynthesisError, Variable,
    };

    #[derive(Clone)]
    pub struct Squarings {
        pub x: Option<Fr>,
        pub k: usize,
    }

    impl Squarings {
        pub fn output(&self) -> Fr {
            (0..self.k).fold(self.x.unwrap(), |v, _| v.square())
        }
    }

    impl ConstraintSynthesizer<Fr> for Squarings {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let y = cs.new_input_variable(|| Ok(self.output()))?;
            let mut v = self.x;
            let mut var = cs.new_witness_variable(|| v.ok_or(SynthesisError::AssignmentMissing))?;
            for i in 0..self.k {
                let next = v.map(|x| x.square());
                let next_var = if i + 1 == self.k {
                    y
                } else {
                    cs.new_witness_variable(|| next.ok_or(SynthesisError::AssignmentMissing))?
                };
                cs.enforce_constraint(lc!() + var, lc!() + var, lc!() + next_var)?;
                v = next;
                var = next_var;
            }
            let _ = Variable::One;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_circuit::Squarings;
    use super::*;
    use ark_groth16::Groth16;
    use ark_snark::SNARK;

    fn setup(k: usize) -> ProvingKey<Bls12_381> {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (pk, _) =
            Groth16::<Bls12_381>::circuit_specific_setup(Squarings { x: None, k }, &mut rng)
                .unwrap();
        pk
    }

    #[test]
    fn proofs_verify_with_ark_groth16_and_the_reduction_runs_on_a_backend() {
        let pk = setup(100);
        let circuit = Squarings {
            x: Some(Fr::from(3u64)),
            k: 100,
        };
        let mut acc = Accelerator::open(&Backend::Cpu).unwrap();
        let proved = prove(&pk, circuit.clone(), &mut acc).unwrap();
        assert_eq!(proved.public, vec![circuit.output()]);
        let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
        assert!(Groth16::<Bls12_381>::verify_proof(&pvk, &proved.proof, &proved.public).unwrap());
        assert_eq!(proved.report.checks.len(), 3);
        // ark-groth16's own prover with the backend reduction.
        let (proof, report) = with_backend(&mut acc, || {
            Groth16::<Bls12_381, BackendReduction>::create_random_proof_with_reduction(
                circuit.clone(),
                &pk,
                &mut ark_std::test_rng(),
            )
        });
        assert!(Groth16::<Bls12_381>::verify_proof(&pvk, &proof.unwrap(), &proved.public).unwrap());
        assert_eq!(report.checks.len(), 1);
        assert!(report.checks[0].passed);
        // A wrong output: no proof.
        let wrong = Squarings {
            x: Some(Fr::from(3u64)),
            k: 99,
        };
        assert!(prove(&pk, wrong, &mut acc).is_err());
    }

    #[test]
    fn the_check_sees_one_wrong_coefficient() {
        let circuit = Squarings {
            x: Some(Fr::from(5u64)),
            k: 40,
        };
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: true,
        });
        circuit.generate_constraints(cs.clone()).unwrap();
        cs.finalize();
        let m = cs.to_matrices().unwrap();
        let inner = cs.borrow().unwrap();
        let full = [
            inner.instance_assignment.as_slice(),
            inner.witness_assignment.as_slice(),
        ]
        .concat();
        let (ni, nc) = (inner.instance_assignment.len(), cs.num_constraints());
        let mut acc = Accelerator::open(&Backend::Cpu).unwrap();
        let mut map = witness_map(&mut acc, &m, ni, nc, &full, |_, _| {}).unwrap();
        // ark-groth16's own witness map gives the same h.
        let ark = LibsnarkReduction::witness_map_from_matrices::<Fr, Radix2EvaluationDomain<Fr>>(
            &m, ni, nc, &full,
        )
        .unwrap();
        assert_eq!(map.h, ark);
        let z = Fr::rand(&mut ark_std::test_rng());
        assert!(check(ni, nc, &map, z));
        map.h[7] += Fr::from(1u64);
        assert!(!check(ni, nc, &map, z));
    }
}
