//! The field operator set a dataflow graph instantiates: the Montgomery multiplier,
//! modular adder and subtractor of one field ([`crate::arith`]), generated once as
//! `zk_<field>_mont_mul`, `zk_<field>_add`, `zk_<field>_sub`, with their latencies.
//! The G1 point adder uses the Fq set, the NTT butterfly the Fr set.

use super::dataflow::{Dataflow, OpLatency, OpModules};
use crate::arith::mod_add::{mod_add_sub_latency, mod_add_sub_verilog, AddSub};
use crate::arith::mont_mul::{mont_mul_figures, mont_mul_verilog};
use crate::spec::field::{FieldId, FieldSpec};

/// One field's operators: module names, latencies, multiplier size, and Verilog.
pub struct FieldOperators {
    pub field: FieldSpec,
    pub modules: OpModules,
    pub latency: OpLatency,
    /// DSP tiles of one multiplier.
    pub mul_dsp_tiles: usize,
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
        let mul = mont_mul_figures(id);
        let mul_dsp_tiles = mul.dsp_tiles;
        let latency = OpLatency {
            mul: mul.latency,
            add: mod_add_sub_latency(id, AddSub::Add),
            sub: mod_add_sub_latency(id, AddSub::Sub),
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
        let id = self.field.id;
        let mut v = mont_mul_verilog(id, &self.modules.mul);
        v.push_str(&mod_add_sub_verilog(id, AddSub::Add, &self.modules.add));
        v.push_str(&mod_add_sub_verilog(id, AddSub::Sub, &self.modules.sub));
        v
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
