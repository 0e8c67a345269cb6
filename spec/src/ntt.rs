//! Build parameters, constants and data formats of the NTT engine: the single
//! definition used by the HDL, the simulator and the host.
//!
//! **Job.** The host writes `NTT_CONFIG` (log2 size, inverse, coset), then
//! `NTT_CONTROL.START`, streams the `n` input elements (two per 512-bit beat: element
//! `2m` in bits 0..255, `2m + 1` in bits 256..511, each as the four little-endian
//! 64-bit limbs of ark-ff's Montgomery form), and reads the `n` output elements back
//! in the same format, in natural order.
//!
//! **What the card computes** (ark-poly's `Radix2EvaluationDomain` of size n, ω its
//! generator, g = `Fr::GENERATOR` = 7):
//! * forward: `y_i = Σ_k x_k ω^{ik}` (`fft`); with coset: `Σ_k x_k (g ω^i)^k`
//!   (`fft` of the domain `get_coset(GENERATOR)`);
//! * inverse: `y_i = n⁻¹ Σ_k x_k ω^{−ik}` (`ifft`); with coset: that times `g^{−i}`.
//!
//! **How.** Forward jobs run decimation in time (Cooley–Tukey butterflies, the input
//! bit-reversed as it is stored), inverse jobs decimation in frequency
//! (Gentleman–Sande, the output bit-reversed as it is read out). Both permutations are
//! address arithmetic on the card's write and read ports, so they cost nothing. The
//! coset factor and the 1/n of the inverse are folded into the twiddles: stage
//! constants multiply every twiddle of a stage, and inverse butterflies halve their
//! sum output. See `ntt::ntt_unit` for the schedule.

use ark_bls12_381::Fr;
use ark_ff::{FftField, Field, One};

/// log2 of the largest transform the card runs (the build parameter K).
pub const MAX_LOG_SIZE: usize = 12;
/// Largest transform the card runs.
pub const MAX_SIZE: usize = 1 << MAX_LOG_SIZE;
/// Fr elements per 512-bit beat.
pub const ELEMENTS_PER_BEAT: usize = 2;
/// Address bits of one of the two memory banks (each holds half the elements).
pub const BANK_ADDR_BITS: usize = MAX_LOG_SIZE - 1;
/// Address bits of the stage-constant table: `{inverse, coset, e}` with e < 16.
pub const STAGE_CONST_ADDR_BITS: usize = 6;

/// `NTT_CONFIG` fields.
/// The NTT unit's timing, shared by the generator (which builds the unit from it) and
/// the host's cycle model.
pub mod timing {
    /// Cycles from a butterfly's issue to the write of its results (multiplier, one
    /// register, butterfly). Pinned to the generated datapath by `zkaccel-hdl`'s tests.
    pub const PIPELINE_LATENCY: usize = 94;

    /// Cycles from a butterfly's issue until a read sees its results (the write, plus
    /// one).
    pub fn hazard_cycles(pipeline_latency: usize) -> usize {
        pipeline_latency + 1
    }

    /// Cycles the unit waits after the last issue before streaming out (the last
    /// write is done).
    pub fn drain_cycles(pipeline_latency: usize) -> usize {
        pipeline_latency + 2
    }

    /// Smallest log size whose stages need no gap for a pipeline of `hazard_cycles`
    /// (issue to last write, plus the read-after-write cycle): a value is read at
    /// least n/4 cycles after it was produced.
    pub fn no_gap_log(hazard_cycles: usize) -> usize {
        let mut l = 1;
        while (1usize << l) / 4 < hazard_cycles + 1 {
            l += 1;
        }
        l
    }

    /// Cycles a job below 2^no_gap_log waits between stages.
    pub fn stage_gap_cycles(hazard_cycles: usize) -> usize {
        hazard_cycles + 1
    }
}

pub mod ntt_config {
    /// log2 of the size, 1 ..= MAX_LOG_SIZE.
    pub const LOG_SIZE_MASK: u32 = 0x1F;
    /// Inverse transform (with the 1/n scaling).
    pub const INVERSE: u32 = 1 << 8;
    /// Coset transform over `GENERATOR · H`.
    pub const COSET: u32 = 1 << 9;
}

