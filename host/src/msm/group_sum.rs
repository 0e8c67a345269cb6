//! The grouped points' part of a card pass: points that share a scalar value
//! ([`super::scalar_plan`]) summed by the card, each group spread round-robin over its
//! own buckets (so consecutive additions of a group are at least twice the adder's
//! latency apart), then `Σ value · group sum` on the host.
//!
//! The segment rides at the end of the last windowed pass when its buckets fit beside
//! the windowed ones (one drain and one readout for both), or in a pass of its own.

use super::device::DeviceMsmError;
use super::pass_layout::bucket_at;
use super::scalar_plan::{group_buckets, ScalarGroup};
use ark_bls12_381::{Fr, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use zkaccel_driver::Beat;
use zkaccel_spec::msm::encode_digit;

/// The groups' digits (one per point, one digit per base) and where their buckets are.
pub struct GroupSegment {
    pub digits: Vec<u16>,
    /// First bucket of the segment.
    pub offset: usize,
    /// Buckets per group.
    per_group: Vec<usize>,
}

impl GroupSegment {
    /// Buckets the groups would like (each up to `spacing`, the adder latency twice).
    pub fn wanted(groups: &[ScalarGroup], spacing: usize) -> usize {
        groups
            .iter()
            .map(|g| g.points.len().clamp(1, spacing))
            .sum()
    }

    /// The segment with its buckets from `offset`, within `room` buckets.
    pub fn new(groups: &[ScalarGroup], offset: usize, room: usize, spacing: usize) -> Self {
        let sizes: Vec<usize> = groups.iter().map(|g| g.points.len()).collect();
        let per_group = group_buckets(&sizes, spacing, room);
        let mut digits = Vec::with_capacity(sizes.iter().sum());
        let mut next = offset;
        for (size, buckets) in sizes.iter().zip(&per_group) {
            digits.extend((0..*size).map(|t| encode_digit((next + t % buckets + 1) as i32)));
            next += buckets;
        }
        GroupSegment {
            digits,
            offset,
            per_group,
        }
    }

    /// Buckets the segment uses (from `offset`).
    pub fn buckets(&self) -> usize {
        self.per_group.iter().sum()
    }

    /// `Σ value · (Σ group points)` from the pass's readout `out`.
    pub fn result(
        &self,
        groups: &[ScalarGroup],
        out: &[Beat],
        device: &str,
        pass: usize,
    ) -> Result<G1Projective, DeviceMsmError> {
        let one = Fr::from(1u8);
        let mut result = G1Projective::zero();
        let mut rest_points = vec![];
        let mut rest_scalars = vec![];
        let mut start = self.offset;
        for (g, buckets) in groups.iter().zip(&self.per_group) {
            let mut sum = G1Projective::zero();
            for m in start..start + buckets {
                sum += bucket_at(out, m, device, pass)?;
            }
            start += buckets;
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
