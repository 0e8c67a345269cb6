//! The point adder ([`crate::ec::point_add`]) as a rust-hdl block, so the bucket engine
//! can instantiate it. Points are packed: `p1 = {Z1, Y1, X1}` (1152 bits), `p2 =
//! {y2, x2}` (768 bits), `sum = {Z3, Y3, X3}`; the tag travels with the addition.
//!
//! The block carries the adder's structural Verilog (and the Fq operator modules) as
//! cores, so a design may contain **one** instance. It has no rust-hdl simulation
//! model: it is verified in Verilator (design `g1_add`, and inside the card).
//!
//! `STUB = true` puts a stand-in behind the same ports and latency, for testing the
//! bucket engine alone ([`stub_adder_verilog`]): it adds coordinates as plain integers
//! (`X3 = X1 + x2`, `Y3 = Y1 + y2`, `Z3 = Z1 + 1`, each mod 2^384), so a bucket ends as
//! the sum of the x and y it was given and the count of its additions, which a test
//! checks exactly; and it compiles and simulates in a fraction of the real adder's time.

use crate::ec::point_add::{point_add_figures, point_add_verilog};
use crate::spec::field::FQ_WORD_BITS;
use crate::spec::field::{AFFINE_POINT_BITS, PROJECTIVE_POINT_BITS};
use rust_hdl::prelude::*;

/// Name of the adder module inside the generated Verilog.
pub const POINT_ADDER_MODULE: &str = "zk_g1_mixed_add";
/// Name of the stand-in adder module (`STUB = true`).
pub const STUB_ADDER_MODULE: &str = "zk_g1_stub_add";

/// The stand-in adder: the real adder's ports and latency, integer sums (see the module
/// docs).
pub fn stub_adder_verilog(tag_bits: usize) -> String {
    let latency = point_add_figures().latency;
    let w = FQ_WORD_BITS;
    format!(
        "// Stand-in for {POINT_ADDER_MODULE} in bucket-engine tests: same ports and latency
// ({latency} cycles); X3 = X1 + x2, Y3 = Y1 + y2, Z3 = Z1 + 1 (mod 2^{w}).
module {STUB_ADDER_MODULE}(
  input wire clock,
  input wire [{m}:0] x1, input wire [{m}:0] y1, input wire [{m}:0] z1,
  input wire [{m}:0] x2, input wire [{m}:0] y2,
  input wire in_valid, input wire [{t}:0] in_tag,
  output wire [{m}:0] x3, output wire [{m}:0] y3, output wire [{m}:0] z3,
  output wire out_valid, output wire [{t}:0] out_tag);
  localparam integer W = {pw};
  reg [W-1:0] stage [0:{last}];
  always @(posedge clock) stage[0] <= {{in_valid, in_tag, z1 + {w}'d1, y1 + y2, x1 + x2}};
  genvar g;
  generate for (g = 1; g <= {last}; g = g + 1) begin : shift
    always @(posedge clock) stage[g] <= stage[g - 1];
  end endgenerate
  assign {{out_valid, out_tag, z3, y3, x3}} = stage[{last}];
endmodule
",
        m = w - 1,
        t = tag_bits - 1,
        pw = 3 * w + tag_bits + 1,
        last = latency - 1,
    )
}

#[derive(LogicBlock, Default)]
pub struct PointAdderCore<const TB: usize, const STUB: bool> {
    pub clock: Signal<In, Clock>,
    pub p1: Signal<In, Bits<PROJECTIVE_POINT_BITS>>,
    pub p2: Signal<In, Bits<AFFINE_POINT_BITS>>,
    pub in_valid: Signal<In, Bit>,
    pub in_tag: Signal<In, Bits<TB>>,
    pub sum: Signal<Out, Bits<PROJECTIVE_POINT_BITS>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_tag: Signal<Out, Bits<TB>>,
}

impl<const TB: usize, const STUB: bool> PointAdderCore<TB, STUB> {
    /// Pipeline latency in cycles.
    pub fn latency() -> usize {
        point_add_figures().latency
    }
}

impl<const TB: usize, const STUB: bool> Logic for PointAdderCore<TB, STUB> {
    fn update(&mut self) {
        // Simulated in Verilator only (see the module docs).
    }
    fn connect(&mut self) {
        self.sum.connect();
        self.out_valid.connect();
        self.out_tag.connect();
    }
    fn hdl(&self) -> Verilog {
        let w = FQ_WORD_BITS;
        let s = |k: usize| format!("[{}:{}]", w * (k + 1) - 1, w * k);
        let module = if STUB {
            STUB_ADDER_MODULE
        } else {
            POINT_ADDER_MODULE
        };
        let code = format!(
            "{module} adder(.clock(clock), .x1(p1{a}), .y1(p1{b}), .z1(p1{c}), .x2(p2{a}), .y2(p2{b}),
  .in_valid(in_valid), .in_tag(in_tag), .x3(sum{a}), .y3(sum{b}), .z3(sum{c}), .out_valid(out_valid), .out_tag(out_tag));
",
            a = s(0),
            b = s(1),
            c = s(2)
        );
        let cores = if STUB {
            stub_adder_verilog(TB)
        } else {
            point_add_verilog(POINT_ADDER_MODULE, TB, true)
        };
        Verilog::Wrapper(Wrapper { code, cores })
    }
}
