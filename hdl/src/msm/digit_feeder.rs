//! The digit feeder: unpacks the 32 signed digits of each 512-bit beat, requests the
//! base point each non-zero digit refers to from card memory ([`super::base_memory`],
//! a read port with latency), negates it for a negative digit as it returns, and hands
//! `(bucket, ±base)` to the bucket engine — one digit per cycle.
//!
//! **Latency tolerance.** Returning bases land in a response buffer of 2^FETCH_BITS
//! entries that the engine drains. A digit is issued only while the reads in flight
//! plus the entries waiting number fewer than the buffer holds, so a response always
//! has room; with the buffer deeper than the memory latency, reads stream at one per
//! cycle and an engine stall only stops the issue once the buffer is full.
//!
//! Digit `k` (in stream order) applies to base `index`, where the MSM unit's index
//! register advances on every `consume` pulse. A digit whose magnitude exceeds the
//! bucket count, or whose base index is beyond the card memory, is dropped with an
//! error pulse (the host checks the sticky status bits), never added.

use super::conflict_queue::ConflictQueue;
use crate::card::data_port::Beat;
use crate::spec::field::{FieldId, FieldSpec, FQ_WORD_BITS};
use crate::spec::msm::{
    BASE_ADDR_BITS, BASE_CAPACITY, BASE_TAG_BITS, BUCKETS, BUCKET_BITS, DIGITS_PER_BEAT, FETCH_BITS,
};
use rust_hdl::prelude::*;

type Word = Bits<FQ_WORD_BITS>;
/// A buffered response: `{bucket, y, x}`.
const FETCHED: usize = 768 + BUCKET_BITS;

#[derive(LogicBlock)]
pub struct DigitFeeder {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub s_tdata: Signal<In, Beat>,
    pub s_tvalid: Signal<In, Bit>,
    pub s_tready: Signal<Out, Bit>,
    /// Base index of the current digit (the MSM unit's index register).
    pub index: Signal<In, Bits<32>>,
    /// One pulse per digit consumed: the index advances.
    pub consume: Signal<Out, Bit>,
    /// Base memory read requests (`tag` = `{negate, bucket}`) and responses `{y, x}`.
    pub rq_valid: Signal<Out, Bit>,
    pub rq_addr: Signal<Out, Bits<BASE_ADDR_BITS>>,
    pub rq_tag: Signal<Out, Bits<BASE_TAG_BITS>>,
    pub rs_valid: Signal<In, Bit>,
    pub rs_data: Signal<In, Bits<768>>,
    pub rs_tag: Signal<In, Bits<BASE_TAG_BITS>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_bucket: Signal<Out, Bits<BUCKET_BITS>>,
    pub out_point: Signal<Out, Bits<768>>,
    pub out_ready: Signal<In, Bit>,
    pub digit_range_error: Signal<Out, Bit>,
    pub base_range_error: Signal<Out, Bit>,
    /// Digits held or an addition waiting for the engine.
    pub busy: Signal<Out, Bit>,

    beat: DFF<Beat>,
    digits_left: DFF<Bits<6>>,
    fetched: ConflictQueue<Bits<FETCHED>, FETCH_BITS, { FETCH_BITS + 1 }>,
    /// Reads in flight plus responses waiting in `fetched`.
    outstanding: DFF<Bits<8>>,
    fetch_depth: Constant<Bits<8>>,
    modulus: Constant<Word>,
    buckets: Constant<Bits<15>>,
    capacity: Constant<Bits<32>>,
    digits_per_beat: Constant<Bits<6>>,
    digit: Signal<Local, Bits<16>>,
    magnitude: Signal<Local, Bits<15>>,
    have_digit: Signal<Local, Bit>,
    can_issue: Signal<Local, Bit>,
    pop: Signal<Local, Bit>,
    rs_negate: Signal<Local, Bit>,
    rs_bucket: Signal<Local, Bits<BUCKET_BITS>>,
    advance: Signal<Local, Bit>,
    index_over: Signal<Local, Bit>,
    magnitude_over: Signal<Local, Bit>,
    useful: Signal<Local, Bit>,
    load: Signal<Local, Bit>,
    y: Signal<Local, Word>,
    y_out: Signal<Local, Word>,
}

impl Default for DigitFeeder {
    fn default() -> Self {
        // The Verilog writes the coordinate offset as the literal 384.
        assert_eq!(FQ_WORD_BITS, 384);
        let f = FieldSpec::get(FieldId::Fq);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            s_tdata: Default::default(),
            s_tvalid: Default::default(),
            s_tready: Default::default(),
            index: Default::default(),
            consume: Default::default(),
            rq_valid: Default::default(),
            rq_addr: Default::default(),
            rq_tag: Default::default(),
            rs_valid: Default::default(),
            rs_data: Default::default(),
            rs_tag: Default::default(),
            out_valid: Default::default(),
            out_bucket: Default::default(),
            out_point: Default::default(),
            out_ready: Default::default(),
            digit_range_error: Default::default(),
            base_range_error: Default::default(),
            busy: Default::default(),
            beat: Default::default(),
            digits_left: Default::default(),
            fetched: Default::default(),
            outstanding: Default::default(),
            fetch_depth: Constant::new(((1u64 << FETCH_BITS) as u64).into()),
            modulus: Constant::new(f.modulus.into()),
            buckets: Constant::new((BUCKETS as u64).into()),
            capacity: Constant::new((BASE_CAPACITY as u64).into()),
            digits_per_beat: Constant::new((DIGITS_PER_BEAT as u64).into()),
            digit: Default::default(),
            magnitude: Default::default(),
            have_digit: Default::default(),
            can_issue: Default::default(),
            pop: Default::default(),
            rs_negate: Default::default(),
            rs_bucket: Default::default(),
            advance: Default::default(),
            index_over: Default::default(),
            magnitude_over: Default::default(),
            useful: Default::default(),
            load: Default::default(),
            y: Default::default(),
            y_out: Default::default(),
        }
    }
}

