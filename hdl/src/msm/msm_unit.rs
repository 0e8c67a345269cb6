//! The MSM unit: the engine's registers (MSM_* in the register map), base memory with
//! its loader, the digit feeder, the bucket engine, and bucket readout — everything
//! the card needs to accumulate one Pippenger window at a time.
//!
//! **Card memory** ([`super::base_memory`]) holds `BASE_CAPACITY` points (`{y, x}` per
//! word), written by the loader and read by the feeder through a request/response port
//! with the latency of a DDR/HBM controller (`BASE_MEMORY_LATENCY`). On a board build
//! that port is served by an AXI read master; the host sees the same registers and
//! formats.
//!
//! The data port is routed by `MSM_MODE` (see `spec::msm`): the card top steers the
//! stream to the loopback or to this unit.

use super::base_memory::BaseMemory;
use super::bucket_engine::BucketEngine;
use super::digit_feeder::DigitFeeder;
use crate::card::data_port::Beat;
use crate::card::register_constants::{addr, word, Addr, Word};
use crate::card::register_decode::RegisterDecode;
use crate::spec::field::{AFFINE_POINT_BITS, PROJECTIVE_POINT_BITS};
use crate::spec::msm::{
    mode, msm_control, msm_status, BASE_ADDR_BITS, BASE_CAPACITY, BUCKETS, BUCKET_BITS,
};
use crate::spec::regmap;
use rust_hdl::prelude::*;

/// The base index's bits at and above the base memory's address bits: any of them set
/// puts the index beyond the card memory.
const INDEX_HIGH_BITS: usize = 32 - BASE_ADDR_BITS;

#[derive(LogicBlock)]
pub struct MsmUnit {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // Register access, forwarded by the register file for MSM_* offsets.
    pub reg_raddr: Signal<In, Addr>,
    pub reg_rdata: Signal<Out, Word>,
    /// `reg_raddr` is an MSM register.
    pub reg_rhit: Signal<Out, Bit>,
    pub reg_waddr: Signal<In, Addr>,
    /// `reg_waddr` is a writable MSM register.
    pub reg_whit: Signal<Out, Bit>,
    /// `reg_waddr` is a read-only MSM register.
    pub reg_wro: Signal<Out, Bit>,
    pub reg_write: Signal<In, Bit>,
    /// Write data, already masked by the byte strobes; `reg_wmask` says which bits.
    pub reg_wdata: Signal<In, Word>,
    pub reg_wmask: Signal<In, Word>,
    /// Current MSM_MODE (the card top routes the data port with it).
    pub mode: Signal<Out, Bits<2>>,
    pub s_tdata: Signal<In, Beat>,
    pub s_tvalid: Signal<In, Bit>,
    pub s_tready: Signal<Out, Bit>,
    pub m_tdata: Signal<Out, Beat>,
    pub m_tlast: Signal<Out, Bit>,
    pub m_tvalid: Signal<Out, Bit>,
    pub m_tready: Signal<In, Bit>,

