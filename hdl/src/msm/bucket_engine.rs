//! Bucket accumulation for Pippenger's method: bucket memory, the point adder, and the
//! scheduler that keeps the adder busy.
//!
//! Each accepted input `(bucket b, affine point P)` becomes `bucket[b] += P`. The adder
//! is pipelined (one addition per cycle, latency L), so a bucket whose previous
//! addition is still in flight cannot be read. The scheduler:
//! * tracks in-flight buckets in a bit vector (`busy`: set at issue, cleared at write
//!   back), so at most one addition per bucket is ever in flight — no lost update;
//! * each cycle issues the new input if its bucket is free, otherwise the conflict
//!   queue's head if *its* bucket is free; an input that cannot issue goes into the
//!   queue; a head whose bucket is busy is rotated to the tail when the queue's write
//!   port is free, so entries behind it are not held up (no head-of-line blocking);
//!   the input stalls only when it cannot issue and the queue is full.
//!
//! Deadlock is impossible: a queued addition waits only for an addition already in
//! the adder, which completes within L cycles, and rotation brings every entry to the
//! head within one pass of the queue. Adversarial scalars (all digits equal)
//! serialise on one bucket — correct, at one addition per L cycles.
//!
//! Empty buckets are tracked in `filled` (cleared by `clear`), so the memory needs no
//! initialisation; an empty bucket enters the adder as the identity (0 : 1 : 0).
//! After `reset`, results of additions issued before it are ignored (the adder has no
//! reset), and the engine reports busy until they have drained.

use super::conflict_queue::ConflictQueue;
use super::point_adder_core::PointAdderCore;
use crate::spec::field::{FieldId, FieldSpec};
use crate::spec::field::{AFFINE_POINT_BITS, PROJECTIVE_POINT_BITS};
use crate::spec::msm::{BUCKETS, BUCKET_BITS, QUEUE_BITS};
use num_bigint::BigUint;
use rust_hdl::prelude::*;

/// Queue entry: `{bucket, y, x}`.
pub const QUEUE_WORD_BITS: usize = AFFINE_POINT_BITS + BUCKET_BITS;
type QueueWord = Bits<QUEUE_WORD_BITS>;
type Bucket = Bits<BUCKET_BITS>;

/// `STUB_ADDER`: the point adder's stand-in (see [`PointAdderCore`]), for testing the
/// engine alone; the card uses `BucketEngine<false>`.
#[derive(LogicBlock)]
pub struct BucketEngine<const STUB_ADDER: bool> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Empty every bucket (only while idle).
    pub clear: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub in_bucket: Signal<In, Bucket>,
    /// `{y, x}` affine, Montgomery form.
    pub in_point: Signal<In, Bits<AFFINE_POINT_BITS>>,
    /// The input is taken this cycle (depends on `in_valid` and `in_bucket`).
    pub in_ready: Signal<Out, Bit>,
    /// Readout: while high, `rd_point` shows bucket `rd_bucket` one cycle later.
    pub rd_enable: Signal<In, Bit>,
    pub rd_bucket: Signal<In, Bucket>,
    /// `{Z, Y, X}`; the identity for an empty bucket.
    pub rd_point: Signal<Out, Bits<PROJECTIVE_POINT_BITS>>,
    /// Nothing queued or in flight.
    pub idle: Signal<Out, Bit>,
    /// One pulse per addition issued.
    pub issued: Signal<Out, Bit>,

    queue: ConflictQueue<QueueWord, QUEUE_BITS, { QUEUE_BITS + 1 }>,
    buckets: RAM<Bits<PROJECTIVE_POINT_BITS>, BUCKET_BITS>,
    adder: PointAdderCore<BUCKET_BITS, STUB_ADDER>,
    busy: DFF<Bits<BUCKETS>>,
    filled: DFF<Bits<BUCKETS>>,
    stage_valid: DFF<Bit>,
    stage_bucket: DFF<Bucket>,
    stage_point: DFF<Bits<AFFINE_POINT_BITS>>,
    /// The staged bucket's filled bit, looked up after the stage register.
    stage_filled: Signal<Local, Bit>,
    /// Cycles left until additions issued before a reset have left the adder.
    drain: DFF<Bits<8>>,
    adder_latency: Constant<Bits<8>>,
    identity: Constant<Bits<PROJECTIVE_POINT_BITS>>,
    point_mask: Constant<QueueWord>,
    head_bucket: Signal<Local, Bucket>,
    head_ok: Signal<Local, Bit>,
    head_busy: Signal<Local, Bit>,
    head_blocked: Signal<Local, Bit>,
    in_blocked: Signal<Local, Bit>,
    issue_head: Signal<Local, Bit>,
    rotate: Signal<Local, Bit>,
    in_ok: Signal<Local, Bit>,
    take_input: Signal<Local, Bit>,
    push: Signal<Local, Bit>,
    issue: Signal<Local, Bit>,
    issue_bucket: Signal<Local, Bucket>,
    issue_point: Signal<Local, Bits<AFFINE_POINT_BITS>>,
    read_bucket: Signal<Local, Bucket>,
    writeback: Signal<Local, Bit>,
    busy_set: Signal<Local, Bits<BUCKETS>>,
}

