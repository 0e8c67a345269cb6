//! NTT hardware over BLS12-381 Fr.
//!
//! * [`butterfly`]: the pipelined radix-2 butterfly (one per cycle).
//!
//! The streaming NTT core that feeds it (memory banks, address generation, twiddles)
//! is not built yet.

pub mod butterfly;
