//! Wide unsigned products built from DSP tiles: schoolbook decomposition into
//! [`TILE_A_BITS`] × [`TILE_B_BITS`] tiles, then a registered carry-save (3:2) adder
//! tree and one final carry-propagate adder.
//!
//! Decomposition: `a` is cut into 26-bit limbs `a_i`, `b` into 17-bit limbs `b_j`.
//! The tile products `a_i · b_j` (43 bits) for a fixed `j` and even `i` sit at
//! offsets `26 i + 17 j`, 52 bits apart, so they never overlap and their sum is plain
//! wiring; likewise for odd `i`. That gives `2 ⌈b_bits/17⌉` rows to add instead of one
//! per tile. Rows are reduced three-to-two per pipeline stage until two remain, and a
//! final adder produces the product.
//!
//! Two flavours share the generator: [`TileProduct`] (both operands are ports) and
//! [`ConstTileProduct`] (operand `b` is a constant, e.g. the modulus, and tiles whose
//! constant limb is zero vanish). Either may keep only the low `P` bits of the product
//! (tiles entirely above bit `P` are dropped), which Montgomery reduction uses for
//! `m = T · N' mod R`.
//!
//! Latency: 1 (operand registers) + 1 (tile product registers) + the adder-tree levels
//! + 1 (final adder); see [`ProductShape::latency`].

use super::dsp_tile::{tile_register, tile_statement, TILE_A_BITS, TILE_B_BITS, TILE_P_BITS};
use super::model_state::ModelState;
use num_bigint::BigUint;
use num_traits::{One, Zero};
use rust_hdl::prelude::*;
use std::collections::VecDeque;
use std::fmt::Write;

/// The geometry of one wide product.
#[derive(Clone, Debug)]
pub struct ProductShape {
    /// Significant bits of operand `a` (bits above are zero by contract).
    pub a_bits: usize,
    /// Significant bits of operand `b`.
    pub b_bits: usize,
    /// `Some(c)`: `b` is the constant `c` rather than a port.
    pub b_const: Option<BigUint>,
    /// The product is kept modulo `2^out_bits`.
    pub out_bits: usize,
}

impl ProductShape {
    pub fn a_limbs(&self) -> usize {
        self.a_bits.div_ceil(TILE_A_BITS)
    }
    pub fn b_limbs(&self) -> usize {
        self.b_bits.div_ceil(TILE_B_BITS)
    }
    fn const_limb(&self, j: usize) -> Option<u64> {
        self.b_const.as_ref().map(|c| {
            let limb = (c >> (TILE_B_BITS * j)) & BigUint::from((1u64 << TILE_B_BITS) - 1);
            limb.to_u64_digits().first().copied().unwrap_or(0)
        })
    }
    fn offset(i: usize, j: usize) -> usize {
        TILE_A_BITS * i + TILE_B_BITS * j
    }
    /// The tiles `(i, j)` that contribute to the kept bits of the product.
    pub fn tiles(&self) -> Vec<(usize, usize)> {
        let mut v = vec![];
        for j in 0..self.b_limbs() {
            if self.const_limb(j) == Some(0) {
                continue;
            }
            for i in 0..self.a_limbs() {
                if Self::offset(i, j) < self.out_bits {
                    v.push((i, j));
                }
            }
        }
        v
    }
    /// Rows of non-overlapping tiles (same `j`, same parity of `i`).
    pub fn rows(&self) -> Vec<Vec<(usize, usize)>> {
        let mut rows = vec![];
        for j in 0..self.b_limbs() {
            for parity in 0..2 {
                let row: Vec<_> = self
                    .tiles()
                    .into_iter()
                    .filter(|&(i, jj)| jj == j && i % 2 == parity)
                    .collect();
                if !row.is_empty() {
                    rows.push(row);
                }
            }
        }
        rows
    }
    /// Carry-save levels needed to bring `n` rows down to two.
    pub fn csa_levels(mut n: usize) -> usize {
        let mut levels = 0;
        while n > 2 {
            n = 2 * (n / 3) + n % 3;
            levels += 1;
        }
        levels
    }
    /// Pipeline latency in cycles: input to product.
    pub fn latency(&self) -> usize {
        2 + Self::csa_levels(self.rows().len()) + 1
    }
    /// Number of DSP tiles (an upper bound on DSP48E2 blocks; synthesis may map a
    /// tile times a small constant to LUTs instead).
    pub fn dsp_tiles(&self) -> usize {
        self.tiles().len()
    }

    /// The product that the hardware computes, for the Rust model.
    pub fn evaluate(&self, a: &BigUint, b: &BigUint) -> BigUint {
        let mask_a = (BigUint::one() << self.a_bits) - 1u32;
        let b = match &self.b_const {
            Some(c) => c.clone(),
            None => b & ((BigUint::one() << self.b_bits) - 1u32),
        };
        ((a & mask_a) * b) % (BigUint::one() << self.out_bits)
    }