/// The identity (0 : 1 : 0) as `{Z, Y, X}` with 1 in Montgomery form (R mod p).
pub fn identity_word() -> BigUint {
    let f = FieldSpec::get(FieldId::Fq);
    (f.radix() % &f.modulus) << 384
}

impl<const STUB_ADDER: bool> Default for BucketEngine<STUB_ADDER> {
    fn default() -> Self {
        let latency = PointAdderCore::<BUCKET_BITS, STUB_ADDER>::latency();
        assert!(latency < 256, "drain counter width");
        let mask: BigUint = (BigUint::from(1u8) << AFFINE_POINT_BITS) - 1u8;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            clear: Default::default(),
            in_valid: Default::default(),
            in_bucket: Default::default(),
            in_point: Default::default(),
            in_ready: Default::default(),
            rd_enable: Default::default(),
            rd_bucket: Default::default(),
            rd_point: Default::default(),
            idle: Default::default(),
            issued: Default::default(),
            queue: Default::default(),
            buckets: Default::default(),
            adder: Default::default(),
            busy: Default::default(),
            filled: Default::default(),
            stage_valid: Default::default(),
            stage_bucket: Default::default(),
            stage_point: Default::default(),
            stage_filled: Default::default(),
            drain: Default::default(),
            adder_latency: Constant::new((latency as u64 + 2).into()),
            identity: Constant::new(identity_word().into()),
            point_mask: Constant::new(mask.into()),
            head_bucket: Default::default(),
            head_ok: Default::default(),
            head_busy: Default::default(),
            head_blocked: Default::default(),
            in_blocked: Default::default(),
            issue_head: Default::default(),
            rotate: Default::default(),
            in_ok: Default::default(),
            take_input: Default::default(),
            push: Default::default(),
            issue: Default::default(),
            issue_bucket: Default::default(),
            issue_point: Default::default(),
            read_bucket: Default::default(),
            writeback: Default::default(),
            busy_set: Default::default(),
        }
    }
}