/// `NTT_CONTROL` bits (write 1 to act).
pub mod ntt_control {
    /// Start a job with the current NTT_CONFIG: the card then takes n/2 input beats
    /// and streams n/2 output beats. Only while NTT_STATUS.IDLE (else SLVERR).
    pub const START: u32 = 1 << 0;
}

/// `NTT_STATUS` bits.
pub mod ntt_status {
    /// No job: the data port belongs to the loopback or the MSM engine.
    pub const IDLE: u32 = 1 << 0;
    /// Taking input beats.
    pub const LOADING: u32 = 1 << 1;
    /// Running butterflies.
    pub const COMPUTING: u32 = 1 << 2;
    /// Streaming output beats.
    pub const OUTPUT: u32 = 1 << 3;
    /// The last START had a log size outside 1 ..= MAX_LOG_SIZE; it did not start.
    pub const CONFIG_ERROR: u32 = 1 << 4;
}

/// NTT_CONFIG's value for a job.
pub fn config_word(log_size: u32, inverse: bool, coset: bool) -> u32 {
    (log_size & ntt_config::LOG_SIZE_MASK)
        | if inverse { ntt_config::INVERSE } else { 0 }
        | if coset { ntt_config::COSET } else { 0 }
}

/// `i` with its low `bits` bits reversed.
pub fn bit_reverse(i: usize, bits: usize) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS as usize - bits)
    }
}

/// Montgomery limbs of an Fr element, as the card holds it.
pub fn limbs(x: Fr) -> [u64; 4] {
    x.0 .0
}

/// The twiddle table: `ω_K^i` for i in 0..MAX_SIZE, ω_K the generator of the
/// MAX_SIZE domain. Stage twiddles of smaller transforms are its powers of two
/// strides; inverse twiddles are its entries at `−i mod MAX_SIZE`.
pub fn twiddle_table() -> Vec<Fr> {
    let w = Fr::get_root_of_unity(MAX_SIZE as u64).expect("2^K divides r - 1");
    let mut t = Vec::with_capacity(MAX_SIZE);
    let mut x = Fr::one();
    for _ in 0..MAX_SIZE {
        t.push(x);
        x *= w;
    }
    t
}

/// The stage-constant table, addressed `{inverse, coset, e}` (`e` in bits 3..0):
/// every twiddle of a stage is multiplied by one of these, where `e = log n − 1 − b`
/// and `b` is the bit the stage's butterflies pair on.
/// * forward: 1; forward coset: `g^(2^e)`;
/// * inverse: 1/2; inverse coset: `g^(−2^e) / 2`.
pub fn stage_constant(inverse: bool, coset: bool, e: u32) -> Fr {
    let g = Fr::GENERATOR;
    let base = if coset {
        let h = if inverse {
            g.inverse().expect("g ≠ 0")
        } else {
            g
        };
        h.pow([1u64 << e])
    } else {
        Fr::one()
    };
    if inverse {
        base * Fr::from(2u64).inverse().expect("2 ≠ 0")
    } else {
        base
    }
}

/// The whole stage-constant table in address order (unused entries hold 1).
pub fn stage_constant_table() -> Vec<Fr> {
    (0..1usize << STAGE_CONST_ADDR_BITS)
        .map(|a| {
            let e = (a & 0xF) as u32;
            let (coset, inverse) = (a & 0x10 != 0, a & 0x20 != 0);
            if (e as usize) < MAX_LOG_SIZE {
                stage_constant(inverse, coset, e)
            } else {
                Fr::one()
            }
        })
        .collect()
}

/// Address of the stage-constant table for `(inverse, coset, e)`.
pub fn stage_constant_address(inverse: bool, coset: bool, e: u32) -> usize {
    (inverse as usize) << 5 | (coset as usize) << 4 | e as usize
}

