//! Wide products by Karatsuba–Ofman on DSP tiles.
//!
//! The operands are cut into `2^levels` limbs of `limb_bits` bits. One Karatsuba level
//! splits a product of `2k` limbs into three products of `k` limbs:
//!
//! ```text
//! (x0 + x1·B)(y0 + y1·B) = z0 + (z1 − z0 − z2)·B + z2·B²,
//!   z0 = x0·y0,  z2 = x1·y1,  z1 = (x0 + x1)(y0 + y1)
//! ```
//!
//! The identity holds for any `x0, x1` (not only `x0 < B`), so the pre-additions are
//! never carried out level by level: the operand of each base product is the plain sum
//! of the original limbs on its path (one limb, or 2, 4, 8 of them), added in one
//! carry-save tree. After `levels` levels there are `3^levels` base products, each a
//! small schoolbook array of 26 × 17 DSP tiles whose columns (one 26-bit piece times
//! the 17-bit pieces) are summed in the DSP48E2s' post-adders through the `PCIN >> 17`
//! cascade, so a base product leaves as one row per column (two for Fq's 51-bit
//! limbs, not six tile rows for LUTs to compress); each level's recombination is one
//! [`sum_terms`] of five shifted terms (two negated), carry-save compressed and added
//! in chunks, so no stage holds a long carry chain.
//!
//! The second operand may be a constant (the modulus in Montgomery reduction): its
//! limb sums are computed at generation time and tiles whose constant limb is zero
//! vanish.
//!
//! Levels are chosen by DSP count: for BLS12-381 Fq (381 bits) three levels give 27
//! base products of ≤ 51 × 51 bits, 6 tiles each (162 DSP48E2, against 345 for the
//! schoolbook product); for Fr (255 bits) two levels give 9 products of ≤ 66 × 66 bits,
//! 12 tiles each (108). See [`best_levels`].

use super::dsp_tile::{CASCADE_SHIFT, TILE_A_BITS, TILE_B_BITS};
use super::netlist::{mask, Netlist, Op, Operand};
use super::pipelined_sum::{sum_terms, Term};
use num_bigint::BigUint;
use num_traits::Zero;

/// The second operand of a product.
#[derive(Clone, Debug)]
pub enum Multiplicand {
    Port(Operand),
    Const(BigUint),
}

/// One side of a (sub)product: for each limb position, the set of original limbs
/// whose sum sits there.
type LimbSets = Vec<Vec<usize>>;

struct Operands<'a> {
    x_limbs: Vec<Operand>,
    y: &'a Multiplicand,
    y_limbs: Vec<Operand>,
    y_consts: Vec<BigUint>,
    limb_bits: usize,
}

/// `x · y` as a resolved `out_bits`-wide value. `x` (and a port `y`) must be
/// registered values (they feed the DSP tiles' input registers); `bits` bounds both
/// operands (`x, y < 2^bits`).
pub fn karatsuba_product(
    n: &mut Netlist,
    name: &str,
    x: &Operand,
    y: &Multiplicand,
    bits: usize,
    levels: usize,
    out_bits: usize,
) -> Operand {
    let limbs = 1usize << levels;
    let limb_bits = bits.div_ceil(limbs);
    let cut = |o: &Operand| -> Vec<Operand> {
        (0..limbs)
            .map(|k| {
                let lo = k * limb_bits;
                let w = limb_bits
                    .min(bits.saturating_sub(lo))
                    .min(o.width().saturating_sub(lo));
                if w == 0 {
                    Operand::Zeros(1)
                } else {
                    o.slice(lo, w)
                }
            })
            .collect()
    };
    let x_limbs = cut(x);
    let (y_limbs, y_consts) = match y {
        Multiplicand::Port(p) => (cut(p), vec![]),
        Multiplicand::Const(c) => {
            assert!(c.bits() as usize <= bits, "constant wider than {bits} bits");
            let cs = (0..limbs)
                .map(|k| (c >> (k * limb_bits)) & mask(limb_bits))
                .collect();
            (vec![], cs)
        }
    };
    let ops = Operands {
        x_limbs,
        y,
        y_limbs,
        y_consts,
        limb_bits,
    };
    let sets: LimbSets = (0..limbs).map(|k| vec![k]).collect();
    let (p, _) = product(n, name, &ops, &sets, &sets, out_bits);
    if p.width() >= out_bits {
        return p.slice(0, out_bits);
    }
    let pad = Operand::Zeros(out_bits - p.width());
    n.op(
        &format!("{name}_wide"),
        out_bits,
        false,
        Op::Concat(vec![p, pad]),
    )
}

