//! MSM on a card through the driver — the same code for the in-process simulator,
//! vfio-user and a board.
//!
//! Per MSM: the bases are loaded into card memory unless the card already holds these
//! exact bases (resident bases: a prover's fixed setup is loaded once); then for each
//! window: CLEAR_BUCKETS, stream the window's digits, wait for IDLE, read the buckets
//! out and reduce them on the host (`Σ (m+1)·bucket[m]` by running sums), and combine
//! the windows (`Σ 2^(c·w) · window[w]`). An MSM larger than the card memory runs in
//! chunks of the capacity, each reloading its bases.

use super::recode::{signed_digits_widths, window_widths};
use super::MsmStats;
use crate::g1::{affine_words, from_homogeneous_words};
use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Zero};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use zkaccel_driver::{Beat, CardIdentity, Device, DriverError};
use zkaccel_spec::msm::{
    coordinate_beat, digit_beat, encode_digit, mode, msm_control, msm_status, BEATS_PER_BUCKET,
    DIGITS_PER_BEAT,
};
use zkaccel_spec::regmap::{self, capabilities};

/// What can go wrong running an MSM on a card.
#[derive(Debug, thiserror::Error)]
pub enum DeviceMsmError {
    #[error(transparent)]
    Driver(#[from] DriverError),
    #[error("{device} has no MSM engine (CAPABILITIES = {caps:#x})")]
    NoEngine { device: String, caps: u32 },
    #[error(
        "{device}: window size {window} is outside 2..={max} for this card ({buckets} buckets)"
    )]
    Window {
        device: String,
        window: u32,
        max: u32,
        buckets: u32,
    },
    #[error("{device}: the MSM engine did not go idle within {waited:?} (window {window})")]
    Timeout {
        device: String,
        window: usize,
        waited: Duration,
    },
    #[error(
        "{device}: the MSM engine reported {what} (MSM_STATUS = {status:#x}) in window {window}"
    )]
    EngineError {
        device: String,
        what: &'static str,
        status: u32,
        window: usize,
    },
    #[error("{device}: bucket {bucket} of window {window} read back as no curve point")]
    BadBucket {
        device: String,
        window: usize,
        bucket: usize,
    },
    #[error(
        "{device} refused a register write at {addr:#x} during window {window} (STATUS.BUS_ERROR)"
    )]
    Refused {
        device: String,
        addr: u32,
        window: usize,
    },
    #[error("{count} points but {scalars} scalars")]
    LengthMismatch { count: usize, scalars: usize },
}

/// The MSM unit of a card: its parameters and what its memory holds. It does not own
/// the device; every job borrows it (an [`crate::accelerator::Card`] holds both, so the
/// device it was probed on is the one it is used with).
pub struct MsmUnit {
    /// The device's name (for messages).
    device: String,
    buckets: u32,
    capacity: usize,
    adder_latency: u32,
    /// Fingerprint and count of the bases resident in card memory.
    resident: Option<([u8; 32], usize)>,
    /// How long to wait for the engine per window.
    pub idle_deadline: Duration,
    /// Bases per chunk: the card capacity, or less (to exercise chunking in tests).
    chunk: usize,
    /// Base loads performed (resident bases make repeated MSMs skip them).
    base_loads: u64,
}

