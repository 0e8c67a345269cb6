//! Build parameters and data formats of the MSM engine: the single definition used by
//! the HDL, the simulator and the host.
//!
//! **Digits.** The host recodes each scalar into signed base-2^c digits
//! (`c ≤ MAX_WINDOW_BITS`) and streams the digits of a pass (one or more windows): 32
//! digits per 512-bit beat, little-endian `u16` each, bit 15 the sign (1 = subtract the
//! base), bits 14..0 the magnitude (0 = no addition). With `MSM_DIGITS_PER_BASE` = k
//! (0 counts as 1), digit `m` of the stream applies to base `MSM_BASE_INDEX + ⌊m/k⌋`:
//! a pass of k windows streams each point's k digits in a row, and the host offsets
//! window j's buckets by j·2^(c−1). A digit of magnitude `m` adds ±base to bucket
//! `m − 1`.
//!
//! **Bases** are loaded once into card memory, two beats per point: beat 0 holds x,
//! beat 1 holds y, each as 48 little-endian bytes of ark-ff's Montgomery form,
//! zero-padded to 64 bytes.
//!
//! **Readout** streams buckets `0 .. MSM_READOUT_COUNT` in order, three beats per
//! bucket: X, Y, Z in homogeneous projective coordinates, same encoding. An empty
//! bucket reads as the identity (0 : 1 : 0).

/// log2 of the number of buckets in this build (the window-size build parameter).
pub const BUCKET_BITS: usize = 12;
/// Buckets in this build.
pub const BUCKETS: usize = 1 << BUCKET_BITS;
/// Largest window the engine supports: signed digits of magnitude ≤ 2^(c−1) = BUCKETS.
pub const MAX_WINDOW_BITS: u32 = BUCKET_BITS as u32 + 1;
/// log2 of the base memory capacity (points).
pub const BASE_ADDR_BITS: usize = 12;
/// Bases the card memory holds in this build.
pub const BASE_CAPACITY: usize = 1 << BASE_ADDR_BITS;
/// log2 of the conflict queue depth (additions waiting for a bucket in flight).
pub const QUEUE_BITS: usize = 6;
/// Cycles from a base read request to its data (the card memory's read latency: about
/// 130 ns at 250 MHz, in the range of HBM and DDR4 controllers).
pub const BASE_MEMORY_LATENCY: usize = 32;
/// Tag travelling with a base read: `{negate, bucket}`.
pub const BASE_TAG_BITS: usize = BUCKET_BITS + 1;
/// log2 of the feeder's response buffer: base reads in flight or waiting for the
/// bucket engine. Must exceed the memory latency for one read per cycle.
pub const FETCH_BITS: usize = 6;

/// Digits per 512-bit beat.
pub const DIGITS_PER_BEAT: usize = 32;
/// Sign bit of a digit.
pub const DIGIT_NEGATIVE: u16 = 1 << 15;
/// Beats per base point when loading.
pub const BEATS_PER_BASE: usize = 2;
/// Cycles from an addition's issue into the point adder to its sum (the G1 point
/// adder's pipeline depth). Pinned to the generated adder by `zkaccel-hdl`'s tests;
/// the host's cycle model uses it.
pub const POINT_ADDER_LATENCY: usize = 116;
/// Beats per bucket on readout.
pub const BEATS_PER_BUCKET: usize = 3;

/// Encodes a signed digit (|d| ≤ BUCKETS) in the card's 16-bit format.
pub fn encode_digit(d: i32) -> u16 {
    assert!(
        d.unsigned_abs() as usize <= BUCKETS,
        "digit {d} exceeds the bucket count"
    );
    let m = d.unsigned_abs() as u16;
    if d < 0 {
        m | DIGIT_NEGATIVE
    } else {
        m
    }
}

/// 64-bit words per 512-bit beat.
pub const BEAT_WORDS: usize = crate::bus::DATA_PORT_BITS / 64;

/// A beat of up to 32 encoded digits (digit k in bits 16k..16k+15, unused digits 0).
pub fn digit_beat(digits: &[u16]) -> [u64; BEAT_WORDS] {
    assert!(
        digits.len() <= DIGITS_PER_BEAT,
        "{} digits do not fit a beat",
        digits.len()
    );
    let mut b = [0u64; BEAT_WORDS];
    for (j, d) in digits.iter().enumerate() {
        b[j / 4] |= (*d as u64) << (16 * (j % 4));
    }
    b
}

/// A beat holding one Fq coordinate (six limbs, zero-padded): base loads and readout.
pub fn coordinate_beat(limbs: &[u64; 6]) -> [u64; BEAT_WORDS] {
    let mut b = [0u64; BEAT_WORDS];
    b[..6].copy_from_slice(limbs);
    b
}

/// What the data port carries (`MSM_MODE`).
pub mod mode {
    /// Beats loop back (the DMA self-test).
    pub const LOOPBACK: u32 = 0;
    /// Beats are base points written to card memory from `MSM_BASE_INDEX` on.
    pub const LOAD_BASES: u32 = 1;
    /// Beats are digits of the current window.
    pub const DIGITS: u32 = 2;
    /// The card streams bucket sums out (after `MSM_CONTROL.START_READOUT`).
    pub const READOUT: u32 = 3;
}

/// `MSM_CONTROL` bits (write 1 to act).
pub mod msm_control {
    /// Empty every bucket; clear MSM_ADDS, MSM_ACTIVE_CYCLES and the MSM error bits.
    /// Only while the engine is idle.
    pub const CLEAR_BUCKETS: u32 = 1 << 0;
    /// Stream buckets 0 .. MSM_READOUT_COUNT out on the data port (mode READOUT).
    pub const START_READOUT: u32 = 1 << 1;
}

/// `MSM_STATUS` bits.
pub mod msm_status {
    /// Nothing pending: no digit waiting, no addition queued or in flight, no readout.
    pub const IDLE: u32 = 1 << 0;
    /// A digit's magnitude exceeded the bucket count; it was dropped.
    pub const DIGIT_RANGE: u32 = 1 << 1;
    /// A base index beyond the card memory was used; the access was dropped.
    pub const BASE_RANGE: u32 = 1 << 2;
    /// Mode DIGITS and every digit streamed so far taken by the feeder (additions may
    /// still be in flight): MSM_BASE_INDEX and MSM_DIGITS_PER_BASE may be written for
    /// the next digits of the same pass.
    pub const DIGITS_CONSUMED: u32 = 1 << 3;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_encoding() {
        assert_eq!(encode_digit(0), 0);
        assert_eq!(encode_digit(5), 5);
        assert_eq!(encode_digit(-5), 0x8005);
        assert_eq!(encode_digit(BUCKETS as i32), BUCKETS as u16);
        assert!(BUCKETS < DIGIT_NEGATIVE as usize);
        assert_eq!(DIGITS_PER_BEAT * 16, crate::bus::DATA_PORT_BITS);
        let b = digit_beat(&[1, 2, 0, 0, 0x8005]);
        assert_eq!(b[0], 1 | 2 << 16);
        assert_eq!(b[1], 0x8005);
    }
}
