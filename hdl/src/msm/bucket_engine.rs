//! Bucket accumulation for Pippenger's method: bucket memory, the point adder, and the
//! scheduler that keeps the adder busy.
//!
//! Each accepted input `(bucket b, affine point P)` becomes `bucket[b] += P`. The adder
//! is pipelined (one addition per cycle, latency L), so a bucket whose previous
//! addition is still in flight cannot be read. The scheduler:
//! * tracks in-flight buckets in a bit vector (`busy`: set one cycle after issue, from
//!   the registered issue; cleared at write back), so at most one addition per bucket
//!   is ever in flight — no lost update;
//! * chooses among two registered candidates: the *input slot* (the last input taken)
//!   and the *head slot* (the conflict queue's head, moved out of the queue's RAM).
//!   Each slot's busy bit is looked up in `busy` as the slot is loaded (or, while it
//!   is held, refreshed every cycle), so the 4096-way lookup and the issue decision
//!   are in different cycles. The lookup cannot see the buckets issued in its own
//!   cycle and the one before (their bits are not set yet); those two are compared
//!   with the slot's bucket (12-bit compares) when it is judged; a write back in the
//!   lookup's cycle (its clear not yet in `busy`) is compared with the bucket beside
//!   the lookup. So a slot is judged on exactly the busy bits the lookup beside the
//!   decision would see.
//! * each cycle issues the input slot if its bucket is free, otherwise the head slot
//!   if *its* bucket is free; a blocked input goes into the queue; a blocked head is
//!   rotated to the queue's tail when the write port is free and another entry is
//!   waiting, so entries behind it are not held up (no head-of-line blocking); the
//!   input stalls only when its slot cannot issue and the queue is full.
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
    /// An input offered this cycle is taken (into the input slot); does not depend on
    /// `in_valid` or `in_bucket`.
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
    /// The input slot: the last input taken, with its bucket's busy bit as looked up
    /// when it was loaded (or refreshed while held).
    input_valid: DFF<Bit>,
    input_bucket: DFF<Bucket>,
    input_point: DFF<Bits<AFFINE_POINT_BITS>>,
    input_busy: DFF<Bit>,
    /// The head slot: the conflict queue's head, out of the queue, with its busy bit.
    head_valid: DFF<Bit>,
    head_word: DFF<QueueWord>,
    head_busy: DFF<Bit>,
    /// The issue of the cycle before (the stage register) and of the one before that:
    /// the buckets whose busy bits a slot's lookup could not see.
    stage_valid: DFF<Bit>,
    stage_bucket: DFF<Bucket>,
    stage_point: DFF<Bits<AFFINE_POINT_BITS>>,
    earlier_valid: DFF<Bit>,
    earlier_bucket: DFF<Bucket>,
    /// The staged bucket's filled bit, looked up after the stage register.
    stage_filled: Signal<Local, Bit>,
    /// Cycles left until additions issued before a reset have left the adder.
    drain: DFF<Bits<8>>,
    adder_latency: Constant<Bits<8>>,
    identity: Constant<Bits<PROJECTIVE_POINT_BITS>>,
    point_mask: Constant<QueueWord>,
    head_bucket: Signal<Local, Bucket>,
    queue_head_bucket: Signal<Local, Bucket>,
    input_conflict: Signal<Local, Bit>,
    head_conflict: Signal<Local, Bit>,
    input_ok: Signal<Local, Bit>,
    input_blocked: Signal<Local, Bit>,
    head_ok: Signal<Local, Bit>,
    head_blocked: Signal<Local, Bit>,
    issue_input: Signal<Local, Bit>,
    issue_head: Signal<Local, Bit>,
    rotate: Signal<Local, Bit>,
    head_leaves: Signal<Local, Bit>,
    load_head: Signal<Local, Bit>,
    push_input: Signal<Local, Bit>,
    input_leaves: Signal<Local, Bit>,
    load_input: Signal<Local, Bit>,
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
            input_valid: Default::default(),
            input_bucket: Default::default(),
            input_point: Default::default(),
            input_busy: Default::default(),
            head_valid: Default::default(),
            head_word: Default::default(),
            head_busy: Default::default(),
            stage_valid: Default::default(),
            stage_bucket: Default::default(),
            stage_point: Default::default(),
            earlier_valid: Default::default(),
            earlier_bucket: Default::default(),
            stage_filled: Default::default(),
            drain: Default::default(),
            adder_latency: Constant::new((latency as u64 + 2).into()),
            identity: Constant::new(identity_word().into()),
            point_mask: Constant::new(mask.into()),
            head_bucket: Default::default(),
            queue_head_bucket: Default::default(),
            input_conflict: Default::default(),
            head_conflict: Default::default(),
            input_ok: Default::default(),
            input_blocked: Default::default(),
            head_ok: Default::default(),
            head_blocked: Default::default(),
            issue_input: Default::default(),
            issue_head: Default::default(),
            rotate: Default::default(),
            head_leaves: Default::default(),
            load_head: Default::default(),
            push_input: Default::default(),
            input_leaves: Default::default(),
            load_input: Default::default(),
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
        self.earlier_valid.clock.next = self.clock.val();
        self.earlier_bucket.clock.next = self.clock.val();
        self.input_valid.clock.next = self.clock.val();
        self.input_bucket.clock.next = self.clock.val();
        self.input_point.clock.next = self.clock.val();
        self.input_busy.clock.next = self.clock.val();
        self.head_valid.clock.next = self.clock.val();
        self.head_word.clock.next = self.clock.val();
        self.head_busy.clock.next = self.clock.val();
        self.drain.clock.next = self.clock.val();

        // Scheduling, from the two slots' registered busy bits and two 12-bit compares
        // against the buckets issued in the last two cycles (set in `busy` only one
        // cycle after issue, so a lookup misses them). At most one addition issues and
        // one queue write happens per cycle.
        // * input free: it issues; a blocked head meanwhile rotates to the tail (so it
        //   does not hold up the entries behind it).
        // * input blocked: the head issues if free (the input takes its place in the
        //   queue); otherwise the input joins the queue if there is room, and if there
        //   is not, the blocked head rotates and the input waits.
        // * no input: the head issues if free, else rotates.
        // A blocked head rotates only if another entry waits in the queue; otherwise
        // it stays in its slot, its busy bit refreshed every cycle.
        self.writeback.next = self.adder.out_valid.val() & (!self.drain.q.val().any());
        self.head_bucket.next = self.head_word.q.val().get_bits::<BUCKET_BITS>(768);
        self.queue_head_bucket.next = self.queue.head.val().get_bits::<BUCKET_BITS>(768);
        self.input_conflict.next = (self.stage_valid.q.val()
            & (self.input_bucket.q.val() == self.stage_bucket.q.val()))
            | (self.earlier_valid.q.val()
                & (self.input_bucket.q.val() == self.earlier_bucket.q.val()));
        self.head_conflict.next = (self.stage_valid.q.val()
            & (self.head_bucket.val() == self.stage_bucket.q.val()))
            | (self.earlier_valid.q.val()
                & (self.head_bucket.val() == self.earlier_bucket.q.val()));
        self.input_ok.next =
            self.input_valid.q.val() & (!(self.input_busy.q.val() | self.input_conflict.val()));
        self.input_blocked.next = self.input_valid.q.val() & (!self.input_ok.val());
        self.head_ok.next =
            self.head_valid.q.val() & (!(self.head_busy.q.val() | self.head_conflict.val()));
        self.head_blocked.next = self.head_valid.q.val() & (!self.head_ok.val());
        self.issue_input.next = self.input_ok.val();
        self.issue_head.next = (!self.input_ok.val()) & self.head_ok.val();
        self.rotate.next = (self.head_blocked.val() & self.queue.head_valid.val())
            & ((!self.input_blocked.val()) | self.queue.full.val());
        self.head_leaves.next = self.issue_head.val() | self.rotate.val();
        self.load_head.next =
            self.queue.head_valid.val() & ((!self.head_valid.q.val()) | self.head_leaves.val());
        // A full queue takes the input only when its head moves to the slot this cycle.
        self.push_input.next = (self.input_blocked.val() & (!self.rotate.val()))
            & ((!self.queue.full.val()) | self.load_head.val());
        self.input_leaves.next = self.issue_input.val() | self.push_input.val();
        self.in_ready.next = (!self.input_valid.q.val()) | self.input_leaves.val();
        self.load_input.next = self.in_valid.val() & self.in_ready.val();

        self.queue.pop.next = self.load_head.val();
        self.queue.push.next = self.push_input.val() | self.rotate.val();
        self.queue.data_in.next =
            bit_cast::<QUEUE_WORD_BITS, AFFINE_POINT_BITS>(self.input_point.q.val())
                | (bit_cast::<QUEUE_WORD_BITS, BUCKET_BITS>(self.input_bucket.q.val()) << 768);
        if self.rotate.val() {
            self.queue.data_in.next = self.head_word.q.val();
        }

        // The slots: loaded (busy bit looked up at the new bucket) or held (looked up
        // again at its own bucket); both lookups run beside the decision, which only
        // selects between them. A write back this cycle clears the bit the lookup still
        // sees (a 12-bit compare beside it), so a freed bucket issues the next cycle, as
        // it would with the lookup beside the decision.
        self.input_valid.d.next =
            self.load_input.val() | (self.input_valid.q.val() & (!self.input_leaves.val()));
        self.input_bucket.d.next = self.input_bucket.q.val();
        self.input_point.d.next = self.input_point.q.val();
        self.input_busy.d.next = self.busy.q.val().get_bit(self.input_bucket.q.val().index())
            & (!(self.writeback.val() & (self.adder.out_tag.val() == self.input_bucket.q.val())));
        if self.load_input.val() {
            self.input_bucket.d.next = self.in_bucket.val();
            self.input_point.d.next = self.in_point.val();
            self.input_busy.d.next = self.busy.q.val().get_bit(self.in_bucket.val().index())
                & (!(self.writeback.val() & (self.adder.out_tag.val() == self.in_bucket.val())));
        }
        self.head_valid.d.next =
            self.load_head.val() | (self.head_valid.q.val() & (!self.head_leaves.val()));
        self.head_word.d.next = self.head_word.q.val();
        self.head_busy.d.next = self.busy.q.val().get_bit(self.head_bucket.val().index())
            & (!(self.writeback.val() & (self.adder.out_tag.val() == self.head_bucket.val())));
        if self.load_head.val() {
            self.head_word.d.next = self.queue.head.val();
            self.head_busy.d.next = self
                .busy
                .q
                .val()
                .get_bit(self.queue_head_bucket.val().index())
                & (!(self.writeback.val()
                    & (self.adder.out_tag.val() == self.queue_head_bucket.val())));
        }

        self.issue.next = self.issue_head.val() | self.issue_input.val();
        self.issue_bucket.next = self.input_bucket.q.val();
        self.issue_point.next = self.input_point.q.val();
        if self.issue_head.val() {
            self.issue_bucket.next = self.head_bucket.val();
            self.issue_point.next = bit_cast::<AFFINE_POINT_BITS, QUEUE_WORD_BITS>(
                self.head_word.q.val() & self.point_mask.val(),
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
        self.buckets.write_enable.next = self.writeback.val();
        self.buckets.write_address.next = self.adder.out_tag.val();
        self.buckets.write_data.next = self.adder.sum.val();

        // The busy bit is set from the stage register (the issue of the cycle before),
        // not from the issue decision: the decision, the issued bucket's multiplexer
        // and a 4096-way decode would be one path.
        self.busy_set.next = self.busy.q.val();
        if self.stage_valid.q.val() {
            self.busy_set.next = self
                .busy
                .q
                .val()
                .replace_bit(self.stage_bucket.q.val().index(), true);
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
        self.earlier_valid.d.next = self.stage_valid.q.val();
        self.earlier_bucket.d.next = self.stage_bucket.q.val();
        self.idle.next = ((self.queue.empty.val() & (!self.busy.q.val().any()))
            & ((!self.stage_valid.q.val()) & (!self.drain.q.val().any())))
            & ((!self.input_valid.q.val()) & (!self.head_valid.q.val()));

        if self.reset.val() {
            self.busy.d.next = 0.into();
            self.filled.d.next = 0.into();
            self.stage_valid.d.next = false;
            self.earlier_valid.d.next = false;
            self.input_valid.d.next = false;
            self.head_valid.d.next = false;
            self.drain.d.next = self.adder_latency.val();
        }
    }
}
