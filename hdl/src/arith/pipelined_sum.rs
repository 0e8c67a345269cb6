//! Sums of many shifted, possibly negated terms, pipelined so that no stage holds a
//! carry chain longer than [`CARRY_CHAIN_BITS`] (per adder level) or more than
//! [`COMPRESSOR_LEVELS_PER_STAGE`] levels of 3:2 compressors.
//!
//! * **Negation without subtractors**: `−x·2^s ≡ (~x)·2^s − (2^w − 1)·2^s (mod 2^W)`
//!   for a `w`-bit `x`, so a negated term is its inverted bits plus a constant; the
//!   constants of all terms are folded into one constant row.
//! * **Packing**: rows that do not overlap share a row (wiring).
//! * **Adder tree** (more than [`ADDER_TREE_MIN_ROWS`] rows): rows are added in pairs on
//!   the carry chain, [`ADDER_LEVELS_PER_STAGE`] levels per register stage. A two-row
//!   adder costs one LUT per bit and removes a row; a 3:2 compressor costs two for the
//!   same, so this halves the LUTs of wide sums (the multiplier's `T_lo·N'` rows, tile
//!   sums, Karatsuba recombinations). Adders are cut at the multiples of
//!   [`ADDER_TREE_GRID_BITS`], one grid for every level, so successive levels ripple skewed
//!   (one chain plus a LUT and a carry cell per level); a carry out at a grid line is
//!   deferred, taken later as a free carry-in by a chunk starting there, and what is
//!   left is counted by small compressors beside the line.
//! * **Carry-save compression** of what remains: rows sorted by their lowest bit are
//!   reduced three to two (`a ^ b ^ c`, `maj(a, b, c) << 1`) until at most four rows
//!   remain; the last one or two levels run in front of the final adder's first stage.
//! * **Chunked carry-propagate addition** of the last two rows: each
//!   [`CARRY_CHAIN_BITS`]-bit chunk is added in the first stage together with its
//!   generate bit (carry out) and propagate bit (`&(x ^ y)`: the chunk passes a carry
//!   through); in the second stage each chunk's carry-in is a lookahead over the
//!   generate/propagate bits below it (≤ 8 chunks for 768 bits: two LUT levels) and is
//!   added by a chunk-long increment. A sum no wider than one chunk takes one stage.
//!
//! Everything is modulo `2^width`.

use super::netlist::{mask, Netlist, Op, Operand};
use num_bigint::BigUint;
use num_traits::Zero;

/// The longest carry-propagate chain in one pipeline stage, in bits: 12 CARRY8
/// primitives on UltraScale+ (see docs/architecture.md, "Timing").
pub const CARRY_CHAIN_BITS: usize = 96;

/// The grid the adder tree's chunks are cut on ([`adder_tree`]), in bits: shorter than
/// [`CARRY_CHAIN_BITS`] because a stage of the tree ripples through its
/// [`ADDER_LEVELS_PER_STAGE`] levels skewed, a carry cell and a LUT more per level, and
/// a top chunk is split in two adders in series. At 96 bits the Fq multiplier's slowest
/// path was 4 LUT + 28 CARRY4 (4.08 ns by the timing proxy, over the 4 ns of 250 MHz).
pub const ADDER_TREE_GRID_BITS: usize = 80;

/// Levels of 3:2 compressors (one LUT level each) between two registers.
pub const COMPRESSOR_LEVELS_PER_STAGE: usize = 3;

/// One term of a sum: `± value · 2^shift`.
#[derive(Clone, Debug)]
pub struct Term {
    pub value: Operand,
    pub shift: usize,
    pub negate: bool,
}

impl Term {
    pub fn plus(value: Operand, shift: usize) -> Self {
        Term {
            value,
            shift,
            negate: false,
        }
    }
    pub fn minus(value: Operand, shift: usize) -> Self {
        Term {
            value,
            shift,
            negate: true,
        }
    }
}

/// An unsigned row: `value · 2^shift`, `shift + width ≤` the sum's width.
#[derive(Clone, Debug)]
struct Row {
    value: Operand,
    shift: usize,
}