    engine: BucketEngine<false>,
    feeder: DigitFeeder,
    /// The eleven MSM_* registers, in the order of `decode.values`.
    decode: RegisterDecode<11, 352, 352>,
    bases: BaseMemory,
    // Registers.
    mode_reg: DFF<Bits<2>>,
    index: DFF<Bits<32>>,
    /// MSM_DIGITS_PER_BASE.
    digits_per_base: DFF<Bits<8>>,
    /// The digits of a base after its first: `max(MSM_DIGITS_PER_BASE, 1) − 1`, kept
    /// with the register.
    base_last_digit: DFF<Bits<8>>,
    digits_per_base_written: Signal<Local, Bits<8>>,
    /// Digits still to come for the current base after the next one (counts down; 0:
    /// the next digit ends the base), so "the base is done" is a zero test of a
    /// register, with no adder or compare before it.
    base_left: DFF<Bits<8>>,
    readout_count: DFF<Bits<32>>,
    adds: DFF<Bits<32>>,
    active_cycles: DFF<Bits<32>>,
    digit_error: DFF<Bit>,
    base_error: DFF<Bit>,
    // Loader.
    load_half: DFF<Bit>,
    load_x: DFF<Bits<384>>,
    // Readout.
    ro_active: DFF<Bit>,
    ro_bucket: DFF<Bits<32>>,
    ro_phase: DFF<Bits<3>>,
    ro_point: DFF<Bits<PROJECTIVE_POINT_BITS>>,
    // Constants.
    at_mode: Constant<Addr>,
    at_index: Constant<Addr>,
    at_control: Constant<Addr>,
    at_readout_count: Constant<Addr>,
    at_digits_per_base: Constant<Addr>,
    buckets_value: Constant<Word>,
    capacity_value: Constant<Word>,
    latency_value: Constant<Word>,
    mode_load: Constant<Bits<2>>,
    mode_digits: Constant<Bits<2>>,
    mode_readout: Constant<Bits<2>>,
    ctl_clear: Constant<Word>,
    ctl_readout: Constant<Word>,
    st_idle: Constant<Word>,
    st_digit: Constant<Word>,
    st_base: Constant<Word>,
    st_consumed: Constant<Word>,
    // Locals.
    idle: Signal<Local, Bit>,
    status_value: Signal<Local, Word>,
    load_beat: Signal<Local, Bit>,
    store: Signal<Local, Bit>,
    store_over: Signal<Local, Bit>,
    clear: Signal<Local, Bit>,
    start_readout: Signal<Local, Bit>,
    ro_emit: Signal<Local, Bit>,
    ro_last_bucket: Signal<Local, Bit>,
    /// `ro_bucket + 1`, registered (the next bucket's read address needs no adder).
    ro_next_bucket: DFF<Bits<32>>,
    base_done: Signal<Local, Bit>,
    base_left_new: Signal<Local, Bits<8>>,
    base_last_new: Signal<Local, Bits<8>>,
    /// The index and per-base count after one digit, and after two.
    base_left1: Signal<Local, Bits<8>>,
    index1: Signal<Local, Bits<32>>,
    /// The next value of `index`; `index + 1` and `index + 2` are kept in registers
    /// beside it, so the base index of a digit needs no adder before the feeder's
    /// range test and fetch decision.
    index_new: Signal<Local, Bits<32>>,
    index_plus1: DFF<Bits<32>>,
    index_plus2: DFF<Bits<32>>,
    /// `index_new` as digits and stores alone would set it (no register write): what
    /// `index + 1`/`+ 2` are computed from, so a register write's address decode is not
    /// in front of their adders. After an MSM_BASE_INDEX write (`index_written`) they
    /// are stale for a cycle: they are recomputed from the written index while the
    /// feeder and the loader take nothing.
    index_stepped: Signal<Local, Bits<32>>,
    index_written: DFF<Bit>,
    base_done2: Signal<Local, Bit>,
    base_left2: Signal<Local, Bits<8>>,
    index2: Signal<Local, Bits<32>>,
    /// `index`, `index + 1` and `index1` are beyond the card memory: zero tests of the
    /// registers' bits from `BASE_ADDR_BITS` up, beside the per-base test, then chosen
    /// like the index (the feeder's fetch decision waits for no wide test).
    index_over: Signal<Local, Bit>,
    index_plus1_over: Signal<Local, Bit>,
    index1_over: Signal<Local, Bit>,
    guarded: Signal<Local, Bit>,
    /// MSM_BASE_INDEX and MSM_DIGITS_PER_BASE: also writable once the digits are taken.
    index_guarded: Signal<Local, Bit>,
    digits_consumed: Signal<Local, Bit>,
    refused: Signal<Local, Bit>,
}

