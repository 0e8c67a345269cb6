//! Bucket accumulation for Pippenger's method: bucket memory, the point adder, and the
//! scheduler that keeps the adder busy.
//!
//! Each accepted input `(bucket b, affine point P)` becomes `bucket[b] += P`. The adder
//! is pipelined (one addition per cycle, latency L), so a bucket whose previous
//! addition is still in flight cannot be read. The scheduler:
//! * knows the buckets in flight from a registered list of the additions in the adder
//!   ([`InflightBuckets`]: the stage register's bucket enters it one cycle after
//!   issue, and leaves as its sum is written back), so at most one addition per bucket
//!   is ever in flight — no lost update;
//! * chooses among two registered candidates: the *input slot* (the last input taken)
//!   and the *head slot* (the conflict queue's head, moved out of the queue's RAM).
//!   Each slot's busy bit is looked up in the list as the slot is loaded and kept
//!   current while it is held (set by the list's newest entry, cleared by a write back
//!   of its bucket), so the lookup (a parallel compare) and the issue decision are in
//!   different cycles. The lookup cannot see the buckets issued in its own cycle and
//!   the one before (not yet in the list); those two are compared with the slot's
//!   bucket (12-bit compares) when it is judged. So a slot is judged on exactly the
//!   busy bits a lookup beside the decision would see.
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
//! initialisation; an empty bucket enters the adder as the identity (0 : 1 : 0). A
//! bucket's filled bit is looked up in two steps, neither beside the issue decision:
//! the 64 bits of its group (the buckets sharing its low six bits) as it enters a slot
//! (or the readout), kept current while it waits, then its own bit in the group at the
//! adder's input.
//! After `reset`, results of additions issued before it are ignored (the adder has no
//! reset), and the engine reports busy until they have drained.

use super::conflict_queue::ConflictQueue;
use super::inflight_buckets::InflightBuckets;
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
    inflight: InflightBuckets,
    /// Filled bits, stored by bucket *group*: bit `64·lo + hi` is bucket `64·hi + lo`'s,
    /// so the 64 buckets sharing their low six bits (a group) are a contiguous slice.
    filled: DFF<Bits<BUCKETS>>,
    /// The input slot: the last input taken. `input_busy` is its bucket's busy bit as
    /// kept while the slot holds (after the first cycle, which uses `input_lookup`).
    input_valid: DFF<Bit>,
    input_bucket: DFF<Bucket>,
    input_point: DFF<Bits<AFFINE_POINT_BITS>>,
    input_busy: DFF<Bit>,
    /// The in-flight lookup of the bucket offered to the slot, registered every cycle
    /// (no multiplexer behind the lookup), and whether the slot took it.
    input_lookup: DFF<Bit>,
    input_fresh: DFF<Bit>,
    input_busy_now: Signal<Local, Bit>,
    /// The input slot's bucket is written back this cycle (compared a cycle ahead,
    /// with the in-flight list's leaving entry).
    input_written_back: DFF<Bit>,
    /// The filled bits of the input bucket's group, kept current while the slot holds.
    input_group: DFF<Bits<GROUP>>,
    /// The head slot: the conflict queue's head, out of the queue, with its busy bit.
    head_valid: DFF<Bit>,
    head_word: DFF<QueueWord>,
    head_busy: DFF<Bit>,
    head_lookup: DFF<Bit>,
    head_fresh: DFF<Bit>,
    head_busy_now: Signal<Local, Bit>,
    head_written_back: DFF<Bit>,
    head_group: DFF<Bits<GROUP>>,
    /// The issue of the cycle before (the stage register); with the in-flight list's
    /// newest entry (the issue before that), the buckets whose busy bits a slot's
    /// lookup could not see.
    stage_valid: DFF<Bit>,
    stage_bucket: DFF<Bucket>,
    stage_point: DFF<Bits<AFFINE_POINT_BITS>>,
    /// The filled bits of the staged bucket's group (as `filled` has them now).
    stage_group: DFF<Bits<GROUP>>,
    /// The staged bucket's filled bit, picked from `stage_group`.
    stage_filled: Signal<Local, Bit>,
    /// Cycles left until additions issued before a reset have left the adder.
    drain: DFF<Bits<8>>,
    adder_latency: Constant<Bits<8>>,
    identity: Constant<Bits<PROJECTIVE_POINT_BITS>>,
    point_mask: Constant<QueueWord>,
    one: Constant<Bits<GROUP>>,
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
    /// The written-back bucket: its low bits (its group) and its bit in the group.
    writeback_lo: Signal<Local, Bits<GROUP_BITS>>,
    writeback_bit: Signal<Local, Bits<GROUP>>,
    writeback_filled_index: Signal<Local, Bucket>,
    in_group_offset: Signal<Local, Bucket>,
    queue_head_group_offset: Signal<Local, Bucket>,
    read_group_offset: Signal<Local, Bucket>,
    /// A group's filled bits as `filled` will hold them next cycle.
    in_group_now: Signal<Local, Bits<GROUP>>,
    in_group_next: Signal<Local, Bits<GROUP>>,
    queue_head_group_now: Signal<Local, Bits<GROUP>>,
    queue_head_group_next: Signal<Local, Bits<GROUP>>,
    read_group_now: Signal<Local, Bits<GROUP>>,
    read_group_next: Signal<Local, Bits<GROUP>>,
    input_group_next: Signal<Local, Bits<GROUP>>,
    head_group_next: Signal<Local, Bits<GROUP>>,
}