impl Row {
    fn end(&self) -> usize {
        self.shift + self.value.width()
    }
}

/// `Σ ±term mod 2^width`, resolved to plain binary (all `width` bits, registered).
pub fn sum_terms(n: &mut Netlist, name: &str, terms: &[Term], width: usize) -> Operand {
    let modulus = BigUint::from(1u32) << width;
    let mut constant = BigUint::zero();
    let mut rows = vec![];
    for t in terms {
        if t.shift >= width {
            continue;
        }
        let w = t.value.width().min(width - t.shift);
        let v = t.value.slice(0, w);
        if let Operand::Const { value, .. } = &v {
            let c = (value << t.shift) % &modulus;
            constant = if t.negate {
                (constant + &modulus - c) % &modulus
            } else {
                (constant + c) % &modulus
            };
            continue;
        }
        if let Operand::Zeros(_) = v {
            continue;
        }
        if t.negate {
            let inverted = n.op(&format!("{name}_neg"), w, false, Op::Not(v));
            rows.push(Row {
                value: inverted,
                shift: t.shift,
            });
            let c = (mask(w) << t.shift) % &modulus;
            constant = (constant + &modulus - c) % &modulus;
        } else {
            rows.push(Row {
                value: v,
                shift: t.shift,
            });
        }
    }
    if !constant.is_zero() {
        let tz = constant.trailing_zeros().unwrap() as usize;
        let c = &constant >> tz;
        rows.push(Row {
            value: Operand::constant(&c, width - tz),
            shift: tz,
        });
    }
    let rows = pack(n, name, rows);
    let rows = if rows.len() > ADDER_TREE_MIN_ROWS {
        adder_tree(n, name, rows, width)
    } else {
        rows
    };
    let rows = compress(n, name, rows, width);
    add_rows(n, name, rows, width)
}

/// Sums of more rows than this are reduced by an adder tree ([`adder_tree`]) before
/// the carry-save compression; fewer go straight to the compressors.
pub const ADDER_TREE_MIN_ROWS: usize = 4;

/// Levels of chunked two-row adders between two registers.
pub const ADDER_LEVELS_PER_STAGE: usize = 3;

/// Reduces many rows with two-input carry-chain adders, [`ADDER_LEVELS_PER_STAGE`]
/// levels per register stage, until at most two dense rows remain; returns those plus
/// what is left of the deferred chunk carries.
///
/// A two-row adder costs one LUT per bit (the propagate XOR; the carry runs in CARRY4/
/// CARRY8) and removes one row; a 3:2 compressor costs two LUTs per bit (sum and
/// majority) for the same. Every adder is cut at the multiples of
/// [`ADDER_TREE_GRID_BITS`] (one grid for all levels, so the carries of successive levels
/// ripple skewed, as in a carry-save array): a chunk's carry out at a grid line is not
/// passed on in the same stage but deferred, and a later adder's chunk starting at that
/// line takes one registered deferred bit as its carry in, for free. The deferred bits
/// of each grid line that no adder took are meanwhile counted by 3:2 compressors of
/// their own (a few bits wide, beside the line), one stage at a time.
fn adder_tree(n: &mut Netlist, name: &str, rows: Vec<Row>, width: usize) -> Vec<Row> {
    // (row, produced in the current stage)
    let mut dense: Vec<(Row, bool)> = rows.into_iter().map(|r| (r, false)).collect();
    // Deferred carries per grid line, as rows at or just above the line.
    let mut pool: std::collections::BTreeMap<usize, Vec<(Row, bool)>> = Default::default();
    let mut level = 0;
    while dense.len() > 2 {
        for _ in 0..ADDER_LEVELS_PER_STAGE {
            if dense.len() <= 2 {
                break;
            }
            level += 1;
            dense.sort_by_key(|(r, _)| (r.shift, r.end()));
            let mut next = vec![];
            let mut pairs = dense.chunks_exact(2);
            for pair in &mut pairs {
                let row = add_chunked(n, name, &pair[0].0, &pair[1].0, width, level, &mut pool);
                next.push((row, true));
            }
            next.extend(pairs.remainder().iter().cloned());
            dense = next;
        }
        // The deferred bits registered before this stage, three levels of 3:2 per line.
        for rows in pool.values_mut() {
            let (old, fresh): (Vec<_>, Vec<_>) = rows.drain(..).partition(|(_, f)| !f);
            rows.extend(compress_levels(
                n,
                name,
                old,
                width,
                COMPRESSOR_LEVELS_PER_STAGE,
            ));
            rows.extend(fresh);
        }
        for (r, fresh) in dense.iter_mut().chain(pool.values_mut().flatten()) {
            if *fresh {
                r.value = n.reg(&format!("{name}_at"), &r.value);
                *fresh = false;
            }
        }
    }
    let mut out: Vec<Row> = dense.into_iter().map(|(r, _)| r).collect();
    let carries: Vec<Row> = pool.into_values().flatten().map(|(r, _)| r).collect();
    out.extend(pack(n, name, carries));
    out
}

