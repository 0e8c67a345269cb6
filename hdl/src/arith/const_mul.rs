//! Multiplication by a constant without DSPs: the constant in canonical signed-digit
//! (CSD, non-adjacent) form, one shifted (and possibly negated) copy of the operand
//! per nonzero digit, summed by [`sum_terms`] (carry-save compression in LUTs, then a
//! chunked carry-propagate add).
//!
//! CSD has no two adjacent nonzero digits, so a `k`-bit constant has at most `k/2 + 1`
//! of them and about `k/3` on average; runs of ones (`…0111110…`) cost two digits.
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

/// `x · c mod 2^width`, resolved, with no DSP tile.
pub fn const_product_low(
    n: &mut Netlist,
    name: &str,
    x: &Operand,
    c: &BigUint,
    width: usize,
) -> Operand {
    let terms: Vec<Term> = csd_digits(c)
        .into_iter()
        .filter(|&(pos, _)| pos < width)
        .map(|(pos, negative)| Term {
            value: x.clone(),
            shift: pos,
            negate: negative,
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