    /// The body of the product module. Ports (declared by rust-hdl): `clock`, `a`,
    /// `b` (absent for constant products) and `p` (a net; driven here).
    pub fn verilog(&self) -> String {
        let out = self.out_bits;
        let a_pad = self.a_limbs() * TILE_A_BITS;
        let b_pad = self.b_limbs() * TILE_B_BITS;
        let mut v = String::new();
        let _ = writeln!(
            v,
            "// {}-bit x {}-bit{} product mod 2^{out}: {} DSP tiles of {TILE_A_BITS}x{TILE_B_BITS}, {} rows, {} carry-save levels, latency {}",
            self.a_bits,
            self.b_bits,
            if self.b_const.is_some() { " (constant)" } else { "" },
            self.dsp_tiles(),
            self.rows().len(),
            Self::csa_levels(self.rows().len()),
            self.latency()
        );
        // Stage 1: operand registers (the DSP's A/B registers).
        let _ = writeln!(v, "reg [{}:0] a_r;", a_pad - 1);
        let _ = writeln!(
            v,
            "always @(posedge clock) a_r <= {};",
            pad_expr("a", self.a_bits, a_pad)
        );
        if self.b_const.is_none() {
            let _ = writeln!(v, "reg [{}:0] b_r;", b_pad - 1);
            let _ = writeln!(
                v,
                "always @(posedge clock) b_r <= {};",
                pad_expr("b", self.b_bits, b_pad)
            );
        }
        // Stage 2: tile products (the DSP's M/P register).
        for (i, j) in self.tiles() {
            let name = format!("pp_{i}_{j}");
            let a_limb = format!("a_r[{}+:{TILE_A_BITS}]", TILE_A_BITS * i);
            let b_limb = match self.const_limb(j) {
                Some(c) => format!("{TILE_B_BITS}'d{c}"),
                None => format!("b_r[{}+:{TILE_B_BITS}]", TILE_B_BITS * j),
            };
            let _ = writeln!(v, "{}", tile_register(&name));
            let _ = writeln!(v, "{}", tile_statement(&name, &a_limb, &b_limb));
        }
        // Rows: non-overlapping tiles placed by wiring.
        let rows = self.rows();
        let mut level: Vec<String> = vec![];
        for (k, row) in rows.iter().enumerate() {
            let terms: Vec<String> = row
                .iter()
                .map(|&(i, j)| {
                    format!(
                        "({{{{{}{{1'b0}}}}, pp_{i}_{j}}} << {})",
                        out - TILE_P_BITS,
                        Self::offset(i, j)
                    )
                })
                .collect();
            let name = format!("row_{k}");
            let _ = writeln!(v, "wire [{}:0] {name} = {};", out - 1, terms.join(" | "));
            level.push(name);
        }
        // Carry-save levels, one register stage each.
        let mut depth = 0;
        while level.len() > 2 {
            depth += 1;
            let mut next = vec![];
            let mut body = String::new();
            for (t, chunk) in level.chunks(3).enumerate() {
                if chunk.len() == 3 {
                    let (x, y, z) = (&chunk[0], &chunk[1], &chunk[2]);
                    let s = format!("csa{depth}_s{t}");
                    let c = format!("csa{depth}_c{t}");
                    let _ = writeln!(v, "reg [{}:0] {s}, {c};", out - 1);
                    let _ = writeln!(body, "  {s} <= {x} ^ {y} ^ {z};");
                    let _ = writeln!(
                        body,
                        "  {c} <= (({x} & {y}) | ({x} & {z}) | ({y} & {z})) << 1;"
                    );
                    next.push(s);
                    next.push(c);
                } else {
                    for (u, x) in chunk.iter().enumerate() {
                        let r = format!("csa{depth}_r{t}_{u}");
                        let _ = writeln!(v, "reg [{}:0] {r};", out - 1);
                        let _ = writeln!(body, "  {r} <= {x};");
                        next.push(r);
                    }
                }
            }
            let _ = writeln!(v, "always @(posedge clock) begin\n{body}end");
            level = next;
        }
        // Final carry-propagate adder.
        let sum = match level.len() {
            1 => level[0].clone(),
            _ => format!("{} + {}", level[0], level[1]),
        };
        let _ = writeln!(v, "reg [{}:0] p_r;", out - 1);
        let _ = writeln!(v, "always @(posedge clock) p_r <= {sum};");
        let _ = writeln!(v, "assign p = p_r;");
        v
    }
}

