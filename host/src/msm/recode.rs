//! Signed-digit recoding of scalars for Pippenger's method.
//!
//! A scalar `k < r < 2^255` is written as `k = Σ_w d_w · 2^(s_w)` with window `w` of
//! width `c_w` starting at bit `s_w` and digits `d_w ∈ [−2^(c_w−1), 2^(c_w−1)]`: take
//! the window's bits plus the carry; a value above 2^(c_w−1) becomes `value − 2^c_w`
//! and carries one into the next window. The windows cover 256 bits, so the top
//! window's value stays below 2^(c_w−1) and never carries out. A digit of magnitude m
//! adds ±P to bucket m − 1, so 2^(c_w−1) buckets suffice.
//!
//! **Balanced widths.** 256 bits in windows of c bits leave a thin top window when c
//! does not divide 256 (c = 11: 23 windows of 11 and one of 3 bits, whose digits reach
//! only ~4 buckets — on the card those additions serialise on the adder latency).
//! [`window_widths`] splits the 256 bits into `ceil(256/c)` windows of c or c − 1 bits
//! instead, so every window reaches hundreds of buckets.

use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};

/// Number of windows of `c` bits covering a 256-bit scalar.
pub fn window_count(c: u32) -> usize {
    256usize.div_ceil(c as usize)
}

/// Widths of `ceil(256 / c)` windows of c or c − 1 bits (c − 1 first) covering 256 bits.
pub fn window_widths(c: u32) -> Vec<u32> {
    assert!((2..=16).contains(&c), "window size {c} out of range");
    let count = window_count(c);
    let narrow = count * c as usize - 256; // windows that give up one bit
    (0..count)
        .map(|w| if w < narrow { c - 1 } else { c })
        .collect()
}

/// The signed digits of `k` for windows of the given widths (least significant first;
/// the widths must cover at least 256 bits).
pub fn signed_digits_widths(k: &Fr, widths: &[u32]) -> Vec<i32> {
    assert!(
        widths.iter().sum::<u32>() >= 256,
        "windows must cover 256 bits"
    );
    let bits = k.into_bigint().to_bits_le();
    let mut out = Vec::with_capacity(widths.len());
    let mut carry = 0i64;
    let mut start = 0usize;
    for &c in widths {
        assert!((1..=16).contains(&c), "window size {c} out of range");
        let half = 1i64 << (c - 1);
        let mut v = carry;
        for b in 0..c as usize {
            let i = start + b;
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
        start += c as usize;
    }
    assert_eq!(carry, 0, "256 bits of windows leave no carry for k < 2^255");
    out
}

/// The signed digits of `k` in uniform windows of `c` bits.
pub fn signed_digits(k: &Fr, c: u32) -> Vec<i32> {
    assert!((1..=16).contains(&c), "window size {c} out of range");
    signed_digits_widths(k, &vec![c; window_count(c)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
    use num_bigint::BigInt;

    fn value(d: &[i32], c: u32) -> BigInt {
        d.iter()
            .rev()
            .fold(BigInt::zero(), |acc, &x| (acc << c) + BigInt::from(x))
    }

    fn value_widths(d: &[i32], widths: &[u32]) -> BigInt {
        d.iter()
            .zip(widths)
            .rev()
            .fold(BigInt::zero(), |acc, (&x, &c)| (acc << c) + BigInt::from(x))
    }

    #[test]
    fn balanced_widths_reconstruct_and_fill_the_top_window() {
        let mut rng = ark_std::test_rng();
        let mut scalars: Vec<Fr> = (0..200).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([Fr::zero(), Fr::from(1u8), -Fr::from(1u8)]);
        for c in 2..=16u32 {
            let widths = window_widths(c);
            assert_eq!(widths.iter().sum::<u32>(), 256, "c={c}");
            assert!(widths.iter().all(|&w| w == c || w == c - 1));
            for k in &scalars {
                let d = signed_digits_widths(k, &widths);
                for (x, w) in d.iter().zip(&widths) {
                    assert!(x.unsigned_abs() <= 1 << (w - 1), "c={c}");
                }
                let want =
                    BigInt::from_bytes_le(num_bigint::Sign::Plus, &k.into_bigint().to_bytes_le());
                assert_eq!(value_widths(&d, &widths), want, "c={c}");
            }
        }
        // c = 11: 24 windows of 10 or 11 bits, none thin.
        assert_eq!(window_widths(11).iter().filter(|&&w| w == 10).count(), 8);
    }

    #[test]
    fn digits_reconstruct_the_scalar_and_stay_in_range() {
        let mut rng = ark_std::test_rng();
        let mut scalars: Vec<Fr> = (0..200).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([
            Fr::zero(),
            Fr::from(1u8),
            -Fr::from(1u8),
            Fr::from(u64::MAX),
        ]);
        for c in 1..=16u32 {
            for k in &scalars {
                let d = signed_digits(k, c);
                assert_eq!(d.len(), window_count(c));
                let half = 1i32 << (c - 1);
                assert!(d.iter().all(|&x| -half <= x && x <= half), "c={c}");
                let want =
                    BigInt::from_bytes_le(num_bigint::Sign::Plus, &k.into_bigint().to_bytes_le());
                assert_eq!(value(&d, c), want, "c={c}");
            }
        }
    }
}
