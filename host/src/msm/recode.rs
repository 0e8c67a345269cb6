//! Signed-digit recoding of scalars for Pippenger's method.
//!
//! A scalar `k < r < 2^255` is written as `k = Σ_w d_w · 2^(c·w)` with digits
//! `d_w ∈ [−2^(c−1), 2^(c−1)]`: take the next c bits plus the carry; a value above
//! 2^(c−1) becomes `value − 2^c` and carries one into the next window. The windows
//! cover 256 bits, so the top window's value is < 2^(c−1) + 1 and never carries out.
//! A digit of magnitude m adds ±P to bucket m − 1, so 2^(c−1) buckets suffice.

use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};

/// Number of windows of `c` bits covering a 256-bit scalar.
pub fn window_count(c: u32) -> usize {
    256usize.div_ceil(c as usize)
}

/// The signed digits of `k`, least significant window first.
pub fn signed_digits(k: &Fr, c: u32) -> Vec<i32> {
    assert!((1..=16).contains(&c), "window size {c} out of range");
    let bits = k.into_bigint().to_bits_le();
    let windows = window_count(c);
    let half = 1i64 << (c - 1);
    let mut out = Vec::with_capacity(windows);
    let mut carry = 0i64;
    for w in 0..windows {
        let mut v = carry;
        for b in 0..c as usize {
            let i = w * c as usize + b;
            if i < bits.len() && bits[i] {
                v += 1 << b;
            }
        }
        if v > half {
            v -= 1 << c;
            carry = 1;
        } else {
            carry = 0;
        }
        out.push(v as i32);
    }
    assert_eq!(carry, 0, "256 bits of windows leave no carry for k < 2^255");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
    use num_bigint::BigInt;

    fn value(d: &[i32], c: u32) -> BigInt {
        d.iter().rev().fold(BigInt::zero(), |acc, &x| (acc << c) + BigInt::from(x))
    }

    #[test]
    fn digits_reconstruct_the_scalar_and_stay_in_range() {
        let mut rng = ark_std::test_rng();
        let mut scalars: Vec<Fr> = (0..200).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([Fr::zero(), Fr::from(1u8), -Fr::from(1u8), Fr::from(u64::MAX)]);
        for c in 1..=16u32 {
            for k in &scalars {
                let d = signed_digits(k, c);
                assert_eq!(d.len(), window_count(c));
                let half = 1i32 << (c - 1);
                assert!(d.iter().all(|&x| -half <= x && x <= half), "c={c}");
                let want = BigInt::from_bytes_le(num_bigint::Sign::Plus, &k.into_bigint().to_bytes_le());
                assert_eq!(value(&d, c), want, "c={c}");
            }
        }
    }
}