/// The product of two limb-set vectors; returns the value and its upper bound.
fn product(
    n: &mut Netlist,
    name: &str,
    ops: &Operands,
    xs: &LimbSets,
    ys: &LimbSets,
    out_bits: usize,
) -> (Operand, BigUint) {
    let bound = side_bound(ops, xs, true) * side_bound(ops, ys, false);
    let width = (bound.bits() as usize).clamp(1, out_bits);
    if xs.len() == 1 {
        return (base_product(n, name, ops, &xs[0], &ys[0], width), bound);
    }
    let half = xs.len() / 2;
    let union = |s: &LimbSets| -> LimbSets {
        (0..half)
            .map(|i| {
                let mut u = s[i].clone();
                u.extend(&s[half + i]);
                u
            })
            .collect()
    };
    let (x0, x1, xsum) = (xs[..half].to_vec(), xs[half..].to_vec(), union(xs));
    let (y0, y1, ysum) = (ys[..half].to_vec(), ys[half..].to_vec(), union(ys));
    let (z0, _) = product(n, &format!("{name}l"), ops, &x0, &y0, out_bits);
    let (z2, _) = product(n, &format!("{name}h"), ops, &x1, &y1, out_bits);
    let (z1, _) = product(n, &format!("{name}m"), ops, &xsum, &ysum, out_bits);
    let b = ops.limb_bits * half;
    let terms = [
        Term::plus(z0.clone(), 0),
        Term::plus(z2.clone(), 2 * b),
        Term::plus(z1, b),
        Term::minus(z0, b),
        Term::minus(z2, b),
    ];
    (sum_terms(n, &format!("{name}k"), &terms, width), bound)
}

/// Upper bound of a limb-set vector's value.
fn side_bound(ops: &Operands, sets: &LimbSets, is_x: bool) -> BigUint {
    let mut b = BigUint::zero();
    for (i, s) in sets.iter().enumerate() {
        let limb_max: BigUint = s
            .iter()
            .map(|&k| {
                if is_x {
                    mask(ops.x_limbs[k].width())
                } else {
                    match ops.y {
                        Multiplicand::Port(_) => mask(ops.y_limbs[k].width()),
                        Multiplicand::Const(_) => ops.y_consts[k].clone(),
                    }
                }
            })
            .sum();
        b += limb_max << (i * ops.limb_bits);
    }
    b
}

/// The sum of the limbs in `set` (one limb: the limb itself).
fn limb_sum(n: &mut Netlist, name: &str, limbs: &[Operand], set: &[usize]) -> Operand {
    let bound: BigUint = set.iter().map(|&k| mask(limbs[k].width())).sum();
    let width = (bound.bits() as usize).max(1);
    if set.len() == 1 {
        return limbs[set[0]].clone();
    }
    let terms: Vec<Term> = set
        .iter()
        .map(|&k| Term::plus(limbs[k].clone(), 0))
        .collect();
    sum_terms(n, name, &terms, width)
}

/// How many `cut`-bit pieces a `bits`-bit operand is cut into.
fn pieces(bits: usize, cut: usize) -> usize {
    bits.div_ceil(cut)
}

