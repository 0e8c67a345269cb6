//! zkaccel hardware, described in rust-hdl and generated to Verilog.
//!
//! * [`spec`]: the card's specification (the `zkaccel-spec` crate, re-exported): field
//!   constants, bus widths, register map, the single source of truth for HDL, simulator
//!   and driver.
//! * [`arith`]: pipelined BLS12-381 field arithmetic (modular add/sub, Montgomery
//!   multiplier built from DSP tiles).
//! * [`card`]: the card top level (AXI4-Lite register file, 512-bit data port).
//! * [`designs`]: the catalogue of generated designs with their manifest entries.

pub mod arith;
pub mod card;
pub mod designs;
pub mod ec;
pub mod msm;
pub mod ntt;
pub use zkaccel_spec as spec;

/// The Verilator lint waivers for the generated Verilog (`hdl/lint/waivers.vlt`), each
/// with its reason. Used by `zkaccel hdl lint` and by the simulator build.
pub const LINT_WAIVERS: &str = include_str!("../lint/waivers.vlt");
