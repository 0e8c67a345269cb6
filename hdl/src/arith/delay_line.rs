//! A fixed delay of `depth` cycles: a shift register (synthesis maps it to SRL32
//! LUT shift registers on Xilinx parts). Used to balance pipeline branches.

use super::model_state::ModelState;
use rust_hdl::prelude::*;
use std::collections::VecDeque;

#[derive(LogicBlock)]
pub struct DelayLine<T: Synth> {
    pub clock: Signal<In, Clock>,
    pub d: Signal<In, T>,
    pub q: Signal<Out, T>,
    model: ModelState<VecDeque<T>>,
    depth: ModelState<usize>,
}

impl<T: Synth> DelayLine<T> {
    pub fn new(depth: usize) -> Self {
        assert!(depth >= 1, "a delay line needs at least one stage");
        Self {
            clock: Default::default(),
            d: Default::default(),
            q: Default::default(),
            model: ModelState(VecDeque::from(vec![T::default(); depth])),
            depth: ModelState(depth),
        }
    }
    pub fn depth(&self) -> usize {
        self.depth.0
    }
}

impl<T: Synth> Logic for DelayLine<T> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.model.0.push_front(self.d.val());
            self.model.0.pop_back();
        }
        self.q.next = *self.model.0.back().expect("depth >= 1");
    }
    fn connect(&mut self) {
        self.q.connect();
    }
    fn hdl(&self) -> Verilog {
        let (w, n) = (T::BITS, self.depth.0);
        let code = format!(
            "reg [{hi}:0] stage [0:{last}];
integer k;
initial for (k = 0; k < {n}; k = k + 1) stage[k] = {w}'d0;
always @(posedge clock) begin
  stage[0] <= d;
  for (k = 1; k < {n}; k = k + 1) stage[k] <= stage[k - 1];
end
assign q = stage[{last}];
",
            hi = w - 1,
            last = n - 1
        );
        Verilog::Wrapper(Wrapper {
            code,
            cores: String::new(),
        })
    }
}