/// A base product: the two limb sums multiplied by a schoolbook array of DSP tiles in
/// cascade columns, the columns' rows summed.
fn base_product(
    n: &mut Netlist,
    name: &str,
    ops: &Operands,
    xset: &[usize],
    yset: &[usize],
    width: usize,
) -> Operand {
    let x = limb_sum(n, &format!("{name}_x"), &ops.x_limbs, xset);
    let x_bits = x.width();
    // The y side: a port value or a constant.
    let (y, y_const) = match ops.y {
        Multiplicand::Port(_) => (
            Some(limb_sum(n, &format!("{name}_y"), &ops.y_limbs, yset)),
            None,
        ),
        Multiplicand::Const(_) => {
            let c: BigUint = yset.iter().map(|&k| ops.y_consts[k].clone()).sum();
            (None, Some(c))
        }
    };
    let y_bits = match (&y, &y_const) {
        (Some(y), _) => y.width(),
        (_, Some(c)) => (c.bits() as usize).max(1),
        _ => unreachable!(),
    };
    if y_const.as_ref().is_some_and(|c| c.is_zero()) {
        return Operand::Zeros(width);
    }
    // Orientation: x along the 26-bit tile side or along the 17-bit side, whichever
    // needs fewer tiles (counting only nonzero constant pieces).
    let count = |xc: usize, yc: usize| -> usize {
        let ny = match &y_const {
            Some(c) => (0..pieces(y_bits, yc))
                .filter(|&j| !((c >> (j * yc)) & mask(yc)).is_zero())
                .count(),
            None => pieces(y_bits, yc),
        };
        pieces(x_bits, xc) * ny
    };
    let x_on_a = count(TILE_A_BITS, TILE_B_BITS) <= count(TILE_B_BITS, TILE_A_BITS);
    let (xc, yc) = if x_on_a {
        (TILE_A_BITS, TILE_B_BITS)
    } else {
        (TILE_B_BITS, TILE_A_BITS)
    };
    // The tile grid: pieces along the 26-bit side (A) and the 17-bit side (B), each
    // with its offset in the product; a constant piece that is zero has no tiles.
    let cut = |v: (Option<&Operand>, Option<&BigUint>),
               bits: usize,
               step: usize|
     -> Vec<(Operand, usize)> {
        (0..pieces(bits, step))
            .filter_map(|k| {
                let w = step.min(bits - k * step);
                let piece = match v {
                    (_, Some(c)) => {
                        let v = (c >> (k * step)) & mask(w);
                        if v.is_zero() {
                            return None;
                        }
                        Operand::constant(&v, w)
                    }
                    (Some(v), None) => v.slice(k * step, w),
                    (None, None) => unreachable!("a port or a constant"),
                };
                Some((piece, k * step))
            })
            .collect()
    };
    let x_pieces = cut((Some(&x), None), x_bits, xc);
    let y_pieces = cut((y.as_ref(), y_const.as_ref()), y_bits, yc);
    let (a_side, b_side) = if x_on_a {
        (x_pieces, y_pieces)
    } else {
        (y_pieces, x_pieces)
    };
    // Each A piece times the B pieces is one DSP48E2 cascade column (`PCIN >> 17`
    // adds the tile below, 17 bits down): the column's tile sums are in the DSPs'
    // post-adders, and the column leaves as one row — each tile's low 17 bits (final
    // once the tile is summed) and the last tile whole. A gap (a zero constant
    // piece) or a tile too narrow to cascade starts a new column.
    let max_of = |o: &Operand| match o {
        Operand::Const { value, .. } => value.clone(),
        o => mask(o.width()),
    };
    let mut terms = vec![];
    for (ap, a_off) in &a_side {
        let mut column: Vec<Operand> = vec![];
        let mut column_shift = 0;
        let mut bound = BigUint::zero();
        let mut last_b_off = None;
        let close =
            |column: &mut Vec<Operand>, n: &mut Netlist, shift: usize, terms: &mut Vec<Term>| {
                if column.is_empty() {
                    return;
                }
                let mut parts: Vec<Operand> = column[..column.len() - 1]
                    .iter()
                    .map(|t| t.slice(0, CASCADE_SHIFT))
                    .collect();
                parts.push(column.last().unwrap().clone());
                let row = if parts.len() == 1 {
                    parts.pop().unwrap()
                } else {
                    let w = parts.iter().map(Operand::width).sum();
                    n.op(&format!("{name}_c"), w, false, Op::Concat(parts))
                };
                terms.push(Term::plus(row, shift));
                column.clear();
            };
        for (bp, b_off) in &b_side {
            let follows = b_off
                .checked_sub(CASCADE_SHIFT)
                .is_some_and(|o| last_b_off == Some(o))
                && column.last().is_some_and(|t| t.width() > CASCADE_SHIFT);
            if !follows {
                close(&mut column, n, column_shift, &mut terms);
                column_shift = a_off + b_off;
                bound = BigUint::zero();
            }
            let prev = column.last().cloned();
            bound = max_of(ap) * max_of(bp) + (&bound >> CASCADE_SHIFT);
            let tw = (bound.bits() as usize).max(1);
            let t = n.op(
                &format!("{name}_t"),
                tw,
                true,
                Op::CascadeTile {
                    a: ap.clone(),
                    b: bp.clone(),
                    prev,
                },
            );
            column.push(t);
            last_b_off = Some(*b_off);
        }
        close(&mut column, n, column_shift, &mut terms);
    }
    sum_terms(n, &format!("{name}_p"), &terms, width)
}

