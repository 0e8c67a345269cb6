//! One windowed pass's bucket layout, and the host side of its readout: buckets decoded
//! and checked, replicas folded back, each window reduced.

use super::device::DeviceMsmError;
use crate::g1::from_homogeneous_words;
use ark_bls12_381::G1Projective;
use ark_ff::Zero;
use zkaccel_driver::Beat;
use zkaccel_spec::msm::BEATS_PER_BUCKET;

/// Where one windowed pass puts its additions: window j of the pass in buckets
/// `j·stride ..` (stride = 2^(c−1)), hot buckets spread over replicas after the last
/// window's buckets.
pub struct PassLayout {
    stride: usize,
    /// Per window of the pass, per magnitude (1-based): (replicas, first extra bucket).
    replicas: Vec<Vec<(u32, usize)>>,
    /// Buckets to read out.
    pub readout: usize,
}

impl PassLayout {
    pub fn new(
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
    pub fn bucket(&self, j: usize, m: usize, seen: &mut [u32]) -> usize {
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
    pub fn reduce(
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
pub fn bucket_at(
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
