//! Groth16 over BLS12-381 with circom/snarkjs artifacts.
//!
//! * [`zkey`]: snarkjs proving keys, read and checked;
//! * [`witness_map`]: snarkjs's witness map on a backend's NTTs, and its check;
//! * [`prove`]: the prover (MSMs on a backend, every result checked, CPU fallback);
//! * [`json`]: snarkjs's proof, public-signal and verification-key JSON;
//! * [`verify`]: proof verification.

pub mod arkworks;
pub mod json;
pub mod prove;
pub mod r1cs;
pub mod runner;
pub mod witness_map;
pub mod zkey;

use ark_bls12_381::{Bls12_381, Fr};
use ark_groth16::{Proof, VerifyingKey};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{given} public signals, but the verification key takes {expected}")]
    PublicCount { given: usize, expected: usize },
}

/// Whether `proof` is valid for `public` under `vk` (e(A, B) = e(α, β)·e(Σ xᵢ·ICᵢ, γ)·e(C, δ)).
pub fn verify(
    vk: &VerifyingKey<Bls12_381>,
    public: &[Fr],
    proof: &Proof<Bls12_381>,
) -> Result<bool, VerifyError> {
    let expected = vk.gamma_abc_g1.len().saturating_sub(1);
    if public.len() != expected {
        return Err(VerifyError::PublicCount {
            given: public.len(),
            expected,
        });
    }
    let pvk = ark_groth16::prepare_verifying_key(vk);
    Ok(ark_groth16::Groth16::<Bls12_381>::verify_proof(&pvk, proof, public).unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accelerator::Accelerator;
    use crate::backend::Backend;
    use serde_json::Value;
    use std::path::PathBuf;

    pub(crate) fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/groth16")
            .join(name)
    }

    fn json(name: &str) -> Value {
        serde_json::from_slice(&std::fs::read(fixture(name)).unwrap()).unwrap()
    }

    #[test]
    fn the_exported_vkey_is_snarkjs_own() {
        let zkey = zkey::Zkey::read(&fixture("sumsq.zkey")).unwrap();
        assert_eq!(
            (zkey.n_vars, zkey.n_public, zkey.domain_size),
            (531, 2, 1024)
        );
        assert_eq!(json::vkey_json(&zkey), json("vkey.json"));
    }

    #[test]
    fn snarkjs_proof_verifies_and_a_changed_one_does_not() {
        let vk = json::parse_vkey(&json("vkey.json"), "vkey.json").unwrap();
        let public = json::parse_public(&json("public.json"), "public.json").unwrap();
        let proof = json::parse_proof(&json("proof.json"), "proof.json").unwrap();
        assert!(verify(&vk, &public, &proof).unwrap());
        let mut other = public.clone();
        other[1] += Fr::from(1u64);
        assert!(!verify(&vk, &other, &proof).unwrap());
        assert!(matches!(
            verify(&vk, &public[..1], &proof),
            Err(VerifyError::PublicCount {
                given: 1,
                expected: 2
            })
        ));
    }

    #[test]
    fn a_cpu_proof_verifies_with_snarkjs_key_and_public_signals() {
        let zkey = zkey::Zkey::read(&fixture("sumsq.zkey")).unwrap();
        let witness = crate::wtns::read(&fixture("sumsq.wtns")).unwrap();
        let mut acc = Accelerator::open(&Backend::Cpu).unwrap();
        let proved = prove::prove(&zkey, &witness, &mut acc).unwrap();
        assert_eq!(json::public_json(&proved.public), json("public.json"));
        let vk = json::parse_vkey(&json("vkey.json"), "vkey.json").unwrap();
        assert!(verify(&vk, &proved.public, &proved.proof).unwrap());
        assert!(proved.report.failures.is_empty());
        assert_eq!(proved.report.checks.len(), 3);
        // Round trip through snarkjs's JSON.
        let text = json::to_snarkjs_text(&json::proof_json(&proved.proof));
        let back = json::parse_proof(&serde_json::from_str(&text).unwrap(), "p").unwrap();
        assert_eq!(back, proved.proof);
    }

    #[test]
    fn a_witness_that_does_not_satisfy_the_circuit_gives_no_proof() {
        let zkey = zkey::Zkey::read(&fixture("sumsq.zkey")).unwrap();
        let mut witness = crate::wtns::read(&fixture("sumsq.wtns")).unwrap();
        witness[1] += Fr::from(1u64); // the output s
        let mut acc = Accelerator::open(&Backend::Cpu).unwrap();
        assert!(matches!(
            prove::prove(&zkey, &witness, &mut acc),
            Err(prove::ProveError::Unsatisfied)
        ));
        witness[0] = Fr::from(2u64);
        assert!(matches!(
            prove::prove(&zkey, &witness, &mut acc),
            Err(prove::ProveError::WitnessOne)
        ));
        assert!(matches!(
            prove::prove(&zkey, &witness[..10], &mut acc),
            Err(prove::ProveError::WitnessLength {
                expected: 531,
                got: 10
            })
        ));
    }

    #[test]
    fn a_bn254_key_is_refused_naming_the_curve() {
        let q = num_bigint::BigUint::parse_bytes(
            b"21888242871839275222246405745257275088696311157297823662689037894645226208583",
            10,
        )
        .unwrap();
        let mut header = 32u32.to_le_bytes().to_vec();
        let mut qb = q.to_bytes_le();
        qb.resize(32, 0);
        header.extend(qb);
        let bytes =
            crate::binfile::encode(b"zkey", 1, &[(1, 1u32.to_le_bytes().to_vec()), (2, header)]);
        let e = zkey::Zkey::parse(&bytes, "bn.zkey")
            .unwrap_err()
            .to_string();
        assert!(e.contains("BN254's (bn128's) base field q"), "{e}");
    }

    #[test]
    fn damaged_proving_keys_are_named_errors() {
        let bytes = std::fs::read(fixture("sumsq.zkey")).unwrap();
        // Cut anywhere: an error, never a panic.
        for cut in [0, 5, 100, 1000, bytes.len() / 2, bytes.len() - 1] {
            let e = zkey::Zkey::parse(&bytes[..cut], "k")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("k: "), "{e}");
        }
        // A point's x coordinate changed: off the curve (or, rarely, another point
        // that is then not in the subgroup).
        let f = crate::binfile::BinFile::parse(&bytes, "k", b"zkey", 1).unwrap();
        let a_at = f.section(5, "A").unwrap().at;
        let mut bad = bytes.clone();
        bad[a_at + 96 + 7] ^= 0x10;
        let e = zkey::Zkey::parse(&bad, "k").unwrap_err();
        assert!(
            matches!(
                e,
                zkey::ZkeyError::NotOnCurve { index: 1, .. }
                    | zkey::ZkeyError::NotInSubgroup { index: 1, .. }
            ),
            "{e}"
        );
        // A PLONK key.
        let p_at = f.section(1, "protocol").unwrap().at;
        let mut plonk = bytes.clone();
        plonk[p_at] = 2;
        assert!(matches!(
            zkey::Zkey::parse(&plonk, "k"),
            Err(zkey::ZkeyError::NotGroth16 { .. })
        ));
    }
}
