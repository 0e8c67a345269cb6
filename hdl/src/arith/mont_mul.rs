//! Fully pipelined Montgomery multiplier: `out = a · b · R⁻¹ mod p`, one operand pair
//! accepted every cycle, fixed latency.
//!
//! With `a = x·R`, `b = y·R` (ark-ff's internal Montgomery form, `R = 2^W`), the output
//! is `x·y·R`, exactly the bits ark-ff holds for the product, fully reduced (`< p`).
//!
//! Datapath (all three products are [`super::tile_product`] arrays of DSP tiles):
//! 1. `T = a · b` (2W bits)
//! 2. `m = (T mod R) · N' mod R`, with `N' = −p⁻¹ mod R` (low half only)
//! 3. `U = m · p` (2W bits)
//! 4. `t = T_hi + U_hi + [T_lo ≠ 0]` — the low halves sum to 0 or exactly R, and they
//!    sum to R exactly when `T_lo ≠ 0` (then `m ≠ 0`), so only that carry survives.
//! 5. `out = t ≥ p ? t − p : t` (`t < 2p` because `a, b < p` and `p < R`).
//!
//! `T_hi` and the carry travel beside steps 2–3 in [`DelayLine`]s.

use super::delay_line::DelayLine;
use super::tile_product::{ConstTileProduct, TileProduct};
use crate::spec::field::FieldSpec;
use rust_hdl::prelude::*;

/// `W`: word width (64 × ark-ff limbs); `W2 = 2 W` (const generics cannot compute it).
#[derive(LogicBlock)]
pub struct MontMul<const W: usize, const W2: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub in_valid: Signal<In, Bit>,
    pub out: Signal<Out, Bits<W>>,
    pub out_valid: Signal<Out, Bit>,
    modulus: Constant<Bits<W>>,
    /// Bit offset of the high half of a product (= W); a constant because rust-hdl
    /// emits a const-generic offset as an identifier.
    high_half: Constant<Bits<32>>,
    product: TileProduct<W, W, W2>,
    reduction_factor: ConstTileProduct<W, W>,
    reduction_product: ConstTileProduct<W, W2>,
    high_delay: DelayLine<Bits<W>>,
    carry_delay: DelayLine<Bit>,
    valid_delay: DelayLine<Bit>,
    partial: Signal<Local, Bits<W>>,
    sum: DFF<Bits<W>>,
    sum_valid: DFF<Bit>,
    result: DFF<Bits<W>>,
    result_valid: DFF<Bit>,
}

/// Latency and cost figures of one Montgomery multiplier.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MontMulFigures {
    pub latency: usize,
    pub product_latency: usize,
    pub reduction_factor_latency: usize,
    pub reduction_product_latency: usize,
    pub dsp_tiles: usize,
}

impl<const W: usize, const W2: usize> MontMul<W, W2> {
    pub fn new(field: &FieldSpec) -> Self {
        assert_eq!(field.word_bits, W, "word width of {}", field.name);
        assert_eq!(W2, 2 * W);
        let product = TileProduct::new(field.modulus_bits, field.modulus_bits);
        let reduction_factor = ConstTileProduct::new(W, &field.n_prime);
        let reduction_product = ConstTileProduct::new(W, &field.modulus);
        let side = reduction_factor.shape().latency() + reduction_product.shape().latency();
        let total = product.shape().latency() + side;
        Self {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            out: Default::default(),
            out_valid: Default::default(),
            modulus: Constant::new(field.modulus.clone().into()),
            high_half: Constant::new((W as u64).into()),
            product,
            reduction_factor,
            reduction_product,
            high_delay: DelayLine::new(side),
            carry_delay: DelayLine::new(side),
            valid_delay: DelayLine::new(total),
            partial: Default::default(),
            sum: Default::default(),
            sum_valid: Default::default(),
            result: Default::default(),
            result_valid: Default::default(),
        }
    }

    pub fn figures(&self) -> MontMulFigures {
        let p = self.product.shape();
        let f = self.reduction_factor.shape();
        let u = self.reduction_product.shape();
        MontMulFigures {
            latency: p.latency() + f.latency() + u.latency() + 2,
            product_latency: p.latency(),
            reduction_factor_latency: f.latency(),
            reduction_product_latency: u.latency(),
            dsp_tiles: p.dsp_tiles() + f.dsp_tiles() + u.dsp_tiles(),
        }
    }
}

impl<const W: usize, const W2: usize> Logic for MontMul<W, W2> {
    #[hdl_gen]
    fn update(&mut self) {
        self.product.clock.next = self.clock.val();
        self.reduction_factor.clock.next = self.clock.val();
        self.reduction_product.clock.next = self.clock.val();
        self.high_delay.clock.next = self.clock.val();
        self.carry_delay.clock.next = self.clock.val();
        self.valid_delay.clock.next = self.clock.val();
        self.sum.clock.next = self.clock.val();
        self.sum_valid.clock.next = self.clock.val();
        self.result.clock.next = self.clock.val();
        self.result_valid.clock.next = self.clock.val();
        // 1. T = a * b
        self.product.a.next = self.a.val();
        self.product.b.next = self.b.val();
        self.valid_delay.d.next = self.in_valid.val();
        // 2. m = T_lo * N' mod R ; T_hi and the carry wait beside steps 2-3
        self.reduction_factor.a.next = self.product.p.val().get_bits::<W>(0);
        self.high_delay.d.next = self
            .product
            .p
            .val()
            .get_bits::<W>(self.high_half.val().index());
        self.carry_delay.d.next = self.product.p.val().get_bits::<W>(0).any();
        // 3. U = m * p
        self.reduction_product.a.next = self.reduction_factor.p.val();
        // 4. t = T_hi + U_hi + carry
        self.partial.next = self.high_delay.q.val()
            + self
                .reduction_product
                .p
                .val()
                .get_bits::<W>(self.high_half.val().index());
        if self.carry_delay.q.val() {
            self.sum.d.next = self.partial.val() + bits::<W>(1);
        } else {
            self.sum.d.next = self.partial.val();
        }
        self.sum_valid.d.next = self.valid_delay.q.val();
        // 5. conditional subtraction
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
