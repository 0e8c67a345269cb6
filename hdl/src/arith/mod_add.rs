//! Modular addition `(a + b) mod p` for `a, b < p`, pipelined in two stages:
//! stage 1 adds, stage 2 subtracts `p` when the sum reached it.
//!
//! `W` is the hardware word (64 × ark-ff limbs); `2p < 2^W` for both BLS12-381 fields,
//! so the sum never overflows the word.

use crate::spec::field::FieldSpec;
use rust_hdl::prelude::*;

/// Pipeline latency of [`ModAdd`] in cycles.
pub const MOD_ADD_LATENCY: usize = 2;

#[derive(LogicBlock)]
pub struct ModAdd<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub in_valid: Signal<In, Bit>,
    pub out: Signal<Out, Bits<W>>,
    pub out_valid: Signal<Out, Bit>,
    modulus: Constant<Bits<W>>,
    sum: DFF<Bits<W>>,
    sum_valid: DFF<Bit>,
    result: DFF<Bits<W>>,
    result_valid: DFF<Bit>,
}

impl<const W: usize> ModAdd<W> {
    pub fn new(field: &FieldSpec) -> Self {
        assert_eq!(field.word_bits, W, "word width of {}", field.name);
        Self {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            out: Default::default(),
            out_valid: Default::default(),
            modulus: Constant::new(field.modulus.clone().into()),
            sum: Default::default(),
            sum_valid: Default::default(),
            result: Default::default(),
            result_valid: Default::default(),
        }
    }
}

impl<const W: usize> Logic for ModAdd<W> {
    #[hdl_gen]
    fn update(&mut self) {
        self.sum.clock.next = self.clock.val();
        self.sum_valid.clock.next = self.clock.val();
        self.result.clock.next = self.clock.val();
        self.result_valid.clock.next = self.clock.val();
        self.sum.d.next = self.a.val() + self.b.val();
        self.sum_valid.d.next = self.in_valid.val();
        if self.sum.q.val() >= self.modulus.val() {
            self.result.d.next = self.sum.q.val() - self.modulus.val();
        } else {
            self.result.d.next = self.sum.q.val();
        }
        self.result_valid.d.next = self.sum_valid.q.val();
        self.out.next = self.result.q.val();
        self.out_valid.next = self.result_valid.q.val();
    }
}