/// `x + y` as one dense row, cut into chunks at the grid lines (see [`adder_tree`]):
/// a chunk starting at a grid line takes a registered one-bit deferred carry from
/// `pool` as its carry in; a chunk's carry out at a grid line goes to `pool` (fresh);
/// one ending mid-chunk stays on the row.
fn add_chunked(
    n: &mut Netlist,
    name: &str,
    x: &Row,
    y: &Row,
    width: usize,
    level: usize,
    pool: &mut std::collections::BTreeMap<usize, Vec<(Row, bool)>>,
) -> Row {
    let grid = ADDER_TREE_GRID_BITS;
    let lo = x.shift.min(y.shift);
    let hi = x.end().max(y.end());
    let px = place(n, name, x, lo, hi - lo);
    let py = place(n, name, y, lo, hi - lo);
    let mut parts = vec![];
    let mut a = lo;
    while a < hi {
        let b = ((a / grid + 1) * grid).min(hi);
        let (xk, yk) = (px.slice(a - lo, b - a), py.slice(a - lo, b - a));
        let mut cin = None;
        if a % grid == 0 {
            if let Some(slot) = pool.get_mut(&a) {
                if let Some(k) = slot
                    .iter()
                    .position(|(r, fresh)| !fresh && r.shift == a && r.value.width() == 1)
                {
                    cin = Some(slot.remove(k).0.value);
                }
            }
        }
        let carry_out = b < width;
        if !carry_out && b - a >= 6 {
            // The top chunk, split in two adders in series (one chain, skewed) at a
            // point that alternates between levels: yosys's alumacc otherwise merges a
            // chain of same-width top chunks, level after level, into one
            // multi-operand $macc (a LUT compressor tree) instead of carry chains.
            let m = a + (b - a) * (1 + level % 2) / 3;
            let mut low_ops = vec![xk.slice(0, m - a), yk.slice(0, m - a)];
            low_ops.extend(cin);
            let low = n.op(&format!("{name}_al"), m - a + 1, false, Op::Sum(low_ops));
            let high_ops = vec![
                xk.slice(m - a, b - m),
                yk.slice(m - a, b - m),
                low.slice(m - a, 1),
            ];
            let high = n.op(&format!("{name}_ah"), b - m, false, Op::Sum(high_ops));
            parts.push(low.slice(0, m - a));
            parts.push(high);
            a = b;
            continue;
        }
        let mut ops = vec![xk, yk];
        ops.extend(cin);
        let sw = if carry_out { b - a + 1 } else { b - a };
        let s = n.op(&format!("{name}_ak"), sw, false, Op::Sum(ops));
        parts.push(s.slice(0, b - a));
        if carry_out {
            let c = s.slice(b - a, 1);
            if b % grid == 0 {
                pool.entry(b)
                    .or_default()
                    .push((Row { value: c, shift: b }, true));
            } else {
                // Mid-chunk: it ripples on at the next level, skewed.
                parts.push(c);
            }
        }
        a = b;
    }
    let w: usize = parts.iter().map(|p| p.width()).sum();
    let value = n.op(&format!("{name}_a"), w, false, Op::Concat(parts));
    Row { value, shift: lo }
}

