//! Bit reversal of an N-bit index: wiring only (no logic). The NTT core stores forward
//! inputs and reads inverse outputs at bit-reversed addresses with it.

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct BitReverse<const N: usize> {
    pub d: Signal<In, Bits<N>>,
    pub q: Signal<Out, Bits<N>>,
}

impl<const N: usize> Logic for BitReverse<N> {
    fn update(&mut self) {
        let mut q = Bits::<N>::default();
        for k in 0..N {
            q = q.replace_bit(N - 1 - k, self.d.val().get_bit(k));
        }
        self.q.next = q;
    }
    fn connect(&mut self) {
        self.q.connect();
    }
    fn hdl(&self) -> Verilog {
        let bits: Vec<String> = (0..N).map(|k| format!("d[{k}]")).collect();
        Verilog::Custom(format!("assign q = {{{}}};", bits.join(", ")))
    }
}
