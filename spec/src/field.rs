//! BLS12-381 field constants, taken from arkworks (the reference for all arithmetic).
//!
//! Hardware words are `64 * LIMBS` bits wide, exactly ark-ff's `BigInt<LIMBS>`, and
//! Montgomery form uses ark-ff's radix `R = 2^(64 * LIMBS)`, so a value moves between
//! the host's `Fp` and the card with no conversion.

use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// Which BLS12-381 field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum FieldId {
    /// The base field Fq (381-bit modulus p), coordinates of G1 points.
    Fq,
    /// The scalar field Fr (255-bit modulus r), scalars and NTT values.
    Fr,
}

/// Hardware word width for Fq (6 × 64-bit limbs).
pub const FQ_WORD_BITS: usize = 384;
/// Twice the Fq word: a full product.
pub const FQ_PRODUCT_BITS: usize = 2 * FQ_WORD_BITS;
/// An affine G1 point on the card's buses: `{y, x}`, two Fq words.
pub const AFFINE_POINT_BITS: usize = 2 * FQ_WORD_BITS;
/// A homogeneous projective G1 point on the card's buses: `{Z, Y, X}`, three Fq words.
pub const PROJECTIVE_POINT_BITS: usize = 3 * FQ_WORD_BITS;
/// Hardware word width for Fr (4 × 64-bit limbs).
pub const FR_WORD_BITS: usize = 256;
/// Twice the Fr word: a full product.
pub const FR_PRODUCT_BITS: usize = 2 * FR_WORD_BITS;

/// Everything the hardware needs to know about a prime field.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    pub id: FieldId,
    /// Lower-case short name used in block names (`fq`, `fr`).
    pub name: &'static str,
    /// The prime modulus.
    pub modulus: BigUint,
    /// Number of significant bits of the modulus.
    pub modulus_bits: usize,
    /// Hardware word width = 64 × ark-ff limbs; also log2 of the Montgomery radix R.
    pub word_bits: usize,
    /// N' = −modulus⁻¹ mod R, the Montgomery reduction constant over the whole word.
    pub n_prime: BigUint,
}

impl FieldSpec {
    pub fn get(id: FieldId) -> FieldSpec {
        match id {
            FieldId::Fq => Self::from_ark::<ark_bls12_381::Fq>(id, "fq", FQ_WORD_BITS),
            FieldId::Fr => Self::from_ark::<ark_bls12_381::Fr>(id, "fr", FR_WORD_BITS),
        }
    }

    fn from_ark<F: PrimeField>(id: FieldId, name: &'static str, word_bits: usize) -> FieldSpec {
        let modulus = BigUint::from_bytes_le(&F::MODULUS.to_bytes_le());
        assert_eq!(
            F::MODULUS.as_ref().len() * 64,
            word_bits,
            "hardware word width must equal ark-ff's limb width for {name}"
        );
        let r = BigUint::one() << word_bits;
        // N' = -p^{-1} mod R. p is odd, so the inverse exists: p^{-1} = p^{phi(R)-1} mod R.
        let p_inv = modulus.modpow(&((BigUint::one() << (word_bits - 1)) - 1u32), &r);
        let n_prime = (&r - p_inv) % &r;
        debug_assert!(((&modulus * &n_prime) + 1u32) % &r == BigUint::zero());
        FieldSpec {
            id,
            name,
            modulus_bits: F::MODULUS_BIT_SIZE as usize,
            modulus,
            word_bits,
            n_prime,
        }
    }

    /// The Montgomery radix R = 2^word_bits.
    pub fn radix(&self) -> BigUint {
        BigUint::one() << self.word_bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, MontConfig};

    #[test]
    fn n_prime_is_negative_inverse() {
        for id in [FieldId::Fq, FieldId::Fr] {
            let f = FieldSpec::get(id);
            let prod = (&f.modulus * &f.n_prime + 1u32) % f.radix();
            assert!(prod.is_zero(), "{:?}", id);
            assert!(f.modulus.bits() as usize == f.modulus_bits);
            // 2p < R, so one conditional subtraction after Montgomery reduction suffices.
            assert!((&f.modulus << 1) < f.radix());
        }
    }

    #[test]
    fn low_limb_matches_ark_inv() {
        let f = FieldSpec::get(FieldId::Fq);
        let low = (&f.n_prime % (BigUint::one() << 64u32)).to_u64_digits()[0];
        assert_eq!(low, <ark_bls12_381::FqConfig as MontConfig<6>>::INV);
        let _ = ark_bls12_381::Fq::ONE;
    }
}
