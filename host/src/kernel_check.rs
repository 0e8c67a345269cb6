//! Checks of kernels computed on a card, and the record of a failed one.
//!
//! An NTT `y = NTT(x)` is checked at a secret random point z by Schwartz–Zippel: the
//! polynomial with coefficients x evaluated at z equals the interpolation of y's
//! evaluations at z, `Σ xᵢ zⁱ = Σ yⱼ Lⱼ(z)` (for the inverse transforms the roles of x
//! and y swap; ark-poly's Lagrange coefficients are coset-aware). O(n); a wrong output
//! passes with probability at most n / r ≈ 2^-222 at n = 2^32.
//!
//! An MSM has no such cheap check: a card's bucket sums are decoded only if they are
//! points of the curve (a flipped bit almost never is), and `--check recompute`
//! recomputes the whole MSM on the CPU.

use crate::ntt::NttKind;
use ark_bls12_381::Fr;
use ark_ff::{AdditiveGroup, FftField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

/// A failed check or a backend error, and what was done about it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Failure {
    pub step: &'static str,
    pub backend: String,
    pub reason: String,
    /// Where the step ran next.
    pub then: String,
}

/// A secret random point for a check (the operating system's generator).
pub fn secret_point() -> Fr {
    Fr::rand(&mut rand::rngs::OsRng)
}

/// Whether `output` is the transform `kind` of `input` at the point `z` (same
/// power-of-two length; a length mismatch is not).
pub fn ntt_agrees_at(input: &[Fr], output: &[Fr], kind: NttKind, z: Fr) -> bool {
    let n = input.len();
    if n != output.len() || !n.is_power_of_two() {
        return false;
    }
    let Some(mut domain) = Radix2EvaluationDomain::<Fr>::new(n) else {
        return false;
    };
    if kind.coset {
        domain = domain
            .get_coset(Fr::GENERATOR)
            .expect("the generator spans a coset");
    }
    let (coefficients, evaluations) = if kind.inverse {
        (output, input)
    } else {
        (input, output)
    };
    // Horner: Σ cᵢ zⁱ.
    let at_z = coefficients
        .iter()
        .rev()
        .fold(Fr::ZERO, |acc, c| acc * z + c);
    let lagrange = domain.evaluate_all_lagrange_coefficients(z);
    let interpolated: Fr = evaluations.iter().zip(&lagrange).map(|(y, l)| *y * l).sum();
    at_z == interpolated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ntt::cpu_ntt;
    use ark_ff::Field;

    #[test]
    fn every_transform_agrees_and_a_flipped_element_does_not() {
        let mut rng = ark_std::test_rng();
        for log in [1usize, 4, 10] {
            let n = 1 << log;
            let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            for kind in [
                NttKind::FFT,
                NttKind::IFFT,
                NttKind::COSET_FFT,
                NttKind::COSET_IFFT,
            ] {
                let mut output = input.clone();
                cpu_ntt(&mut output, kind).unwrap();
                let z = secret_point();
                assert!(ntt_agrees_at(&input, &output, kind, z), "{kind:?} 2^{log}");
                let mut bad = output.clone();
                bad[n / 2] += Fr::from(1u8 << (log % 8));
                assert!(!ntt_agrees_at(&input, &bad, kind, z), "{kind:?} 2^{log}");
                // The other direction's result is not this one's.
                let other = NttKind {
                    inverse: !kind.inverse,
                    ..kind
                };
                assert!(
                    !ntt_agrees_at(&input, &output, other, z),
                    "{kind:?} 2^{log}"
                );
            }
        }
        assert!(!ntt_agrees_at(
            &[Fr::ONE; 4],
            &[Fr::ONE; 2],
            NttKind::FFT,
            Fr::ONE
        ));
    }
}
