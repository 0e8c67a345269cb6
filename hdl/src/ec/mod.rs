//! Elliptic-curve hardware for BLS12-381 G1.
//!
//! * [`dataflow`]: pipelined datapaths described as graphs of field operations,
//!   scheduled and generated to structural Verilog (and evaluated in software).
//! * [`operators`]: the field operator modules (multiplier, adder, subtractor) graphs use.
//! * [`point_add`]: the complete mixed point adder, one addition per cycle.

pub mod dataflow;
pub mod operators;
pub mod point_add;
