//! Multiplication by a constant without DSPs: the constant in a signed-digit form, one
//! shifted (and possibly negated) copy of an odd multiple of the operand per nonzero
//! digit, summed by [`sum_terms`] (an adder tree in LUTs, then a chunked
//! carry-propagate add).
//!
//! **Width-w NAF.** In canonical signed-digit form (CSD, w = 2) every digit is ±1 and no
//! two nonzero digits are adjacent, about `k/3` digits for a `k`-bit constant. A
//! width-w NAF uses the odd digits `±1, ±3, …, ±(2^(w−1) − 1)` with at least `w − 1`
//! zeros after each nonzero one: about `k/(w+1)` digits, at the price of the odd
//! multiples `3x, 5x, …` computed once (each a two-term sum, in parallel, two pipeline
//! stages). [`const_product_low`] picks the w whose rows plus multiples cost the fewest
//! bits: for BLS12-381's Fq `N'` that is w = 4 (72 rows of about 12.9 k bits, against
//! 120 rows and 21.5 k bits in CSD), for Fr w = 3.
//!
//! When only the product modulo `2^width` is needed (Montgomery's `m = T·N' mod R`),
//! digits at or above `width` vanish and each copy is cut at `width` bits, which halves
//! the work of a square product.

use super::netlist::{Netlist, Operand};
use super::pipelined_sum::{sum_terms, Term};
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// The CSD digits of `c`: `(position, negative)` for each nonzero digit, lowest first.
pub fn csd_digits(c: &BigUint) -> Vec<(usize, bool)> {
    let mut digits = vec![];
    let mut n = c.clone();
    let mut pos = 0;
    let two = BigUint::from(2u32);
    let four = BigUint::from(4u32);
    while !n.is_zero() {
        if n.bit(0) {
            // n ≡ 1 (mod 4): digit +1; n ≡ 3 (mod 4): digit −1 (so the next bit is 0).
            if &n % &four == BigUint::one() {
                digits.push((pos, false));
                n -= 1u32;
            } else {
                digits.push((pos, true));
                n += 1u32;
            }
        }
        n /= &two;
        pos += 1;
    }
    digits
}

/// The width-`w` NAF of `c` (`w ≥ 2`): `(position, odd digit)` for each nonzero digit,
/// lowest first; `|digit| < 2^(w−1)` and at least `w − 1` zeros follow each nonzero
/// digit. `w = 2` is [`csd_digits`].
pub fn wnaf_digits(c: &BigUint, w: usize) -> Vec<(usize, i64)> {
    assert!((2..=16).contains(&w), "NAF width {w}");
    let mut digits = vec![];
    let mut n = num_bigint::BigInt::from(c.clone());
    let modulus = 1i64 << w;
    let mut pos = 0;
    while n.sign() == num_bigint::Sign::Plus {
        if n.bit(0) {
            let low = (&n % modulus).to_string().parse::<i64>().expect("small");
            let d = if low >= modulus / 2 {
                low - modulus
            } else {
                low
            };
            digits.push((pos, d));
            n -= d;
        }
        n >>= 1;
        pos += 1;
    }
    digits
}

/// Modelled cost in bits of `x · c mod 2^width` by a width-`w` NAF: the rows' bits
/// (each copy cut at `width`) plus, per odd multiple beyond `x`, its sum and the
/// delay of `x` beside it (`2·width`).
pub fn wnaf_cost(c: &BigUint, w: usize, width: usize) -> usize {
    let digits: Vec<(usize, i64)> = wnaf_digits(c, w)
        .into_iter()
        .filter(|&(pos, _)| pos < width)
        .collect();
    let rows: usize = digits.iter().map(|&(pos, _)| width - pos).sum();
    let mut multiples: Vec<u64> = digits
        .iter()
        .map(|&(_, d)| d.unsigned_abs())
        .filter(|&m| m > 1)
        .collect();
    multiples.sort_unstable();
    multiples.dedup();
    rows + 2 * width * multiples.len()
}

/// The NAF width [`const_product_low`] uses for `c` modulo `2^width` (2 to 6).
pub fn best_naf_width(c: &BigUint, width: usize) -> usize {
    (2..=6)
        .min_by_key(|&w| (wnaf_cost(c, w, width), w))
        .expect("a width")
}

/// `x · c mod 2^width`, resolved, with no DSP tile: a width-w NAF of `c`
/// ([`best_naf_width`]), the odd multiples of `x` it uses computed first.
pub fn const_product_low(
    n: &mut Netlist,
    name: &str,
    x: &Operand,
    c: &BigUint,
    width: usize,
) -> Operand {
    naf_product_low(n, name, x, c, width, best_naf_width(c, width))
}

