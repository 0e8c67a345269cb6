//! The radix-2 NTT butterfly over Fr, fully pipelined: `(a, b, w) → (a + w·b, a − w·b)`,
//! one butterfly per cycle, built from the rust-hdl Fr Montgomery multiplier, adder and
//! subtractor by the dataflow scheduler (`ec::dataflow`), which balances `a` against
//! the multiplier's latency.
//!
//! Values are in ark-ff's Montgomery form (R = 2^256): `w` is the twiddle as ark holds
//! it, so `w·b` through the Montgomery multiplier is exactly ark's product.

use crate::ec::dataflow::{Dataflow, DataflowFigures, OpLatency};
use crate::ec::operators::FieldOperators;
use crate::spec::field::FieldId;

/// Inputs `a, b, w`; outputs `x = a + w·b`, `y = a − w·b`.
pub fn butterfly_graph() -> Dataflow {
    let mut g = Dataflow::default();
    let a = g.input("a");
    let b = g.input("b");
    let w = g.input("w");
    let t = g.mul("wb", w, b);
    let x = g.add("sum", a, t);
    let y = g.sub("difference", a, t);
    g.output("x", x);
    g.output("y", y);
    g
}

pub fn fr_op_latency() -> OpLatency {
    FieldOperators::get(FieldId::Fr).latency
}

pub fn butterfly_figures() -> DataflowFigures {
    butterfly_graph().figures(&fr_op_latency())
}

/// DSP tiles of one butterfly (one Fr multiplier).
pub fn butterfly_dsp_tiles() -> usize {
    FieldOperators::get(FieldId::Fr).mul_dsp_tiles * butterfly_figures().multipliers
}

/// The butterfly as module `module_name` (ports `clock, a, b, w, in_valid, in_tag, x, y,
/// out_valid, out_tag`), followed by its operator modules when `with_cores`.
pub fn butterfly_verilog(module_name: &str, tag_bits: usize, with_cores: bool) -> String {
    FieldOperators::get(FieldId::Fr).verilog(&butterfly_graph(), module_name, tag_bits, with_cores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::Fr;
    use ark_ff::UniformRand;

    #[test]
    fn graph_is_the_butterfly() {
        let mut rng = ark_std::test_rng();
        let (a, b, w) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
        assert_eq!(
            butterfly_graph().evaluate(&[a, b, w]),
            vec![a + w * b, a - w * b]
        );
        let f = butterfly_figures();
        assert_eq!(f.multipliers, 1);
        assert_eq!(f.latency, fr_op_latency().mul + 2);
    }
}
