//! The CPU path: blst's multi-threaded Pippenger on arkworks types.
//!
//! Conversion is cheap and runs on all cores before blst's `mult`: blst and ark-ff hold
//! Fq in the same Montgomery form (R = 2^384, six 64-bit limbs), so affine coordinates
//! are copied limb for limb (the identity is (0, 0) in blst's affine form); scalars go
//! in as 32-byte little-endian words written straight from `into_bigint`'s limbs (no
//! per-scalar allocation). Points and scalars are converted at the same time, each in
//! parallel chunks (rayon). Checked against arkworks' `VariableBaseMSM` by the tests.
//!
//! Why a copy and not a cast: ark's `Affine` is `{ x, y, infinity: bool }` without
//! `repr(C)` (104 bytes), blst's is `repr(C) { x, y }` (96 bytes), so a slice of one is
//! not a slice of the other. Measured, the whole conversion is under 1 % of blst's time
//! at 2^12 … 2^16 (docs/performance.md, "CPU paths").

use ark_bls12_381::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use blst::{blst_fp, blst_p1, blst_p1_affine, MultiPoint};
use rayon::prelude::*;

/// Elements per parallel conversion task (small inputs stay on one thread).
const CHUNK: usize = 1024;

/// An arkworks affine point as blst's (limb copy; the identity is (0, 0)).
#[inline]
pub fn to_blst(p: &G1Affine) -> blst_p1_affine {
    match p.xy() {
        Some((x, y)) => blst_p1_affine {
            x: blst_fp { l: x.0 .0 },
            y: blst_fp { l: y.0 .0 },
        },
        None => blst_p1_affine::default(),
    }
}

/// All points as blst's, converted in parallel chunks.
pub fn blst_points(bases: &[G1Affine]) -> Vec<blst_p1_affine> {
    bases.par_iter().with_min_len(CHUNK).map(to_blst).collect()
}

fn from_blst(p: &blst_p1) -> G1Projective {
    let mut a = blst_p1_affine::default();
    // SAFETY: both pointers are to valid, initialised values of the right types.
    unsafe { blst::blst_p1_to_affine(&mut a, p) };
    if a.x.l == [0; 6] && a.y.l == [0; 6] {
        return G1Projective::default();
    }
    let x = Fq::new_unchecked(BigInt(a.x.l));
    let y = Fq::new_unchecked(BigInt(a.y.l));
    G1Affine::new_unchecked(x, y).into()
}

/// `Σ scalars[i] · bases[i]` with blst (lengths must match; checked by the caller).
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    if bases.is_empty() {
        return G1Projective::default();
    }
    let (points, bytes) = rayon::join(|| blst_points(bases), || scalar_bytes(scalars));
    from_blst(&points.as_slice().mult(&bytes, 255))
}

/// Scalars as blst takes them: 32 little-endian bytes each, concatenated (canonical,
/// i.e. out of Montgomery form), converted in parallel chunks.
pub fn scalar_bytes(scalars: &[Fr]) -> Vec<u8> {
    let mut bytes = vec![0u8; 32 * scalars.len()];
    bytes
        .par_chunks_mut(32 * CHUNK)
        .zip(scalars.par_chunks(CHUNK))
        .for_each(|(out, s)| {
            for (o, s) in out.chunks_exact_mut(32).zip(s) {
                let limbs = s.into_bigint().0;
                for (o, l) in o.chunks_exact_mut(8).zip(limbs) {
                    o.copy_from_slice(&l.to_le_bytes());
                }
            }
        });
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::{UniformRand, Zero};

    #[test]
    fn blst_equals_arkworks_including_edges() {
        let mut rng = ark_std::test_rng();
        // 2·CHUNK + 3: several parallel conversion chunks and a short last one.
        for n in [1usize, 2, 3, 17, 64, 300, 2 * CHUNK + 3] {
            let mut bases: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            if n > 2 {
                bases[1] = G1Affine::identity();
                scalars[2] = Fr::zero();
                scalars[0] = -Fr::from(1u8);
                bases[n - 1] = -bases[n - 2];
                scalars[n - 1] = scalars[n - 2];
            }
            let want = G1Projective::msm(&bases, &scalars).unwrap();
            assert_eq!(msm(&bases, &scalars), want, "n = {n}");
        }
        // Everything cancels: the identity comes back.
        let p = G1Projective::rand(&mut rng).into_affine();
        let k = Fr::rand(&mut rng);
        assert!(msm(&[p, -p], &[k, k]).is_zero());
    }

    #[test]
    fn parallel_conversions_equal_the_plain_ones() {
        use ark_ff::BigInteger;
        let mut rng = ark_std::test_rng();
        let n = 3 * CHUNK + 5;
        let mut bases: Vec<G1Affine> = (0..n)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        for i in [0, CHUNK - 1, CHUNK, n - 1] {
            bases[i] = G1Affine::identity();
            scalars[i] = Fr::zero();
        }
        scalars[1] = -Fr::from(1u8);
        let plain: Vec<blst_p1_affine> = bases.iter().map(to_blst).collect();
        assert_eq!(blst_points(&bases), plain);
        let plain: Vec<u8> = scalars
            .iter()
            .flat_map(|s| {
                let mut b = s.into_bigint().to_bytes_le();
                b.resize(32, 0);
                b
            })
            .collect();
        assert_eq!(scalar_bytes(&scalars), plain);
        assert!(scalar_bytes(&[]).is_empty() && blst_points(&[]).is_empty());
    }
}
