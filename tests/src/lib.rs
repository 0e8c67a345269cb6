//! Shared helpers for the integration tests: field-element strategies with the edge
//! cases every block must survive; the arkworks reference is the host's
//! (`zkaccel_host::field_check::reference`).

use ark_ff::{BigInteger, Fp, FpConfig, PrimeField};
use num_bigint::BigUint;
use proptest::prelude::*;

/// Raw hardware words (ark-ff's internal Montgomery representation) at the edges:
/// 0, 1, 2, p−1, p−2, (p−1)/2, R mod p (one in Montgomery form), and values next to
/// powers of two (2^k − 1, 2^k, 2^k + 1 for k at limb and other boundaries) below p.
pub fn edge_words<P: FpConfig<N>, const N: usize>() -> Vec<[u64; N]> {
    let p = BigUint::from_bytes_le(&Fp::<P, N>::MODULUS.to_bytes_le());
    let r_mod_p = (BigUint::from(1u8) << (64 * N)) % &p;
    let mut v: Vec<BigUint> = vec![
        0u8.into(),
        1u8.into(),
        2u8.into(),
        &p - 1u8,
        &p - 2u8,
        (&p - 1u8) >> 1,
        r_mod_p,
    ];
    for k in [
        16usize, 17, 26, 32, 43, 52, 63, 64, 65, 127, 128, 192, 254, 255, 256, 320, 380,
    ] {
        let t = BigUint::from(1u8) << k;
        for x in [&t - 1u8, t.clone(), &t + 1u8] {
            if x < p {
                v.push(x);
            }
        }
    }
    v.sort();
    v.dedup();
    v.iter().map(limbs::<N>).collect()
}

/// A BigUint as N little-endian 64-bit limbs.
pub fn limbs<const N: usize>(x: &BigUint) -> [u64; N] {
    let mut out = [0u64; N];
    for (i, d) in x.to_u64_digits().iter().enumerate() {
        out[i] = *d;
    }
    out
}

/// A hardware word chosen to hit the edges often: mostly uniform below p, sometimes an
/// edge value, sometimes a small integer, sometimes `p − small`.
pub fn word<P: FpConfig<N>, const N: usize>() -> impl Strategy<Value = [u64; N]> {
    let edges = edge_words::<P, N>();
    let uniform = proptest::collection::vec(any::<u8>(), 8 * N + 16)
        .prop_map(|bytes| Fp::<P, N>::from_le_bytes_mod_order(&bytes).0 .0);
    let small = (0u64..1024).prop_map(|x| {
        let mut w = [0u64; N];
        w[0] = x;
        w
    });
    let near_p = (1u64..1024).prop_map(|x| {
        let p = BigUint::from_bytes_le(&Fp::<P, N>::MODULUS.to_bytes_le());
        limbs::<N>(&(p - x))
    });
    prop_oneof![
        14 => uniform,
        2 => proptest::sample::select(edges),
        1 => small,
        1 => near_p,
    ]
}

pub use zkaccel_host::field_check::{reference, FieldOp as Op};

/// A test double at the driver's `Device` interface: every data read of the card
/// inside passes through `tamper` (a flipped bit, swapped beats, …); everything else
/// goes straight through. The name is the inner device's, after `label`.
pub struct TamperedReads<F: FnMut(&mut Vec<zkaccel_driver::Beat>)> {
    pub inner: Box<dyn zkaccel_driver::Device>,
    pub label: &'static str,
    pub tamper: F,
}

impl<F: FnMut(&mut Vec<zkaccel_driver::Beat>)> zkaccel_driver::RegisterBus for TamperedReads<F> {
    fn device(&self) -> String {
        format!("{}{}", self.label, self.inner.device())
    }
    fn read32(
        &mut self,
        reg: &'static zkaccel_spec::regmap::Register,
    ) -> Result<u32, zkaccel_driver::DriverError> {
        self.inner.read32(reg)
    }
    fn write32(
        &mut self,
        reg: &'static zkaccel_spec::regmap::Register,
        value: u32,
    ) -> Result<(), zkaccel_driver::DriverError> {
        self.inner.write32(reg, value)
    }
}

impl<F: FnMut(&mut Vec<zkaccel_driver::Beat>)> zkaccel_driver::Device for TamperedReads<F> {
    fn data_loopback(
        &mut self,
        beats: &[zkaccel_driver::Beat],
    ) -> Result<Vec<zkaccel_driver::Beat>, zkaccel_driver::DriverError> {
        self.inner.data_loopback(beats)
    }
    fn data_write(
        &mut self,
        beats: &[zkaccel_driver::Beat],
    ) -> Result<(), zkaccel_driver::DriverError> {
        self.inner.data_write(beats)
    }
    fn data_read(
        &mut self,
        n: usize,
    ) -> Result<Vec<zkaccel_driver::Beat>, zkaccel_driver::DriverError> {
        let mut beats = self.inner.data_read(n)?;
        (self.tamper)(&mut beats);
        Ok(beats)
    }
    fn function_reset(&mut self) -> Result<(), zkaccel_driver::DriverError> {
        self.inner.function_reset()
    }
}
