//! EIP-4844 KZG commitments and blob proofs over Ethereum's trusted setup, with their
//! two 4096-point MSMs on a backend and every result verified before it is returned.
//! The bytes equal c-kzg's `blob_to_kzg_commitment` and `compute_blob_kzg_proof`
//! (tested against c-kzg 2.1).
//!
//! A blob is 4096 field elements, 32 bytes big-endian each, each below r: the values of
//! a polynomial p at the 4096-th roots of unity (ω = 7^((r−1)/4096), arkworks' root) in
//! bit-reversed order. The commitment is Σ blobᵢ·[L_brp(i)(τ)]₁. The proof for a blob
//! opens p at the Fiat–Shamir challenge z = SHA-256("FSBLOBVERIFY_V1_" ‖ 4096 as 16
//! bytes ‖ blob ‖ commitment) mod r: y = p(z) by the barycentric formula, the quotient
//! q = (p − y)/(X − z) in evaluation form, proof = Σ qᵢ·[L_brp(i)(τ)]₁. Verification:
//! e(C − [y]₁, [1]₂) = e(π, [τ]₂ − [z]₂).
//!
//! * [`setup`]: the trusted setup, embedded and parsed once.

pub mod setup;

use crate::accelerator::Accelerator;
use crate::groth16::runner::{timed, ProveError, ProveReport, Runner};
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{batch_inversion, Field, One, PrimeField};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use setup::{bit_reverse, TrustedSetup, FIELD_ELEMENTS_PER_BLOB};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Instant;

/// Bytes per blob.
pub const BYTES_PER_BLOB: usize = 32 * FIELD_ELEMENTS_PER_BLOB;

#[derive(Debug, thiserror::Error)]
pub enum KzgError {
    #[error("{file}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {len} bytes; a blob is {BYTES_PER_BLOB} bytes (or their {} hex characters)", 2 * BYTES_PER_BLOB)]
    BlobSize { file: String, len: usize },
    #[error("{file}: field element {index} (byte {offset}) is not below r")]
    NotBelowR {
        file: String,
        index: usize,
        offset: usize,
    },
    #[error("{what}: {reason}")]
    Point { what: String, reason: String },
    #[error(transparent)]
    Checked(#[from] ProveError),
}

/// A blob's field elements, in the blob's (bit-reversed) order.
pub fn parse_blob(bytes: &[u8], file: &str) -> Result<Vec<Fr>, KzgError> {
    let raw: Vec<u8>;
    let bytes = if bytes.len() == BYTES_PER_BLOB {
        bytes
    } else {
        // Hex text, as Ethereum tools print blobs: optional 0x, optional whitespace.
        let text = std::str::from_utf8(bytes).unwrap_or("").trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        if text.len() != 2 * BYTES_PER_BLOB || !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(KzgError::BlobSize {
                file: file.into(),
                len: bytes.len(),
            });
        }
        raw = (0..BYTES_PER_BLOB)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex digits"))
            .collect();
        &raw
    };
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(index, b)| {
            let mut le = b.to_vec();
            le.reverse();
            crate::binfile::reduced::<Fr>(&le).ok_or(KzgError::NotBelowR {
                file: file.into(),
                index,
                offset: 32 * index,
            })
        })
        .collect()
}

/// Reads a blob file (raw bytes or hex).
pub fn read_blob(path: &Path) -> Result<(Vec<Fr>, Vec<u8>), KzgError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| KzgError::Io {
        file: file.clone(),
        source,
    })?;
    let blob = parse_blob(&bytes, &file)?;
    Ok((blob.clone(), blob_bytes(&blob)))
}

/// The canonical bytes of a blob (32-byte big-endian elements).
pub fn blob_bytes(blob: &[Fr]) -> Vec<u8> {
    use ark_ff::BigInteger;
    blob.iter()
        .flat_map(|x| x.into_bigint().to_bytes_be())
        .collect()
}

/// A G1 point's 48-byte compressed encoding.
pub fn g1_bytes(p: &G1Affine) -> [u8; 48] {
    let mut b = Vec::with_capacity(48);
    p.serialize_compressed(&mut b).expect("to a Vec");
    b.try_into().expect("48 bytes")
}

/// A 48-byte compressed G1 point from hex (optional 0x), checked on the curve and in
/// the subgroup (`what` names it in errors).
pub fn parse_g1_hex(hex: &str, what: &str) -> Result<G1Affine, KzgError> {
    let h = hex.trim();
    let h = h.strip_prefix("0x").unwrap_or(h);
    let bad = |reason: String| KzgError::Point {
        what: what.into(),
        reason,
    };
    if h.len() != 96 || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad(format!(
            "{} characters; expected 96 hex characters (48 bytes, compressed)",
            h.len()
        )));
    }
    let b: Vec<u8> = (0..48)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    G1Affine::deserialize_compressed(&b[..])
        .map_err(|e| bad(format!("not a G1 point in the subgroup ({e})")))
}

