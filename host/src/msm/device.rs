//! MSM on a card through the driver — the same code for the in-process simulator,
//! vfio-user and a board.
//!
//! Per chunk of the card's capacity: the points split by scalar ([`super::scalar_plan`]);
//! the bases loaded into card memory unless the card already holds exactly these
//! (resident bases); the windowed points in passes of several windows
//! ([`super::pass_layout`]): CLEAR_BUCKETS, stream the digits, wait for IDLE, read the
//! buckets out, reduce them on the host (`Σ (m+1)·bucket[m]` by running sums) and
//! combine the windows (`Σ 2^(c·w) · window[w]`); the grouped points' sums
//! ([`super::group_sum`]) ride at the end of the last windowed pass (the stream goes on
//! with other bases once MSM_STATUS.DIGITS_CONSUMED) or in a pass of their own.
//! The window size comes from [`super::cycle_model`].

use super::cycle_model::{msm_cycles_model_passes, windows_per_pass};
use super::group_sum::GroupSegment;
use super::pass_layout::PassLayout;
use super::recode::{signed_digits_widths, window_widths};
use super::scalar_plan::{self, ScalarGroup};
use super::MsmStats;
use crate::g1::affine_words;
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
    /// Forgets which bases the card holds (after a reset: they are loaded again).
    pub fn forget_resident(&mut self) {
        self.resident = None;
    }

    /// How many times bases were loaded into card memory.
    pub fn base_loads(&self) -> u64 {
        self.base_loads
    }

    /// Window size for `n` points: the c that minimises the engine's cycle model
    /// ([`msm_cycles_model_passes`], with as many windows per pass as the buckets
    /// allow), capped by the card.
    pub fn default_window(&self, n: usize) -> u32 {
        let l = self.adder_latency as u64;
        let buckets = self.buckets as usize;
        (2..=self.max_window())
            .min_by_key(|&c| msm_cycles_model_passes(n as u64, c, l, windows_per_pass(c, buckets)))
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
        self.wait_status(dev, msm_status::IDLE, window)
    }

    fn wait_status(
        &mut self,
        dev: &mut dyn Device,
        bit: u32,
        window: usize,
    ) -> Result<u32, DeviceMsmError> {
        let deadline = self.idle_deadline;
        zkaccel_driver::wait_status(dev, &regmap::MSM_STATUS, bit, true, deadline).map_err(|e| {
            match e {
                DriverError::StatusTimeout { waited, .. } => DeviceMsmError::Timeout {
                    device: self.device(),
                    window,
                    waited,
                },
                e => e.into(),
            }
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
        let c = match window {
            Some(c) => c,
            None => self.default_window(g.max(1)),
        };
        // Digits first: passes cover only windows with a non-zero digit, balanced so the
        // last pass is not mostly empty slots (a zero digit still costs the feeder half a
        // cycle: it is paired with the next one).
        let widths = window_widths(c);
        let digits = signed_digits_of(&windowed, &windowed_scalars, &widths);
        let live = digits
            .iter()
            .filter(|row| row.iter().any(|&d| d != 0))
            .count();
        let k = if live == 0 {
            0
        } else {
            let most = windows_per_pass(c, self.buckets as usize).min(live);
            live.div_ceil(live.div_ceil(most))
        };
        // Card memory: the windowed bases (a pass streams k digits per base), then the
        // grouped ones.
        let mut memory = Vec::with_capacity(g + grouped.len());
        memory.extend_from_slice(&windowed);
        memory.extend_from_slice(&grouped);
        stats.bases_loaded += self.load_bases(dev, &memory)?;
        stats.window = c;
        stats.dropped_points += plan.dropped as u64;
        stats.grouped_points += grouped.len() as u64;
        let mut result = G1Projective::zero();
        if k > 0 {
            result += self.windowed_passes(dev, &digits, g, c, k, &plan.groups, stats)?;
        } else if !plan.groups.is_empty() {
            result += self.sum_pass(dev, &plan.groups, g, stats)?;
        }
        Ok(result)
    }

    /// One accumulation pass: its segments' digits streamed one after the other (each
    /// from its base index, with its digits per base; a segment after the first waits
    /// for MSM_STATUS.DIGITS_CONSUMED, not for the adder), then IDLE, then `readout`
    /// buckets read out; returns the beats and adds the card's counters to `stats`.
    fn pass(
        &mut self,
        dev: &mut dyn Device,
        segments: &[Segment],
        readout: usize,
        pass: usize,
        stats: &mut MsmStats,
    ) -> Result<Vec<Beat>, DeviceMsmError> {
        dev.write32(&regmap::MSM_CONTROL, msm_control::CLEAR_BUCKETS)?;
        for (s, segment) in segments.iter().enumerate() {
            if s > 0 {
                self.wait_status(dev, msm_status::DIGITS_CONSUMED, pass)?;
            }
            let beats: Vec<Beat> = segment
                .digits
                .chunks(DIGITS_PER_BEAT)
                .map(digit_beat)
                .collect();
            let d = &mut *dev;
            d.write32(&regmap::MSM_BASE_INDEX, segment.first as u32)?;
            d.write32(&regmap::MSM_DIGITS_PER_BASE, segment.per_base as u32)?;
            if s == 0 {
                d.write32(&regmap::MSM_MODE, mode::DIGITS)?;
            }
            d.data_write(&beats)?;
        }
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

    /// The windowed path over bases `0..n` (and the groups, bases from `n` on): passes
    /// of up to k windows from the top; in a
    /// pass, point i's digit for window j (of the pass) is streamed at position i·k + j
    /// (`MSM_DIGITS_PER_BASE` = k: base i) and lands in buckets from j·2^(c−1), so
    /// consecutive additions spread over all the pass's buckets. Windows whose digits
    /// are all zero are skipped. A bucket hit so often that its additions would come
    /// closer than twice the adder latency is spread round-robin over replica buckets
    /// after the pass's own, folded back before the reduction. Each pass is reduced on
    /// another thread while the card accumulates the next. The groups' segment follows
    /// the last pass's digits if its buckets fit beside that pass's, else it has a pass
    /// of its own.
    #[allow(clippy::too_many_arguments)]
    fn windowed_passes(
        &mut self,
        dev: &mut dyn Device,
        digits: &[Vec<i32>],
        n: usize,
        c: u32,
        k: usize,
        groups: &[ScalarGroup],
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
        let passes = order.chunks(k).count();
        let mut groups_done = groups.is_empty();
        // Added after the windows' Horner combination (it is not shifted).
        let mut groups_sum = G1Projective::zero();
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
                        stream[i * k + slot_of_window(j, k)] =
                            encode_digit(if d > 0 { m } else { -m });
                    }
                }
            }
            let mut segments = vec![Segment {
                digits: &stream,
                first: 0,
                per_base: k,
            }];
            let room = self.buckets as usize - layout.readout;
            let tail =
                (p + 1 == passes && !groups_done && GroupSegment::wanted(groups, spacing) <= room)
                    .then(|| GroupSegment::new(groups, layout.readout, room, spacing));
            if let Some(t) = &tail {
                segments.push(Segment {
                    digits: &t.digits,
                    first: n,
                    per_base: 1,
                });
            }
            let readout = layout.readout + tail.as_ref().map_or(0, |t| t.buckets());
            let out = self.pass(dev, &segments, readout, p, stats)?;
            if let Some(t) = &tail {
                groups_sum = t.result(groups, &out, &self.device(), p)?;
                groups_done = true;
            }
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
        if !groups_done {
            groups_sum = self.sum_pass(dev, groups, n, stats)?;
        }
        Ok(result + groups_sum)
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
        let spacing = 2 * self.adder_latency as usize;
        let segment = GroupSegment::new(groups, 0, self.buckets as usize, spacing);
        let segments = [Segment {
            digits: &segment.digits,
            first,
            per_base: 1,
        }];
        let out = self.pass(dev, &segments, segment.buckets(), 0, stats)?;
        segment.result(groups, &out, &self.device(), 0)
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

/// Digits streamed from base `first` on, `per_base` digits per base.
struct Segment<'a> {
    digits: &'a [u16],
    first: usize,
    per_base: usize,
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

/// Where window `j` of a pass sits among a point's `k` digit slots: the pass's upper
/// half of windows (from the top) interleaved with its lower half (slots 0, 2, 4, … and
/// 1, 3, 5, …). A narrow scalar's zero digits (its top windows) then alternate with
/// its non-zero ones, and the feeder takes a zero and the next digit in one cycle, so
/// they cost no issue slots. The buckets are in the digits, so any order is correct.
pub fn slot_of_window(j: usize, k: usize) -> usize {
    let h = k.div_ceil(2);
    if j < h {
        2 * j
    } else {
        2 * (j - h) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::slot_of_window;

    #[test]
    fn window_slots_are_a_permutation_that_interleaves_the_halves() {
        for k in 1..=40 {
            let mut slots: Vec<usize> = (0..k).map(|j| slot_of_window(j, k)).collect();
            // The top half's windows (first in the pass) are followed by the bottom's.
            if k >= 2 {
                assert_eq!(slots[0], 0);
                assert_eq!(slots[k.div_ceil(2)], 1);
            }
            slots.sort_unstable();
            assert_eq!(slots, (0..k).collect::<Vec<_>>(), "k = {k}");
        }
    }
}
