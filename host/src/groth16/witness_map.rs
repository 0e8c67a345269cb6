//! snarkjs's witness map, with its NTTs on a backend, and its check at a secret point.
//!
//! snarkjs (`groth16_prove.js`) evaluates the A and B matrices times the witness at
//! each constraint (`A_T`, `B_T`), sets `C_T = A_T ∘ B_T`, and for each of the three
//! interpolates over the domain H = ⟨ω'⟩ of size n (an inverse FFT), multiplies
//! coefficient i by g^i with g = ω'₂ₙ (a 2n-th root of unity) and evaluates over H
//! again (an FFT): the three polynomials at the odd 2n-th roots g·ω'^j. The H scalars
//! are `A ∘ B − C` there; the zkey's H points are prepared for exactly that.
//!
//! snarkjs's roots of unity are not arkworks': its primitive 2^32-th root is
//! [`SNARKJS_ROOT_OF_UNITY`] (ffjavascript's `Fr.w[32]`), arkworks' is
//! `Fr::TWO_ADIC_ROOT_OF_UNITY`. Both generate the same subgroup, so ω' = ω^e for an
//! odd `e` ([`SnarkjsDomain::exponent`]) and snarkjs's point j is arkworks' point
//! e·j mod n: the backends' transforms (arkworks' conventions, on a card or the CPU) are
//! used unchanged, with the inputs gathered and the outputs scattered by that
//! permutation on the host.
//!
//! **Check** ([`check`]): with a(x), b(x), c(x) the interpolants of A_T, B_T, C_T over H
//! and p(x) the interpolant of the H scalars over g·H, a(x)b(x) − c(x) = h(x)·Z(x)
//! with Z(x) = xⁿ − 1, and Z = gⁿ − 1 = −2 on g·H, so p = −2h. At a secret random z:
//! p(z)·Z(z) = −2·(a(z)b(z) − c(z)). The four values come from Lagrange coefficients
//! over H and g·H (O(n), no transform); a wrong scalar passes with probability at most
//! 2n/r.