impl Logic for DigitFeeder {
    #[hdl_gen]
    fn update(&mut self) {
        self.beat.clock.next = self.clock.val();
        self.digits_left.clock.next = self.clock.val();
        self.fetched.clock.next = self.clock.val();
        self.fetched.reset.next = self.reset.val();
        self.outstanding.clock.next = self.clock.val();

        self.digit.next = self.beat.q.val().get_bits::<16>(0);
        self.magnitude.next = self.digit.val().get_bits::<15>(0);
        self.have_digit.next = self.digits_left.q.val().any();
        self.can_issue.next = self.outstanding.q.val() < self.fetch_depth.val();
        self.advance.next = self.have_digit.val() & self.can_issue.val();
        self.magnitude_over.next = self.magnitude.val() > self.buckets.val();
        self.index_over.next = self.index.val() >= self.capacity.val();
        self.useful.next = ((self.advance.val() & self.magnitude.val().any())
            & (!self.magnitude_over.val()))
            & (!self.index_over.val());
        self.consume.next = self.advance.val();
        self.digit_range_error.next = self.advance.val() & self.magnitude_over.val();
        self.base_range_error.next = (self.advance.val() & self.magnitude.val().any())
            & ((!self.magnitude_over.val()) & self.index_over.val());

        // Beat register: the next beat may enter as the last digit leaves.
        self.s_tready.next =
            (!self.have_digit.val()) | ((self.digits_left.q.val() == 1) & self.advance.val());
        self.load.next = self.s_tvalid.val() & self.s_tready.val();
        self.beat.d.next = self.beat.q.val();
        self.digits_left.d.next = self.digits_left.q.val();
        if self.advance.val() {
            self.beat.d.next = self.beat.q.val() >> 16;
            self.digits_left.d.next = self.digits_left.q.val() - 1;
        }
        if self.load.val() {
            self.beat.d.next = self.s_tdata.val();
            self.digits_left.d.next = self.digits_per_beat.val();
        }

        // Issue: a read of the digit's base, tagged with its bucket and sign.
        self.rq_valid.next = self.useful.val();
        self.rq_addr.next = self.index.val().get_bits::<BASE_ADDR_BITS>(0);
        self.rq_tag.next = bit_cast::<BASE_TAG_BITS, 15>(self.magnitude.val() - 1);
        if self.digit.val().get_bit(15) {
            self.rq_tag.next = self.rq_tag.val() | (bits::<BASE_TAG_BITS>(1) << 12);
        }

        // Response: −(x, y) = (x, p − y), and −(x, 0) = (x, 0); buffered with its bucket.
        self.rs_negate.next = self.rs_tag.val().get_bit(12);
        self.rs_bucket.next = self.rs_tag.val().get_bits::<BUCKET_BITS>(0);
        self.y.next = self.rs_data.val().get_bits::<FQ_WORD_BITS>(384);
        self.y_out.next = self.y.val();
        if self.rs_negate.val() & self.y.val().any() {
            self.y_out.next = self.modulus.val() - self.y.val();
        }
        self.fetched.push.next = self.rs_valid.val();
        self.fetched.data_in.next =
            bit_cast::<FETCHED, FQ_WORD_BITS>(self.rs_data.val().get_bits::<FQ_WORD_BITS>(0))
                | (bit_cast::<FETCHED, FQ_WORD_BITS>(self.y_out.val()) << 384)
                | (bit_cast::<FETCHED, BUCKET_BITS>(self.rs_bucket.val()) << 768);

        // Output: the buffer head to the engine.
        self.out_valid.next = self.fetched.head_valid.val();
        self.out_point.next = self.fetched.head.val().get_bits::<768>(0);
        self.out_bucket.next = self.fetched.head.val().get_bits::<BUCKET_BITS>(768);
        self.pop.next = self.fetched.head_valid.val() & self.out_ready.val();
        self.fetched.pop.next = self.pop.val();

        self.outstanding.d.next = self.outstanding.q.val();
        if self.useful.val() & (!self.pop.val()) {
            self.outstanding.d.next = self.outstanding.q.val() + 1;
        }
        if self.pop.val() & (!self.useful.val()) {
            self.outstanding.d.next = self.outstanding.q.val() - 1;
        }
        self.busy.next = self.have_digit.val() | self.outstanding.q.val().any();

        if self.reset.val() {
            self.digits_left.d.next = 0.into();
            self.outstanding.d.next = 0.into();
        }
    }
}
