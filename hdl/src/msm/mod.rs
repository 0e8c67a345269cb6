//! The MSM engine: Pippenger bucket accumulation on BLS12-381 G1.
//!
//! * [`point_adder_core`]: the pipelined point adder as a rust-hdl block.
//! * [`conflict_queue`]: FIFO for additions whose bucket is in flight.
//! * [`inflight_buckets`]: the buckets with an addition in the adder.
//! * [`bucket_engine`]: bucket memory + scheduler keeping the adder busy.
//! * [`digit_feeder`]: unpacks signed digits, fetches and negates bases.
//! * [`msm_unit`]: registers, base memory, loader, readout; what the card holds.

pub mod base_memory;
pub mod bucket_engine;
pub mod conflict_queue;
pub mod digit_feeder;
pub mod inflight_buckets;
pub mod msm_unit;
pub mod point_adder_core;