/// Modelled card cycles of an MSM of `n` points with windows of up to `c` bits
/// ([`window_widths`]) and adder latency `l`, summed over the windows. In a window of
/// B reachable buckets, digits enter at one per cycle while a bucket takes one addition
/// per `l` cycles; additions that find their bucket in flight wait in the queue, which
/// costs about a fraction `l / 2B` of the issue slots (fits the measured utilization:
/// 0.66 at B = 128, 0.96 at B = 1024, l = 88). A window whose digits reach fewer
/// buckets than the latency serialises: `n · l / B`. Plus ~150 cycles of adder drain
/// and register traffic, and three cycles per bucket read out.
pub fn msm_cycles_model(n: u64, c: u32, l: u64) -> u64 {
    use ark_ff::{BigInteger, PrimeField};
    let r = num_bigint::BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le());
    let mut start = 0usize;
    let mut total = 0u64;
    for w in window_widths(c) {
        let buckets = 1u64 << (w - 1);
        let top = &r >> start;
        let reach = u64::try_from(top)
            .unwrap_or(u64::MAX)
            .saturating_add(1)
            .min(buckets)
            .max(1);
        let loss = (l as f64 / (2.0 * reach as f64)).min(0.5);
        let accumulate = (n as f64 / (1.0 - loss)).max((n * l / reach) as f64);
        total += accumulate as u64 + 150 + 3 * buckets;
        start += w as usize;
    }
    total
}

fn fingerprint(bases: &[G1Affine]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in bases {
        match affine_words(p) {
            Some(w) => w.iter().flatten().for_each(|l| h.update(l.to_le_bytes())),
            None => h.update([0xFF; 8]),
        }
    }
    h.finalize().into()
}

impl MsmUnit {
    /// Checks the MSM capability of an identified card and reads the unit's parameters.
    pub fn probe(dev: &mut dyn Device, id: &CardIdentity) -> Result<Self, DeviceMsmError> {
        if id.capabilities & capabilities::MSM == 0 {
            return Err(DeviceMsmError::NoEngine {
                device: dev.device(),
                caps: id.capabilities,
            });
        }
        // A client killed mid-job can leave the unit busy (a readout nobody reads):
        // bring it back with a soft reset before using it.
        zkaccel_driver::idle_engine(
            dev,
            &regmap::MSM_STATUS,
            msm_status::IDLE,
            Duration::from_secs(10),
        )?;
        let buckets = dev.read32(&regmap::MSM_BUCKETS)?;
        let capacity = dev.read32(&regmap::MSM_BASE_CAPACITY)? as usize;
        let adder_latency = dev.read32(&regmap::MSM_ADDER_LATENCY)?;
        Ok(Self {
            device: dev.device(),
            buckets,
            capacity,
            adder_latency,
            resident: None,
            idle_deadline: Duration::from_secs(600),
            chunk: capacity,
            base_loads: 0,
        })
    }

