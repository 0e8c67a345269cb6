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
use super::scalar_plan::{self, group_buckets, ScalarGroup};
use super::MsmStats;
use crate::g1::{affine_words, from_homogeneous_words};
use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
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

/// Windows one accumulation pass covers for `n` points with windows of `c` bits, on a
/// card with `capacity` base slots and `buckets` buckets: the bases are loaded once per
/// window of the pass (copy j at indices j·n..), and window j of the pass uses buckets
/// from j·2^(c−1). More buckets are in flight at once (fewer conflicts) and the adder
/// drains once per pass instead of once per window.
pub fn windows_per_pass(n: usize, c: u32, capacity: usize, buckets: usize) -> usize {
    let stride = 1usize << (c - 1);
    (capacity / n.max(1))
        .min(buckets / stride)
        .min(window_widths(c).len())
        .max(1)
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
    /// ([`msm_cycles_model_passes`], with as many windows per pass as `capacity` base
    /// slots allow), capped by the card.
    pub fn default_window(&self, n: usize, capacity: usize) -> u32 {
        let l = self.adder_latency as u64;
        let buckets = self.buckets as usize;
        (2..=self.max_window())
            .min_by_key(|&c| {
                msm_cycles_model_passes(n as u64, c, l, windows_per_pass(n, c, capacity, buckets))
            })
            .unwrap_or(2)
    }

    /// `Σ scalars[i] · bases[i]` on the card, with window size `window` (or the default
    /// for the points that take the windowed path).
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
        if let Some(c) = window {
            self.check_window(c)?;
        }
        let started = Instant::now();
        let mut stats = MsmStats::default();
        let mut total = G1Projective::zero();
        for (b, s) in bases.chunks(self.chunk).zip(scalars.chunks(self.chunk)) {
            total += self.msm_chunk(dev, b, s, window, &mut stats)?;
        }
        stats.points = bases.len() as u64;
        stats.wall = started.elapsed();
        Ok((total, stats))
    }

    fn check_window(&self, c: u32) -> Result<(), DeviceMsmError> {
        if (2..=self.max_window()).contains(&c) {
            Ok(())
        } else {
            Err(DeviceMsmError::Window {
                device: self.device(),
                window: c,
                max: self.max_window(),
                buckets: self.buckets,
            })
        }
    }

    /// Writes `bases` to card memory from index 0 unless exactly these are resident;
    /// returns how many were written.
    fn load_bases(
        &mut self,
        dev: &mut dyn Device,
        bases: &[G1Affine],
    ) -> Result<u64, DeviceMsmError> {
        let fp = fingerprint(bases);
        if self.resident == Some((fp, bases.len())) {
            return Ok(0);
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
        Ok(bases.len() as u64)
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

    /// One chunk (at most the card's capacity): split by scalar ([`scalar_plan`]), the
    /// windowed points in passes of several windows when memory allows, the grouped
    /// points in one sum pass.
    fn msm_chunk(
        &mut self,
        dev: &mut dyn Device,
        bases: &[G1Affine],
        scalars: &[Fr],
        window: Option<u32>,
        stats: &mut MsmStats,
    ) -> Result<G1Projective, DeviceMsmError> {
        let plan = scalar_plan::plan(bases, scalars);
        let grouped: Vec<G1Affine> = plan
            .groups
            .iter()
            .flat_map(|g| g.points.iter().map(|&i| bases[i]))
            .collect();
        let windowed: Vec<G1Affine> = plan.windowed.iter().map(|&i| bases[i]).collect();
        let windowed_scalars: Vec<Fr> = plan.windowed.iter().map(|&i| scalars[i]).collect();
        let g = windowed.len();
        let room = self.capacity - grouped.len();
        let c = match window {
            Some(c) => c,
            None => self.default_window(g.max(1), room),
        };
        // Digits first: passes cover only windows with a non-zero digit, balanced so the
        // last pass is not mostly empty slots (each slot costs the feeder a cycle).
        let widths = window_widths(c);
        let digits = signed_digits_of(&windowed, &windowed_scalars, &widths);
        let live = digits
            .iter()
            .filter(|row| row.iter().any(|&d| d != 0))
            .count();
        let k = if live == 0 {
            0
        } else {
            let most = windows_per_pass(g, c, room, self.buckets as usize).min(live);
            live.div_ceil(live.div_ceil(most))
        };
        // Card memory: each windowed base k times in a row (index i·k + j), then the
        // grouped ones.
        let mut memory = Vec::with_capacity(k * g + grouped.len());
        for p in &windowed {
            memory.extend(std::iter::repeat(*p).take(k));
        }
        memory.extend_from_slice(&grouped);
        stats.bases_loaded += self.load_bases(dev, &memory)?;
        stats.window = c;
        stats.dropped_points += plan.dropped as u64;
        stats.grouped_points += grouped.len() as u64;
        let mut result = G1Projective::zero();
        if k > 0 {
            result += self.windowed_passes(dev, &digits, g, c, k, stats)?;
        }
        if !plan.groups.is_empty() {
            result += self.sum_pass(dev, &plan.groups, k * g, stats)?;
        }
        Ok(result)
    }

    /// Streams one pass's digits from base index `first`, waits for the engine, reads
    /// `readout` buckets out; returns the beats and adds the card's counters to `stats`.
    fn pass(
        &mut self,
        dev: &mut dyn Device,
        digits: &[u16],
        first: usize,
        readout: usize,
        pass: usize,
        stats: &mut MsmStats,
    ) -> Result<Vec<Beat>, DeviceMsmError> {
        let beats: Vec<Beat> = digits.chunks(DIGITS_PER_BEAT).map(digit_beat).collect();
        let d = &mut *dev;
        d.write32(&regmap::MSM_CONTROL, msm_control::CLEAR_BUCKETS)?;
        d.write32(&regmap::MSM_BASE_INDEX, first as u32)?;
        d.write32(&regmap::MSM_MODE, mode::DIGITS)?;
        d.data_write(&beats)?;
        let status = self.wait_idle(dev, pass)?;
        for (bit, what) in [
            (msm_status::DIGIT_RANGE, "a digit above the bucket count"),
            (msm_status::BASE_RANGE, "a base index beyond card memory"),
        ] {
            if status & bit != 0 {
                return Err(DeviceMsmError::EngineError {
                    device: self.device(),
                    what,
                    status,
                    window: pass,
                });
            }
        }
        let d = &mut *dev;
        let adds = d.read32(&regmap::MSM_ADDS)? as u64;
        let accumulate = d.read32(&regmap::MSM_ACTIVE_CYCLES)? as u64;
        d.write32(&regmap::MSM_MODE, mode::READOUT)?;
        d.write32(&regmap::MSM_READOUT_COUNT, readout as u32)?;
        d.write32(&regmap::MSM_CONTROL, msm_control::START_READOUT)?;
        let out = d.data_read(readout * BEATS_PER_BUCKET)?;
        self.wait_idle(dev, pass)?;
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
                window: pass,
            });
        }
        stats.adds += adds;
        stats.accumulate_cycles += accumulate;
        stats.readout_cycles += with_readout.saturating_sub(accumulate);
        stats.passes += 1;
        Ok(out)
    }

    /// The windowed path over bases `0..k·n` (each point k times in a row): passes of
    /// up to k windows from the top; in a pass, point i's digit for window j (of the
    /// pass) is streamed at index i·k + j and lands in buckets from j·2^(c−1), so
    /// consecutive additions spread over all the pass's buckets. Windows whose digits
    /// are all zero are skipped. A bucket hit so often that its additions would come
    /// closer than twice the adder latency is spread round-robin over replica buckets
    /// after the pass's own, folded back before the reduction. Each pass is reduced on
    /// another thread while the card accumulates the next.
    fn windowed_passes(
        &mut self,
        dev: &mut dyn Device,
        digits: &[Vec<i32>],
        n: usize,
        c: u32,
        k: usize,
        stats: &mut MsmStats,
    ) -> Result<G1Projective, DeviceMsmError> {
        let widths = window_widths(c);
        let stride = 1usize << (c - 1);
        let order: Vec<usize> = (0..widths.len())
            .rev()
            .filter(|&w| digits[w].iter().any(|&d| d != 0))
            .collect();
        let spacing = 2 * self.adder_latency as usize;
        let mut result = G1Projective::zero();
        let mut done_to = widths.len(); // windows above this one are combined
        let mut pending: Option<(Vec<usize>, PassReduction)> = None;
        for (p, pass) in order.chunks(k).enumerate() {
            let layout = PassLayout::new(
                pass,
                &digits,
                &widths,
                stride,
                spacing,
                self.buckets as usize,
            );
            let mut stream = vec![0u16; n * k];
            let mut seen = vec![0u32; pass.len() * stride];
            for i in 0..n {
                for (j, &w) in pass.iter().enumerate() {
                    let d = digits[w][i];
                    if d != 0 {
                        let bucket = layout.bucket(j, d.unsigned_abs() as usize, &mut seen);
                        let m = bucket as i32 + 1;
                        stream[i * k + j] = encode_digit(if d > 0 { m } else { -m });
                    }
                }
            }
            let out = self.pass(dev, &stream, 0, layout.readout, p, stats)?;
            stats.windows += pass.len() as u64;
            if let Some((windows, handle)) = pending.take() {
                for (w, sum) in windows.iter().zip(join(handle)?) {
                    shift_over(&mut result, &widths, &mut done_to, *w + 1);
                    combine(&mut result, widths[*w], sum);
                    done_to = *w;
                }
            }
            let device = self.device();
            let used: Vec<usize> = pass.iter().map(|&w| 1usize << (widths[w] - 1)).collect();
            pending = Some((
                pass.to_vec(),
                std::thread::spawn(move || layout.reduce(&out, &used, &device, p)),
            ));
        }
        if let Some((windows, handle)) = pending.take() {
            for (w, sum) in windows.iter().zip(join(handle)?) {
                shift_over(&mut result, &widths, &mut done_to, *w + 1);
                combine(&mut result, widths[*w], sum);
                done_to = *w;
            }
        }
        // Windows below the last non-zero one still shift the result.
        shift_over(&mut result, &widths, &mut done_to, 0);
        Ok(result)
    }

    /// The grouped points (bases from index `first`, group by group) summed in one
    /// pass, each group spread round-robin over its own buckets; the host multiplies
    /// each group's sum by its value.
    fn sum_pass(
        &mut self,
        dev: &mut dyn Device,
        groups: &[ScalarGroup],
        first: usize,
        stats: &mut MsmStats,
    ) -> Result<G1Projective, DeviceMsmError> {
        let sizes: Vec<usize> = groups.iter().map(|g| g.points.len()).collect();
        let spacing = 2 * self.adder_latency as usize;
        let per_group = group_buckets(&sizes, spacing, self.buckets as usize);
        let mut digits = Vec::with_capacity(sizes.iter().sum());
        let mut offset = 0usize;
        for (size, buckets) in sizes.iter().zip(&per_group) {
            digits.extend((0..*size).map(|t| encode_digit((offset + t % buckets + 1) as i32)));
            offset += buckets;
        }
        let out = self.pass(dev, &digits, first, offset, 0, stats)?;
        let mut sums = Vec::with_capacity(groups.len());
        let mut start = 0usize;
        for buckets in &per_group {
            let mut sum = G1Projective::zero();
            for m in start..start + buckets {
                sum += bucket_at(&out, m, &self.device(), 0)?;
            }
            sums.push(sum);
            start += buckets;
        }
        let one = Fr::from(1u8);
        let mut result = G1Projective::zero();
        let mut rest_points = vec![];
        let mut rest_scalars = vec![];
        for (g, sum) in groups.iter().zip(sums) {
            if g.value == one {
                result += sum;
            } else if g.value == -one {
                result -= sum;
            } else {
                rest_points.push(sum);
                rest_scalars.push(g.value);
            }
        }
        if !rest_points.is_empty() {
            let affine = G1Projective::normalize_batch(&rest_points);
            result += G1Projective::msm(&affine, &rest_scalars).expect("same length");
        }
        Ok(result)
    }
}