/// `x[bits-1:0]` zero-extended to `width` bits.
fn pad_expr(x: &str, bits: usize, width: usize) -> String {
    if width == bits {
        format!("{x}[{}:0]", bits - 1)
    } else {
        format!("{{{{{}{{1'b0}}}}, {x}[{}:0]}}", width - bits, bits - 1)
    }
}

/// Pipeline state of a product's Rust model.
type Pipeline = ModelState<VecDeque<BigUint>>;

fn model_step(shape: &ProductShape, pipe: &mut VecDeque<BigUint>, a: BigUint, b: BigUint) {
    pipe.push_front(shape.evaluate(&a, &b));
    pipe.truncate(shape.latency());
}

fn model_out<const P: usize>(shape: &ProductShape, pipe: &VecDeque<BigUint>) -> Bits<P> {
    pipe.get(shape.latency() - 1)
        .cloned()
        .unwrap_or_default()
        .into()
}

/// `p = a · b mod 2^P`, both operands ports. `A`, `B`: port widths.
#[derive(LogicBlock)]
pub struct TileProduct<const A: usize, const B: usize, const P: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<A>>,
    pub b: Signal<In, Bits<B>>,
    pub p: Signal<Out, Bits<P>>,
    model: Pipeline,
    shape: ModelState<ProductShape>,
}

impl<const A: usize, const B: usize, const P: usize> TileProduct<A, B, P> {
    /// `a_bits`, `b_bits`: significant operand bits (≤ the port widths).
    pub fn new(a_bits: usize, b_bits: usize) -> Self {
        assert!(a_bits <= A && b_bits <= B);
        Self {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            p: Default::default(),
            model: Default::default(),
            shape: ModelState(ProductShape {
                a_bits,
                b_bits,
                b_const: None,
                out_bits: P,
            }),
        }
    }
    pub fn shape(&self) -> &ProductShape {
        &self.shape.0
    }
}

impl<const A: usize, const B: usize, const P: usize> Logic for TileProduct<A, B, P> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let (a, b) = (self.a.val().into(), self.b.val().into());
            model_step(&self.shape.0, &mut self.model.0, a, b);
        }
        self.p.next = model_out(&self.shape.0, &self.model.0);
    }
    fn connect(&mut self) {
        self.p.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: self.shape.0.verilog(),
            cores: String::new(),
        })
    }
}

/// `p = a · C mod 2^P` for a constant `C`. `A`: port width of `a`.
#[derive(LogicBlock)]
pub struct ConstTileProduct<const A: usize, const P: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<A>>,
    pub p: Signal<Out, Bits<P>>,
    model: Pipeline,
    shape: ModelState<ProductShape>,
}

impl<const A: usize, const P: usize> ConstTileProduct<A, P> {
    pub fn new(a_bits: usize, constant: &BigUint) -> Self {
        assert!(a_bits <= A && !constant.is_zero());
        Self {
            clock: Default::default(),
            a: Default::default(),
            p: Default::default(),
            model: Default::default(),
            shape: ModelState(ProductShape {
                a_bits,
                b_bits: constant.bits() as usize,
                b_const: Some(constant.clone()),
                out_bits: P,
            }),
        }
    }
    pub fn shape(&self) -> &ProductShape {
        &self.shape.0
    }
}

impl<const A: usize, const P: usize> Logic for ConstTileProduct<A, P> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let a = self.a.val().into();
            model_step(&self.shape.0, &mut self.model.0, a, BigUint::zero());
        }
        self.p.next = model_out(&self.shape.0, &self.model.0);
    }
    fn connect(&mut self) {
        self.p.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: self.shape.0.verilog(),
            cores: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fq_shape_figures() {
        let s = ProductShape {
            a_bits: 381,
            b_bits: 381,
            b_const: None,
            out_bits: 768,
        };
        assert_eq!(s.a_limbs(), 15);
        assert_eq!(s.b_limbs(), 23);
        assert_eq!(s.dsp_tiles(), 15 * 23);
        assert_eq!(s.rows().len(), 46);
        // every tile appears in exactly one row, and rows never overlap
        let mut n = 0;
        for row in s.rows() {
            n += row.len();
            for w in row.windows(2) {
                let gap =
                    ProductShape::offset(w[1].0, w[1].1) - ProductShape::offset(w[0].0, w[0].1);
                assert!(gap >= TILE_P_BITS);
            }
        }
        assert_eq!(n, s.dsp_tiles());
    }

    #[test]
    fn csa_levels_small() {
        assert_eq!(ProductShape::csa_levels(1), 0);
        assert_eq!(ProductShape::csa_levels(2), 0);
        assert_eq!(ProductShape::csa_levels(3), 1);
        assert_eq!(ProductShape::csa_levels(4), 2);
        assert_eq!(ProductShape::csa_levels(46), 9);
    }
}