    pub fn device(&self) -> String {
        self.device.clone()
    }
    /// Largest window size the card supports.
    pub fn max_window(&self) -> u32 {
        self.buckets.trailing_zeros() + 1
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Splits MSMs into chunks of at most `n` bases (≤ the card capacity).
    pub fn set_chunk(&mut self, n: usize) {
        self.chunk = n.clamp(1, self.capacity);
    }
    /// How many times bases were loaded into card memory.
    pub fn base_loads(&self) -> u64 {
        self.base_loads
    }

    /// Window size for `n` points: the c that minimises the engine's cycle model
    /// ([`msm_cycles_model`]), capped by the card.
    pub fn default_window(&self, n: usize) -> u32 {
        let l = self.adder_latency as u64;
        (2..=self.max_window())
            .min_by_key(|&c| msm_cycles_model(n as u64, c, l))
            .unwrap_or(1)
    }

    /// `Σ scalars[i] · bases[i]` on the card, with window size `window` (or the default).
    pub fn msm(
        &mut self,
        dev: &mut dyn Device,
        bases: &[G1Affine],
        scalars: &[Fr],
        window: Option<u32>,
    ) -> Result<(G1Projective, MsmStats), DeviceMsmError> {
        if bases.len() != scalars.len() {
            return Err(DeviceMsmError::LengthMismatch {
                count: bases.len(),
                scalars: scalars.len(),
            });
        }
        let c = window.unwrap_or_else(|| self.default_window(bases.len().min(self.chunk)));
        if !(2..=self.max_window()).contains(&c) {
            return Err(DeviceMsmError::Window {
                device: self.device(),
                window: c,
                max: self.max_window(),
                buckets: self.buckets,
            });
        }
        let started = Instant::now();
        let mut stats = MsmStats {
            window: c,
            ..Default::default()
        };
        let mut total = G1Projective::zero();
        for (b, s) in bases.chunks(self.chunk).zip(scalars.chunks(self.chunk)) {
            total += self.msm_chunk(dev, b, s, c, &mut stats)?;
        }
        stats.wall = started.elapsed();
        Ok((total, stats))
    }

    fn load_bases(
        &mut self,
        dev: &mut dyn Device,
        bases: &[G1Affine],
    ) -> Result<(), DeviceMsmError> {
        let fp = fingerprint(bases);
        if self.resident == Some((fp, bases.len())) {
            return Ok(());
        }
        self.resident = None;
        let mut beats = Vec::with_capacity(2 * bases.len());
        for p in bases {
            // The identity has no affine coordinates; its digits are forced to 0, so
            // the word stored for it is never read.
            let [x, y] = affine_words(p).unwrap_or([[0; 6], [0; 6]]);
            beats.push(coordinate_beat(&x));
            beats.push(coordinate_beat(&y));
        }
        let d = &mut *dev;
        d.write32(&regmap::MSM_MODE, mode::LOAD_BASES)?;
        d.write32(&regmap::MSM_BASE_INDEX, 0)?;
        d.data_write(&beats)?;
        d.write32(&regmap::MSM_MODE, mode::LOOPBACK)?;
        let index = d.read32(&regmap::MSM_BASE_INDEX)?;
        let status = d.read32(&regmap::MSM_STATUS)?;
        if index as usize != bases.len() || status & msm_status::BASE_RANGE != 0 {
            return Err(DeviceMsmError::EngineError {
                device: self.device(),
                what: "a base load that did not store every point",
                status,
                window: 0,
            });
        }
        self.resident = Some((fp, bases.len()));
        self.base_loads += 1;
        Ok(())
    }

    fn wait_idle(&mut self, dev: &mut dyn Device, window: usize) -> Result<u32, DeviceMsmError> {
        let deadline = self.idle_deadline;
        zkaccel_driver::wait_status(dev, &regmap::MSM_STATUS, msm_status::IDLE, true, deadline)
            .map_err(|e| match e {
                DriverError::StatusTimeout { waited, .. } => DeviceMsmError::Timeout {
                    device: self.device(),
                    window,
                    waited,
                },
                e => e.into(),
            })
    }

    fn msm_chunk(
        &mut self,
        dev: &mut dyn Device,
        bases: &[G1Affine],
        scalars: &[Fr],
        c: u32,
        stats: &mut MsmStats,
    ) -> Result<G1Projective, DeviceMsmError> {
        self.load_bases(dev, bases)?;
        let widths = window_widths(c);
        let windows = widths.len();
        // digits[w][i]
        let mut digits = vec![vec![0u16; bases.len()]; windows];
        for (i, (k, p)) in scalars.iter().zip(bases).enumerate() {
            if p.is_zero() {
                continue;
            }
            for (w, d) in signed_digits_widths(k, &widths).into_iter().enumerate() {
                digits[w][i] = encode_digit(d);
            }
        }
        let mut result = G1Projective::zero();
        let mut pending: Option<(usize, Reduction)> = None;
        for w in (0..windows).rev() {
            let used_buckets = 1usize << (widths[w] - 1);
            let row = &digits[w];
            let beats: Vec<Beat> = row.chunks(DIGITS_PER_BEAT).map(digit_beat).collect();
            let d = &mut *dev;
            d.write32(&regmap::MSM_CONTROL, msm_control::CLEAR_BUCKETS)?;
            d.write32(&regmap::MSM_BASE_INDEX, 0)?;
            d.write32(&regmap::MSM_MODE, mode::DIGITS)?;
            d.data_write(&beats)?;
            let status = self.wait_idle(dev, w)?;
            for (bit, what) in [
                (msm_status::DIGIT_RANGE, "a digit above the bucket count"),
                (msm_status::BASE_RANGE, "a base index beyond card memory"),
            ] {
                if status & bit != 0 {
                    return Err(DeviceMsmError::EngineError {
                        device: self.device(),
                        what,
                        status,
                        window: w,
                    });
                }
            }
            let d = &mut *dev;
            let adds = d.read32(&regmap::MSM_ADDS)? as u64;
            let accumulate = d.read32(&regmap::MSM_ACTIVE_CYCLES)? as u64;
            d.write32(&regmap::MSM_MODE, mode::READOUT)?;
            d.write32(&regmap::MSM_READOUT_COUNT, used_buckets as u32)?;
            d.write32(&regmap::MSM_CONTROL, msm_control::START_READOUT)?;
            let out = d.data_read(used_buckets * BEATS_PER_BUCKET)?;
            self.wait_idle(dev, w)?;
            let d = &mut *dev;
            let with_readout = d.read32(&regmap::MSM_ACTIVE_CYCLES)? as u64;
            d.write32(&regmap::MSM_MODE, mode::LOOPBACK)?;
            // Posted writes (PCIe) report nothing; the card records a refusal.
            if d.read32(&regmap::STATUS)? & regmap::status::BUS_ERROR != 0 {
                let addr = d.read32(&regmap::BUS_ERROR_ADDR)?;
                let _ = d.write32(&regmap::CONTROL, regmap::control::CLEAR_ERRORS);
                return Err(DeviceMsmError::Refused {
                    device: self.device(),
                    addr,
                    window: w,
                });
            }
            stats.adds += adds;
            stats.accumulate_cycles += accumulate;
            stats.readout_cycles += with_readout.saturating_sub(accumulate);
            stats.windows += 1;
            // Reduce this window on another thread while the card accumulates the next
            // one; windows are combined in order as their reductions finish.
            if let Some((pw, handle)) = pending.take() {
                combine(&mut result, widths[pw], join(handle)?);
            }
            let device = self.device();
            pending = Some((
                w,
                std::thread::spawn(move || reduce_window(&out, used_buckets, device, w)),
            ));
        }
        if let Some((pw, handle)) = pending.take() {
            combine(&mut result, widths[pw], join(handle)?);
        }
        stats.points += bases.len() as u64;
        Ok(result)
    }
}

type Reduction = std::thread::JoinHandle<Result<G1Projective, DeviceMsmError>>;

fn join(handle: Reduction) -> Result<G1Projective, DeviceMsmError> {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Horner over windows: `result · 2^width + window`.
fn combine(result: &mut G1Projective, width: u32, window: G1Projective) {
    for _ in 0..width {
        result.double_in_place();
    }
    *result += window;
}

/// A window's bucket sums (as read out) reduced to `Σ (m+1)·B[m] = Σ_m (B[m] + B[m+1] +
/// ...)`, by a running sum from the top.
fn reduce_window(
    out: &[Beat],
    used_buckets: usize,
    device: String,
    window: usize,
) -> Result<G1Projective, DeviceMsmError> {
    let mut running = G1Projective::zero();
    let mut window_sum = G1Projective::zero();
    for m in (0..used_buckets).rev() {
        let beat = &out[m * BEATS_PER_BUCKET..(m + 1) * BEATS_PER_BUCKET];
        let mut words = [[0u64; 6]; 3];
        for (k, b) in beat.iter().enumerate() {
            words[k].copy_from_slice(&b[..6]);
        }
        let bucket = from_homogeneous_words(&words).ok_or_else(|| DeviceMsmError::BadBucket {
            device: device.clone(),
            window,
            bucket: m,
        })?;
        running += bucket;
        window_sum += running;
    }
    Ok(window_sum)
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
