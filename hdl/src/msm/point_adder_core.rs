//! The point adder ([`crate::ec::point_add`]) as a rust-hdl block, so the bucket engine
//! can instantiate it. Points are packed: `p1 = {Z1, Y1, X1}` (1152 bits), `p2 =
//! {y2, x2}` (768 bits), `sum = {Z3, Y3, X3}`; the tag travels with the addition.
//!
//! The block carries the adder's structural Verilog (and the Fq operator modules) as
//! cores, so a design may contain **one** instance. It has no rust-hdl simulation
//! model: it is verified in Verilator (design `g1_add`, and inside the card).

use crate::ec::point_add::{point_add_figures, point_add_verilog};
use crate::spec::field::FQ_WORD_BITS;
use rust_hdl::prelude::*;

/// Name of the adder module inside the generated Verilog.
pub const POINT_ADDER_MODULE: &str = "zk_g1_mixed_add";

#[derive(LogicBlock, Default)]
pub struct PointAdderCore<const TB: usize> {
    pub clock: Signal<In, Clock>,
    pub p1: Signal<In, Bits<1152>>,
    pub p2: Signal<In, Bits<768>>,
    pub in_valid: Signal<In, Bit>,
    pub in_tag: Signal<In, Bits<TB>>,
    pub sum: Signal<Out, Bits<1152>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_tag: Signal<Out, Bits<TB>>,
}

impl<const TB: usize> PointAdderCore<TB> {
    /// Pipeline latency in cycles.
    pub fn latency() -> usize {
        point_add_figures().latency
    }
}

impl<const TB: usize> Logic for PointAdderCore<TB> {
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
        let code = format!(
            "{POINT_ADDER_MODULE} adder(.clock(clock), .x1(p1{a}), .y1(p1{b}), .z1(p1{c}), .x2(p2{a}), .y2(p2{b}),
  .in_valid(in_valid), .in_tag(in_tag), .x3(sum{a}), .y3(sum{b}), .z3(sum{c}), .out_valid(out_valid), .out_tag(out_tag));
",
            a = s(0),
            b = s(1),
            c = s(2)
        );
        Verilog::Wrapper(Wrapper {
            code,
            cores: point_add_verilog(POINT_ADDER_MODULE, TB, true),
        })
    }
}
