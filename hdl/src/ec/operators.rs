//! The field operator set a dataflow graph instantiates: the rust-hdl Montgomery
//! multiplier, modular adder and subtractor of one field, generated once and renamed
//! `zk_<field>_mont_mul`, `zk_<field>_add`, `zk_<field>_sub`, with their latencies.
//! The G1 point adder uses the Fq set, the NTT butterfly the Fr set.

use super::dataflow::{rename_top, Dataflow, OpLatency, OpModules};
use crate::arith::mod_add::{ModAdd, MOD_ADD_LATENCY};
use crate::arith::mod_sub::{ModSub, MOD_SUB_LATENCY};
use crate::arith::mont_mul::MontMul;
use crate::spec::field::{
    FieldId, FieldSpec, FQ_PRODUCT_BITS, FQ_WORD_BITS, FR_PRODUCT_BITS, FR_WORD_BITS,
};
use rust_hdl::prelude::*;

/// One field's operators: module names, latencies, multiplier size, and Verilog.
pub struct FieldOperators {
    pub field: FieldSpec,
    pub modules: OpModules,
    pub latency: OpLatency,
    /// DSP tiles of one multiplier.
    pub mul_dsp_tiles: usize,
}

fn mul_figures<const W: usize, const W2: usize>(f: &FieldSpec) -> (usize, usize) {
    let fig = MontMul::<W, W2>::new(f).figures();
    (fig.latency, fig.dsp_tiles)
}

fn cores<const W: usize, const W2: usize>(f: &FieldSpec, m: &OpModules) -> String {
    let mut mul = MontMul::<W, W2>::new(f);
    mul.clock.connect();
    mul.a.connect();
    mul.b.connect();
    mul.in_valid.connect();
    mul.connect_all();
    let mut add = ModAdd::<W>::new(f);
    add.clock.connect();
    add.a.connect();
    add.b.connect();
    add.in_valid.connect();
    add.connect_all();
    let mut sub = ModSub::<W>::new(f);
    sub.clock.connect();
    sub.a.connect();
    sub.b.connect();
    sub.in_valid.connect();
    sub.connect_all();
    let mut v = rename_top(&generate_verilog(&mul), &m.mul);
    v.push_str(&rename_top(&generate_verilog(&add), &m.add));
    v.push_str(&rename_top(&generate_verilog(&sub), &m.sub));
    v
}

impl FieldOperators {
    pub fn get(id: FieldId) -> Self {
        let field = FieldSpec::get(id);
        let n = field.name;
        let modules = OpModules {
            mul: format!("zk_{n}_mont_mul"),
            add: format!("zk_{n}_add"),
            sub: format!("zk_{n}_sub"),
        };
        let (mul, mul_dsp_tiles) = match id {
            FieldId::Fq => mul_figures::<FQ_WORD_BITS, FQ_PRODUCT_BITS>(&field),
            FieldId::Fr => mul_figures::<FR_WORD_BITS, FR_PRODUCT_BITS>(&field),
        };
        let latency = OpLatency {
            mul,
            add: MOD_ADD_LATENCY,
            sub: MOD_SUB_LATENCY,
        };
        Self {
            field,
            modules,
            latency,
            mul_dsp_tiles,
        }
    }

    /// The operator modules' Verilog, to follow a graph that instantiates them.
    pub fn cores(&self) -> String {
        match self.field.id {
            FieldId::Fq => cores::<FQ_WORD_BITS, FQ_PRODUCT_BITS>(&self.field, &self.modules),
            FieldId::Fr => cores::<FR_WORD_BITS, FR_PRODUCT_BITS>(&self.field, &self.modules),
        }
    }

    /// `graph` as module `module_name` over this field's words, followed by the
    /// operator modules when `with_cores`.
    pub fn verilog(
        &self,
        graph: &Dataflow,
        module_name: &str,
        tag_bits: usize,
        with_cores: bool,
    ) -> String {
        let mut v = graph.verilog(
            module_name,
            self.field.word_bits,
            tag_bits,
            &self.latency,
            &self.modules,
        );
        if with_cores {
            v.push_str(&self.cores());
        }
        v
    }
}
