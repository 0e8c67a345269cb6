//! The card's modelled cycles per NTT, from the NTT unit's timing in the spec: what
//! `zkaccel bench ntt` projects beyond the sizes it simulates.

use zkaccel_spec::ntt::timing::{
    drain_cycles, hazard_cycles, no_gap_log, stage_gap_cycles, PIPELINE_LATENCY,
};

/// Modelled card cycles of one job of 2^log elements (≤ the card's size) on this
/// build: n/2 load beats, n/2·log n butterflies at one per cycle (plus the stage gaps
/// of jobs below 2^no_gap_log), the pipeline drain, n/2 output beats, and ~40 cycles
/// of register traffic. Load, compute and output do not overlap in this build.
pub fn job_cycles_model(log: u32) -> u64 {
    let n = 1u64 << log;
    let hazard = hazard_cycles(PIPELINE_LATENCY);
    let gaps = if (log as usize) < no_gap_log(hazard) {
        (log as u64 - 1) * stage_gap_cycles(hazard) as u64
    } else {
        0
    };
    n / 2 + n / 2 * log as u64 + gaps + drain_cycles(PIPELINE_LATENCY) as u64 + n / 2 + 40
}

/// Modelled card cycles of a transform of 2^log elements: one job, or the four-step
/// split (n2 jobs of n1 and n1 jobs of n2) beyond the card's 2^max.
pub fn ntt_cycles_model(log: u32, max: u32) -> u64 {
    if log <= max {
        job_cycles_model(log)
    } else {
        let (n1, n2) = super::device::four_step_split(log);
        n2 as u64 * job_cycles_model(n1.trailing_zeros())
            + n1 as u64 * job_cycles_model(n2.trailing_zeros())
    }
}
