//! Register words and addresses as rust-hdl constants, for the blocks that decode the
//! register map (the register file and the engine units).

use crate::spec::bus::{AXIL_ADDR_BITS, AXIL_DATA_BITS};
use crate::spec::regmap;
use rust_hdl::prelude::*;

/// A 32-bit register word.
pub type Word = Bits<AXIL_DATA_BITS>;
/// A register byte address.
pub type Addr = Bits<AXIL_ADDR_BITS>;

/// A register value as a constant.
pub fn word(v: impl Into<u64>) -> Constant<Word> {
    Constant::new(v.into().into())
}

/// A register's offset as a constant address.
pub fn addr(r: &regmap::Register) -> Constant<Addr> {
    Constant::new((r.offset as u64).into())
}