/// `x · c mod 2^width` by the width-`w` NAF of `c`.
pub fn naf_product_low(
    n: &mut Netlist,
    name: &str,
    x: &Operand,
    c: &BigUint,
    width: usize,
    w: usize,
) -> Operand {
    let digits: Vec<(usize, i64)> = wnaf_digits(c, w)
        .into_iter()
        .filter(|&(pos, _)| pos < width)
        .collect();
    let x = x.slice(0, x.width().min(width));
    let mut multiples: std::collections::BTreeMap<u64, Operand> = Default::default();
    multiples.insert(1, x.clone());
    for &(_, d) in &digits {
        let k = d.unsigned_abs();
        if !multiples.contains_key(&k) {
            // k·x mod 2^width from k's CSD digits (k odd and small: two terms for
            // k ≤ 7, e.g. 7x = 8x − x).
            let terms: Vec<Term> = csd_digits(&BigUint::from(k))
                .into_iter()
                .map(|(pos, negate)| Term {
                    value: x.clone(),
                    shift: pos,
                    negate,
                })
                .collect();
            let kx = sum_terms(n, &format!("{name}_x{k}"), &terms, width);
            multiples.insert(k, kx);
        }
    }
    let terms: Vec<Term> = digits
        .into_iter()
        .map(|(pos, d)| Term {
            value: multiples[&d.unsigned_abs()].clone(),
            shift: pos,
            negate: d < 0,
        })
        .collect();
    sum_terms(n, name, &terms, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::field::{FieldId, FieldSpec};
    use num_bigint::{BigInt, RandBigInt};

    #[test]
    fn csd_is_non_adjacent_and_exact() {
        let mut rng = rand::thread_rng();
        for _ in 0..200 {
            let c = rng.gen_biguint(300);
            let d = csd_digits(&c);
            let mut v = BigInt::zero();
            for &(pos, neg) in &d {
                let t = BigInt::one() << pos;
                v += if neg { -t } else { t };
            }
            assert_eq!(v, BigInt::from(c.clone()));
            for w in d.windows(2) {
                assert!(w[1].0 >= w[0].0 + 2, "adjacent digits in {c}");
            }
        }
    }

    #[test]
    fn wnaf_is_exact_sparse_and_odd() {
        let mut rng = rand::thread_rng();
        for w in 2..=6 {
            for k in 0..200 {
                let c = match k {
                    0 => BigUint::zero(),
                    1 => BigUint::one(),
                    2 => (BigUint::one() << 300) - 1u32,
                    _ => rng.gen_biguint(300),
                };
                let d = wnaf_digits(&c, w);
                let mut v = BigInt::zero();
                for &(pos, digit) in &d {
                    assert!(digit % 2 != 0 && digit.unsigned_abs() < 1 << (w - 1));
                    v += BigInt::from(digit) << pos;
                }
                assert_eq!(v, BigInt::from(c.clone()), "w = {w}");
                for p in d.windows(2) {
                    assert!(p[1].0 >= p[0].0 + w, "w = {w}: digits too close in {c}");
                }
            }
        }
        // w = 2 is CSD.
        let c = rng.gen_biguint(300);
        let csd: Vec<(usize, i64)> = csd_digits(&c)
            .into_iter()
            .map(|(p, neg)| (p, if neg { -1 } else { 1 }))
            .collect();
        assert_eq!(wnaf_digits(&c, 2), csd);
    }

    #[test]
    fn naf_width_chosen_for_each_field() {
        // Pinned so a change of the reduction's structure is deliberate: BLS12-381's
        // Fq N' takes w = 4 (72 rows instead of CSD's 120), Fr's w = 3.
        let fq = FieldSpec::get(FieldId::Fq);
        let fr = FieldSpec::get(FieldId::Fr);
        assert_eq!(best_naf_width(&fq.n_prime, fq.word_bits), 4);
        assert_eq!(best_naf_width(&fr.n_prime, fr.word_bits), 3);
        assert!(wnaf_cost(&fq.n_prime, 4, 384) * 10 < wnaf_cost(&fq.n_prime, 2, 384) * 8);
    }

    #[test]
    fn constant_products_of_every_naf_width_are_exact() {
        let mut rng = rand::thread_rng();
        for k in 0..20 {
            let c = rng.gen_biguint(200) | BigUint::one();
            let width = 160 + k;
            let w = 2 + k % 5;
            let mut n = Netlist::default();
            let x = n.input("x", width);
            let m = naf_product_low(&mut n, "m", &x, &c, width, w);
            n.output("m", m);
            let r = BigUint::one() << width;
            for t in [BigUint::zero(), &r - 1u32, rng.gen_biguint(width as u64)] {
                assert_eq!(n.evaluate(&[t.clone()])[0], (&t * &c) % &r);
            }
        }
    }

    #[test]
    fn montgomery_factor_mod_r() {
        for id in [FieldId::Fq, FieldId::Fr] {
            let f = FieldSpec::get(id);
            let w = f.word_bits;
            let mut n = Netlist::default();
            let x = n.input("x", w);
            let m = const_product_low(&mut n, "m", &x, &f.n_prime, w);
            n.output("m", m);
            let r = f.radix();
            let mut rng = rand::thread_rng();
            for k in 0..50 {
                let t = match k {
                    0 => BigUint::zero(),
                    1 => &r - 1u32,
                    _ => rng.gen_biguint(w as u64),
                };
                assert_eq!(n.evaluate(&[t.clone()])[0], (&t * &f.n_prime) % &r);
            }
            assert_eq!(n.figures().dsp_tiles, 0);
        }
    }
}
