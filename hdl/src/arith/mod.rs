//! Modular arithmetic over the BLS12-381 fields, as pipelined hardware generated from
//! scheduled netlists.
//!
//! * [`netlist`]: the bit-vector netlist every block is built as (Verilog emission,
//!   software evaluation, automatic pipeline balancing).
//! * [`pipelined_sum`]: sums of shifted, negated terms: carry-save compression and
//!   chunked carry-propagate addition (no long carry chain in any stage).
//! * [`dsp_tile`]: the DSP48E2-sized leaf multiplier (26 × 17 bits, unsigned).
//! * [`karatsuba`]: wide products by Karatsuba–Ofman on DSP tiles.
//! * [`const_mul`]: products by constants in LUTs (CSD shift-add), truncated.
//! * [`mod_add`]: modular addition and subtraction.
//! * [`halve`]: halving modulo p (the Gentleman–Sande butterfly's `(a + b)/2`).
//! * [`mont_mul`]: the fully pipelined Montgomery multiplier.
//! * [`sim_model`]: fast simulation models of the operators (same ports, latency and
//!   function), for the simulated card.
//! * [`delay_line`]: shift-register delay for rust-hdl blocks.
//! * [`model_state`]: holder for Rust simulation-model state inside rust-hdl blocks.

pub mod const_mul;
pub mod delay_line;
pub mod dsp_tile;
pub mod halve;
pub mod karatsuba;
pub mod mod_add;
pub mod model_state;
pub mod mont_mul;
pub mod netlist;
pub mod pipelined_sum;
pub mod sim_model;

/// Operand pairs for the arithmetic netlists' tests: the first 16 are every pair of
/// the four `edges`, the rest random.
#[cfg(test)]
pub(crate) fn operand_pair<F: ark_ff::PrimeField>(
    k: usize,
    edges: &[F; 4],
    rng: &mut impl ark_std::rand::Rng,
) -> (F, F) {
    if k < 16 {
        (edges[k % 4], edges[k / 4])
    } else {
        (F::rand(rng), F::rand(rng))
    }
}