/// The Fiat–Shamir challenge of a blob and its commitment.
pub fn challenge(blob_bytes: &[u8], commitment: &[u8; 48]) -> Fr {
    let mut h = Sha256::new();
    h.update(b"FSBLOBVERIFY_V1_");
    h.update(0u64.to_be_bytes());
    h.update((FIELD_ELEMENTS_PER_BLOB as u64).to_be_bytes());
    h.update(blob_bytes);
    h.update(commitment);
    Fr::from_be_bytes_mod_order(&h.finalize())
}

/// The roots of unity in the blob's (bit-reversed) order.
fn roots_brp() -> Vec<Fr> {
    let d = Radix2EvaluationDomain::<Fr>::new(FIELD_ELEMENTS_PER_BLOB).expect("2^12");
    let roots: Vec<Fr> = d.elements().collect();
    (0..FIELD_ELEMENTS_PER_BLOB)
        .map(|i| roots[bit_reverse(i)])
        .collect()
}

/// p(z) for the blob p, and the quotient (p − p(z))/(X − z) in evaluation form.
pub fn evaluate_and_quotient(blob: &[Fr], z: Fr) -> (Fr, Vec<Fr>) {
    let roots = roots_brp();
    let n = FIELD_ELEMENTS_PER_BLOB;
    if let Some(m) = roots.iter().position(|w| *w == z) {
        // z is a root: y is the blob's value there; the quotient at z is the
        // derivative form Σ_{i≠m} (pᵢ − y)·ωᵢ / (z·(z − ωᵢ)).
        let y = blob[m];
        let mut den: Vec<Fr> = roots.iter().map(|w| *w - z).collect();
        den[m] = Fr::one();
        batch_inversion(&mut den);
        let mut q: Vec<Fr> = (0..n).map(|i| (blob[i] - y) * den[i]).collect();
        let z_inv = z.inverse().expect("a root of unity");
        q[m] = (0..n)
            .filter(|&i| i != m)
            .map(|i| (blob[i] - y) * roots[i] * z_inv * -den[i])
            .sum();
        return (y, q);
    }
    let mut den: Vec<Fr> = roots.iter().map(|w| z - *w).collect();
    batch_inversion(&mut den);
    let sum: Fr = (0..n).map(|i| blob[i] * roots[i] * den[i]).sum();
    let y = sum * (z.pow([n as u64]) - Fr::one()) * Fr::from(n as u64).inverse().expect("n ≠ 0");
    // (pᵢ − y)/(ωᵢ − z) = −(pᵢ − y)/(z − ωᵢ).
    let q = (0..n).map(|i| (y - blob[i]) * den[i]).collect();
    (y, q)
}

/// Whether `proof` opens `commitment` to the blob at its challenge.
pub fn verify_blob_proof(blob: &[Fr], commitment: &G1Affine, proof: &G1Affine) -> bool {
    let z = challenge(&blob_bytes(blob), &g1_bytes(commitment));
    let (y, _) = evaluate_and_quotient(blob, z);
    verify_opening(commitment, proof, z, y)
}

fn verify_opening(commitment: &G1Affine, proof: &G1Affine, z: Fr, y: Fr) -> bool {
    let setup = TrustedSetup::ethereum();
    let lhs = (G1Projective::from(*commitment) - G1Affine::generator() * y).into_affine();
    let rhs_g2 = (G2Projective::from(setup.g2_tau) - G2Affine::generator() * z).into_affine();
    Bls12_381::pairing(lhs, G2Affine::generator()) == Bls12_381::pairing(*proof, rhs_g2)
}

/// A blob's commitment and proof, both checked together before either is returned.
pub struct Opened {
    pub commitment: G1Affine,
    pub proof: G1Affine,
    pub report: ProveReport,
}