/// Rows that do not overlap share one row (their concatenation is wiring): greedy
/// interval packing, lowest first. A product's DSP tiles, for instance, pack into
/// fewer rows than there are tiles.
fn pack(n: &mut Netlist, name: &str, mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by_key(|r| (r.shift, r.end()));
    let mut packed: Vec<Vec<Row>> = vec![];
    for r in rows {
        match packed
            .iter_mut()
            .find(|p| p.last().unwrap().end() <= r.shift)
        {
            Some(p) => p.push(r),
            None => packed.push(vec![r]),
        }
    }
    packed
        .into_iter()
        .map(|p| {
            if p.len() == 1 {
                return p.into_iter().next().unwrap();
            }
            let shift = p[0].shift;
            let mut parts = vec![];
            let mut at = shift;
            for r in &p {
                if r.shift > at {
                    parts.push(Operand::Zeros(r.shift - at));
                }
                parts.push(r.value.clone());
                at = r.end();
            }
            let width = at - shift;
            Row {
                value: n.op(&format!("{name}_pack"), width, false, Op::Concat(parts)),
                shift,
            }
        })
        .collect()
}

/// Carry-save compression down to at most four rows (the adder takes the last levels):
/// three rows at a time (sorted by their lowest bit) become `x ^ y ^ z` and
/// `maj(x, y, z) << 1` over the union of their bits, [`COMPRESSOR_LEVELS_PER_STAGE`]
/// levels per register stage.
fn compress(n: &mut Netlist, name: &str, rows: Vec<Row>, width: usize) -> Vec<Row> {
    let mut rows: Vec<(Row, bool)> = rows.into_iter().map(|r| (r, false)).collect();
    // Up to four rows are left to the adder, whose first stage takes up to two
    // compressor levels.
    while rows.len() > 4 {
        rows = compress_levels(n, name, rows, width, COMPRESSOR_LEVELS_PER_STAGE);
        // One register stage after the compressor levels (new rows only).
        for (r, new) in rows.iter_mut() {
            if *new {
                r.value = n.reg(&format!("{name}_csa"), &r.value);
                *new = false;
            }
        }
    }
    rows.into_iter().map(|(r, _)| r).collect()
}

/// Up to `levels` levels of 3:2 compression (no register), until two rows remain;
/// rows are flagged `true` when computed here (or passed in so flagged).
fn compress_levels(
    n: &mut Netlist,
    name: &str,
    mut rows: Vec<(Row, bool)>,
    width: usize,
    levels: usize,
) -> Vec<(Row, bool)> {
    for _ in 0..levels {
        if rows.len() <= 2 {
            break;
        }
        rows.sort_by_key(|(r, _)| (r.shift, r.end()));
        let mut next = vec![];
        let mut chunks = rows.chunks_exact(3);
        for tri in &mut chunks {
            let (x, y, z) = (&tri[0].0, &tri[1].0, &tri[2].0);
            let lo = x.shift.min(y.shift).min(z.shift);
            let hi = x.end().max(y.end()).max(z.end());
            let span = hi - lo;
            let px = place(n, name, x, lo, span);
            let py = place(n, name, y, lo, span);
            let pz = place(n, name, z, lo, span);
            let s = n.op(
                &format!("{name}_s"),
                span,
                false,
                Op::Xor3(px.clone(), py.clone(), pz.clone()),
            );
            next.push((
                Row {
                    value: s,
                    shift: lo,
                },
                true,
            ));
            if lo + 1 < width {
                let cw = span.min(width - lo - 1);
                let c = n.op(&format!("{name}_c"), span, false, Op::Maj3(px, py, pz));
                let value = c.slice(0, cw);
                next.push((
                    Row {
                        value,
                        shift: lo + 1,
                    },
                    true,
                ));
            }
        }
        next.extend(chunks.remainder().iter().cloned());
        rows = next;
    }
    rows
}

