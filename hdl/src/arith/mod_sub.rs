//! Modular subtraction `(a − b) mod p` for `a, b < p`, pipelined in two stages:
//! stage 1 subtracts and records the borrow, stage 2 adds `p` back on a borrow.

use crate::spec::field::FieldSpec;
use rust_hdl::prelude::*;

/// Pipeline latency of [`ModSub`] in cycles.
pub const MOD_SUB_LATENCY: usize = 2;

#[derive(LogicBlock)]
pub struct ModSub<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub in_valid: Signal<In, Bit>,
    pub out: Signal<Out, Bits<W>>,
    pub out_valid: Signal<Out, Bit>,
    modulus: Constant<Bits<W>>,
    diff: DFF<Bits<W>>,
    borrow: DFF<Bit>,
    diff_valid: DFF<Bit>,
    result: DFF<Bits<W>>,
    result_valid: DFF<Bit>,
}

impl<const W: usize> ModSub<W> {
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
            diff: Default::default(),
            borrow: Default::default(),
            diff_valid: Default::default(),
            result: Default::default(),
            result_valid: Default::default(),
        }
    }
}

impl<const W: usize> Logic for ModSub<W> {
    #[hdl_gen]
    fn update(&mut self) {
        self.diff.clock.next = self.clock.val();
        self.borrow.clock.next = self.clock.val();
        self.diff_valid.clock.next = self.clock.val();
        self.result.clock.next = self.clock.val();
        self.result_valid.clock.next = self.clock.val();
        self.diff.d.next = self.a.val() - self.b.val();
        self.borrow.d.next = self.a.val() < self.b.val();
        self.diff_valid.d.next = self.in_valid.val();
        if self.borrow.q.val() {
            self.result.d.next = self.diff.q.val() + self.modulus.val();
        } else {
            self.result.d.next = self.diff.q.val();
        }
        self.result_valid.d.next = self.diff_valid.q.val();
        self.out.next = self.result.q.val();
        self.out_valid.next = self.result_valid.q.val();
    }
}
