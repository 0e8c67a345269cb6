//! The digit feeder: unpacks the 32 signed digits of each 512-bit beat, requests the
//! base point each non-zero digit refers to from card memory ([`super::base_memory`],
//! a read port with latency), negates it for a negative digit as it returns, and hands
//! `(bucket, ±base)` to the bucket engine — one digit per cycle.
//!
//! **Negation in two stages.** `p − y` is 384 bits wide: it is cut into four 96-bit
//! chunk subtractions (registered with their borrows, and beside them whether each chunk
//! of `y` equals `p`'s, i.e. the difference chunk is zero: a borrow passes through it),
//! then a borrow lookahead over those registered flags and per-chunk decrement, so no
//! carry chain in the feeder is longer than the arithmetic's and nothing but two LUTs
//! sits in front of one.
//! A response reaches the buffer two cycles after the memory returns it; it is counted
//! as in flight until then.
//!
//! **Latency tolerance.** Returning bases land in a response buffer of 2^FETCH_BITS
//! entries that the engine drains. A digit is issued only while the reads in flight
//! plus the entries waiting number fewer than the buffer holds, so a response always
//! has room (an entry the engine takes is counted free a cycle later); with the buffer
//! deeper than the memory latency plus those three cycles, reads stream at one per
//! cycle and an engine stall only stops the issue once the buffer is full.
//!
//! **Zero digits cost half a cycle.** A zero digit followed by another digit in the
//! beat is consumed together with it in one cycle (the second one is issued), so a
//! stream up to half zeros (real witnesses' narrow scalars leave many zero digits in
//! the live windows) still delivers one addition per cycle.
//!
//! A digit applies to base `index` (the MSM unit's index register, which steps per
//! digit consumed by `MSM_DIGITS_PER_BASE`); `index_next` is where it stands after one
//! more digit, the base of the second digit of a pair. `consume` pulses for each cycle
//! that consumes digits, `consume_two` when it consumed two. A digit whose magnitude
//! exceeds the bucket count, or whose base index is beyond the card memory, is dropped
//! with an error pulse (the host checks the sticky status bits), never added.

use super::conflict_queue::ConflictQueue;
use crate::card::data_port::Beat;
use crate::spec::field::AFFINE_POINT_BITS;
use crate::spec::field::{FieldId, FieldSpec, FQ_WORD_BITS};
use crate::spec::msm::{
    BASE_ADDR_BITS, BASE_TAG_BITS, BUCKETS, BUCKET_BITS, DIGITS_PER_BEAT, FETCH_BITS,
};
use rust_hdl::prelude::*;

type Word = Bits<FQ_WORD_BITS>;
/// A buffered response: `{bucket, y, x}`.
const FETCHED: usize = AFFINE_POINT_BITS + BUCKET_BITS;

#[derive(LogicBlock)]
pub struct DigitFeeder {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub s_tdata: Signal<In, Beat>,
    pub s_tvalid: Signal<In, Bit>,
    pub s_tready: Signal<Out, Bit>,
    /// Base index of the current digit (the MSM unit's index register).
    pub index: Signal<In, Bits<32>>,
    /// Base index of the digit after it.
    pub index_next: Signal<In, Bits<32>>,
    /// `index` and `index_next` are beyond the card memory (`≥ BASE_CAPACITY`), tested
    /// by the MSM unit on its registers (a zero test of their high bits) so that no
    /// wide test follows the choice between them on the way to the fetch decision.
    pub index_over: Signal<In, Bit>,
    pub index_next_over: Signal<In, Bit>,
    /// Take no digit this cycle (the MSM unit is recomputing the index after a write).
    pub hold: Signal<In, Bit>,
    /// Digits consumed this cycle: one, or two with `consume_two`.
    pub consume: Signal<Out, Bit>,
    pub consume_two: Signal<Out, Bit>,
    /// Base memory read requests (`tag` = `{negate, bucket}`) and responses `{y, x}`.
    pub rq_valid: Signal<Out, Bit>,
    pub rq_addr: Signal<Out, Bits<BASE_ADDR_BITS>>,
    pub rq_tag: Signal<Out, Bits<BASE_TAG_BITS>>,
    pub rs_valid: Signal<In, Bit>,
    pub rs_data: Signal<In, Bits<AFFINE_POINT_BITS>>,
    pub rs_tag: Signal<In, Bits<BASE_TAG_BITS>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_bucket: Signal<Out, Bits<BUCKET_BITS>>,
    pub out_point: Signal<Out, Bits<AFFINE_POINT_BITS>>,
    pub out_ready: Signal<In, Bit>,
    pub digit_range_error: Signal<Out, Bit>,
    pub base_range_error: Signal<Out, Bit>,
    /// Digits held or an addition waiting for the engine.
    pub busy: Signal<Out, Bit>,
    /// Digits held in the beat register (not all taken yet).
    pub holding: Signal<Out, Bit>,

