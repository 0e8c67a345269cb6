//! The digit feeder: unpacks the 32 signed digits of each 512-bit beat, fetches the
//! base point each non-zero digit refers to from card memory, negates it for a
//! negative digit, and hands `(bucket, ±base)` to the bucket engine — one digit per
//! cycle, holding its place while the engine stalls.
//!
//! Digit `k` (in stream order) applies to base `index`, where the MSM unit's index
//! register advances on every `consume` pulse. A digit whose magnitude exceeds the
//! bucket count, or whose base index is beyond the card memory, is dropped with an
//! error pulse (the host checks the sticky status bits), never added.

use crate::card::data_port::Beat;
use crate::spec::field::{FieldId, FieldSpec, FQ_WORD_BITS};
use crate::spec::msm::{BASE_ADDR_BITS, BASE_CAPACITY, BUCKETS, BUCKET_BITS, DIGITS_PER_BEAT};
use rust_hdl::prelude::*;

type Word = Bits<FQ_WORD_BITS>;

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
    /// Base memory read port (one cycle latency): `{y, x}`.
    pub mem_addr: Signal<Out, Bits<BASE_ADDR_BITS>>,
    pub mem_data: Signal<In, Bits<768>>,
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
    s1_valid: DFF<Bit>,
    s1_bucket: DFF<Bits<BUCKET_BITS>>,
    s1_negate: DFF<Bit>,
    s1_addr: DFF<Bits<BASE_ADDR_BITS>>,
    modulus: Constant<Word>,
    buckets: Constant<Bits<15>>,
    capacity: Constant<Bits<32>>,
    digits_per_beat: Constant<Bits<6>>,
    digit: Signal<Local, Bits<16>>,
    magnitude: Signal<Local, Bits<15>>,
    have_digit: Signal<Local, Bit>,
    s1_free: Signal<Local, Bit>,
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
            mem_addr: Default::default(),
            mem_data: Default::default(),
            out_valid: Default::default(),
            out_bucket: Default::default(),
            out_point: Default::default(),
            out_ready: Default::default(),
            digit_range_error: Default::default(),
            base_range_error: Default::default(),
            busy: Default::default(),
            beat: Default::default(),
            digits_left: Default::default(),
            s1_valid: Default::default(),
            s1_bucket: Default::default(),
            s1_negate: Default::default(),
            s1_addr: Default::default(),
            modulus: Constant::new(f.modulus.into()),
            buckets: Constant::new((BUCKETS as u64).into()),
            capacity: Constant::new((BASE_CAPACITY as u64).into()),
            digits_per_beat: Constant::new((DIGITS_PER_BEAT as u64).into()),
            digit: Default::default(),
            magnitude: Default::default(),
            have_digit: Default::default(),
            s1_free: Default::default(),
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
        self.s1_valid.clock.next = self.clock.val();
        self.s1_bucket.clock.next = self.clock.val();
        self.s1_negate.clock.next = self.clock.val();
        self.s1_addr.clock.next = self.clock.val();

        self.digit.next = self.beat.q.val().get_bits::<16>(0);
        self.magnitude.next = self.digit.val().get_bits::<15>(0);
        self.have_digit.next = self.digits_left.q.val().any();
        self.s1_free.next = (!self.s1_valid.q.val()) | self.out_ready.val();
        self.advance.next = self.have_digit.val() & self.s1_free.val();
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

        // Stage 1: the base is being read; hold the address while the engine stalls.
        self.s1_valid.d.next = self.s1_valid.q.val();
        self.s1_bucket.d.next = self.s1_bucket.q.val();
        self.s1_negate.d.next = self.s1_negate.q.val();
        self.s1_addr.d.next = self.s1_addr.q.val();
        self.mem_addr.next = self.s1_addr.q.val();
        if self.s1_free.val() {
            self.s1_valid.d.next = self.useful.val();
            self.s1_bucket.d.next = bit_cast::<BUCKET_BITS, 15>(self.magnitude.val() - 1);
            self.s1_negate.d.next = self.digit.val().get_bit(15);
            self.s1_addr.d.next = self.index.val().get_bits::<BASE_ADDR_BITS>(0);
            self.mem_addr.next = self.index.val().get_bits::<BASE_ADDR_BITS>(0);
        }

        // Stage 2: present (bucket, ±base) to the engine. −(x, y) = (x, p − y), and
        // −(x, 0) = (x, 0).
        self.y.next = self.mem_data.val().get_bits::<FQ_WORD_BITS>(384);
        self.y_out.next = self.y.val();
        if self.s1_negate.q.val() & self.y.val().any() {
            self.y_out.next = self.modulus.val() - self.y.val();
        }
        self.out_valid.next = self.s1_valid.q.val();
        self.out_bucket.next = self.s1_bucket.q.val();
        self.out_point.next =
            bit_cast::<768, FQ_WORD_BITS>(self.mem_data.val().get_bits::<FQ_WORD_BITS>(0))
                | (bit_cast::<768, FQ_WORD_BITS>(self.y_out.val()) << 384);
        self.busy.next = self.have_digit.val() | self.s1_valid.q.val();

        if self.reset.val() {
            self.digits_left.d.next = 0.into();
            self.s1_valid.d.next = false;
        }
    }
}