impl Default for MsmUnit {
    fn default() -> Self {
        let latency = super::point_adder_core::PointAdderCore::<BUCKET_BITS, false>::latency();
        // The generated Verilog tests the index's bits from 12 up (`index_over`).
        assert_eq!(BASE_ADDR_BITS, 12);
        assert_eq!(BASE_CAPACITY, 1 << BASE_ADDR_BITS);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            reg_raddr: Default::default(),
            reg_rdata: Default::default(),
            reg_rhit: Default::default(),
            reg_waddr: Default::default(),
            reg_whit: Default::default(),
            reg_wro: Default::default(),
            reg_write: Default::default(),
            reg_wdata: Default::default(),
            reg_wmask: Default::default(),
            mode: Default::default(),
            s_tdata: Default::default(),
            s_tvalid: Default::default(),
            s_tready: Default::default(),
            m_tdata: Default::default(),
            m_tlast: Default::default(),
            m_tvalid: Default::default(),
            m_tready: Default::default(),
            engine: Default::default(),
            feeder: Default::default(),
            decode: RegisterDecode::new([
                &regmap::MSM_MODE,
                &regmap::MSM_BASE_INDEX,
                &regmap::MSM_CONTROL,
                &regmap::MSM_STATUS,
                &regmap::MSM_READOUT_COUNT,
                &regmap::MSM_ADDS,
                &regmap::MSM_ACTIVE_CYCLES,
                &regmap::MSM_BUCKETS,
                &regmap::MSM_BASE_CAPACITY,
                &regmap::MSM_ADDER_LATENCY,
                &regmap::MSM_DIGITS_PER_BASE,
            ]),
            bases: Default::default(),
            mode_reg: Default::default(),
            index: Default::default(),
            digits_per_base: Default::default(),
            base_last_digit: Default::default(),
            digits_per_base_written: Default::default(),
            base_left: Default::default(),
            readout_count: Default::default(),
            adds: Default::default(),
            active_cycles: Default::default(),
            digit_error: Default::default(),
            base_error: Default::default(),
            load_half: Default::default(),
            load_x: Default::default(),
            ro_active: Default::default(),
            ro_bucket: Default::default(),
            ro_phase: Default::default(),
            ro_point: Default::default(),
            at_mode: addr(&regmap::MSM_MODE),
            at_index: addr(&regmap::MSM_BASE_INDEX),
            at_control: addr(&regmap::MSM_CONTROL),
            at_readout_count: addr(&regmap::MSM_READOUT_COUNT),
            at_digits_per_base: addr(&regmap::MSM_DIGITS_PER_BASE),
            buckets_value: word(BUCKETS as u64),
            capacity_value: word(BASE_CAPACITY as u64),
            latency_value: word(latency as u64),
            mode_load: Constant::new((mode::LOAD_BASES as u64).into()),
            mode_digits: Constant::new((mode::DIGITS as u64).into()),
            mode_readout: Constant::new((mode::READOUT as u64).into()),
            ctl_clear: word(msm_control::CLEAR_BUCKETS as u64),
            ctl_readout: word(msm_control::START_READOUT as u64),
            st_idle: word(msm_status::IDLE as u64),
            st_digit: word(msm_status::DIGIT_RANGE as u64),
            st_base: word(msm_status::BASE_RANGE as u64),
            st_consumed: word(msm_status::DIGITS_CONSUMED as u64),
            idle: Default::default(),
            status_value: Default::default(),
            load_beat: Default::default(),
            store: Default::default(),
            store_over: Default::default(),
            clear: Default::default(),
            start_readout: Default::default(),
            ro_emit: Default::default(),
            ro_last_bucket: Default::default(),
            ro_next_bucket: Default::default(),
            base_done: Default::default(),
            base_left_new: Default::default(),
            base_last_new: Default::default(),
            base_left1: Default::default(),
            index1: Default::default(),
            index_new: Default::default(),
            index_plus1: Default::default(),
            index_plus2: Default::default(),
            index_stepped: Default::default(),
            index_written: Default::default(),
            base_done2: Default::default(),
            base_left2: Default::default(),
            index2: Default::default(),
            index_over: Default::default(),
            index_plus1_over: Default::default(),
            index1_over: Default::default(),
            guarded: Default::default(),
            index_guarded: Default::default(),
            digits_consumed: Default::default(),
            refused: Default::default(),
        }
    }
}

