//! Witness scalars are not random: Groth16 and KZG witnesses are full of 0s and 1s and
//! of repeated small values. Fed to the windowed path as they are, every point whose
//! scalar is 1 lands in one bucket of the lowest window and each of those additions
//! waits for the previous one to leave the adder; every zero digit still costs the
//! digit feeder a cycle.
//!
//! The plan splits an MSM's points by scalar before anything reaches the card:
//! * **dropped**: scalar 0 or the identity base: they add nothing;
//! * **groups**: a value shared by many points (1, −1, any value repeated at least
//!   [`MIN_REPEATS`] times; at most [`MAX_GROUPS`] groups, the largest first) is applied
//!   once: the card sums the group's points in one *sum pass* (each group spread
//!   round-robin over enough buckets that no bucket sees two additions within the
//!   adder's latency), and the host multiplies each group's sum by its value;
//! * **windowed**: the rest go through the signed-digit windows as before.
//!
//! The host's cost is one pass over the scalars (0 and ±1 by limb comparison, other
//! values through a hash map) and a small MSM over the group sums (one term per group;
//! ±1 cost an addition).

use ark_bls12_381::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{One, Zero};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Field elements hash to their limbs mixed by one multiply: already uniform for random
/// values, and far cheaper than SipHash (the plan runs on every MSM).
#[derive(Default)]
struct LimbHasher(u64);

impl Hasher for LimbHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100000001b3);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

/// A value other than ±1 becomes a group from this many points on.
pub const MIN_REPEATS: usize = 8;
/// ±1 become a group from this many points on.
pub const MIN_UNIT_REPEATS: usize = 2;
/// At most this many groups (each costs the host one scalar multiplication).
pub const MAX_GROUPS: usize = 64;
/// The plan is used when at least this fraction of the points is dropped or grouped;
/// below it the windowed path alone (with resident bases) is as good.
pub const MIN_SAVED_FRACTION: f64 = 1.0 / 8.0;

/// Points sharing one scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarGroup {
    pub value: Fr,
    /// Indices into the MSM's points, in order.
    pub points: Vec<usize>,
}

/// How an MSM's points are split (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarPlan {
    /// Indices of the points on the windowed path, in order.
    pub windowed: Vec<usize>,
    pub groups: Vec<ScalarGroup>,
    /// Points with scalar 0 or the identity as base.
    pub dropped: usize,
}

impl ScalarPlan {
    /// Every point on the windowed path (no split).
    pub fn all_windowed(n: usize) -> Self {
        ScalarPlan {
            windowed: (0..n).collect(),
            groups: vec![],
            dropped: 0,
        }
    }

    pub fn grouped_points(&self) -> usize {
        self.groups.iter().map(|g| g.points.len()).sum()
    }
}

/// The plan for `bases`/`scalars` (same length), or every point windowed when too few
/// points would be dropped or grouped to be worth it. 0 and ±1 (most of a witness) are
/// recognised by comparing limbs, without hashing; only other values are counted in a
/// hash map.
pub fn plan(bases: &[G1Affine], scalars: &[Fr]) -> ScalarPlan {
    assert_eq!(bases.len(), scalars.len(), "checked by the caller");
    let n = bases.len();
    let one = Fr::one();
    let minus_one = -one;
    let mut dropped = 0usize;
    let (mut ones, mut minus_ones) = (vec![], vec![]);
    // First pass: 0 and ±1 directly; how often each other value occurs.
    let mut counts: HashMap<[u64; 4], (u32, usize), BuildHasherDefault<LimbHasher>> =
        HashMap::with_hasher(Default::default());
    for (i, (p, s)) in bases.iter().zip(scalars).enumerate() {
        if s.is_zero() || p.is_zero() {
            dropped += 1;
        } else if *s == one {
            ones.push(i);
        } else if *s == minus_one {
            minus_ones.push(i);
        } else {
            counts.entry(s.0 .0).or_insert((0, i)).0 += 1;
        }
    }
    let mut candidates: Vec<(Fr, usize)> = counts
        .into_values()
        .filter(|&(count, _)| count as usize >= MIN_REPEATS)
        .map(|(count, first)| (scalars[first], count as usize))
        .collect();
    for (value, points) in [(one, &ones), (minus_one, &minus_ones)] {
        if points.len() >= MIN_UNIT_REPEATS {
            candidates.push((value, points.len()));
        }
    }
    // Largest first; ties by value so the plan does not depend on hash order.
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0 .0 .0.cmp(&b.0 .0 .0)));
    candidates.truncate(MAX_GROUPS);
    let grouped: usize = candidates.iter().map(|c| c.1).sum();
    if ((dropped + grouped) as f64) < MIN_SAVED_FRACTION * n as f64 {
        return ScalarPlan::all_windowed(n);
    }
    // Second pass (only for values other than ±1): the groups' points, in order.
    let slot: HashMap<[u64; 4], usize, BuildHasherDefault<LimbHasher>> = candidates
        .iter()
        .enumerate()
        .filter(|(_, (v, _))| *v != one && *v != minus_one)
        .map(|(g, (v, _))| (v.0 .0, g))
        .collect();
    let mut groups: Vec<ScalarGroup> = candidates
        .into_iter()
        .map(|(value, count)| ScalarGroup {
            value,
            points: if value == one {
                std::mem::take(&mut ones)
            } else if value == minus_one {
                std::mem::take(&mut minus_ones)
            } else {
                Vec::with_capacity(count)
            },
        })
        .collect();
    if !slot.is_empty() {
        for (i, (p, s)) in bases.iter().zip(scalars).enumerate() {
            if !p.is_zero() {
                if let Some(&g) = slot.get(&s.0 .0) {
                    groups[g].points.push(i);
                }
            }
        }
    }
    let mut in_group = vec![false; n];
    for g in &groups {
        for &i in &g.points {
            in_group[i] = true;
        }
    }
    let windowed = (0..n)
        .filter(|&i| !in_group[i] && !scalars[i].is_zero() && !bases[i].is_zero())
        .collect();
    ScalarPlan {
        windowed,
        groups,
        dropped,
    }
}

