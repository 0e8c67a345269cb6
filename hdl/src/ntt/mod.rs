//! NTT hardware over BLS12-381 Fr.
//!
//! * [`butterfly`]: the pipelined radix-2 butterfly, Cooley–Tukey or Gentleman–Sande.
//! * [`address_generator`]: the butterfly schedule (addresses, twiddles, constants).
//! * [`bit_reverse`]: index bit reversal (wiring).
//! * [`datapath_core`]: twiddle multiplier + butterfly, with their operator modules.
//! * [`ntt_unit`]: the engine: registers, memory banks, tables, load and readout.

pub mod address_generator;
pub mod bit_reverse;
pub mod butterfly;
pub mod datapath_core;
pub mod ntt_unit;
