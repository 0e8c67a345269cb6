//! The buckets with an addition in the point adder: a registered list, searched by
//! parallel compares.
//!
//! The bucket engine must not issue an addition to a bucket whose previous addition
//! has not been written back. The adder is a fixed pipeline of `L` cycles, so the
//! additions in flight are exactly those that entered it in the last `L` cycles: this
//! block keeps their buckets in a shift register beside the adder (entry `k` holds the
//! addition that entered `k` cycles ago, `k = 1..=L`; entry `L` is the one written
//! back this cycle) and answers "is bucket `b` in flight?" as an OR of `L − 1` 12-bit
//! compares (5 LUT + 6 MUXF by yosys, about 3.75 ns by the timing proxy), where a
//! 4096-bit busy vector needs a 4096-way multiplexer (6 LUT + 13 MUXF by yosys, over
//! the 4 ns of 250 MHz) and a 4096-way decode to set and clear its bits.
//!
//! The lookups (`hit_a`, `hit_b`) search entries `1..L−1`: the addition that entered
//! the adder this cycle (the engine's stage register, `push`) is not yet listed, and
//! entry `L` leaves this cycle, so a lookup answers exactly what a busy bit vector read
//! this cycle, with this cycle's write back already cleared, would. `reset` empties
//! the list (the adder itself has no reset; the engine ignores results of additions
//! issued before a reset).
//!
//! Verified in Verilator inside the bucket engine (`bucket_engine_stub` in
//! tests/tests/msm_blocks.rs) and the card, whose MSM cycle counts it leaves unchanged.

use crate::arith::model_state::ModelState;
use crate::spec::msm::BUCKET_BITS;
use rust_hdl::prelude::*;

type Bucket = Bits<BUCKET_BITS>;

#[derive(LogicBlock)]
pub struct InflightBuckets {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The addition entering the adder this cycle.
    pub push_valid: Signal<In, Bit>,
    pub push_bucket: Signal<In, Bucket>,
    pub query_a: Signal<In, Bucket>,
    pub query_b: Signal<In, Bucket>,
    /// `query_a` / `query_b` is in entries `1..L−1`.
    pub hit_a: Signal<Out, Bit>,
    pub hit_b: Signal<Out, Bit>,
    /// Entry 1: the addition that entered the adder one cycle ago.
    pub newest_valid: Signal<Out, Bit>,
    pub newest_bucket: Signal<Out, Bucket>,
    /// Entry `L − 1`: the addition written back next cycle.
    pub leaving_valid: Signal<Out, Bit>,
    pub leaving_bucket: Signal<Out, Bucket>,
    /// Any entry `1..L` is valid.
    pub any: Signal<Out, Bit>,
    latency: ModelState<usize>,
}

impl InflightBuckets {
    /// For an adder of `latency` cycles.
    pub fn new(latency: usize) -> Self {
        assert!(
            latency >= 2,
            "the list needs a lookup entry and a leaving entry"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            push_valid: Default::default(),
            push_bucket: Default::default(),
            query_a: Default::default(),
            query_b: Default::default(),
            hit_a: Default::default(),
            hit_b: Default::default(),
            newest_valid: Default::default(),
            newest_bucket: Default::default(),
            leaving_valid: Default::default(),
            leaving_bucket: Default::default(),
            any: Default::default(),
            latency: ModelState(latency),
        }
    }
}

/// Verilog body of the list for an adder of `latency` cycles.
pub fn inflight_buckets_verilog(latency: usize) -> String {
    let (l, b) = (latency, BUCKET_BITS);
    format!(
        "// Entry k (1..{l}) holds the addition that entered the adder k cycles ago.
reg [{l}:1] valid;
reg [{bh}:0] bucket [1:{lm}];
// `any` is registered from the list's next state (the same value, a cycle earlier in
// the making), so the engine's idle is not behind a {l}-input OR.
reg any_r;
initial valid = {l}'d0;
initial any_r = 1'b0;
always @(posedge clock) begin
  valid <= reset ? {l}'d0 : {{valid[{lm}:1], push_valid}};
  any_r <= reset ? 1'b0 : (push_valid | (|valid[{lm}:1]));
  bucket[1] <= push_bucket;
end
genvar g;
generate for (g = 2; g <= {lm}; g = g + 1) begin : shift
  always @(posedge clock) bucket[g] <= bucket[g - 1];
end endgenerate
wire [{lm}:1] match_a, match_b;
generate for (g = 1; g <= {lm}; g = g + 1) begin : compare
  assign match_a[g] = valid[g] & (bucket[g] == query_a);
  assign match_b[g] = valid[g] & (bucket[g] == query_b);
end endgenerate
assign hit_a = |match_a;
assign hit_b = |match_b;
assign newest_valid = valid[1];
assign newest_bucket = bucket[1];
assign leaving_valid = valid[{lm}];
assign leaving_bucket = bucket[{lm}];
assign any = any_r;
",
        bh = b - 1,
        lm = l - 1,
    )
}

impl Logic for InflightBuckets {
    fn update(&mut self) {
        // Simulated in Verilator only, like the point adder beside it (the engine's
        // tests drive both there).
    }
    fn connect(&mut self) {
        self.hit_a.connect();
        self.hit_b.connect();
        self.newest_valid.connect();
        self.newest_bucket.connect();
        self.leaving_valid.connect();
        self.leaving_bucket.connect();
        self.any.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: inflight_buckets_verilog(self.latency.0),
            cores: String::new(),
        })
    }
}