impl Logic for MsmUnit {
    #[hdl_gen]
    fn update(&mut self) {
        self.engine.clock.next = self.clock.val();
        self.engine.reset.next = self.reset.val();
        self.feeder.clock.next = self.clock.val();
        self.feeder.reset.next = self.reset.val();
        self.bases.clock.next = self.clock.val();
        self.bases.reset.next = self.reset.val();
        self.mode_reg.clock.next = self.clock.val();
        self.index.clock.next = self.clock.val();
        self.index_plus1.clock.next = self.clock.val();
        self.index_plus2.clock.next = self.clock.val();
        self.index_written.clock.next = self.clock.val();
        self.digits_per_base.clock.next = self.clock.val();
        self.base_last_digit.clock.next = self.clock.val();
        self.base_left.clock.next = self.clock.val();
        self.readout_count.clock.next = self.clock.val();
        self.adds.clock.next = self.clock.val();
        self.active_cycles.clock.next = self.clock.val();
        self.digit_error.clock.next = self.clock.val();
        self.base_error.clock.next = self.clock.val();
        self.load_half.clock.next = self.clock.val();
        self.load_x.clock.next = self.clock.val();
        self.ro_active.clock.next = self.clock.val();
        self.ro_bucket.clock.next = self.clock.val();
        self.ro_next_bucket.clock.next = self.clock.val();
        self.ro_phase.clock.next = self.clock.val();
        self.ro_point.clock.next = self.clock.val();

        self.mode.next = self.mode_reg.q.val();
        self.idle.next =
            (self.engine.idle.val() & (!self.feeder.busy.val())) & (!self.ro_active.q.val());

        // Register reads.
        self.status_value.next = bits::<32>(0);
        if self.idle.val() {
            self.status_value.next = self.st_idle.val();
        }
        if self.digit_error.q.val() {
            self.status_value.next = self.status_value.val() | self.st_digit.val();
        }
        if self.base_error.q.val() {
            self.status_value.next = self.status_value.val() | self.st_base.val();
        }
        self.digits_consumed.next = ((self.mode_reg.q.val() == self.mode_digits.val())
            & (!self.feeder.holding.val()))
            & (!self.s_tvalid.val());
        if self.digits_consumed.val() {
            self.status_value.next = self.status_value.val() | self.st_consumed.val();
        }
        // Read values in the decode's order (MSM_CONTROL reads 0).
        self.decode.raddr.next = self.reg_raddr.val();
        self.decode.waddr.next = self.reg_waddr.val();
        self.decode.values.next = bit_cast::<352, 2>(self.mode_reg.q.val())
            | (bit_cast::<352, 32>(self.index.q.val()) << 32)
            | (bit_cast::<352, 32>(self.status_value.val()) << 96)
            | (bit_cast::<352, 32>(self.readout_count.q.val()) << 128)
            | (bit_cast::<352, 32>(self.adds.q.val()) << 160)
            | (bit_cast::<352, 32>(self.active_cycles.q.val()) << 192)
            | (bit_cast::<352, 32>(self.buckets_value.val()) << 224)
            | (bit_cast::<352, 32>(self.capacity_value.val()) << 256)
            | (bit_cast::<352, 32>(self.latency_value.val()) << 288)
            | (bit_cast::<352, 8>(self.digits_per_base.q.val()) << 320);
        self.reg_rdata.next = self.decode.rdata.val();
        self.reg_rhit.next = self.decode.rhit.val();
        // MSM_MODE, MSM_BASE_INDEX, MSM_DIGITS_PER_BASE and MSM_CONTROL change what the
        // stream means, so
        // they are refused (SLVERR, recorded in STATUS.BUS_ERROR) unless the unit is
        // idle: a write racing digits still being consumed would apply them to the
        // wrong bases.
        // MSM_BASE_INDEX and MSM_DIGITS_PER_BASE may also change in mode DIGITS once
        // every digit streamed has been taken (DIGITS_CONSUMED): the next digits of the
        // same pass then apply to other bases while earlier additions finish.
        self.guarded.next = (self.reg_waddr.val() == self.at_mode.val())
            | (self.reg_waddr.val() == self.at_control.val());
        self.index_guarded.next = (self.reg_waddr.val() == self.at_index.val())
            | (self.reg_waddr.val() == self.at_digits_per_base.val());
        self.refused.next = (self.guarded.val() & (!self.idle.val()))
            | (self.index_guarded.val() & ((!self.idle.val()) & (!self.digits_consumed.val())));
        self.reg_whit.next = ((self.guarded.val() | self.index_guarded.val())
            & (!self.refused.val()))
            | (self.reg_waddr.val() == self.at_readout_count.val());
        self.reg_wro.next = self.refused.val() | self.decode.wro.val();

        // Register state.
        self.mode_reg.d.next = self.mode_reg.q.val();
        self.index_new.next = self.index.q.val();
        self.index_stepped.next = self.index.q.val();
        self.index_written.d.next = false;
        self.digits_per_base.d.next = self.digits_per_base.q.val();
        self.base_last_new.next = self.base_last_digit.q.val();
        self.digits_per_base_written.next = bit_cast::<8, 32>(
            (bit_cast::<32, 8>(self.digits_per_base.q.val()) & (!self.reg_wmask.val()))
                | self.reg_wdata.val(),
        );
        self.base_left_new.next = self.base_left.q.val();
        self.readout_count.d.next = self.readout_count.q.val();
        self.adds.d.next = self.adds.q.val();
        self.active_cycles.d.next = self.active_cycles.q.val();
        self.digit_error.d.next = self.digit_error.q.val();
        self.base_error.d.next = self.base_error.q.val();
        self.clear.next = false;
        self.start_readout.next = false;
        if self.reg_write.val() {
            if self.reg_waddr.val() == self.at_mode.val() {
                self.mode_reg.d.next = bit_cast::<2, 32>(
                    (bit_cast::<32, 2>(self.mode_reg.q.val()) & (!self.reg_wmask.val()))
                        | self.reg_wdata.val(),
                );
            } else if self.reg_waddr.val() == self.at_index.val() {
                self.index_new.next =
                    (self.index.q.val() & (!self.reg_wmask.val())) | self.reg_wdata.val();
                self.index_written.d.next = true;
                self.base_left_new.next = self.base_last_digit.q.val();
            } else if self.reg_waddr.val() == self.at_digits_per_base.val() {
                self.digits_per_base.d.next = self.digits_per_base_written.val();
                self.base_last_new.next = 0.into();
                if self.digits_per_base_written.val().any() {
                    self.base_last_new.next = self.digits_per_base_written.val() - 1;
                }
                self.base_left_new.next = self.base_last_new.val();
            } else if self.reg_waddr.val() == self.at_readout_count.val() {
                self.readout_count.d.next =
                    (self.readout_count.q.val() & (!self.reg_wmask.val())) | self.reg_wdata.val();
            } else if self.reg_waddr.val() == self.at_control.val() {
                self.clear.next = (self.reg_wdata.val() & self.ctl_clear.val()).any();
                self.start_readout.next = (self.reg_wdata.val() & self.ctl_readout.val()).any();
            }
        }
        if self.engine.issued.val() {
            self.adds.d.next = self.adds.q.val() + 1;
        }
        if !self.idle.val() {
            self.active_cycles.d.next = self.active_cycles.q.val() + 1;
        }
        if self.feeder.digit_range_error.val() {
            self.digit_error.d.next = true;
        }
        if self.clear.val() {
            self.adds.d.next = 0.into();
            self.active_cycles.d.next = 0.into();
            self.digit_error.d.next = false;
            self.base_error.d.next = false;
        }
        self.engine.clear.next = self.clear.val();

        // Loader (MSM_MODE = LOAD_BASES): x beat, then y beat, stored at `index`.
        self.load_half.d.next = self.load_half.q.val();
        self.load_x.d.next = self.load_x.q.val();
        self.load_beat.next = (self.s_tvalid.val() & (!self.index_written.q.val()))
            & (self.mode_reg.q.val() == self.mode_load.val());
        self.store.next = self.load_beat.val() & self.load_half.q.val();
        self.store_over.next = self.index.q.val() >= self.capacity_value.val();
        if self.load_beat.val() {
            self.load_half.d.next = !self.load_half.q.val();
            if !self.load_half.q.val() {
                self.load_x.d.next = self.s_tdata.val().get_bits::<384>(0);
            }
        }
        self.bases.write_enable.next = self.store.val() & (!self.store_over.val());
        self.bases.write_addr.next = self.index.q.val().get_bits::<12>(0);
        self.bases.write_data.next = bit_cast::<AFFINE_POINT_BITS, 384>(self.load_x.q.val())
            | (bit_cast::<AFFINE_POINT_BITS, 384>(self.s_tdata.val().get_bits::<384>(0)) << 384);
        if self.store.val() {
            self.index_new.next = self.index_plus1.q.val();
            self.index_stepped.next = self.index_plus1.q.val();
            if self.store_over.val() {
                self.base_error.d.next = true;
            }
        }

        // Digits (MSM_MODE = DIGITS).
        self.feeder.s_tdata.next = self.s_tdata.val();
        self.feeder.s_tvalid.next =
            self.s_tvalid.val() & (self.mode_reg.q.val() == self.mode_digits.val());
        // The index advances after MSM_DIGITS_PER_BASE digits (0 counts as 1); the
        // feeder consumes one digit or a pair per cycle.
        self.base_done.next = !self.base_left.q.val().any();
        self.base_left1.next = self.base_left.q.val() - 1;
        self.index1.next = self.index.q.val();
        self.index_over.next = self.index.q.val().get_bits::<INDEX_HIGH_BITS>(12).any();
        self.index_plus1_over.next = self
            .index_plus1
            .q
            .val()
            .get_bits::<INDEX_HIGH_BITS>(12)
            .any();
        self.index1_over.next = self.index_over.val();
        if self.base_done.val() {
            self.base_left1.next = self.base_last_digit.q.val();
            self.index1.next = self.index_plus1.q.val();
            self.index1_over.next = self.index_plus1_over.val();
        }
        // After one digit the base is done again if it was done and bases are one
        // digit long, or one digit was left: tests on registers, not on base_left1.
        self.base_done2.next = self.base_left.q.val() == 1;
        if self.base_done.val() {
            self.base_done2.next = !self.base_last_digit.q.val().any();
        }
        self.base_left2.next = self.base_left1.val() - 1;
        self.index2.next = self.index1.val();
        if self.base_done2.val() {
            self.base_left2.next = self.base_last_digit.q.val();
            self.index2.next = self.index_plus1.q.val();
            if self.base_done.val() {
                self.index2.next = self.index_plus2.q.val();
            }
        }
        self.feeder.index.next = self.index.q.val();
        self.feeder.index_next.next = self.index1.val();
        self.feeder.index_over.next = self.index_over.val();
        self.feeder.index_next_over.next = self.index1_over.val();
        self.feeder.hold.next = self.index_written.q.val();
        if self.feeder.consume.val() {
            self.base_left_new.next = self.base_left1.val();
            self.index_new.next = self.index1.val();
            self.index_stepped.next = self.index1.val();
            if self.feeder.consume_two.val() {
                self.base_left_new.next = self.base_left2.val();
                self.index_new.next = self.index2.val();
                self.index_stepped.next = self.index2.val();
            }
        }
        if self.feeder.base_range_error.val() {
            self.base_error.d.next = true;
        }
        self.bases.rq_valid.next = self.feeder.rq_valid.val();
        self.bases.rq_addr.next = self.feeder.rq_addr.val();
        self.bases.rq_tag.next = self.feeder.rq_tag.val();
        self.feeder.rs_valid.next = self.bases.rs_valid.val();
        self.feeder.rs_data.next = self.bases.rs_data.val();
        self.feeder.rs_tag.next = self.bases.rs_tag.val();
        self.engine.in_valid.next = self.feeder.out_valid.val();
        self.engine.in_bucket.next = self.feeder.out_bucket.val();
        self.engine.in_point.next = self.feeder.out_point.val();
        self.feeder.out_ready.next = self.engine.in_ready.val();

        self.s_tready.next = false;
        if self.mode_reg.q.val() == self.mode_load.val() {
            self.s_tready.next = !self.index_written.q.val();
        }
        if self.mode_reg.q.val() == self.mode_digits.val() {
            self.s_tready.next = self.feeder.s_tready.val();
        }

        // Readout (MSM_MODE = READOUT): phase 0 reads bucket 0, 1 captures it, 2..4 emit
        // X, Y, Z; the next bucket is read during 3..4 and captured as Z leaves, so a
        // bucket takes three cycles.
        self.ro_active.d.next = self.ro_active.q.val();
        self.ro_bucket.d.next = self.ro_bucket.q.val();
        self.ro_next_bucket.d.next = self.ro_next_bucket.q.val();
        self.ro_phase.d.next = self.ro_phase.q.val();
        self.ro_point.d.next = self.ro_point.q.val();
        self.engine.rd_enable.next = self.ro_active.q.val();
        // From phase 3 on, the next bucket is read, so it is ready when Z leaves.
        self.engine.rd_bucket.next = self.ro_bucket.q.val().get_bits::<BUCKET_BITS>(0);
        if self.ro_phase.q.val() >= 3 {
            self.engine.rd_bucket.next = self.ro_next_bucket.q.val().get_bits::<BUCKET_BITS>(0);
        }
        self.ro_last_bucket.next = self.ro_next_bucket.q.val() >= self.readout_count.q.val();
        self.m_tvalid.next = false;
        self.m_tlast.next = false;
        self.m_tdata.next = bit_cast::<512, 384>(self.ro_point.q.val().get_bits::<384>(0));
        if self.ro_phase.q.val() == 3 {
            self.m_tdata.next = bit_cast::<512, 384>(self.ro_point.q.val().get_bits::<384>(384));
        }
        if self.ro_phase.q.val() == 4 {
            self.m_tdata.next = bit_cast::<512, 384>(self.ro_point.q.val().get_bits::<384>(768));
            self.m_tlast.next = self.ro_last_bucket.val();
        }
        self.ro_emit.next = false;
        if self.ro_active.q.val() {
            if self.ro_phase.q.val() == 0 {
                self.ro_phase.d.next = 1.into();
            } else if self.ro_phase.q.val() == 1 {
                self.ro_point.d.next = self.engine.rd_point.val();
                self.ro_phase.d.next = 2.into();
            } else {
                self.m_tvalid.next = true;
                self.ro_emit.next = self.m_tready.val();
            }
        }
        if self.ro_emit.val() {
            self.ro_phase.d.next = self.ro_phase.q.val() + 1;
            if self.ro_phase.q.val() == 4 {
                self.ro_phase.d.next = 2.into();
                self.ro_point.d.next = self.engine.rd_point.val();
                self.ro_bucket.d.next = self.ro_next_bucket.q.val();
                self.ro_next_bucket.d.next = self.ro_next_bucket.q.val() + 1;
                if self.ro_last_bucket.val() {
                    self.ro_active.d.next = false;
                }
            }
        }
        if self.start_readout.val() & (self.mode_reg.q.val() == self.mode_readout.val()) {
            self.ro_active.d.next = self.readout_count.q.val().any();
            self.ro_bucket.d.next = 0.into();
            self.ro_next_bucket.d.next = 1.into();
            self.ro_phase.d.next = 0.into();
        }

        if self.reset.val() {
            self.mode_reg.d.next = 0.into();
            self.index_new.next = 0.into();
            self.index_stepped.next = 0.into();
            self.digits_per_base.d.next = 0.into();
            self.base_last_new.next = 0.into();
            self.base_left_new.next = 0.into();
            self.readout_count.d.next = 0.into();
            self.adds.d.next = 0.into();
            self.active_cycles.d.next = 0.into();
            self.digit_error.d.next = false;
            self.base_error.d.next = false;
            self.load_half.d.next = false;
            self.ro_active.d.next = false;
        }
        self.index.d.next = self.index_new.val();
        self.base_left.d.next = self.base_left_new.val();
        self.base_last_digit.d.next = self.base_last_new.val();
        self.index_plus1.d.next = self.index_stepped.val() + 1;
        self.index_plus2.d.next = self.index_stepped.val() + 2;
    }
}