/// The number of levels (0..=4) that needs the fewest DSP tiles for a `bits`-bit
/// product (ties: fewer levels, which need fewer LUTs).
pub fn best_levels(bits: usize, y: &Multiplicand) -> usize {
    (0..=4)
        .min_by_key(|&levels| {
            let mut n = Netlist::default();
            let x = n.input("x", bits);
            let y = match y {
                Multiplicand::Port(_) => Multiplicand::Port(n.input("y", bits)),
                c => c.clone(),
            };
            let p = karatsuba_product(&mut n, "p", &x, &y, bits, levels, 2 * bits);
            n.output("p", p);
            (n.figures().dsp_tiles, levels)
        })
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::RandBigInt;

    fn build(bits: usize, levels: usize, y_const: Option<BigUint>) -> Netlist {
        let mut n = Netlist::default();
        let x = n.input("x", bits);
        let xr = n.reg("xr", &x);
        let y = match y_const {
            Some(c) => Multiplicand::Const(c),
            None => {
                let y = n.input("y", bits);
                Multiplicand::Port(n.reg("yr", &y))
            }
        };
        let p = karatsuba_product(&mut n, "p", &xr, &y, bits, levels, 2 * bits);
        n.output("p", p);
        n
    }

    fn edge_or_random(bits: usize, k: usize) -> BigUint {
        let mut rng = rand::thread_rng();
        match k % 5 {
            0 => BigUint::zero(),
            1 => mask(bits),
            2 => BigUint::from(1u32),
            _ => rng.gen_biguint(bits as u64),
        }
    }

    #[test]
    fn products_equal_biguint_at_every_level() {
        for (bits, levels) in [(64, 0), (64, 1), (100, 2), (255, 2), (381, 3), (120, 4)] {
            let n = build(bits, levels, None);
            for k in 0..60 {
                let (x, y) = (edge_or_random(bits, k), edge_or_random(bits, k / 5));
                assert_eq!(
                    n.evaluate(&[x.clone(), y.clone()])[0],
                    &x * &y,
                    "{bits} bits, {levels} levels"
                );
            }
        }
    }

    #[test]
    fn constant_products_equal_biguint() {
        let p = crate::spec::field::FieldSpec::get(crate::spec::field::FieldId::Fq).modulus;
        let n = build(381, 3, Some(p.clone()));
        for k in 0..40 {
            let x = edge_or_random(381, k);
            assert_eq!(n.evaluate(&[x.clone()])[0], &x * &p);
        }
    }

    /// Constants whose 17-bit pieces are zero in places break the cascade columns
    /// (a gap starts a new column); the products stay exact.
    #[test]
    fn constants_with_zero_pieces_split_the_columns() {
        let gap: BigUint = (BigUint::from(0x1_ffffu32) << 60u32) | BigUint::from(0x1_2345u32);
        let top: BigUint = BigUint::from(1u32) << 99u32;
        for (c, levels) in [(gap.clone(), 0), (gap, 1), (top, 0)] {
            let n = build(100, levels, Some(c.clone()));
            for k in 0..40 {
                let x = edge_or_random(100, k);
                assert_eq!(
                    n.evaluate(&[x.clone()])[0],
                    &x * &c,
                    "{c:x}, {levels} levels"
                );
            }
        }
    }

    /// Every tile sits in a cascade column: no tile product is summed in LUTs unless
    /// a column had to break.
    #[test]
    fn base_products_are_cascade_columns() {
        let n = build(381, 3, None);
        let v = n.verilog("p", "test");
        assert_eq!(v.matches("DSP48E2 #(").count(), 162);
        // Fq's 27 base products: 2 columns of 3 tiles each, 4 of them cascaded.
        assert_eq!(v.matches(".OPMODE(9'b00_101_01_01)").count(), 27 * 2 * 2);
    }

    #[test]
    fn fq_and_fr_dsp_counts() {
        let n = build(381, 3, None);
        assert_eq!(n.figures().dsp_tiles, 162);
        assert_eq!(best_levels(381, &Multiplicand::Port(Operand::Zeros(1))), 3);
        assert_eq!(best_levels(255, &Multiplicand::Port(Operand::Zeros(1))), 2);
        assert_eq!(build(255, 2, None).figures().dsp_tiles, 108);
    }
}