/// The butterfly, both kinds: Cooley–Tukey `(a + w·b, a − w·b)` for forward stages,
/// Gentleman–Sande with halving `((a + b)/2, w·(a − b))` for inverse stages (the other
/// 1/2 of the inverse's 1/n is folded into `w`).
pub fn butterfly_reference(a: Fr, b: Fr, w: Fr, gentleman_sande: bool) -> (Fr, Fr) {
    if gentleman_sande {
        let half = Fr::from(2u64).inverse().expect("2 ≠ 0");
        ((a + b) * half, w * (a - b))
    } else {
        (a + w * b, a - w * b)
    }
}

/// A data beat holding two Fr elements (Montgomery limbs).
pub fn element_beat(first: &[u64; 4], second: &[u64; 4]) -> [u64; crate::msm::BEAT_WORDS] {
    let mut b = [0u64; crate::msm::BEAT_WORDS];
    b[..4].copy_from_slice(first);
    b[4..].copy_from_slice(second);
    b
}

/// The software model of the card's schedule (same stage order, butterfly order,
/// twiddle and stage-constant addressing, bank-free), on ark-ff: the reference the
/// HDL's address arithmetic is written from, checked against ark-poly in the tests.
pub fn schedule_model(input: &[Fr], inverse: bool, coset: bool) -> Vec<Fr> {
    let n = input.len();
    assert!(n.is_power_of_two() && (2..=MAX_SIZE).contains(&n));
    let log_n = n.trailing_zeros() as usize;
    let tw = twiddle_table();
    let constants = stage_constant_table();
    let mut mem = vec![Fr::one(); n];
    for (i, x) in input.iter().enumerate() {
        let a = if inverse { i } else { bit_reverse(i, log_n) };
        mem[a] = *x;
    }
    for stage in 0..log_n {
        let bit = if inverse { log_n - 1 - stage } else { stage };
        let e = (log_n - 1 - bit) as u32;
        let c = constants[stage_constant_address(inverse, coset, e)];
        for k in 0..n / 2 {
            let lo = ((k >> bit) << (bit + 1)) | (k & ((1 << bit) - 1));
            let hi = lo | 1 << bit;
            let j = k & ((1 << bit) - 1);
            let idx = (j << (MAX_LOG_SIZE - 1 - bit)) % MAX_SIZE;
            let idx = if inverse {
                (MAX_SIZE - idx) % MAX_SIZE
            } else {
                idx
            };
            let w = c * tw[idx];
            let (a, b) = (mem[lo], mem[hi]);
            let (x, y) = butterfly_reference(a, b, w, inverse);
            mem[lo] = x;
            mem[hi] = y;
        }
    }
    (0..n)
        .map(|i| mem[if inverse { bit_reverse(i, log_n) } else { i }])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    #[test]
    fn schedule_model_is_ark_poly_at_every_size() {
        let mut rng = ark_std::test_rng();
        for log_n in 1..=MAX_LOG_SIZE {
            let n = 1 << log_n;
            let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let c = d.get_coset(Fr::GENERATOR).unwrap();
            assert_eq!(schedule_model(&x, false, false), d.fft(&x), "fft 2^{log_n}");
            assert_eq!(
                schedule_model(&x, true, false),
                d.ifft(&x),
                "ifft 2^{log_n}"
            );
            assert_eq!(
                schedule_model(&x, false, true),
                c.fft(&x),
                "coset fft 2^{log_n}"
            );
            assert_eq!(
                schedule_model(&x, true, true),
                c.ifft(&x),
                "coset ifft 2^{log_n}"
            );
        }
    }

    #[test]
    fn formats() {
        assert_eq!(bit_reverse(1, 3), 4);
        assert_eq!(bit_reverse(6, 3), 3);
        assert_eq!(bit_reverse(0, 0), 0);
        assert_eq!(config_word(12, true, true), 12 | 0x300);
        assert_eq!(ELEMENTS_PER_BEAT * 256, crate::bus::DATA_PORT_BITS);
        assert!(MAX_LOG_SIZE <= 15, "e fits the stage-constant address");
        assert_eq!(twiddle_table()[MAX_SIZE / 2], -Fr::one());
    }
}
