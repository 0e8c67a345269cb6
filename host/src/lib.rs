//! zkaccel host runtime: MSM and NTT on boards, the simulator or the CPU, and the
//! `zkaccel` command line's library (the command line itself is the binary's
//! `cli` module; nothing here calls it).
//!
//! * [`Backend`] ([`backend`]): where a job runs; [`Accelerator`] ([`accelerator`]):
//!   the handle that owns a backend's device and runs MSMs and NTTs on it.
//! * [`msm`], [`ntt`]: the kernels (CPU paths, card units, cycle models);
//!   [`kernel_check`]: checking a card's kernels (an NTT at a secret point);
//!   [`board_health`]: a board's counters and whether it is still in service.
//! * [`codec`]: the point and field-element files of `zkaccel msm` and `zkaccel ntt`;
//!   [`wtns`]: snarkjs witness files; [`binfile`]: circom/snarkjs's sectioned container.
//! * [`groth16`]: Groth16 from snarkjs keys and arkworks circuits, every result checked;
//!   [`kzg`]: EIP-4844 commitments and blob proofs.
//! * `g1` (re-exported from the spec): G1 values as the card holds them.
//! * [`bench`]: the benchmarks as library calls returning reports.
//! * [`report`]: shared encodings of the `--json` reports.
//! * With the `sim` feature: [`demo`] (the demo job), [`field_check`] (field blocks on
//!   the simulator against ark-ff), [`sim_serve`] and [`xdma_model`] (`zkaccel sim
//!   serve`, the card as a vfio-user device).
//! * With the `hdl` feature: [`hdl_flow`] (`zkaccel hdl generate | lint | estimate`),
//!   [`hdl_fit`] (`zkaccel hdl fit`), [`yosys`] (running and caching yosys), [`netlist_path`]
//!   (the timing proxy: the slowest path of a synthesized netlist) and
//!   [`tools`] (finding Verilator and yosys, with install hints).

pub mod accelerator;
pub mod backend;
pub mod bench;
pub mod binfile;
pub mod board_health;
pub mod board_pool;
pub mod codec;
pub mod groth16;
pub mod kernel_check;
pub mod kzg;
pub mod msm;
pub mod ntt;
pub mod report;
pub mod wtns;

#[cfg(feature = "sim")]
pub mod demo;
#[cfg(feature = "sim")]
pub mod field_check;
#[cfg(feature = "sim")]
pub mod sim_serve;
#[cfg(feature = "sim")]
pub mod xdma_model;

#[cfg(feature = "hdl")]
pub mod hdl_fit;
#[cfg(feature = "hdl")]
pub mod hdl_flow;
#[cfg(feature = "hdl")]
pub mod netlist_path;
#[cfg(feature = "hdl")]
pub mod tools;
#[cfg(feature = "hdl")]
pub mod yosys;

pub use accelerator::{Accelerator, AcceleratorError, Card};
pub use backend::Backend;
pub use zkaccel_spec::g1;