/// The commitment (one 4096-point MSM on `acc`) and the blob proof (another), verified
/// with each other (a pairing equation); on a failed check or a backend error, once
/// more on `acc`, then on the CPU.
pub fn commit_and_prove(acc: &mut Accelerator, blob: &[Fr]) -> Result<Opened, KzgError> {
    let started = Instant::now();
    let setup = TrustedSetup::ethereum();
    let bytes = blob_bytes(blob);
    let mut runner = Runner::new(acc, blob.len(), 0, FIELD_ELEMENTS_PER_BLOB);
    let (commitment, proof, _) = runner.checked(
        "commitment and proof",
        |acc, phases| {
            let c = timed(phases, acc, "msm commitment", |a| {
                a.msm(&setup.g1_lagrange_brp, blob)
            })?
            .into_affine();
            let z = challenge(&bytes, &g1_bytes(&c));
            let (y, q) = evaluate_and_quotient(blob, z);
            let p = timed(phases, acc, "msm proof", |a| {
                a.msm(&setup.g1_lagrange_brp, &q)
            })?
            .into_affine();
            Ok((c, p, (z, y)))
        },
        |(c, p, (z, y))| verify_opening(c, p, *z, *y),
        "the proof opens the commitment (pairing)",
    )?;
    Ok(Opened {
        commitment,
        proof,
        report: runner.finish(started),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;
    use ark_ff::{UniformRand, Zero};

    fn random_blob(seed: u64) -> Vec<Fr> {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..FIELD_ELEMENTS_PER_BLOB)
            .map(|_| Fr::rand(&mut rng))
            .collect()
    }

    fn c_kzg(blob: &[Fr]) -> ([u8; 48], [u8; 48]) {
        let s = c_kzg::ethereum_kzg_settings(0);
        let b = c_kzg::Blob::from_bytes(&blob_bytes(blob)).unwrap();
        let c = s.blob_to_kzg_commitment(&b).unwrap();
        let p = s.compute_blob_kzg_proof(&b, &c.to_bytes()).unwrap();
        (*c.to_bytes(), *p.to_bytes())
    }

    #[test]
    fn commitments_and_proofs_are_c_kzg_byte_for_byte() {
        let mut acc = Accelerator::open(&Backend::Cpu).unwrap();
        let mut zero_one = vec![Fr::zero(); FIELD_ELEMENTS_PER_BLOB];
        for (i, x) in zero_one.iter_mut().enumerate() {
            if i % 3 == 0 {
                *x = Fr::one();
            }
        }
        for blob in [
            random_blob(1),
            vec![Fr::zero(); FIELD_ELEMENTS_PER_BLOB],
            zero_one,
            vec![-Fr::one(); FIELD_ELEMENTS_PER_BLOB],
        ] {
            let opened = commit_and_prove(&mut acc, &blob).unwrap();
            let (c, p) = c_kzg(&blob);
            assert_eq!(g1_bytes(&opened.commitment), c);
            assert_eq!(g1_bytes(&opened.proof), p);
            assert!(verify_blob_proof(&blob, &opened.commitment, &opened.proof));
            assert!(
                !verify_blob_proof(&blob, &opened.commitment, &opened.commitment)
                    || opened.commitment == opened.proof
            );
        }
    }

    #[test]
    fn the_quotient_at_a_root_of_unity_is_exact() {
        let blob = random_blob(2);
        let roots = roots_brp();
        let (y, q) = evaluate_and_quotient(&blob, roots[17]);
        assert_eq!(y, blob[17]);
        // q(X)·(X − z) = p(X) − y at a point outside the domain, by interpolation.
        let d = Radix2EvaluationDomain::<Fr>::new(FIELD_ELEMENTS_PER_BLOB).unwrap();
        let x = Fr::from(123456789u64);
        let l = d.evaluate_all_lagrange_coefficients(x);
        let at = |v: &[Fr]| -> Fr {
            (0..FIELD_ELEMENTS_PER_BLOB)
                .map(|i| v[i] * l[bit_reverse(i)])
                .sum()
        };
        assert_eq!(at(&q) * (x - roots[17]), at(&blob) - y);
    }

    #[test]
    fn bad_blobs_and_points_are_named() {
        let mut bytes = blob_bytes(&random_blob(3));
        bytes[32 * 5] = 0xff;
        assert!(matches!(
            parse_blob(&bytes, "b"),
            Err(KzgError::NotBelowR {
                index: 5,
                offset: 160,
                ..
            })
        ));
        assert!(matches!(
            parse_blob(&bytes[..100], "b"),
            Err(KzgError::BlobSize { len: 100, .. })
        ));
        let good = blob_bytes(&random_blob(4));
        let hex: String = good.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            parse_blob(format!("0x{hex}\n").as_bytes(), "b").unwrap(),
            parse_blob(&good, "b").unwrap()
        );
        assert!(parse_g1_hex("00", "commitment").is_err());
        assert!(parse_g1_hex(&"11".repeat(48), "commitment").is_err());
    }
}