/// `digits[w][i]`: the signed digit of scalar i in window w (0 for an identity base,
/// whose memory word is never read).
fn signed_digits_of(bases: &[G1Affine], scalars: &[Fr], widths: &[u32]) -> Vec<Vec<i32>> {
    let mut digits = vec![vec![0i32; bases.len()]; widths.len()];
    for (i, (p, s)) in bases.iter().zip(scalars).enumerate() {
        if p.is_zero() {
            continue;
        }
        for (w, d) in signed_digits_widths(s, widths).into_iter().enumerate() {
            digits[w][i] = d;
        }
    }
    digits
}

type PassReduction = std::thread::JoinHandle<Result<Vec<G1Projective>, DeviceMsmError>>;

fn join(handle: PassReduction) -> Result<Vec<G1Projective>, DeviceMsmError> {
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

/// Shifts `result` over the all-zero windows `stop..*done_to` (Horner with a zero
/// window sum), leaving `*done_to = stop`.
fn shift_over(result: &mut G1Projective, widths: &[u32], done_to: &mut usize, stop: usize) {
    while *done_to > stop {
        *done_to -= 1;
        combine(result, widths[*done_to], G1Projective::zero());
    }
}

/// Where one windowed pass puts its additions: window j of the pass in buckets
/// `j·stride ..` (stride = 2^(c−1)), hot buckets spread over replicas after the last
/// window's buckets.
struct PassLayout {
    stride: usize,
    /// Per window of the pass, per magnitude (1-based): (replicas, first extra bucket).
    replicas: Vec<Vec<(u32, usize)>>,
    /// Buckets to read out.
    readout: usize,
}

impl PassLayout {
    fn new(
        pass: &[usize],
        digits: &[Vec<i32>],
        widths: &[u32],
        stride: usize,
        spacing: usize,
        buckets: usize,
    ) -> Self {
        // The last window of the pass may be narrower: its buckets end the range.
        let last = *pass.last().expect("a pass has a window");
        let first_extra = (pass.len() - 1) * stride + (1usize << (widths[last] - 1));
        let mut counts = vec![vec![0usize; stride + 1]; pass.len()];
        let mut adds = 0usize;
        for (j, &w) in pass.iter().enumerate() {
            for &d in &digits[w] {
                if d != 0 {
                    counts[j][d.unsigned_abs() as usize] += 1;
                    adds += 1;
                }
            }
        }
        // Extra buckets: at most half the pass's own again (their readout costs).
        let budget = (buckets - first_extra).min(first_extra / 2);
        let mut next = first_extra;
        let mut replicas = vec![vec![(1u32, 0usize); stride + 1]; pass.len()];
        for (j, row) in counts.iter().enumerate() {
            for (m, &count) in row.iter().enumerate() {
                // Hot: more than three times its share of the pass's additions, and so
                // many that they would come closer than `spacing` apart.
                let hot = count * first_extra > 3 * adds;
                let want = (count * spacing).div_ceil(adds.max(1)).min(count);
                if hot && want >= 2 {
                    let extra = (want - 1).min(first_extra + budget - next);
                    if extra > 0 {
                        replicas[j][m] = (extra as u32 + 1, next);
                        next += extra;
                    }
                }
            }
        }
        PassLayout {
            stride,
            replicas,
            readout: next,
        }
    }

    /// The bucket of the next addition of magnitude `m` in window `j` of the pass
    /// (round-robin over its replicas; `seen` counts per bucket of the pass).
    fn bucket(&self, j: usize, m: usize, seen: &mut [u32]) -> usize {
        let home = j * self.stride + m - 1;
        let (r, first) = self.replicas[j][m];
        let t = seen[home];
        seen[home] += 1;
        match t % r {
            0 => home,
            x => first + x as usize - 1,
        }
    }

    /// The pass's window sums: replicas folded into their buckets, then each window
    /// reduced (`used[j]`: buckets window j reaches).
    fn reduce(
        &self,
        out: &[Beat],
        used: &[usize],
        device: &str,
        pass: usize,
    ) -> Result<Vec<G1Projective>, DeviceMsmError> {
        let mut sums = Vec::with_capacity(used.len());
        for (j, &used) in used.iter().enumerate() {
            let mut buckets = Vec::with_capacity(used);
            for m in 1..=used {
                let mut b = bucket_at(out, j * self.stride + m - 1, device, pass)?;
                let (r, first) = self.replicas[j][m];
                for x in 0..r as usize - 1 {
                    b += bucket_at(out, first + x, device, pass)?;
                }
                buckets.push(b);
            }
            sums.push(reduce_buckets(&buckets));
        }
        Ok(sums)
    }
}

/// Bucket `m` of a readout, checked to be a curve point.
fn bucket_at(
    out: &[Beat],
    m: usize,
    device: &str,
    pass: usize,
) -> Result<G1Projective, DeviceMsmError> {
    let beat = &out[m * BEATS_PER_BUCKET..(m + 1) * BEATS_PER_BUCKET];
    let mut words = [[0u64; 6]; 3];
    for (k, b) in beat.iter().enumerate() {
        words[k].copy_from_slice(&b[..6]);
    }
    from_homogeneous_words(&words).ok_or_else(|| DeviceMsmError::BadBucket {
        device: device.to_string(),
        window: pass,
        bucket: m,
    })
}

/// A window's buckets reduced to `Σ (m+1)·B[m] = Σ_m (B[m] + B[m+1] + ...)`, by a
/// running sum from the top.
fn reduce_buckets(buckets: &[G1Projective]) -> G1Projective {
    let mut running = G1Projective::zero();
    let mut window_sum = G1Projective::zero();
    for b in buckets.iter().rev() {
        running += b;
        window_sum += running;
    }
    window_sum
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
