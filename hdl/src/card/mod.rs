//! The card: everything behind the PCIe shell.
//!
//! * [`axil_regfile`]: the AXI4-Lite register file that decodes [`crate::spec::regmap`].
//! * [`register_decode`]: which register an address names and its read value, for
//!   every block that owns registers.
//! * [`data_port`]: the 512-bit bulk data port (AXI4-Stream in and out); in this build
//!   it loops data back, so the driver's DMA path can be tested end to end.
//! * [`top`]: the card top level that the shells wrap.

pub mod axil_regfile;
pub mod data_port;
pub mod register_constants;
pub mod register_decode;
pub mod top;
