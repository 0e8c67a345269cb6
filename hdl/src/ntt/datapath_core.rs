//! The NTT core's arithmetic as one block: the twiddle multiplier (stage constant ×
//! table twiddle) and the butterfly ([`super::butterfly`]), with the Fr operator
//! modules they share. Carries its Verilog as cores, so a design may contain **one**
//! instance. No rust-hdl simulation model: it is verified in Verilator (design
//! `fr_butterfly`, and inside the card).

use super::butterfly::{butterfly_latency, butterfly_verilog};
use crate::ec::operators::FieldOperators;
use crate::spec::field::{FieldId, FR_WORD_BITS};
use rust_hdl::prelude::*;

const W: usize = FR_WORD_BITS;
/// Name of the butterfly module inside the generated Verilog.
pub const BUTTERFLY_MODULE: &str = "zk_ntt_butterfly";

#[derive(LogicBlock, Default)]
pub struct NttDatapathCore<const TB: usize> {
    pub clock: Signal<In, Clock>,
    /// Twiddle multiplier: `twiddle = tw_const · tw_value` after `multiplier_latency()`.
    pub tw_const: Signal<In, Bits<W>>,
    pub tw_value: Signal<In, Bits<W>>,
    pub twiddle: Signal<Out, Bits<W>>,
    /// Butterfly: `(bf_a, bf_b, bf_w, bf_gs)` → `(bf_x, bf_y)` after `butterfly_latency()`.
    pub bf_a: Signal<In, Bits<W>>,
    pub bf_b: Signal<In, Bits<W>>,
    pub bf_w: Signal<In, Bits<W>>,
    pub bf_gs: Signal<In, Bit>,
    pub bf_valid: Signal<In, Bit>,
    pub bf_tag: Signal<In, Bits<TB>>,
    pub bf_x: Signal<Out, Bits<W>>,
    pub bf_y: Signal<Out, Bits<W>>,
    pub bf_out_valid: Signal<Out, Bit>,
    pub bf_out_tag: Signal<Out, Bits<TB>>,
}

impl<const TB: usize> NttDatapathCore<TB> {
    pub fn multiplier_latency() -> usize {
        FieldOperators::get(FieldId::Fr).latency.mul
    }
    pub fn butterfly_latency() -> usize {
        butterfly_latency()
    }
}

impl<const TB: usize> Logic for NttDatapathCore<TB> {
    fn update(&mut self) {
        // Simulated in Verilator only (see the module docs).
    }
    fn connect(&mut self) {
        self.twiddle.connect();
        self.bf_x.connect();
        self.bf_y.connect();
        self.bf_out_valid.connect();
        self.bf_out_tag.connect();
    }
    fn hdl(&self) -> Verilog {
        let ops = FieldOperators::get(FieldId::Fr);
        let code = format!(
            "wire twiddle_valid_unused;
{mul} u_twiddle(.clock(clock), .a(tw_const), .b(tw_value), .in_valid(1'b1), .out(twiddle), .out_valid(twiddle_valid_unused));
{BUTTERFLY_MODULE} u_butterfly(.clock(clock), .a(bf_a), .b(bf_b), .w(bf_w), .gs(bf_gs), .in_valid(bf_valid), .in_tag(bf_tag),
  .x(bf_x), .y(bf_y), .out_valid(bf_out_valid), .out_tag(bf_out_tag));
",
            mul = ops.modules.mul
        );
        Verilog::Wrapper(Wrapper {
            code,
            cores: butterfly_verilog(BUTTERFLY_MODULE, TB, true),
        })
    }
}
