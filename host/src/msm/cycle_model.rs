//! The card's modelled cycles per MSM, which choose the window size and project the
//! benchmarks beyond the sizes they simulate.

use super::recode::window_widths;
use ark_bls12_381::Fr;

/// Modelled card cycles of an MSM of `n` points with windows of up to `c` bits
/// ([`window_widths`]) and adder latency `l`, one window per pass: see
/// [`msm_cycles_model_passes`].
pub fn msm_cycles_model(n: u64, c: u32, l: u64) -> u64 {
    msm_cycles_model_passes(n, c, l, 1)
}

/// Modelled card cycles of an MSM of `n` points with windows of up to `c` bits, `k`
/// windows per accumulation pass ([`windows_per_pass`]) and adder latency `l`. In a
/// pass whose digits reach B buckets in all, digits enter at one per cycle while a
/// bucket takes one addition per `l` cycles; additions that find their bucket in
/// flight wait in the queue, which costs about a fraction `l / 2B` of the issue slots
/// (fits the measured utilization: 0.66 at B = 128, 0.96 at B = 1024, l = 88). A pass
/// whose digits reach fewer buckets than the latency serialises: `adds · l / B`. Plus
/// ~150 cycles of adder drain and register traffic per pass, and three cycles per
/// bucket read out.
pub fn msm_cycles_model_passes(n: u64, c: u32, l: u64, k: usize) -> u64 {
    use ark_ff::{BigInteger, PrimeField};
    let r = num_bigint::BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le());
    let widths = window_widths(c);
    let stride = 1u64 << (c - 1);
    // Buckets each window's digits reach (the top windows of a 255-bit r reach fewer).
    let mut start = 0usize;
    let mut reach = vec![];
    for &w in &widths {
        let buckets = 1u64 << (w - 1);
        let top = &r >> start;
        reach.push(
            u64::try_from(top)
                .unwrap_or(u64::MAX)
                .saturating_add(1)
                .min(buckets)
                .max(1),
        );
        start += w as usize;
    }
    let mut total = 0u64;
    for pass in reach.chunks(k.max(1)) {
        let adds = n * pass.len() as u64;
        let reached: u64 = pass.iter().sum();
        let loss = (l as f64 / (2.0 * reached as f64)).min(0.5);
        let accumulate = (adds as f64 / (1.0 - loss)).max((adds * l / reached) as f64);
        total += accumulate as u64 + 150 + 3 * stride * pass.len() as u64;
    }
    total
}

/// Windows one accumulation pass covers with windows of `c` bits on a card with
/// `buckets` buckets: window j of the pass uses buckets from j·2^(c−1), and each
/// point's digits for the pass's windows are streamed in a row against one resident
/// copy of the bases (`MSM_DIGITS_PER_BASE`). More buckets are in flight at once (fewer
/// conflicts) and the adder drains once per pass instead of once per window.
pub fn windows_per_pass(c: u32, buckets: usize) -> usize {
    let stride = 1usize << (c - 1);
    (buckets / stride).min(window_widths(c).len()).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_matches_what_was_measured() {
        // Measured on the card model (2^12 random, c = 8): 210,865 cycles.
        let m = msm_cycles_model(4096, 8, 88) as f64;
        assert!((m / 210_865.0 - 1.0).abs() < 0.1, "model {m}");
        // Wider windows conflict less: c = 10 beats c = 8 at 2^12.
        assert!(msm_cycles_model(4096, 10, 88) < msm_cycles_model(4096, 8, 88));
    }
}
