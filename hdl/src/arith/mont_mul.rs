//! Fully pipelined Montgomery multiplier: `out = a · b · R⁻¹ mod p`, one operand pair
//! accepted every cycle, fixed latency.
//!
//! With `a = x·R`, `b = y·R` (ark-ff's internal Montgomery form, `R = 2^W`), the output
//! is `x·y·R`, exactly the bits ark-ff holds for the product, fully reduced (`< p`).
//! Inputs must be `< p`.
//!
//! Datapath (every block a [`Netlist`] generated for the field, Fq and Fr alike):
//! 1. `T = a · b`: [`karatsuba_product`] on DSP tiles (Fq: 3 levels, 162 tiles; Fr:
//!    2 levels, 108 tiles).
//! 2. `m = T_lo · N' mod R` (`N' = −p⁻¹ mod R`): a truncated constant product in LUTs
//!    ([`const_product_low`], CSD digits of `N'` below `R`), no DSP.
//! 3. `U = m · p`: [`karatsuba_product`] with the constant `p` (its limb sums known at
//!    generation time; zero tiles vanish).
//! 4. `t = T_hi + U_hi + [T_lo ≠ 0]`: the low halves sum to 0 or exactly R, and to R
//!    exactly when `T_lo ≠ 0`, so only that carry survives. In parallel `d = t − p`
//!    (the same terms and the constant `−p`).
//! 5. `out = d ≥ 0 ? d : t` (`t < 2p`, so one subtraction reduces fully).
//!
//! No stage holds a carry chain longer than
//! [`super::pipelined_sum::CARRY_CHAIN_BITS`] bits or more than two compressor levels.

use super::const_mul::const_product_low;
use super::karatsuba::{best_levels, karatsuba_product, Multiplicand};
use super::netlist::{Netlist, NetlistFigures, Op, Operand};
use super::pipelined_sum::{select_nonnegative, sum_terms, Term};
use crate::spec::field::{FieldId, FieldSpec};
use std::sync::OnceLock;

/// Figures of one Montgomery multiplier.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MontMulFigures {
    pub latency: usize,
    pub dsp_tiles: usize,
    /// Karatsuba levels of `a · b` and of `m · p`.
    pub product_levels: usize,
    pub reduction_levels: usize,
    /// Nonzero CSD digits of `N'` below `R` (shifted copies summed in LUTs for `m`).
    pub n_prime_digits: usize,
    pub netlist: NetlistFigures,
}

/// The multiplier's netlist: inputs `a`, `b` (W bits), `in_valid`; outputs `out`,
/// `out_valid`.
pub fn mont_mul_netlist(field: &FieldSpec) -> (Netlist, MontMulFigures) {
    let w = field.word_bits;
    let bits = field.modulus_bits;
    let mut n = Netlist::default();
    let a = n.input("a", w);
    let b = n.input("b", w);
    let in_valid = n.input("in_valid", 1);
    // Input registers (the DSP tiles' A/B registers for single-limb base products).
    let a_r = n.reg("a_r", &a.slice(0, bits));
    let b_r = n.reg("b_r", &b.slice(0, bits));
    // 1. T = a * b
    let product_levels = best_levels(bits, &Multiplicand::Port(Operand::Zeros(1)));
    let t = karatsuba_product(
        &mut n,
        "ab",
        &a_r,
        &Multiplicand::Port(b_r),
        bits,
        product_levels,
        2 * w,
    );
    let (t_lo, t_hi) = (t.slice(0, w), t.slice(w, w));
    let nonzero = n.op("t_lo_nz", 1, true, Op::OrReduce(t_lo.clone()));
    // 2. m = T_lo * N' mod R
    let m = const_product_low(&mut n, "m", &t_lo, &field.n_prime, w);
    let n_prime_digits = super::const_mul::csd_digits(&field.n_prime).len();
    // 3. U = m * p
    let p = Multiplicand::Const(field.modulus.clone());
    let reduction_levels = best_levels(w, &p);
    let u = karatsuba_product(&mut n, "mp", &m, &p, w, reduction_levels, 2 * w);
    let u_hi = u.slice(w, w);
    // 4. t = T_hi + U_hi + carry, and d = t - p, side by side
    let terms = [
        Term::plus(t_hi, 0),
        Term::plus(u_hi, 0),
        Term::plus(nonzero, 0),
    ];
    let sum = sum_terms(&mut n, "t", &terms, w);
    let mut minus_p = terms.to_vec();
    minus_p.push(Term::minus(Operand::constant(&field.modulus, bits), 0));
    let diff = sum_terms(&mut n, "d", &minus_p, w);
    // 5. conditional subtraction
    let out = select_nonnegative(&mut n, "out", &diff, &sum);
    let latency = n.ready(&out);
    let valid = n.at(&in_valid, latency);
    n.init_zero(&in_valid);
    n.output("out", out);
    n.output("out_valid", valid);
    let figures = MontMulFigures {
        latency,
        dsp_tiles: n.figures().dsp_tiles,
        product_levels,
        reduction_levels,
        n_prime_digits,
        netlist: n.figures(),
    };
    (n, figures)
}

