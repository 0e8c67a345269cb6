//! The leaf multiplier: an unsigned 26 × 17-bit product with its inputs and output
//! registered, sized to one Xilinx DSP48E2 (27 × 18 signed multiplier, so 26 × 17
//! unsigned; AREG/BREG and MREG/PREG hold the two pipeline registers).
//!
//! The stand-alone [`DspTile`] is the tile's reference block (the `dsp_tile` design).
//! Wide products ([`super::karatsuba`]) emit their tiles inline instead, hundreds of
//! them, chained into cascade columns `a · b + (previous tile >> 17)`: see
//! [`cascade_tile_verilog`], the one definition of a column tile's Verilog (an
//! instantiated DSP48E2 for synthesis, a behavioural statement for simulation).

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

/// A cascade column's shift: the DSP48E2's `Z` multiplexer adds `PCIN >> 17`.
pub const CASCADE_SHIFT: usize = 17;
/// Width of the DSP48E2's `P` (and `PCIN`/`PCOUT`).
pub const CASCADE_P_BITS: usize = 48;
/// Widths of the DSP48E2's `A` and `B` ports (the multiplier uses 27 and 18 of them).
const DSP_A_PORT_BITS: usize = 30;
const DSP_B_PORT_BITS: usize = 18;

/// The Verilog of one tile of a cascade column, `name <= a · b + (prev >> 17)` (or
/// `a · b` for the column's first tile), registered once (`PREG`).
///
/// yosys 0.23 does not infer the DSP48E2's post-adder or its `PCIN` cascade from the
/// behavioural statement (it leaves the sum in LUTs and carry chains), so for
/// synthesis (`SYNTHESIS`, defined by yosys and Vivado) the tile is an instantiated
/// `DSP48E2`: `A` and `B` unregistered (the netlist's own registers feed them), no
/// `MREG`, `PREG` on, `OPMODE` X = Y = M and Z = `PCIN >> 17` (0 for the first tile),
/// `ALUMODE` add; `PCOUT` feeds the next tile. Simulation (Verilator) compiles the
/// behavioural statement, the same function: the operands are unsigned and narrower
/// than the signed 27 × 18 multiplier, and `P` stays below 2^47, so the arithmetic
/// shift of `PCIN` is a plain one.
pub fn cascade_tile_verilog(
    name: &str,
    width: usize,
    a: &str,
    a_bits: usize,
    b: &str,
    b_bits: usize,
    prev: Option<(&str, usize)>,
) -> String {
    assert!(a_bits <= TILE_A_BITS && b_bits <= TILE_B_BITS && width < CASCADE_P_BITS);
    let hi = width - 1;
    let (opmode, pcin, addend) = match prev {
        Some((p, pw)) => (
            "9'b00_101_01_01",
            format!("{p}_pcout"),
            format!(" + {p}[{}:{CASCADE_SHIFT}]", pw - 1),
        ),
        None => (
            "9'b00_000_01_01",
            format!("{CASCADE_P_BITS}'d0"),
            String::new(),
        ),
    };
    let pad = |bits: usize, port: usize, x: &str| {
        if bits == port {
            x.to_string()
        } else {
            format!("{{{}'d0, {x}}}", port - bits)
        }
    };
    format!(
        "`ifdef SYNTHESIS
wire [{p_hi}:0] {name}_pcout;
wire [{p_hi}:0] {name}_p;
wire [{hi}:0] {name} = {name}_p[{hi}:0];
DSP48E2 #(.AREG(0), .BREG(0), .ACASCREG(0), .BCASCREG(0), .MREG(0), .PREG(1), .CREG(0),
  .ADREG(0), .DREG(0), .INMODEREG(0), .OPMODEREG(0), .ALUMODEREG(0), .CARRYINREG(0),
  .CARRYINSELREG(0), .USE_MULT(\"MULTIPLY\"), .USE_SIMD(\"ONE48\"), .AMULTSEL(\"A\"),
  .BMULTSEL(\"B\"), .A_INPUT(\"DIRECT\"), .B_INPUT(\"DIRECT\"), .PREADDINSEL(\"A\"))
  {name}_dsp (.CLK(clock), .A({a30}), .B({b18}), .C({CASCADE_P_BITS}'d0), .D(27'd0), .PCIN({pcin}),
  .ACIN({DSP_A_PORT_BITS}'d0), .BCIN({DSP_B_PORT_BITS}'d0), .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0),
  .OPMODE({opmode}), .ALUMODE(4'b0000), .INMODE(5'b00000), .CARRYIN(1'b0),
  .CARRYINSEL(3'b000), .CEA1(1'b0), .CEA2(1'b0), .CEB1(1'b0), .CEB2(1'b0), .CEAD(1'b0),
  .CED(1'b0), .CEC(1'b0), .CEM(1'b0), .CEP(1'b1), .CECARRYIN(1'b0), .CECTRL(1'b0),
  .CEINMODE(1'b0), .CEALUMODE(1'b0), .RSTA(1'b0), .RSTB(1'b0), .RSTC(1'b0), .RSTD(1'b0),
  .RSTM(1'b0), .RSTP(1'b0), .RSTALLCARRYIN(1'b0), .RSTCTRL(1'b0), .RSTINMODE(1'b0),
  .RSTALUMODE(1'b0), .P({name}_p), .PCOUT({name}_pcout));
`else
(* use_dsp = \"yes\" *) reg [{hi}:0] {name};
always @(posedge clock) {name} <= {a} * {b}{addend};
`endif
",
        p_hi = CASCADE_P_BITS - 1,
        a30 = pad(a_bits, DSP_A_PORT_BITS, a),
        b18 = pad(b_bits, DSP_B_PORT_BITS, b),
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