    beat: DFF<Beat>,
    digits_left: DFF<Bits<6>>,
    fetched: ConflictQueue<Bits<FETCHED>, FETCH_BITS, { FETCH_BITS + 1 }>,
    /// Reads in flight plus responses waiting in `fetched`, a pop counted one cycle
    /// late (`popped`): the engine's ready, which decides the pop, comes from its
    /// in-flight lookup at the end of a cycle, and is not put in front of the
    /// counter's carry chain. Counting a freed entry a cycle late only ever
    /// undercounts the room (the buffer never overflows) and costs nothing while the
    /// buffer is deeper than the memory's latency plus three (the two negation stages
    /// and this cycle; see the module docs).
    outstanding: DFF<Bits<8>>,
    popped: DFF<Bit>,
    fetch_depth: Constant<Bits<8>>,
    buckets: Constant<Bits<15>>,
    digits_per_beat: Constant<Bits<6>>,
    digit: Signal<Local, Bits<16>>,
    /// The first digit is zero and another follows in the beat: take both.
    pair: Signal<Local, Bit>,
    digit_index: Signal<Local, Bits<32>>,
    magnitude: Signal<Local, Bits<15>>,
    have_digit: Signal<Local, Bit>,
    can_issue: Signal<Local, Bit>,
    pop: Signal<Local, Bit>,
    rs_negate: Signal<Local, Bit>,
    rs_bucket: Signal<Local, Bits<BUCKET_BITS>>,
    advance: Signal<Local, Bit>,
    digit_index_over: Signal<Local, Bit>,
    magnitude_over: Signal<Local, Bit>,
    /// The range test and the zero test of both digits the cycle may take, from the
    /// beat register, before the choice between them (not behind it).
    first_over: Signal<Local, Bit>,
    second_over: Signal<Local, Bit>,
    first_nonzero: Signal<Local, Bit>,
    second_nonzero: Signal<Local, Bit>,
    magnitude_nonzero: Signal<Local, Bit>,
    useful: Signal<Local, Bit>,
    load: Signal<Local, Bit>,
    y: Signal<Local, Word>,
    y_out: Signal<Local, Word>,
    /// The response, one stage later: `p − y` by 96-bit chunks (`p_k + 2^96 − y_k`,
    /// bit 96 clear when the chunk borrows), the point, its bucket, whether to negate.
    diff0: DFF<Chunk>,
    diff1: DFF<Chunk>,
    diff2: DFF<Chunk>,
    diff3: DFF<Chunk>,
    /// Chunks 1 and 2 of `y` equal `p`'s (their difference chunk is zero).
    y1_is_p: DFF<Bit>,
    y2_is_p: DFF<Bit>,
    p_chunk0: Constant<Chunk>,
    p_chunk1: Constant<Chunk>,
    p_chunk2: Constant<Chunk>,
    p_chunk3: Constant<Chunk>,
    x_r: DFF<Word>,
    y_r: DFF<Word>,
    negate_r: DFF<Bit>,
    bucket_r: DFF<Bits<BUCKET_BITS>>,
    valid_r: DFF<Bit>,
    /// Borrows into chunks 1..3 (lookahead over the chunks below).
    borrow1: Signal<Local, Bit>,
    borrow2: Signal<Local, Bit>,
    borrow3: Signal<Local, Bit>,
    /// Chunks 1..3 of `p − y` after their borrow.
    dec1: Signal<Local, Bits<96>>,
    dec2: Signal<Local, Bits<96>>,
    dec3: Signal<Local, Bits<96>>,
    negated: Signal<Local, Word>,
}

