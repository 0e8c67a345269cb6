//! snarkjs/circom witness files (`.wtns`), read and checked: the `wtns` magic, version
//! 2, the section table, a header whose prime is BLS12-381's r (circom `--prime
//! bls12381`) with 32-byte elements, and exactly the announced number of witness values,
//! each below r.
//!
//! Layout (snarkjs `wtnsfile`/`binfileutils`): `"wtns"`, version (u32), section count
//! (u32); each section: type (u32), byte size (u64), data. Section 1: element size n8
//! (u32), the prime (n8 bytes, little-endian), witness count (u32). Section 2: the
//! witness values, n8 bytes each, little-endian, in standard (not Montgomery) form.

use crate::binfile::{self, BinFile, BinFileError};
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum WtnsError {
    #[error("{file}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] BinFileError),
    #[error("{file}: the witness is over {field}, not BLS12-381's r (compile the circuit with `circom --prime bls12381`)")]
    WrongField { file: String, field: String },
    #[error("{file}: section 2 holds {bytes} bytes, but the header announces {count} values of {n8} bytes")]
    Length {
        file: String,
        bytes: u64,
        count: u32,
        n8: u32,
    },
    #[error("{file}: witness value {index} (byte {offset}) is not below r")]
    NotBelowR {
        file: String,
        index: usize,
        offset: usize,
    },
}

/// The witness values of a `.wtns` file's bytes (`file` names it in errors).
pub fn parse(bytes: &[u8], file: &str) -> Result<Vec<Fr>, WtnsError> {
    let container = BinFile::parse(bytes, file, b"wtns", 2)?;
    let mut h = container.section(1, "the header")?;
    let n8 = h.u32("the element size")?;
    let prime = h.take(n8 as usize, "the prime")?;
    let count = h.u32("the witness count")?;
    let r_bytes = Fr::MODULUS.to_bytes_le();
    if n8 != 32 || prime != r_bytes.as_slice() {
        let p = num_bigint::BigUint::from_bytes_le(prime);
        return Err(WtnsError::WrongField {
            file: file.into(),
            field: crate::binfile::describe_prime(&p),
        });
    }
    let mut values = container.section(2, "the witness values")?;
    let size = values.remaining() as u64;
    if size != count as u64 * n8 as u64 {
        return Err(WtnsError::Length {
            file: file.into(),
            bytes: size,
            count,
            n8,
        });
    }
    (0..count as usize)
        .map(|index| {
            let offset = values.at;
            values.fr("a witness value").map_err(|e| match e {
                BinFileError::NotReduced { .. } => WtnsError::NotBelowR {
                    file: file.into(),
                    index,
                    offset,
                },
                e => e.into(),
            })
        })
        .collect()
}

/// Reads a `.wtns` file.
pub fn read(path: &Path) -> Result<Vec<Fr>, WtnsError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| WtnsError::Io {
        file: file.clone(),
        source,
    })?;
    parse(&bytes, &file)
}

/// A `.wtns` file's bytes for `values` (version 2, BLS12-381's r): what circom's
/// witness generator writes, for tests and benchmarks.
pub fn encode(values: &[Fr]) -> Vec<u8> {
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend(Fr::MODULUS.to_bytes_le());
    header.extend((values.len() as u32).to_le_bytes());
    let mut data = Vec::with_capacity(32 * values.len());
    for v in values {
        let mut b = v.into_bigint().to_bytes_le();
        b.resize(32, 0);
        data.extend(b);
    }
    binfile::encode(b"wtns", 2, &[(1, header), (2, data)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn round_trips_and_every_defect_is_named() {
        let mut rng = ark_std::test_rng();
        let values: Vec<Fr> = (0..10).map(|_| Fr::rand(&mut rng)).collect();
        let bytes = encode(&values);
        assert_eq!(parse(&bytes, "w").unwrap(), values);
        // Truncated anywhere: an error naming the offset, never a panic.
        for cut in [0, 3, 10, 30, bytes.len() - 1] {
            let e = parse(&bytes[..cut], "w").unwrap_err().to_string();
            assert!(e.contains("w:"), "{e}");
        }
        let mut bad = bytes.clone();
        bad[0] = b'x';
        assert!(matches!(
            parse(&bad, "w"),
            Err(WtnsError::File(BinFileError::Magic { .. }))
        ));
        // A bn128 witness.
        let mut bn = bytes.clone();
        bn[28 + 4] ^= 1; // a byte of the prime
        assert!(matches!(parse(&bn, "w"), Err(WtnsError::WrongField { .. })));
        // A value ≥ r.
        let mut big = bytes.clone();
        let last = big.len() - 1;
        big[last] = 0xFF;
        assert!(matches!(
            parse(&big, "w"),
            Err(WtnsError::NotBelowR { index: 9, .. })
        ));
        // Count and section size that disagree.
        let mut short = bytes.clone();
        let count_at = 4 + 4 + 4 + 4 + 8 + 4 + 32;
        short[count_at] = 11;
        assert!(matches!(parse(&short, "w"), Err(WtnsError::Length { .. })));
    }
}