/// `row` placed at bit `lo` in a `span`-bit vector (zero padding as wiring).
fn place(n: &mut Netlist, name: &str, row: &Row, lo: usize, span: usize) -> Operand {
    let below = row.shift - lo;
    let above = span - below - row.value.width();
    if below == 0 && above == 0 {
        return row.value.clone();
    }
    if let Operand::Const { value, .. } = &row.value {
        return Operand::constant(&(value << below), span);
    }
    let mut parts = vec![];
    if below > 0 {
        parts.push(Operand::Zeros(below));
    }
    parts.push(row.value.clone());
    if above > 0 {
        parts.push(Operand::Zeros(above));
    }
    n.op(&format!("{name}_at"), span, false, Op::Concat(parts))
}

/// The last (at most two) rows added by a chunked carry-propagate adder.
fn add_rows(n: &mut Netlist, name: &str, rows: Vec<Row>, width: usize) -> Operand {
    assert!(
        rows.len() <= 4,
        "{} rows left for the carry-propagate add",
        rows.len()
    );
    // Three or four rows: one or two 3:2 levels in front of the adder's first stage (as
    // many LUTs more on its path, a register stage less).
    let rows: Vec<Row> = if rows.len() > 2 {
        let tagged = rows.into_iter().map(|r| (r, false)).collect();
        compress_levels(n, name, tagged, width, 2)
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    } else {
        rows
    };
    let lo = rows
        .iter()
        .map(|r| r.shift)
        .min()
        .unwrap_or(width)
        .min(width);
    if lo == width {
        return Operand::Zeros(width);
    }
    let span = width - lo;
    let placed: Vec<Operand> = rows.iter().map(|r| place(n, name, r, lo, span)).collect();
    let sum = if placed.len() == 1 {
        match &placed[0] {
            Operand::Const { .. } => placed[0].clone(),
            p => n.reg(&format!("{name}_r"), p),
        }
    } else {
        add2(n, name, &placed[0], &placed[1], span)
    };
    if lo == 0 {
        return sum;
    }
    n.op(
        &format!("{name}_sum"),
        width,
        false,
        Op::Concat(vec![Operand::Zeros(lo), sum]),
    )
}

/// `x + y mod 2^width` (both `width` bits): one stage up to [`CARRY_CHAIN_BITS`], two
/// stages (chunk sums with generate/propagate, then lookahead and increment) beyond.
pub fn add2(n: &mut Netlist, name: &str, x: &Operand, y: &Operand, width: usize) -> Operand {
    if width <= CARRY_CHAIN_BITS {
        return n.op(
            &format!("{name}_add"),
            width,
            true,
            Op::Sum(vec![x.clone(), y.clone()]),
        );
    }
    let chunks: Vec<(usize, usize)> = (0..width)
        .step_by(CARRY_CHAIN_BITS)
        .map(|lo| (lo, CARRY_CHAIN_BITS.min(width - lo)))
        .collect();
    let last = chunks.len() - 1;
    // Stage 1: chunk sums (with carry out), propagate bits.
    let mut sums = vec![];
    let mut props = vec![];
    for (k, &(lo, w)) in chunks.iter().enumerate() {
        let (xk, yk) = (x.slice(lo, w), y.slice(lo, w));
        let sw = if k == last { w } else { w + 1 };
        sums.push(n.op(
            &format!("{name}_ck"),
            sw,
            true,
            Op::Sum(vec![xk.clone(), yk.clone()]),
        ));
        if k != last {
            let diff = n.op(
                &format!("{name}_xy"),
                w,
                false,
                Op::Xor3(xk, yk, Operand::Zeros(w)),
            );
            props.push(n.op(&format!("{name}_pk"), 1, true, Op::AndReduce(diff)));
        }
    }
    // Stage 2: carry lookahead over the chunks, then each chunk's increment.
    let mut carry: Option<Operand> = None;
    let mut parts = vec![];
    for (k, &(_, w)) in chunks.iter().enumerate() {
        let low = sums[k].slice(0, w);
        let r = match &carry {
            None => n.reg(&format!("{name}_rk"), &low),
            Some(c) => n.op(
                &format!("{name}_rk"),
                w,
                true,
                Op::Sum(vec![low, c.clone()]),
            ),
        };
        parts.push(r);
        if k != last {
            let g = sums[k].slice(w, 1);
            carry = Some(match carry {
                None => g,
                Some(c) => {
                    let pc = n.op(
                        &format!("{name}_pc"),
                        1,
                        false,
                        Op::And(props[k].clone(), c),
                    );
                    n.op(&format!("{name}_cy"), 1, false, Op::Or(g, pc))
                }
            });
        }
    }
    n.op(&format!("{name}_sum"), width, false, Op::Concat(parts))
}

