//! Modular arithmetic over the BLS12-381 fields, as pipelined hardware.
//!
//! * [`dsp_tile`]: the DSP48E2-sized leaf multiplier (26 × 17 bits, unsigned).
//! * [`tile_product`]: wide products built from those tiles (schoolbook) with a
//!   carry-save adder tree.
//! * [`delay_line`]: shift-register delay, for balancing pipeline branches.
//! * [`mod_add`], [`mod_sub`]: modular addition and subtraction.
//! * [`mont_mul`]: the fully pipelined Montgomery multiplier.
//! * [`model_state`]: holder for Rust simulation-model state inside rust-hdl blocks.

pub mod delay_line;
pub mod dsp_tile;
pub mod mod_add;
pub mod mod_sub;
pub mod model_state;
pub mod mont_mul;
pub mod tile_product;