/// A 96-bit chunk of `p − y` with its borrow flag (bit 96 set: no borrow).
type Chunk = Bits<97>;
/// Bits per chunk of the negation's subtraction: one carry chain of 24 CARRY4 (or 12
/// CARRY8), the same bound as the arithmetic's (`arith::pipelined_sum::CARRY_CHAIN_BITS`).
const NEG_CHUNK_BITS: usize = 96;

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
            index_next: Default::default(),
            index_over: Default::default(),
            index_next_over: Default::default(),
            hold: Default::default(),
            consume: Default::default(),
            consume_two: Default::default(),
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
            holding: Default::default(),
            beat: Default::default(),
            digits_left: Default::default(),
            fetched: Default::default(),
            outstanding: Default::default(),
            popped: Default::default(),
            fetch_depth: Constant::new(((1u64 << FETCH_BITS) as u64).into()),
            buckets: Constant::new((BUCKETS as u64).into()),
            digits_per_beat: Constant::new((DIGITS_PER_BEAT as u64).into()),
            digit: Default::default(),
            pair: Default::default(),
            digit_index: Default::default(),
            magnitude: Default::default(),
            have_digit: Default::default(),
            can_issue: Default::default(),
            pop: Default::default(),
            rs_negate: Default::default(),
            rs_bucket: Default::default(),
            advance: Default::default(),
            digit_index_over: Default::default(),
            magnitude_over: Default::default(),
            first_over: Default::default(),
            second_over: Default::default(),
            first_nonzero: Default::default(),
            second_nonzero: Default::default(),
            magnitude_nonzero: Default::default(),
            useful: Default::default(),
            load: Default::default(),
            y: Default::default(),
            y_out: Default::default(),
            diff0: Default::default(),
            diff1: Default::default(),
            diff2: Default::default(),
            diff3: Default::default(),
            y1_is_p: Default::default(),
            y2_is_p: Default::default(),
            p_chunk0: Constant::new(p_chunk(&f.modulus, 0)),
            p_chunk1: Constant::new(p_chunk(&f.modulus, 1)),
            p_chunk2: Constant::new(p_chunk(&f.modulus, 2)),
            p_chunk3: Constant::new(p_chunk(&f.modulus, 3)),
            x_r: Default::default(),
            y_r: Default::default(),
            negate_r: Default::default(),
            bucket_r: Default::default(),
            valid_r: Default::default(),
            borrow1: Default::default(),
            borrow2: Default::default(),
            borrow3: Default::default(),
            dec1: Default::default(),
            dec2: Default::default(),
            dec3: Default::default(),
            negated: Default::default(),
        }
    }
}

/// Chunk `k` of the modulus plus 2^96 (so that `p_k + 2^96 − y_k` never wraps).
fn p_chunk(p: &num_bigint::BigUint, k: usize) -> Chunk {
    assert_eq!(4 * NEG_CHUNK_BITS, FQ_WORD_BITS);
    let mask = (num_bigint::BigUint::from(1u32) << NEG_CHUNK_BITS) - 1u32;
    let v =
        ((p >> (k * NEG_CHUNK_BITS)) & mask) + (num_bigint::BigUint::from(1u32) << NEG_CHUNK_BITS);
    v.into()
}