/// `d ≥ 0 ? d : x` where `d` is a two's-complement difference whose sign is its top bit
/// (callers guarantee `|d| < 2^(width−1)`): one register stage.
pub fn select_nonnegative(n: &mut Netlist, name: &str, d: &Operand, x: &Operand) -> Operand {
    let width = d.width();
    let sign = d.slice(width - 1, 1);
    n.op(
        &format!("{name}_sel"),
        width,
        true,
        Op::Mux {
            sel: sign,
            one: x.clone(),
            zero: d.clone(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::RandBigInt;
    use rand::Rng;

    fn check(terms_spec: &[(usize, usize, bool)], width: usize) {
        // (value width, shift, negate), inputs random.
        let mut rng = rand::thread_rng();
        let mut n = Netlist::default();
        let mut terms = vec![];
        for (k, &(w, s, neg)) in terms_spec.iter().enumerate() {
            let v = n.input(&format!("x{k}"), w);
            terms.push(Term {
                value: v,
                shift: s,
                negate: neg,
            });
        }
        let out = sum_terms(&mut n, "sum", &terms, width);
        n.output("out", out);
        assert!(n.figures().longest_carry_chain <= CARRY_CHAIN_BITS + 1);
        let modulus = BigUint::from(1u32) << width;
        for _ in 0..200 {
            let xs: Vec<BigUint> = terms_spec
                .iter()
                .map(|&(w, _, _)| match rng.gen_range(0..4) {
                    0 => BigUint::zero(),
                    1 => mask(w),
                    _ => rng.gen_biguint(w as u64),
                })
                .collect();
            let mut expect = BigUint::zero();
            for (x, &(_, s, neg)) in xs.iter().zip(terms_spec) {
                let t = (x << s) % &modulus;
                expect = if neg {
                    (expect + &modulus - t) % &modulus
                } else {
                    (expect + t) % &modulus
                };
            }
            assert_eq!(n.evaluate(&xs)[0], expect, "{xs:?}");
        }
    }

    #[test]
    fn sums_of_shifted_and_negated_terms() {
        check(&[(10, 0, false), (10, 3, false)], 16);
        check(&[(100, 0, false), (100, 50, true), (60, 90, false)], 200);
        check(&[(384, 0, false), (384, 0, false)], 385);
        check(&[(384, 0, false), (384, 0, true)], 384);
        let many: Vec<_> = (0..40).map(|k| (50, 7 * k, k % 3 == 0)).collect();
        check(&many, 400);
        let karatsuba = [
            (102, 0, false),
            (102, 96, false),
            (104, 48, false),
            (102, 48, true),
            (102, 48, true),
        ];
        check(&karatsuba, 200);
    }

    #[test]
    fn wide_sum_stays_in_short_chains() {
        let mut n = Netlist::default();
        let x = n.input("x", 768);
        let y = n.input("y", 768);
        let s = add2(&mut n, "s", &x, &y, 768);
        n.output("s", s);
        let f = n.figures();
        assert_eq!(f.latency, 2);
        assert!(f.longest_carry_chain <= CARRY_CHAIN_BITS + 1, "{f:?}");
        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            let a = rng.gen_biguint(768);
            // carries rippling across every chunk
            let b: BigUint = (mask(768) - &a + BigUint::from(rng.gen_range(0u32..3u32)))
                % (BigUint::from(1u32) << 768);

            let got = n.evaluate(&[a.clone(), b.clone()])[0].clone();
            assert_eq!(got, (a + b) % (BigUint::from(1u32) << 768));
        }
    }
}
