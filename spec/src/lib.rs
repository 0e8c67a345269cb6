//! The card's specification: the one place where field constants, bus widths, the
//! register map, the MSM and NTT data formats and the expected design hash are
//! defined. The generator (`zkaccel-hdl`), the simulator, the driver and the host all
//! read these.
//!
//! This crate does not depend on rust-hdl, so the driver and the host can be built for
//! boards without the HDL generator or the simulator.
//!
//! Figures that the generator computes (the design hash, pipeline latencies) are
//! checked in here as constants; `zkaccel-hdl`'s tests pin each one to the generated
//! design, so a change to the hardware that forgets to update them fails the tests.

pub mod bus;
pub mod design;
pub mod field;
pub mod g1;
pub mod msm;
pub mod ntt;
pub mod parts;
pub mod regmap;