impl<const STUB_ADDER: bool> Logic for BucketEngine<STUB_ADDER> {
    #[hdl_gen]
    fn update(&mut self) {
        self.queue.clock.next = self.clock.val();
        self.queue.reset.next = self.reset.val();
        self.buckets.read_clock.next = self.clock.val();
        self.buckets.write_clock.next = self.clock.val();
        self.adder.clock.next = self.clock.val();
        self.busy.clock.next = self.clock.val();
        self.filled.clock.next = self.clock.val();
        self.stage_valid.clock.next = self.clock.val();
        self.stage_bucket.clock.next = self.clock.val();
        self.stage_point.clock.next = self.clock.val();
        self.drain.clock.next = self.clock.val();

        // Scheduling. At most one addition issues and one queue write happens per cycle.
        // * input free: it issues; a blocked head meanwhile rotates to the tail (so it
        //   does not hold up the entries behind it).
        // * input blocked: the head issues if free (the input takes its place in the
        //   queue); otherwise the input joins the queue if there is room, and if there
        //   is not, the blocked head rotates and the input waits.
        // * no input: the head issues if free, else rotates.
        self.head_bucket.next = self.queue.head.val().get_bits::<BUCKET_BITS>(768);
        self.head_busy.next = self.busy.q.val().get_bit(self.head_bucket.val().index());
        self.head_ok.next = self.queue.head_valid.val() & (!self.head_busy.val());
        self.head_blocked.next = self.queue.head_valid.val() & self.head_busy.val();
        self.in_ok.next =
            self.in_valid.val() & (!self.busy.q.val().get_bit(self.in_bucket.val().index()));
        self.in_blocked.next = self.in_valid.val() & (!self.in_ok.val());
        self.take_input.next = self.in_ok.val();
        self.issue_head.next = (!self.in_ok.val()) & self.head_ok.val();
        self.rotate.next =
            self.head_blocked.val() & ((!self.in_blocked.val()) | self.queue.full.val());
        self.push.next = (self.in_blocked.val() & (!self.rotate.val()))
            & ((!self.queue.full.val()) | self.issue_head.val());
        self.in_ready.next = self.take_input.val() | self.push.val();
        self.queue.pop.next = self.issue_head.val() | self.rotate.val();
        self.queue.push.next = self.push.val() | self.rotate.val();
        self.queue.data_in.next =
            bit_cast::<QUEUE_WORD_BITS, AFFINE_POINT_BITS>(self.in_point.val())
                | (bit_cast::<QUEUE_WORD_BITS, BUCKET_BITS>(self.in_bucket.val()) << 768);
        if self.rotate.val() {
            self.queue.data_in.next = self.queue.head.val();
        }
        self.issue.next = self.issue_head.val() | self.take_input.val();
        self.issue_bucket.next = self.in_bucket.val();
        self.issue_point.next = self.in_point.val();
        if self.issue_head.val() {
            self.issue_bucket.next = self.head_bucket.val();
            self.issue_point.next = bit_cast::<AFFINE_POINT_BITS, QUEUE_WORD_BITS>(
                self.queue.head.val() & self.point_mask.val(),
            );
        }
        self.issued.next = self.issue.val();

        // Issue stage: read the bucket (or the readout address) from memory.
        self.read_bucket.next = self.issue_bucket.val();
        if self.rd_enable.val() {
            self.read_bucket.next = self.rd_bucket.val();
        }
        self.buckets.read_address.next = self.read_bucket.val();
        self.stage_valid.d.next = self.issue.val();
        self.stage_bucket.d.next = self.read_bucket.val();
        self.stage_point.d.next = self.issue_point.val();

        // Adder stage: bucket (or the identity if empty) + point. The filled bit is
        // looked up here, at the registered bucket, not beside the issue decision: the
        // 4096-way busy lookup, the issue decision, the read-address multiplexer and a
        // second 4096-way lookup were one path. It cannot have changed since issue: a
        // bucket's bit is set only by its own write back, and an issued bucket is busy
        // (no write back of it is in flight); `clear` comes only while idle.
        self.stage_filled.next = self
            .filled
            .q
            .val()
            .get_bit(self.stage_bucket.q.val().index());
        self.adder.p1.next = self.identity.val();
        if self.stage_filled.val() {
            self.adder.p1.next = self.buckets.read_data.val();
        }
        self.rd_point.next = self.identity.val();
        if self.stage_filled.val() {
            self.rd_point.next = self.buckets.read_data.val();
        }
        self.adder.p2.next = self.stage_point.q.val();
        self.adder.in_valid.next = self.stage_valid.q.val();
        self.adder.in_tag.next = self.stage_bucket.q.val();

        // Write back.
        self.writeback.next = self.adder.out_valid.val() & (!self.drain.q.val().any());
        self.buckets.write_enable.next = self.writeback.val();
        self.buckets.write_address.next = self.adder.out_tag.val();
        self.buckets.write_data.next = self.adder.sum.val();

        self.busy_set.next = self.busy.q.val();
        if self.issue.val() {
            self.busy_set.next = self
                .busy
                .q
                .val()
                .replace_bit(self.issue_bucket.val().index(), true);
        }
        self.busy.d.next = self.busy_set.val();
        if self.writeback.val() {
            self.busy.d.next = self
                .busy_set
                .val()
                .replace_bit(self.adder.out_tag.val().index(), false);
        }
        self.filled.d.next = self.filled.q.val();
        if self.writeback.val() {
            self.filled.d.next = self
                .filled
                .q
                .val()
                .replace_bit(self.adder.out_tag.val().index(), true);
        }
        if self.clear.val() {
            self.filled.d.next = 0.into();
        }
        self.drain.d.next = self.drain.q.val();
        if self.drain.q.val().any() {
            self.drain.d.next = self.drain.q.val() - 1;
        }
        self.idle.next = (self.queue.empty.val() & (!self.busy.q.val().any()))
            & ((!self.stage_valid.q.val()) & (!self.drain.q.val().any()));

        if self.reset.val() {
            self.busy.d.next = 0.into();
            self.filled.d.next = 0.into();
            self.stage_valid.d.next = false;
            self.drain.d.next = self.adder_latency.val();
        }
    }
}