fn cached(id: FieldId) -> &'static (Netlist, MontMulFigures) {
    static FQ: OnceLock<(Netlist, MontMulFigures)> = OnceLock::new();
    static FR: OnceLock<(Netlist, MontMulFigures)> = OnceLock::new();
    let cell = match id {
        FieldId::Fq => &FQ,
        FieldId::Fr => &FR,
    };
    cell.get_or_init(|| mont_mul_netlist(&FieldSpec::get(id)))
}

/// Figures of the field's multiplier (built once per process).
pub fn mont_mul_figures(id: FieldId) -> MontMulFigures {
    cached(id).1.clone()
}

/// The field's multiplier as Verilog module `module_name`.
pub fn mont_mul_verilog(id: FieldId, module_name: &str) -> String {
    let (n, f) = cached(id);
    let field = FieldSpec::get(id);
    n.verilog(
        module_name,
        &format!(
            "Generated by zkaccel-hdl arith::mont_mul: {} Montgomery multiplier, R = 2^{}.\n\
             a*b: Karatsuba {} levels; m = T_lo*N' mod R: {} CSD digits in LUTs; m*p: Karatsuba {} levels.\n\
             {} DSP tiles, latency {} cycles, one product per cycle.",
            field.name, field.word_bits, f.product_levels, f.n_prime_digits, f.reduction_levels, f.dsp_tiles, f.latency
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, PrimeField};
    use num_bigint::BigUint;

    fn check<F: PrimeField>(id: FieldId) {
        let (n, f) = cached(id);
        let mut rng = ark_std::test_rng();
        let field = FieldSpec::get(id);
        let raw = |x: F| BigUint::from_bytes_le(&x.into_bigint().to_bytes_le());
        // Montgomery words: ark-ff stores x*R; `into_bigint` gives x, so build the
        // word as x*R mod p and compare with (x*y)*R mod p.
        let word = |x: F| (raw(x) * field.radix()) % &field.modulus;
        let edges = [F::zero(), F::one(), -F::one(), F::from(2u64)];
        for k in 0..300 {
            let (x, y) = crate::arith::operand_pair(k, &edges, &mut rng);
            let out = n.evaluate(&[word(x), word(y), BigUint::from(1u32)]);
            assert_eq!(out[0], word(x * y), "{x} * {y}");
            assert_eq!(out[1], BigUint::from(1u32));
        }
        assert!(f.latency > 0);
    }

    #[test]
    fn fq_netlist_matches_ark_ff() {
        check::<ark_bls12_381::Fq>(FieldId::Fq);
        let f = mont_mul_figures(FieldId::Fq);
        assert!(f.dsp_tiles <= 324, "{f:?}");
    }

    #[test]
    fn fr_netlist_matches_ark_ff() {
        check::<ark_bls12_381::Fr>(FieldId::Fr);
    }
}
