//! The card's specification: the one place where field constants, bus widths and the
//! register map are defined. The HDL, the simulator and the driver all read these.
//!
//! This module does not depend on rust-hdl, so light consumers (the driver) can use it
//! without pulling in the HDL generator.

pub mod bus;
pub mod field;
pub mod msm;
pub mod ntt;
pub mod parts;
pub mod regmap;
