//! The leaf multiplier: an unsigned 26 × 17-bit product with its inputs and output
//! registered, sized to one Xilinx DSP48E2 (27 × 18 signed multiplier, so 26 × 17
//! unsigned; AREG/BREG and MREG/PREG hold the two pipeline registers).
//!
//! Wide products ([`super::tile_product`]) instantiate this tile hundreds of times; to
//! keep the generated Verilog and the Verilator model small, they emit the tile's
//! statement inline (from [`tile_statement`], the one definition of the tile's Verilog)
//! instead of one rust-hdl module per tile.

use rust_hdl::prelude::*;

/// Width of the tile's A operand (DSP48E2 A port: 27 bits signed).
pub const TILE_A_BITS: usize = 26;
/// Width of the tile's B operand (DSP48E2 B port: 18 bits signed).
pub const TILE_B_BITS: usize = 17;
/// Width of the tile's product.
pub const TILE_P_BITS: usize = TILE_A_BITS + TILE_B_BITS;
/// Register stages inside one tile (input registers, product register).
pub const TILE_LATENCY: usize = 2;

/// The Verilog statement of the tile's multiplier register: `dst <= a * b` with the
/// attribute that asks synthesis to use a DSP block. `a` and `b` must be expressions
/// of at most [`TILE_A_BITS`] and [`TILE_B_BITS`] bits, `dst` a register of
/// [`TILE_P_BITS`] bits.
pub fn tile_statement(dst: &str, a: &str, b: &str) -> String {
    format!("always @(posedge clock) {dst} <= {a} * {b};")
}

/// Declaration of a tile's product register.
pub fn tile_register(name: &str) -> String {
    format!(
        "(* use_dsp = \"yes\" *) reg [{}:0] {name};",
        TILE_P_BITS - 1
    )
}

/// One DSP tile as a stand-alone block: `p` = `a * b`, [`TILE_LATENCY`] cycles later.
#[derive(LogicBlock)]
pub struct DspTile {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<TILE_A_BITS>>,
    pub b: Signal<In, Bits<TILE_B_BITS>>,
    pub p: Signal<Out, Bits<TILE_P_BITS>>,
    a_reg: Signal<Local, Bits<TILE_A_BITS>>,
    b_reg: Signal<Local, Bits<TILE_B_BITS>>,
}

impl Default for DspTile {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            p: Default::default(),
            a_reg: Default::default(),
            b_reg: Default::default(),
        }
    }
}

impl Logic for DspTile {
    // The Rust simulation model, cycle-exact with the Verilog below.
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let prod = self.a_reg.val().to_u64() * self.b_reg.val().to_u64();
            self.p.next = Bits::<TILE_P_BITS>::from(prod);
            self.a_reg.next = self.a.val();
            self.b_reg.next = self.b.val();
        }
    }
    fn connect(&mut self) {
        self.p.connect();
        self.a_reg.connect();
        self.b_reg.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "always @(posedge clock) begin a_reg <= a; b_reg <= b; end\n{}\n",
            tile_statement("p", "a_reg", "b_reg")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the tile's Rust model in rust-hdl's simulator against plain integer
    /// multiplication, feeding a new operand pair every cycle.
    #[test]
    fn rust_model_multiplies_at_full_rate() {
        let mut uut = DspTile::default();
        uut.connect_all();
        let inputs: Vec<(u64, u64)> = vec![
            (0, 0),
            (1, 1),
            ((1 << TILE_A_BITS) - 1, (1 << TILE_B_BITS) - 1),
            (12345, 678),
            ((1 << TILE_A_BITS) - 1, 1),
            (1, (1 << TILE_B_BITS) - 1),
            (0x2AAAAAA, 0x15555),
        ];
        let mut seen = vec![];
        for cycle in 0..inputs.len() + TILE_LATENCY {
            let (a, b) = inputs.get(cycle).copied().unwrap_or((0, 0));
            uut.a.next = Bits::from(a);
            uut.b.next = Bits::from(b);
            uut.clock.next = Clock { clk: false };
            simulate_settle(&mut uut);
            uut.clock.next = Clock { clk: true };
            simulate_settle(&mut uut);
            if cycle + 1 >= TILE_LATENCY {
                seen.push(uut.p.val().to_u64());
            }
        }
        for (k, (a, b)) in inputs.iter().enumerate() {
            assert_eq!(seen[k], a * b, "input {k}: {a} * {b}");
        }
    }

    fn simulate_settle(uut: &mut DspTile) {
        for _ in 0..8 {
            uut.update_all();
            if !uut.has_changed() {
                break;
            }
        }
    }
}