impl Logic for DigitFeeder {
    #[hdl_gen]
    fn update(&mut self) {
        self.beat.clock.next = self.clock.val();
        self.digits_left.clock.next = self.clock.val();
        self.fetched.clock.next = self.clock.val();
        self.fetched.reset.next = self.reset.val();
        self.outstanding.clock.next = self.clock.val();
        self.popped.clock.next = self.clock.val();

        self.have_digit.next = self.digits_left.q.val().any();
        self.pair.next =
            (!self.beat.q.val().get_bits::<15>(0).any()) & (self.digits_left.q.val() > 1);
        self.digit.next = self.beat.q.val().get_bits::<16>(0);
        self.digit_index.next = self.index.val();
        self.digit_index_over.next = self.index_over.val();
        if self.pair.val() {
            self.digit.next = self.beat.q.val().get_bits::<16>(16);
            self.digit_index.next = self.index_next.val();
            self.digit_index_over.next = self.index_next_over.val();
        }
        self.magnitude.next = self.digit.val().get_bits::<15>(0);
        self.can_issue.next = self.outstanding.q.val() < self.fetch_depth.val();
        self.advance.next = (self.have_digit.val() & self.can_issue.val()) & (!self.hold.val());
        self.first_over.next = self.beat.q.val().get_bits::<15>(0) > self.buckets.val();
        self.second_over.next = self.beat.q.val().get_bits::<15>(16) > self.buckets.val();
        self.first_nonzero.next = self.beat.q.val().get_bits::<15>(0).any();
        self.second_nonzero.next = self.beat.q.val().get_bits::<15>(16).any();
        self.magnitude_over.next = self.first_over.val();
        self.magnitude_nonzero.next = self.first_nonzero.val();
        if self.pair.val() {
            self.magnitude_over.next = self.second_over.val();
            self.magnitude_nonzero.next = self.second_nonzero.val();
        }
        self.useful.next = ((self.advance.val() & self.magnitude_nonzero.val())
            & (!self.magnitude_over.val()))
            & (!self.digit_index_over.val());
        self.consume.next = self.advance.val();
        self.consume_two.next = self.advance.val() & self.pair.val();
        self.digit_range_error.next = self.advance.val() & self.magnitude_over.val();
        self.base_range_error.next = (self.advance.val() & self.magnitude_nonzero.val())
            & ((!self.magnitude_over.val()) & self.digit_index_over.val());

        // Beat register: the next beat may enter as the last digit (or pair) leaves.
        self.s_tready.next = (!self.have_digit.val())
            | (((self.digits_left.q.val() == 1)
                | ((self.digits_left.q.val() == 2) & self.pair.val()))
                & self.advance.val());
        self.load.next = self.s_tvalid.val() & self.s_tready.val();
        self.beat.d.next = self.beat.q.val();
        self.digits_left.d.next = self.digits_left.q.val();
        if self.advance.val() {
            self.beat.d.next = self.beat.q.val() >> 16;
            self.digits_left.d.next = self.digits_left.q.val() - 1;
            if self.pair.val() {
                self.beat.d.next = self.beat.q.val() >> 32;
                self.digits_left.d.next = self.digits_left.q.val() - 2;
            }
        }
        if self.load.val() {
            self.beat.d.next = self.s_tdata.val();
            self.digits_left.d.next = self.digits_per_beat.val();
        }

        // Issue: a read of the digit's base, tagged with its bucket and sign.
        self.rq_valid.next = self.useful.val();
        self.rq_addr.next = self.digit_index.val().get_bits::<BASE_ADDR_BITS>(0);
        self.rq_tag.next = bit_cast::<BASE_TAG_BITS, 15>(self.magnitude.val() - 1);
        if self.digit.val().get_bit(15) {
            self.rq_tag.next = self.rq_tag.val() | (bits::<BASE_TAG_BITS>(1) << 12);
        }

        // Response: −(x, y) = (x, p − y), and −(x, 0) = (x, 0); buffered with its bucket.
        // Stage 1: the four chunk differences p_k + 2^96 − y_k, registered with the rest.
        self.diff0.clock.next = self.clock.val();
        self.diff1.clock.next = self.clock.val();
        self.diff2.clock.next = self.clock.val();
        self.diff3.clock.next = self.clock.val();
        self.y1_is_p.clock.next = self.clock.val();
        self.y2_is_p.clock.next = self.clock.val();
        self.x_r.clock.next = self.clock.val();
        self.y_r.clock.next = self.clock.val();
        self.negate_r.clock.next = self.clock.val();
        self.bucket_r.clock.next = self.clock.val();
        self.valid_r.clock.next = self.clock.val();
        self.rs_negate.next = self.rs_tag.val().get_bit(12);
        self.rs_bucket.next = self.rs_tag.val().get_bits::<BUCKET_BITS>(0);
        self.y.next = self.rs_data.val().get_bits::<FQ_WORD_BITS>(384);
        self.diff0.d.next =
            self.p_chunk0.val() - bit_cast::<97, 96>(self.y.val().get_bits::<96>(0));
        self.diff1.d.next =
            self.p_chunk1.val() - bit_cast::<97, 96>(self.y.val().get_bits::<96>(96));
        self.diff2.d.next =
            self.p_chunk2.val() - bit_cast::<97, 96>(self.y.val().get_bits::<96>(192));
        self.diff3.d.next =
            self.p_chunk3.val() - bit_cast::<97, 96>(self.y.val().get_bits::<96>(288));
        self.y1_is_p.d.next =
            self.y.val().get_bits::<96>(96) == self.p_chunk1.val().get_bits::<96>(0);
        self.y2_is_p.d.next =
            self.y.val().get_bits::<96>(192) == self.p_chunk2.val().get_bits::<96>(0);
        self.x_r.d.next = self.rs_data.val().get_bits::<FQ_WORD_BITS>(0);
        self.y_r.d.next = self.y.val();
        self.negate_r.d.next = self.rs_negate.val() & self.y.val().any();
        self.bucket_r.d.next = self.rs_bucket.val();
        self.valid_r.d.next = self.rs_valid.val();
        // Stage 2: borrow lookahead over the chunks, then each chunk's decrement.
        self.borrow1.next = !self.diff0.q.val().get_bit(96);
        self.borrow2.next =
            (!self.diff1.q.val().get_bit(96)) | (self.borrow1.val() & self.y1_is_p.q.val());
        self.borrow3.next =
            (!self.diff2.q.val().get_bit(96)) | (self.borrow2.val() & self.y2_is_p.q.val());
        // Each chunk's decrement in a 96-bit signal of its own: inside the concatenation
        // the generated Verilog would size the subtraction to 384 bits, and a chunk
        // that wraps (0 − 1, when y's chunk equals p's and a borrow comes in) would set
        // every bit above it.
        self.dec1.next =
            self.diff1.q.val().get_bits::<96>(0) - bit_cast::<96, 1>(self.borrow1.val().into());
        self.dec2.next =
            self.diff2.q.val().get_bits::<96>(0) - bit_cast::<96, 1>(self.borrow2.val().into());
        self.dec3.next =
            self.diff3.q.val().get_bits::<96>(0) - bit_cast::<96, 1>(self.borrow3.val().into());
        self.negated.next = bit_cast::<FQ_WORD_BITS, 96>(self.diff0.q.val().get_bits::<96>(0))
            | (bit_cast::<FQ_WORD_BITS, 96>(self.dec1.val()) << 96)
            | (bit_cast::<FQ_WORD_BITS, 96>(self.dec2.val()) << 192)
            | (bit_cast::<FQ_WORD_BITS, 96>(self.dec3.val()) << 288);
        self.y_out.next = self.y_r.q.val();
        if self.negate_r.q.val() {
            self.y_out.next = self.negated.val();
        }
        self.fetched.push.next = self.valid_r.q.val();
        self.fetched.data_in.next = bit_cast::<FETCHED, FQ_WORD_BITS>(self.x_r.q.val())
            | (bit_cast::<FETCHED, FQ_WORD_BITS>(self.y_out.val()) << 384)
            | (bit_cast::<FETCHED, BUCKET_BITS>(self.bucket_r.q.val()) << 768);

        // Output: the buffer head to the engine.
        self.out_valid.next = self.fetched.head_valid.val();
        self.out_point.next = self.fetched.head.val().get_bits::<AFFINE_POINT_BITS>(0);
        self.out_bucket.next = self.fetched.head.val().get_bits::<BUCKET_BITS>(768);
        self.pop.next = self.fetched.head_valid.val() & self.out_ready.val();
        self.fetched.pop.next = self.pop.val();

        self.popped.d.next = self.pop.val();
        self.outstanding.d.next = self.outstanding.q.val();
        if self.useful.val() & (!self.popped.q.val()) {
            self.outstanding.d.next = self.outstanding.q.val() + 1;
        }
        if self.popped.q.val() & (!self.useful.val()) {
            self.outstanding.d.next = self.outstanding.q.val() - 1;
        }
        self.busy.next = self.have_digit.val() | self.outstanding.q.val().any();
        self.holding.next = self.have_digit.val();

        if self.reset.val() {
            self.digits_left.d.next = 0.into();
            self.outstanding.d.next = 0.into();
            self.popped.d.next = false;
            self.valid_r.d.next = false;
        }
    }
}