use super::zkey::{Matrix, Zkey};
use crate::accelerator::{Accelerator, AcceleratorError};
use crate::ntt::NttKind;
use ark_bls12_381::Fr;
use ark_ff::{AdditiveGroup, FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use std::str::FromStr;

/// ffjavascript's primitive 2^32-th root of unity of BLS12-381's r (`Fr.w[32]`).
pub const SNARKJS_ROOT_OF_UNITY: &str =
    "937917089079007706106976984802249742464848817460758522850752807661925904159";

/// The domain of n points in snarkjs's and arkworks' orders.
#[derive(Clone, Debug)]
pub struct SnarkjsDomain {
    pub n: usize,
    /// ω'_n = ω_n^exponent (odd).
    pub exponent: usize,
    /// g = ω'_{2n}: the coset of the odd 2n-th roots.
    pub shift: Fr,
    pub domain: Radix2EvaluationDomain<Fr>,
    pub coset: Radix2EvaluationDomain<Fr>,
}

impl SnarkjsDomain {
    pub fn new(n: usize) -> Self {
        assert!(
            n.is_power_of_two() && n >= 2 && n < 1 << 31,
            "domain size {n}"
        );
        let log = n.trailing_zeros();
        let root32 = Fr::from_str(SNARKJS_ROOT_OF_UNITY).expect("a field element");
        // ω'_{2^k} = (ω'_{2^32})^(2^(32-k)).
        let snark_root = |k: u32| root32.pow([1u64 << (32 - k)]);
        let exponent = discrete_log_2adic(snark_root(32), Fr::TWO_ADIC_ROOT_OF_UNITY, 32);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("n ≤ 2^31");
        let shift = snark_root(log + 1);
        let coset = domain.get_coset(shift).expect("a 2n-th root is not in H");
        Self {
            n,
            exponent: (exponent % n as u64) as usize,
            shift,
            domain,
            coset,
        }
    }

    /// snarkjs's point j is arkworks' point `ark_index(j)`.
    pub fn ark_index(&self, j: usize) -> usize {
        (self.exponent * j) % self.n
    }

    /// Values in snarkjs's order, in arkworks' order.
    pub fn to_ark(&self, values: &[Fr]) -> Vec<Fr> {
        let mut out = vec![Fr::zero(); self.n];
        for (j, v) in values.iter().enumerate() {
            out[self.ark_index(j)] = *v;
        }
        out
    }

    /// Values in arkworks' order, in snarkjs's order.
    pub fn to_snarkjs(&self, values: &[Fr]) -> Vec<Fr> {
        (0..self.n).map(|j| values[self.ark_index(j)]).collect()
    }
}

/// `e` with `base^e = target`, both in the group of order 2^bits (`base` generating it).
fn discrete_log_2adic(target: Fr, base: Fr, bits: u32) -> u64 {
    // Bit by bit: with e's low i bits known, (target·base^-e)^(2^(bits-1-i)) is 1 or -1.
    let base_inv = base.inverse().expect("a root of unity");
    let mut e = 0u64;
    for i in 0..bits {
        let rest = target * base_inv.pow([e]);
        if rest.pow([1u64 << (bits - 1 - i)]) != Fr::one() {
            e |= 1 << i;
        }
    }
    debug_assert_eq!(base.pow([e]), target);
    e
}

/// A_T, B_T, C_T (snarkjs's order: by constraint) for `witness`.
pub fn qap_evaluations(zkey: &Zkey, witness: &[Fr]) -> [Vec<Fr>; 3] {
    let n = zkey.domain_size;
    let mut a = vec![Fr::zero(); n];
    let mut b = vec![Fr::zero(); n];
    for c in &zkey.coefficients {
        let t = match c.matrix {
            Matrix::A => &mut a,
            Matrix::B => &mut b,
        };
        t[c.constraint as usize] += c.value * witness[c.signal as usize];
    }
    let c: Vec<Fr> = a.par_iter().zip(&b).map(|(x, y)| *x * y).collect();
    [a, b, c]
}

/// The witness map's result, in arkworks' order over g·H: `A ∘ B − C`.
pub struct Evaluations {
    pub abc_ark: [Vec<Fr>; 3],
    pub h_ark: Vec<Fr>,
}

/// Runs the six transforms on `acc` (three inverse, three forward) and returns the H
/// scalars in arkworks' order. `on_transform` is called after each, with its name.
pub fn compute(
    acc: &mut Accelerator,
    d: &SnarkjsDomain,
    evaluations: &[Vec<Fr>; 3],
    mut on_transform: impl FnMut(&str, &Accelerator),
) -> Result<Evaluations, AcceleratorError> {
    let mut odd: Vec<Vec<Fr>> = vec![];
    let mut abc_ark: Vec<Vec<Fr>> = vec![];
    // g^i for the coset shift.
    let powers: Vec<Fr> = {
        let mut p = Vec::with_capacity(d.n);
        let mut x = Fr::one();
        for _ in 0..d.n {
            p.push(x);
            x *= d.shift;
        }
        p
    };
    // A, B and C are independent: each step's three transforms run as a batch (on
    // several boards at once).
    for t in evaluations {
        let ark = d.to_ark(t);
        odd.push(ark.clone());
        abc_ark.push(ark);
    }
    acc.ntt_batch(&mut odd, NttKind::IFFT)?;
    on_transform("ifft A, B, C", acc);
    for v in odd.iter_mut() {
        v.par_iter_mut().zip(&powers).for_each(|(c, p)| *c *= p);
    }
    acc.ntt_batch(&mut odd, NttKind::FFT)?;
    on_transform("fft A, B, C", acc);
    let h_ark = odd[0]
        .par_iter()
        .zip(&odd[1])
        .zip(&odd[2])
        .map(|((a, b), c)| *a * b - c)
        .collect();
    let abc_ark: [Vec<Fr>; 3] = abc_ark.try_into().expect("three");
    Ok(Evaluations { abc_ark, h_ark })
}

/// The check at `z` (see the module's documentation): true when the H scalars are the
/// witness map of the A, B, C evaluations.
pub fn check(d: &SnarkjsDomain, e: &Evaluations, z: Fr) -> bool {
    let lagrange = d.domain.evaluate_all_lagrange_coefficients(z);
    let lagrange_coset = d.coset.evaluate_all_lagrange_coefficients(z);
    let dot = |v: &[Fr], l: &[Fr]| -> Fr { v.par_iter().zip(l).map(|(x, y)| *x * y).sum() };
    let a = dot(&e.abc_ark[0], &lagrange);
    let b = dot(&e.abc_ark[1], &lagrange);
    let c = dot(&e.abc_ark[2], &lagrange);
    let p = dot(&e.h_ark, &lagrange_coset);
    let vanishing = z.pow([d.n as u64]) - Fr::one();
    p * vanishing + (a * b - c).double() == Fr::zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;
    use ark_ff::UniformRand;
    use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, Polynomial};

    #[test]
    fn the_snarkjs_root_is_a_primitive_2_32th_root() {
        let w = Fr::from_str(SNARKJS_ROOT_OF_UNITY).unwrap();
        assert_eq!(w.pow([1u64 << 32]), Fr::one());
        assert_ne!(w.pow([1u64 << 31]), Fr::one());
        // ffjavascript's Fr.w[10], printed by snarkjs's own library.
        let w10 = Fr::from_str(
            "21328829733576761151404230261968752855781179864716879432436835449516750606329",
        )
        .unwrap();
        assert_eq!(w.pow([1u64 << 22]), w10);
    }

    #[test]
    fn orders_map_points_to_points() {
        for n in [2usize, 8, 1024] {
            let d = SnarkjsDomain::new(n);
            assert_eq!(d.exponent % 2, 1);
            let snark_w = Fr::from_str(SNARKJS_ROOT_OF_UNITY)
                .unwrap()
                .pow([(1u64 << 32) / n as u64]);
            for j in [0, 1, n / 2, n - 1] {
                assert_eq!(
                    d.domain.element(d.ark_index(j)),
                    snark_w.pow([j as u64]),
                    "n {n} j {j}"
                );
            }
            let v: Vec<Fr> = (0..n as u64).map(Fr::from).collect();
            assert_eq!(d.to_snarkjs(&d.to_ark(&v)), v);
        }
    }

    /// A, B, C from random polynomials a, b with c = ab − h·Z for a random h: the
    /// witness map must give −2h on g·H, and the check must accept it and refuse any
    /// changed scalar.
    #[test]
    fn the_witness_map_is_minus_two_h_and_the_check_sees_one_wrong_scalar() {
        let mut rng = ark_std::test_rng();
        let n = 64;
        let d = SnarkjsDomain::new(n);
        let snark_w = Fr::from_str(SNARKJS_ROOT_OF_UNITY)
            .unwrap()
            .pow([(1u64 << 32) / n as u64]);
        let a = DensePolynomial::<Fr>::rand(n - 1, &mut rng);
        let b = DensePolynomial::<Fr>::rand(n - 1, &mut rng);
        // On H, c = ab (what snarkjs takes): its interpolant is ab mod Z.
        let points: Vec<Fr> = (0..n as u64).map(|j| snark_w.pow([j])).collect();
        let at =
            |p: &DensePolynomial<Fr>| -> Vec<Fr> { points.iter().map(|x| p.evaluate(x)).collect() };
        let (a_t, b_t) = (at(&a), at(&b));
        let c_t: Vec<Fr> = a_t.iter().zip(&b_t).map(|(x, y)| *x * y).collect();
        let mut acc = Accelerator::open(&Backend::Cpu).unwrap();
        let e = compute(&mut acc, &d, &[a_t, b_t, c_t], |_, _| {}).unwrap();
        // h = (ab − c)/Z where c = ab mod Z: h = ab div Z.
        let ab = &a * &b;
        let z_poly = DensePolynomial::from_coefficients_vec({
            let mut v = vec![Fr::zero(); n + 1];
            v[0] = -Fr::one();
            v[n] = Fr::one();
            v
        });
        let (h, _) = ark_poly::univariate::DenseOrSparsePolynomial::from(ab)
            .divide_with_q_and_r(&(&z_poly).into())
            .unwrap();
        let h_snarkjs = d.to_snarkjs(&e.h_ark);
        for j in [0usize, 1, 17, n - 1] {
            let x = d.shift * snark_w.pow([j as u64]);
            assert_eq!(h_snarkjs[j], -h.evaluate(&x).double(), "point {j}");
        }
        let z = Fr::rand(&mut rng);
        assert!(check(&d, &e, z));
        for k in [0usize, 5, n - 1] {
            let mut bad = Evaluations {
                abc_ark: e.abc_ark.clone(),
                h_ark: e.h_ark.clone(),
            };
            bad.h_ark[k] += Fr::one();
            assert!(!check(&d, &bad, z), "scalar {k} changed");
        }
    }
}