/// Buckets for each group in the sum pass: a group of `s` points gets
/// `min(s, spacing)` buckets, so that round-robin additions to one bucket are at least
/// `spacing` apart in the stream (`spacing` = twice the adder latency); scaled down
/// (each at least one) when they would not fit in `buckets`.
pub fn group_buckets(sizes: &[usize], spacing: usize, buckets: usize) -> Vec<usize> {
    let mut want: Vec<usize> = sizes.iter().map(|&s| s.min(spacing).max(1)).collect();
    let total: usize = want.iter().sum();
    if total > buckets {
        for w in want.iter_mut() {
            *w = (*w * buckets / total).max(1);
        }
        // Rounding down kept the total within `buckets` unless many groups were raised
        // to one; MAX_GROUPS is far below the bucket count, so this always fits.
    }
    want
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::G1Projective;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    fn points(n: usize) -> Vec<G1Affine> {
        let mut rng = ark_std::test_rng();
        let p: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(&mut rng)).collect();
        G1Projective::normalize_batch(&p)
    }

    #[test]
    fn skewed_scalars_split_into_dropped_groups_and_windowed() {
        let mut rng = ark_std::test_rng();
        let n = 400;
        let bases = points(n);
        let scalars: Vec<Fr> = (0..n)
            .map(|i| match i % 4 {
                0 | 1 => Fr::zero(),
                2 => Fr::one(),
                _ => Fr::rand(&mut rng),
            })
            .collect();
        let p = plan(&bases, &scalars);
        assert_eq!(p.dropped, 200);
        assert_eq!(p.groups.len(), 1);
        assert_eq!(p.groups[0].value, Fr::one());
        assert_eq!(p.groups[0].points.len(), 100);
        assert_eq!(p.windowed.len(), 100);
        assert!(p.windowed.iter().all(|&i| i % 4 == 3));
        // Every point is in exactly one place.
        let mut seen = vec![0; n];
        for &i in p
            .windowed
            .iter()
            .chain(p.groups.iter().flat_map(|g| &g.points))
        {
            seen[i] += 1;
        }
        assert!((0..n).all(|i| seen[i] == (i % 4 >= 2) as i32));
    }

    #[test]
    fn uniform_scalars_stay_windowed_and_equal_scalars_are_one_group() {
        let mut rng = ark_std::test_rng();
        let bases = points(64);
        let uniform: Vec<Fr> = (0..64).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(plan(&bases, &uniform), ScalarPlan::all_windowed(64));
        let v = Fr::rand(&mut rng);
        let p = plan(&bases, &vec![v; 64]);
        assert_eq!(p.groups.len(), 1);
        assert_eq!(p.groups[0].value, v);
        assert!(p.windowed.is_empty());
        // The identity as a base is dropped whatever its scalar.
        let mut with_identity = bases.clone();
        with_identity[5] = G1Affine::zero();
        let p = plan(&with_identity, &vec![v; 64]);
        assert_eq!((p.dropped, p.grouped_points()), (1, 63));
    }

    #[test]
    fn group_buckets_fit_and_spread() {
        assert_eq!(group_buckets(&[1000, 5, 300], 212, 4096), vec![212, 5, 212]);
        let b = group_buckets(&[5000; 16], 212, 1024);
        assert!(b.iter().sum::<usize>() <= 1024 && b.iter().all(|&x| x >= 1));
    }
}
