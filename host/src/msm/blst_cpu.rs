//! The CPU path: blst's multi-threaded Pippenger on arkworks types.
//!
//! No conversion cost: blst and ark-ff hold Fq in the same Montgomery form
//! (R = 2^384, six 64-bit limbs), so affine coordinates are copied limb for limb; the
//! identity is (0, 0) in blst's affine form. Scalars go in as 32-byte little-endian.
//! Checked against arkworks' `VariableBaseMSM` by the tests.

use ark_bls12_381::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField};
use blst::{blst_fp, blst_p1, blst_p1_affine, MultiPoint};

/// An arkworks affine point as blst's (limb copy; the identity is (0, 0)).
pub fn to_blst(p: &G1Affine) -> blst_p1_affine {
    match p.xy() {
        Some((x, y)) => blst_p1_affine {
            x: blst_fp { l: x.0 .0 },
            y: blst_fp { l: y.0 .0 },
        },
        None => blst_p1_affine::default(),
    }
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
    let points: Vec<blst_p1_affine> = bases.iter().map(to_blst).collect();
    from_blst(&points.as_slice().mult(&scalar_bytes(scalars), 255))
}

/// Scalars as blst takes them: 32 little-endian bytes each, concatenated.
pub fn scalar_bytes(scalars: &[Fr]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(32 * scalars.len());
    for s in scalars {
        let mut b = s.into_bigint().to_bytes_le();
        b.resize(32, 0);
        bytes.extend_from_slice(&b);
    }
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
        for n in [1usize, 2, 3, 17, 64, 300] {
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
}