/// The filled bits are looked up in two steps: a bucket's group (the 64 buckets
/// sharing its low `GROUP_BITS` bits, 64 × 64-way multiplexers) when the bucket enters
/// a slot or the readout, then its bit in the group (one 64-way multiplexer) a cycle
/// or more later.
const GROUP_BITS: usize = BUCKET_BITS / 2;
const GROUP: usize = 1 << (BUCKET_BITS - GROUP_BITS);

/// The identity (0 : 1 : 0) as `{Z, Y, X}` with 1 in Montgomery form (R mod p).
pub fn identity_word() -> BigUint {
    let f = FieldSpec::get(FieldId::Fq);
    (f.radix() % &f.modulus) << 384
}

impl<const STUB_ADDER: bool> Default for BucketEngine<STUB_ADDER> {
    fn default() -> Self {
        let latency = PointAdderCore::<BUCKET_BITS, STUB_ADDER>::latency();
        // The update writes the group split as the literal 6 (hdl_gen has no constants).
        assert_eq!(GROUP_BITS, 6);
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
            inflight: InflightBuckets::new(latency),
            filled: Default::default(),
            input_valid: Default::default(),
            input_bucket: Default::default(),
            input_point: Default::default(),
            input_busy: Default::default(),
            input_lookup: Default::default(),
            input_fresh: Default::default(),
            input_busy_now: Default::default(),
            input_written_back: Default::default(),
            input_group: Default::default(),
            head_valid: Default::default(),
            head_word: Default::default(),
            head_busy: Default::default(),
            head_lookup: Default::default(),
            head_fresh: Default::default(),
            head_busy_now: Default::default(),
            head_written_back: Default::default(),
            head_group: Default::default(),
            stage_valid: Default::default(),
            stage_bucket: Default::default(),
            stage_point: Default::default(),
            stage_group: Default::default(),
            stage_filled: Default::default(),
            drain: Default::default(),
            adder_latency: Constant::new((latency as u64 + 2).into()),
            identity: Constant::new(identity_word().into()),
            point_mask: Constant::new(mask.into()),
            one: Constant::new(1.into()),
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
            writeback_lo: Default::default(),
            writeback_bit: Default::default(),
            writeback_filled_index: Default::default(),
            in_group_offset: Default::default(),
            queue_head_group_offset: Default::default(),
            read_group_offset: Default::default(),
            in_group_now: Default::default(),
            in_group_next: Default::default(),
            queue_head_group_now: Default::default(),
            queue_head_group_next: Default::default(),
            read_group_now: Default::default(),
            read_group_next: Default::default(),
            input_group_next: Default::default(),
            head_group_next: Default::default(),
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
        self.inflight.clock.next = self.clock.val();
        self.inflight.reset.next = self.reset.val();
        self.filled.clock.next = self.clock.val();
        self.input_group.clock.next = self.clock.val();
        self.head_group.clock.next = self.clock.val();
        self.stage_group.clock.next = self.clock.val();
        self.stage_valid.clock.next = self.clock.val();
        self.stage_bucket.clock.next = self.clock.val();
        self.stage_point.clock.next = self.clock.val();
        self.input_valid.clock.next = self.clock.val();
        self.input_bucket.clock.next = self.clock.val();
        self.input_point.clock.next = self.clock.val();
        self.input_busy.clock.next = self.clock.val();
        self.input_lookup.clock.next = self.clock.val();
        self.input_fresh.clock.next = self.clock.val();
        self.input_written_back.clock.next = self.clock.val();
        self.head_valid.clock.next = self.clock.val();
        self.head_word.clock.next = self.clock.val();
        self.head_busy.clock.next = self.clock.val();
        self.head_lookup.clock.next = self.clock.val();
        self.head_fresh.clock.next = self.clock.val();
        self.head_written_back.clock.next = self.clock.val();
        self.drain.clock.next = self.clock.val();

        // Scheduling, from the two slots' registered busy bits and two 12-bit compares
        // against the buckets issued in the last two cycles (the in-flight list takes a
        // bucket one cycle after issue, so a lookup misses them). At most one addition issues and
        // one queue write happens per cycle.
        // * input free: it issues; a blocked head meanwhile rotates to the tail (so it
        //   does not hold up the entries behind it).
        // * input blocked: the head issues if free (the input takes its place in the
        //   queue); otherwise the input joins the queue if there is room, and if there
        //   is not, the blocked head rotates and the input waits.
        // * no input: the head issues if free, else rotates.
        // A blocked head rotates only if another entry waits in the queue; otherwise
        // it stays in its slot, its busy bit kept current every cycle.
        self.writeback.next = self.adder.out_valid.val() & (!self.drain.q.val().any());
        // A slot's busy bit: its lookup if it was loaded last cycle, else the bit kept
        // current while it is held.
        self.input_busy_now.next = self.input_busy.q.val();
        if self.input_fresh.q.val() {
            self.input_busy_now.next = self.input_lookup.q.val();
        }
        self.head_busy_now.next = self.head_busy.q.val();
        if self.head_fresh.q.val() {
            self.head_busy_now.next = self.head_lookup.q.val();
        }
        self.head_bucket.next = self.head_word.q.val().get_bits::<BUCKET_BITS>(768);
        self.queue_head_bucket.next = self.queue.head.val().get_bits::<BUCKET_BITS>(768);
        self.input_conflict.next = (self.stage_valid.q.val()
            & (self.input_bucket.q.val() == self.stage_bucket.q.val()))
            | (self.inflight.newest_valid.val()
                & (self.input_bucket.q.val() == self.inflight.newest_bucket.val()));
        self.head_conflict.next = (self.stage_valid.q.val()
            & (self.head_bucket.val() == self.stage_bucket.q.val()))
            | (self.inflight.newest_valid.val()
                & (self.head_bucket.val() == self.inflight.newest_bucket.val()));
        self.input_ok.next =
            self.input_valid.q.val() & (!(self.input_busy_now.val() | self.input_conflict.val()));
        self.input_blocked.next = self.input_valid.q.val() & (!self.input_ok.val());
        self.head_ok.next =
            self.head_valid.q.val() & (!(self.head_busy_now.val() | self.head_conflict.val()));
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

        // Filled bits, first step: the group of a bucket entering a slot, or being read
        // out, as `filled` holds it next cycle (this cycle's write back and `clear`
        // applied); a slot's group is kept current the same way while it is held.
        self.writeback_lo.next = self.adder.out_tag.val().get_bits::<GROUP_BITS>(0);
        self.writeback_bit.next =
            self.one.val() << self.adder.out_tag.val().get_bits::<GROUP_BITS>(6);
        self.writeback_filled_index.next =
            (bit_cast::<BUCKET_BITS, GROUP_BITS>(self.writeback_lo.val()) << 6)
                | bit_cast::<BUCKET_BITS, GROUP_BITS>(
                    self.adder.out_tag.val().get_bits::<GROUP_BITS>(6),
                );
        self.in_group_offset.next =
            bit_cast::<BUCKET_BITS, GROUP_BITS>(self.in_bucket.val().get_bits::<GROUP_BITS>(0))
                << 6;
        self.queue_head_group_offset.next = bit_cast::<BUCKET_BITS, GROUP_BITS>(
            self.queue_head_bucket.val().get_bits::<GROUP_BITS>(0),
        ) << 6;
        self.in_group_now.next = self
            .filled
            .q
            .val()
            .get_bits::<GROUP>(self.in_group_offset.val().index());
        self.in_group_next.next = self.in_group_now.val();
        if self.writeback.val()
            & (self.writeback_lo.val() == self.in_bucket.val().get_bits::<GROUP_BITS>(0))
        {
            self.in_group_next.next = self.in_group_now.val() | self.writeback_bit.val();
        }
        self.queue_head_group_now.next = self
            .filled
            .q
            .val()
            .get_bits::<GROUP>(self.queue_head_group_offset.val().index());
        self.queue_head_group_next.next = self.queue_head_group_now.val();
        if self.writeback.val()
            & (self.writeback_lo.val() == self.queue_head_bucket.val().get_bits::<GROUP_BITS>(0))
        {
            self.queue_head_group_next.next =
                self.queue_head_group_now.val() | self.writeback_bit.val();
        }
        self.input_group_next.next = self.input_group.q.val();
        if self.writeback.val()
            & (self.writeback_lo.val() == self.input_bucket.q.val().get_bits::<GROUP_BITS>(0))
        {
            self.input_group_next.next = self.input_group.q.val() | self.writeback_bit.val();
        }
        self.head_group_next.next = self.head_group.q.val();
        if self.writeback.val()
            & (self.writeback_lo.val() == self.head_bucket.val().get_bits::<GROUP_BITS>(0))
        {
            self.head_group_next.next = self.head_group.q.val() | self.writeback_bit.val();
        }
        if self.clear.val() {
            self.in_group_next.next = 0.into();
            self.queue_head_group_next.next = 0.into();
            self.input_group_next.next = 0.into();
            self.head_group_next.next = 0.into();
        }

        // The slots. A slot's busy bit is looked up in the in-flight list as the slot
        // is loaded (the list leaves out this cycle's write back, as the judgement a
        // cycle later must), and kept current while it is held: set by the addition
        // that entered the adder a cycle ago (the list's newest entry, which the lookup
        // could not see), cleared by a write back of its bucket (known a cycle ahead:
        // the list's leaving entry). So a slot is judged on the same busy bit a lookup
        // beside the decision would read.
        self.inflight.query_a.next = self.in_bucket.val();
        self.inflight.query_b.next = self.queue_head_bucket.val();
        self.input_valid.d.next =
            self.load_input.val() | (self.input_valid.q.val() & (!self.input_leaves.val()));
        self.input_bucket.d.next = self.input_bucket.q.val();
        self.input_point.d.next = self.input_point.q.val();
        self.input_lookup.d.next = self.inflight.hit_a.val();
        self.input_fresh.d.next = self.load_input.val();
        self.input_busy.d.next = (self.input_busy_now.val()
            | (self.inflight.newest_valid.val()
                & (self.inflight.newest_bucket.val() == self.input_bucket.q.val())))
            & (!self.input_written_back.q.val());
        self.input_written_back.d.next = self.inflight.leaving_valid.val()
            & (self.inflight.leaving_bucket.val() == self.input_bucket.q.val());
        self.input_group.d.next = self.input_group_next.val();
        if self.load_input.val() {
            self.input_bucket.d.next = self.in_bucket.val();
            self.input_point.d.next = self.in_point.val();
            self.input_written_back.d.next = self.inflight.leaving_valid.val()
                & (self.inflight.leaving_bucket.val() == self.in_bucket.val());
            self.input_group.d.next = self.in_group_next.val();
        }
        self.head_valid.d.next =
            self.load_head.val() | (self.head_valid.q.val() & (!self.head_leaves.val()));
        self.head_word.d.next = self.head_word.q.val();
        self.head_lookup.d.next = self.inflight.hit_b.val();
        self.head_fresh.d.next = self.load_head.val();
        self.head_busy.d.next = (self.head_busy_now.val()
            | (self.inflight.newest_valid.val()
                & (self.inflight.newest_bucket.val() == self.head_bucket.val())))
            & (!self.head_written_back.q.val());
        self.head_written_back.d.next = self.inflight.leaving_valid.val()
            & (self.inflight.leaving_bucket.val() == self.head_bucket.val());
        self.head_group.d.next = self.head_group_next.val();
        if self.load_head.val() {
            self.head_word.d.next = self.queue.head.val();
            self.head_written_back.d.next = self.inflight.leaving_valid.val()
                & (self.inflight.leaving_bucket.val() == self.queue_head_bucket.val());
            self.head_group.d.next = self.queue_head_group_next.val();
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
        // The staged bucket's group: the issuing slot's (chosen after the decision, not
        // looked up behind it), or the readout bucket's.
        self.read_group_offset.next =
            bit_cast::<BUCKET_BITS, GROUP_BITS>(self.rd_bucket.val().get_bits::<GROUP_BITS>(0))
                << 6;
        self.read_group_now.next = self
            .filled
            .q
            .val()
            .get_bits::<GROUP>(self.read_group_offset.val().index());
        self.read_group_next.next = self.read_group_now.val();
        if self.writeback.val()
            & (self.writeback_lo.val() == self.rd_bucket.val().get_bits::<GROUP_BITS>(0))
        {
            self.read_group_next.next = self.read_group_now.val() | self.writeback_bit.val();
        }
        if self.clear.val() {
            self.read_group_next.next = 0.into();
        }
        self.stage_group.d.next = self.input_group_next.val();
        if self.issue_head.val() {
            self.stage_group.d.next = self.head_group_next.val();
        }
        if self.rd_enable.val() {
            self.stage_group.d.next = self.read_group_next.val();
        }

        // Adder stage: bucket (or the identity if empty) + point. The filled bit is the
        // second step of its lookup: the bucket's bit in the group registered beside
        // the issue. (A 4096-way lookup here, at the registered bucket, was 6 LUT + 13
        // MUXF before the 1152-bit multiplexer it selects.) It equals `filled` now: the
        // group was taken as `filled` would hold it this cycle; `clear` comes only
        // while idle.
        self.stage_filled.next = self
            .stage_group
            .q
            .val()
            .get_bit(self.stage_bucket.q.val().get_bits::<GROUP_BITS>(6).index());
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

        // The in-flight list takes the stage register (the issue of the cycle before),
        // not the issue decision.
        self.inflight.push_valid.next = self.stage_valid.q.val();
        self.inflight.push_bucket.next = self.stage_bucket.q.val();
        self.filled.d.next = self.filled.q.val();
        if self.writeback.val() {
            self.filled.d.next = self
                .filled
                .q
                .val()
                .replace_bit(self.writeback_filled_index.val().index(), true);
        }
        if self.clear.val() {
            self.filled.d.next = 0.into();
        }
        self.drain.d.next = self.drain.q.val();
        if self.drain.q.val().any() {
            self.drain.d.next = self.drain.q.val() - 1;
        }
        self.idle.next = ((self.queue.empty.val() & (!self.inflight.any.val()))
            & ((!self.stage_valid.q.val()) & (!self.drain.q.val().any())))
            & ((!self.input_valid.q.val()) & (!self.head_valid.q.val()));

        if self.reset.val() {
            self.filled.d.next = 0.into();
            self.stage_valid.d.next = false;
            self.input_valid.d.next = false;
            self.head_valid.d.next = false;
            self.drain.d.next = self.adder_latency.val();
        }
    }
}
