//! The NTT core's butterfly schedule: for each stage, which two addresses a butterfly
//! pairs, which twiddle it uses, and which stage constant scales the twiddle. One
//! butterfly per cycle, with no bubbles between stages from 2^NO_GAP_LOG up.
//!
//! Stage `s` of a size-2^L job pairs on bit `b` (`b = s` forward, `b = L − 1 − s`
//! inverse). Butterfly `k` (0 ≤ k < 2^(L−1)) pairs `lo` = k with a 0 inserted at bit
//! `b`, and `hi = lo | 2^b`; its twiddle is entry `j·2^(K−1−b)` of the table (negated
//! index for the inverse), `j = k mod 2^b`, and its stage constant has exponent
//! `e = L − 1 − b`. The software twin is `spec::ntt::schedule_model`.
//!
//! **Hazards.** A stage's butterflies read what the previous stage wrote. In this order
//! an element written by butterfly `k` of one stage is read by a butterfly of the next
//! stage whose index differs from `k` by at most 2^(L−2) = n/4, so a value is read at
//! least `n/2 − n/4` cycles after it was produced. That covers the pipeline (issue to
//! write, `hazard_cycles`) from n ≥ 4·hazard_cycles on; smaller jobs wait
//! `hazard_cycles` between stages.
//!
//! **Timing.** Nothing derived from the job's size is computed in front of a compare or
//! an address: the job's constants (`last_k`, the last stage, whether stages need a
//! gap) are registered from `log_n` (which holds from well before `start`: NTT_CONFIG
//! is written only while idle, and a job starts with a later write and a load), and
//! the stage's pairing values (the mask `2^b − 1`, the bit `2^b`, the twiddle index's
//! shift `K − 1 − b`, the stage constant's exponent) are registers set at `start` and
//! stepped when a stage ends, so an address is `k` masked, shifted by one and by a
//! registered amount. (Computed from `log_n` and the stage in the same cycle, the
//! shifts, subtractions and compares were 12 LUT levels, the control's slowest path.)

use crate::spec::ntt::timing::{no_gap_log, stage_gap_cycles};
use crate::spec::ntt::MAX_LOG_SIZE;
use rust_hdl::prelude::*;

/// Address bits (K).
const A: usize = MAX_LOG_SIZE;

#[derive(LogicBlock)]
pub struct NttAddressGenerator {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Starts a job (log_n and inverse must hold from the cycle before and for the
    /// whole job).
    pub start: Signal<In, Bit>,
    pub log_n: Signal<In, Bits<4>>,
    pub inverse: Signal<In, Bit>,
    /// A butterfly is issued this cycle.
    pub valid: Signal<Out, Bit>,
    pub lo: Signal<Out, Bits<A>>,
    pub hi: Signal<Out, Bits<A>>,
    pub twiddle_index: Signal<Out, Bits<A>>,
    pub constant_exponent: Signal<Out, Bits<4>>,
    /// The job's butterflies are not all issued yet.
    pub busy: Signal<Out, Bit>,
    running: DFF<Bit>,
    stage: DFF<Bits<4>>,
    k: DFF<Bits<A>>,
    gap: DFF<Bits<8>>,
    /// The job's constants: `2^(L−1) − 1`, `L − 1`, and whether stages need a gap.
    last_k: DFF<Bits<A>>,
    last_stage: DFF<Bits<4>>,
    stage_gap: DFF<Bit>,
    /// The stage's pairing values for pairing bit `b`.
    mask: DFF<Bits<A>>,
    pair_bit_value: DFF<Bits<A>>,
    index_shift: DFF<Bits<4>>,
    exponent: DFF<Bits<4>>,
    low: Signal<Local, Bits<A>>,
    lo_value: Signal<Local, Bits<A>>,
    index: Signal<Local, Bits<A>>,
    issue: Signal<Local, Bit>,
    stage_end: Signal<Local, Bit>,
    one: Constant<Bits<A>>,
    top_bit: Constant<Bits<4>>,
    gap_cycles: Constant<Bits<8>>,
    no_gap_log: Constant<Bits<4>>,
}

impl NttAddressGenerator {
    /// `hazard_cycles`: cycles from a butterfly's issue until its results can be read.
    pub fn new(hazard_cycles: usize) -> Self {
        assert!(hazard_cycles < 255);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            log_n: Default::default(),
            inverse: Default::default(),
            valid: Default::default(),
            lo: Default::default(),
            hi: Default::default(),
            twiddle_index: Default::default(),
            constant_exponent: Default::default(),
            busy: Default::default(),
            running: Default::default(),
            stage: Default::default(),
            k: Default::default(),
            gap: Default::default(),
            last_k: Default::default(),
            last_stage: Default::default(),
            stage_gap: Default::default(),
            mask: Default::default(),
            pair_bit_value: Default::default(),
            index_shift: Default::default(),
            exponent: Default::default(),
            low: Default::default(),
            lo_value: Default::default(),
            index: Default::default(),
            issue: Default::default(),
            stage_end: Default::default(),
            one: Constant::new(1.into()),
            top_bit: Constant::new(((A - 1) as u64).into()),
            gap_cycles: Constant::new((stage_gap_cycles(hazard_cycles) as u64).into()),
            no_gap_log: Constant::new((no_gap_log(hazard_cycles) as u64).into()),
        }
    }
}

