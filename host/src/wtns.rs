//! snarkjs/circom witness files (`.wtns`), read and checked: the `wtns` magic, version
//! 2, the section table, a header whose prime is BLS12-381's r (circom `--prime
//! bls12381`) with 32-byte elements, and exactly the announced number of witness values,
//! each below r.
//!
//! Layout (snarkjs `wtnsfile`/`binfileutils`): `"wtns"`, version (u32), section count
//! (u32); each section: type (u32), byte size (u64), data. Section 1: element size n8
//! (u32), the prime (n8 bytes, little-endian), witness count (u32). Section 2: the
//! witness values, n8 bytes each, little-endian, in standard (not Montgomery) form.

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
    #[error("{file}: not a witness file (the first 4 bytes are {found:?}, expected \"wtns\")")]
    Magic { file: String, found: Vec<u8> },
    #[error("{file}: witness file version {version}; this reader knows version 2")]
    Version { file: String, version: u32 },
    #[error("{file}: truncated at byte {offset}: {what} needs {need} more bytes, {have} left")]
    Truncated {
        file: String,
        offset: usize,
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("{file}: no section {section} ({what})")]
    MissingSection {
        file: String,
        section: u32,
        what: &'static str,
    },
    #[error("{file}: the witness is over a {bits}-bit prime {prime}, not BLS12-381's r (compile the circuit with `circom --prime bls12381`)")]
    WrongField {
        file: String,
        bits: u64,
        prime: String,
    },
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

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    file: &'a str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WtnsError> {
        let have = self.bytes.len() - self.at;
        if have < n {
            return Err(WtnsError::Truncated {
                file: self.file.to_string(),
                offset: self.at,
                what,
                need: n,
                have,
            });
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, WtnsError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4"),
        ))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, WtnsError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8"),
        ))
    }
}

/// The witness values of a `.wtns` file's bytes (`file` names it in errors).
pub fn parse(bytes: &[u8], file: &str) -> Result<Vec<Fr>, WtnsError> {
    let mut r = Reader { bytes, at: 0, file };
    let magic = r.take(4, "the magic")?;
    if magic != b"wtns" {
        return Err(WtnsError::Magic {
            file: file.into(),
            found: magic.to_vec(),
        });
    }
    let version = r.u32("the version")?;
    if version != 2 {
        return Err(WtnsError::Version {
            file: file.into(),
            version,
        });
    }
    let sections = r.u32("the section count")?;
    let mut table: Vec<(u32, usize, u64)> = vec![];
    for _ in 0..sections {
        let kind = r.u32("a section type")?;
        let size = r.u64("a section size")?;
        let start = r.at;
        let len = usize::try_from(size).unwrap_or(usize::MAX);
        r.take(len, "a section's data")?;
        table.push((kind, start, size));
    }
    let section = |kind: u32, what: &'static str| {
        table
            .iter()
            .find(|s| s.0 == kind)
            .copied()
            .ok_or(WtnsError::MissingSection {
                file: file.into(),
                section: kind,
                what,
            })
    };
    let (_, start, size) = section(1, "the header")?;
    let mut h = Reader {
        bytes: &bytes[..start + size as usize],
        at: start,
        file,
    };
    let n8 = h.u32("the element size")?;
    let prime = h.take(n8 as usize, "the prime")?;
    let count = h.u32("the witness count")?;
    let r_bytes = Fr::MODULUS.to_bytes_le();
    if n8 != 32 || prime != r_bytes.as_slice() {
        let p = num_bigint::BigUint::from_bytes_le(prime);
        return Err(WtnsError::WrongField {
            file: file.into(),
            bits: p.bits(),
            prime: p.to_string(),
        });
    }
    let (_, start, size) = section(2, "the witness values")?;
    if size != count as u64 * n8 as u64 {
        return Err(WtnsError::Length {
            file: file.into(),
            bytes: size,
            count,
            n8,
        });
    }
    let r = num_bigint::BigUint::from_bytes_le(&r_bytes);
    bytes[start..start + size as usize]
        .chunks_exact(32)
        .enumerate()
        .map(|(index, b)| {
            if num_bigint::BigUint::from_bytes_le(b) >= r {
                return Err(WtnsError::NotBelowR {
                    file: file.into(),
                    index,
                    offset: start + 32 * index,
                });
            }
            Ok(Fr::from_le_bytes_mod_order(b))
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
    let mut out = b"wtns".to_vec();
    out.extend(2u32.to_le_bytes());
    out.extend(2u32.to_le_bytes());
    let r = Fr::MODULUS.to_bytes_le();
    out.extend(1u32.to_le_bytes());
    out.extend((4 + 32 + 4u64).to_le_bytes());
    out.extend(32u32.to_le_bytes());
    out.extend(&r);
    out.extend((values.len() as u32).to_le_bytes());
    out.extend(2u32.to_le_bytes());
    out.extend((32 * values.len() as u64).to_le_bytes());
    for v in values {
        let mut b = v.into_bigint().to_bytes_le();
        b.resize(32, 0);
        out.extend(b);
    }
    out
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
        assert!(matches!(parse(&bad, "w"), Err(WtnsError::Magic { .. })));
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
