//! Benchmarks as library calls: each runs a job on a backend beside the CPU references
//! in the same run, checks every result, and returns a report (printed by the command
//! line, serialized for `--json`).
//!
//! * [`msm`]: `zkaccel bench msm`.
//! * [`ntt`]: `zkaccel bench ntt`.

pub mod msm;
pub mod ntt;
