//! zkaccel host runtime: the `zkaccel` command line's library.
//!
//! * [`tools`]: finding external tools (Verilator, yosys) with install hints.
//! * [`hdl_flow`]: `zkaccel hdl generate | lint | estimate`.
//! * [`field_check`]: running field-arithmetic blocks on the simulator against ark-ff.
//! * [`demo`]: the demo job.
//! * [`sim_serve`]: `zkaccel sim serve`, the card as a vfio-user device.

pub mod demo;
pub mod field_check;
pub mod g1;
pub mod hdl_fit;
pub mod hdl_flow;
pub mod msm;
pub mod msm_cli;
pub mod ntt;
pub mod sim_serve;
pub mod tools;
pub mod xdma_model;
pub mod yosys;
