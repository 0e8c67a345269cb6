//! Field elements and G1 points as the card holds them (one definition for the driver
//! and the host): Fq coordinates as six 64-bit limbs in ark-ff's
//! internal Montgomery form (R = 2^384), points in homogeneous projective coordinates
//! (x = X/Z, y = Y/Z; the identity has Z = 0).
//!
//! arkworks' `G1Projective` is Jacobian (x = X/Z², y = Y/Z³); converting a card result
//! needs no inversion: (X, Y, Z) homogeneous = (X·Z, Y·Z², Z) Jacobian.

use ark_bls12_381::{Fq, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Zero};

/// An Fq element as the card's word.
pub type FqWord = [u64; 6];

/// The card's word for `x` (Montgomery form, no conversion).
pub fn fq_word(x: &Fq) -> FqWord {
    x.0 .0
}

/// The field element of a card word (Montgomery limbs), or `None` when the word is not
/// below the modulus.
pub fn field_from_word<C: ark_ff::MontConfig<N>, const N: usize>(
    w: &[u64; N],
) -> Option<ark_ff::Fp<ark_ff::MontBackend<C, N>, N>> {
    let big = BigInt::<N>(*w);
    (big < C::MODULUS).then(|| ark_ff::Fp::new_unchecked(big))
}

/// The Fq element of a card word, or `None` when the word is not below p.
pub fn fq_from_word(w: &FqWord) -> Option<Fq> {
    field_from_word(w)
}

/// Affine coordinates as card words; `None` for the identity (the card never takes
/// the identity as an affine input).
pub fn affine_words(p: &G1Affine) -> Option<[FqWord; 2]> {
    p.xy().map(|(x, y)| [fq_word(&x), fq_word(&y)])
}

/// A point in homogeneous projective card words (Z = 1 for an affine point,
/// (0 : 1 : 0) for the identity).
pub fn homogeneous_words(p: &G1Affine) -> [FqWord; 3] {
    match p.xy() {
        Some((x, y)) => [fq_word(&x), fq_word(&y), fq_word(&ark_ff::One::one())],
        None => [[0; 6], fq_word(&ark_ff::One::one()), [0; 6]],
    }
}

/// A homogeneous projective card point as an arkworks point. `None` when a word is not
/// a field element or the point is not on the curve.
pub fn from_homogeneous_words(p: &[FqWord; 3]) -> Option<G1Projective> {
    let (x, y, z) = (
        fq_from_word(&p[0])?,
        fq_from_word(&p[1])?,
        fq_from_word(&p[2])?,
    );
    if z.is_zero() {
        // (0 : Y : 0) with Y ≠ 0 is the identity; (0 : 0 : 0) is not a point.
        return if x.is_zero() && !y.is_zero() {
            Some(G1Projective::zero())
        } else {
            None
        };
    }
    let q = G1Projective::new_unchecked(x * z, y * z * z, z);
    let on_curve = {
        use ark_ec::CurveGroup;
        q.into_affine().is_on_curve()
    };
    on_curve.then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{Field, UniformRand};

    #[test]
    fn homogeneous_round_trip_at_any_scale() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let p = G1Projective::rand(&mut rng).into_affine();
            let s = Fq::rand(&mut rng);
            let (x, y) = p.xy().unwrap();
            let w = [fq_word(&(x * s)), fq_word(&(y * s)), fq_word(&s)];
            assert_eq!(from_homogeneous_words(&w).unwrap().into_affine(), p);
        }
        let id = homogeneous_words(&G1Affine::identity());
        assert!(from_homogeneous_words(&id).unwrap().is_zero());
        assert!(from_homogeneous_words(&[[0; 6]; 3]).is_none());
        let g = G1Projective::generator().into_affine();
        let mut bad = homogeneous_words(&g);
        bad[1] = fq_word(&(Fq::from(2u8).square()));
        assert!(from_homogeneous_words(&bad).is_none(), "off-curve refused");
        assert!(fq_from_word(&[u64::MAX; 6]).is_none());
    }
}