impl Logic for NttAddressGenerator {
    #[hdl_gen]
    fn update(&mut self) {
        self.running.clock.next = self.clock.val();
        self.stage.clock.next = self.clock.val();
        self.k.clock.next = self.clock.val();
        self.gap.clock.next = self.clock.val();
        self.last_k.clock.next = self.clock.val();
        self.last_stage.clock.next = self.clock.val();
        self.stage_gap.clock.next = self.clock.val();
        self.mask.clock.next = self.clock.val();
        self.pair_bit_value.clock.next = self.clock.val();
        self.index_shift.clock.next = self.clock.val();
        self.exponent.clock.next = self.clock.val();
        self.running.d.next = self.running.q.val();
        self.stage.d.next = self.stage.q.val();
        self.k.d.next = self.k.q.val();
        self.gap.d.next = self.gap.q.val();
        self.mask.d.next = self.mask.q.val();
        self.pair_bit_value.d.next = self.pair_bit_value.q.val();
        self.index_shift.d.next = self.index_shift.q.val();
        self.exponent.d.next = self.exponent.q.val();

        // The job's constants, from log_n (constant during a job).
        self.last_k.d.next = (self.one.val() << (self.log_n.val() - 1)) - 1;
        self.last_stage.d.next = self.log_n.val() - 1;
        self.stage_gap.d.next = self.log_n.val() < self.no_gap_log.val();

        // Butterfly k of this stage: k with a 0 inserted at the pairing bit b.
        self.low.next = self.k.q.val() & self.mask.q.val();
        self.lo_value.next = ((self.k.q.val() & (!self.mask.q.val())) << 1) | self.low.val();
        self.lo.next = self.lo_value.val();
        self.hi.next = self.lo_value.val() | self.pair_bit_value.q.val();
        self.index.next = self.low.val() << self.index_shift.q.val();
        self.twiddle_index.next = self.index.val();
        if self.inverse.val() {
            self.twiddle_index.next = bits::<A>(0) - self.index.val();
        }
        self.constant_exponent.next = self.exponent.q.val();

        self.issue.next = self.running.q.val() & (!self.gap.q.val().any());
        self.valid.next = self.issue.val();
        self.busy.next = self.running.q.val();
        self.stage_end.next = self.issue.val() & (self.k.q.val() == self.last_k.q.val());
        if self.gap.q.val().any() {
            self.gap.d.next = self.gap.q.val() - 1;
        }
        if self.issue.val() {
            self.k.d.next = self.k.q.val() + 1;
        }
        if self.stage_end.val() {
            self.k.d.next = 0.into();
            self.stage.d.next = self.stage.q.val() + 1;
            if self.stage.q.val() == self.last_stage.q.val() {
                self.running.d.next = false;
            } else if self.stage_gap.q.val() {
                self.gap.d.next = self.gap_cycles.val();
            }
            // The next stage's pairing bit: b + 1 forward, b − 1 inverse.
            if self.inverse.val() {
                self.mask.d.next = self.mask.q.val() >> 1;
                self.pair_bit_value.d.next = self.pair_bit_value.q.val() >> 1;
                self.index_shift.d.next = self.index_shift.q.val() + 1;
                self.exponent.d.next = self.exponent.q.val() + 1;
            } else {
                self.mask.d.next = (self.mask.q.val() << 1) | self.one.val();
                self.pair_bit_value.d.next = self.pair_bit_value.q.val() << 1;
                self.index_shift.d.next = self.index_shift.q.val() - 1;
                self.exponent.d.next = self.exponent.q.val() - 1;
            }
        }
        if self.start.val() {
            self.running.d.next = true;
            self.stage.d.next = 0.into();
            self.k.d.next = 0.into();
            self.gap.d.next = 0.into();
            // Stage 0 pairs on bit 0 forward, on bit L − 1 inverse.
            if self.inverse.val() {
                self.mask.d.next = self.last_k.q.val();
                self.pair_bit_value.d.next = self.last_k.q.val() + 1;
                self.index_shift.d.next = self.top_bit.val() - self.last_stage.q.val();
                self.exponent.d.next = 0.into();
            } else {
                self.mask.d.next = 0.into();
                self.pair_bit_value.d.next = self.one.val();
                self.index_shift.d.next = self.top_bit.val();
                self.exponent.d.next = self.last_stage.q.val();
            }
        }
        if self.reset.val() {
            self.running.d.next = false;
        }
    }
}
