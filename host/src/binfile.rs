//! The sectioned binary container of circom and snarkjs files (`.wtns`, `.zkey`,
//! `.r1cs`; snarkjs's `binfileutils`): a 4-byte magic, a version (u32), a section count
//! (u32), then each section as type (u32), byte size (u64) and data. Every read is
//! bounds-checked and every defect is an error naming the file and the byte offset.

use ark_bls12_381::{Fq, Fr};
use ark_ff::PrimeField;

use num_bigint::BigUint;

#[derive(Debug, thiserror::Error)]
pub enum BinFileError {
    #[error("{file}: not a {expected} file (the first 4 bytes are {found:?})")]
    Magic {
        file: String,
        expected: String,
        found: Vec<u8>,
    },
    #[error("{file}: {kind} file version {version}; this reader knows version {known}")]
    Version {
        file: String,
        kind: String,
        version: u32,
        known: u32,
    },
    #[error("{file}: truncated at byte {offset}: {what} needs {need} more bytes, {have} left")]
    Truncated {
        file: String,
        offset: usize,
        what: String,
        need: usize,
        have: usize,
    },
    #[error("{file}: no section {section} ({what})")]
    MissingSection {
        file: String,
        section: u32,
        what: &'static str,
    },
    #[error("{file}: section {section} ({what}) appears {count} times")]
    RepeatedSection {
        file: String,
        section: u32,
        what: &'static str,
        count: usize,
    },
    #[error("{file}: {what} at byte {offset} is not below the field's modulus")]
    NotReduced {
        file: String,
        what: String,
        offset: usize,
    },
}

/// A parsed container: the file's bytes and its section table.
pub struct BinFile<'a> {
    pub file: &'a str,
    bytes: &'a [u8],
    /// (type, start, size) in file order.
    sections: Vec<(u32, usize, usize)>,
}

impl<'a> BinFile<'a> {
    /// Checks the magic and version and reads the section table.
    pub fn parse(
        bytes: &'a [u8],
        file: &'a str,
        magic: &[u8; 4],
        version: u32,
    ) -> Result<Self, BinFileError> {
        let mut r = Reader::new(bytes, 0, file);
        let found = r.take(4, "the magic")?;
        if found != magic {
            return Err(BinFileError::Magic {
                file: file.into(),
                expected: String::from_utf8_lossy(magic).into_owned(),
                found: found.to_vec(),
            });
        }
        let v = r.u32("the version")?;
        if v != version {
            return Err(BinFileError::Version {
                file: file.into(),
                kind: String::from_utf8_lossy(magic).into_owned(),
                version: v,
                known: version,
            });
        }
        let count = r.u32("the section count")?;
        let mut sections = vec![];
        for _ in 0..count {
            let kind = r.u32("a section type")?;
            let size = r.u64("a section size")?;
            let start = r.at;
            let len = usize::try_from(size).unwrap_or(usize::MAX);
            r.take(len, "a section's data")?;
            sections.push((kind, start, len));
        }
        Ok(Self {
            file,
            bytes,
            sections,
        })
    }

    /// A reader over the one section of type `kind` (`what` names it in errors).
    pub fn section(&self, kind: u32, what: &'static str) -> Result<Reader<'a>, BinFileError> {
        let found: Vec<_> = self.sections.iter().filter(|s| s.0 == kind).collect();
        match found.as_slice() {
            [] => Err(BinFileError::MissingSection {
                file: self.file.into(),
                section: kind,
                what,
            }),
            [(_, start, size)] => Ok(Reader::new(&self.bytes[..start + size], *start, self.file)),
            more => Err(BinFileError::RepeatedSection {
                file: self.file.into(),
                section: kind,
                what,
                count: more.len(),
            }),
        }
    }
}

/// Little-endian reads with bounds checks, over one section (or the whole file).
pub struct Reader<'a> {
    bytes: &'a [u8],
    /// The offset of the next byte, from the start of the file.
    pub at: usize,
    file: &'a str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], at: usize, file: &'a str) -> Self {
        Self { bytes, at, file }
    }

    /// Bytes left in the section.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    pub fn take(&mut self, n: usize, what: impl Into<String>) -> Result<&'a [u8], BinFileError> {
        let have = self.remaining();
        if have < n {
            return Err(BinFileError::Truncated {
                file: self.file.to_string(),
                offset: self.at,
                what: what.into(),
                need: n,
                have,
            });
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    pub fn u32(&mut self, what: impl Into<String>) -> Result<u32, BinFileError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4"),
        ))
    }

    pub fn u64(&mut self, what: impl Into<String>) -> Result<u64, BinFileError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8"),
        ))
    }

    /// A little-endian integer of `n` bytes, as is.
    pub fn big(&mut self, n: usize, what: impl Into<String>) -> Result<BigUint, BinFileError> {
        Ok(BigUint::from_bytes_le(self.take(n, what)?))
    }

    /// An element of Fr stored as 32 little-endian bytes of a number below r.
    pub fn fr(&mut self, what: impl Into<String>) -> Result<Fr, BinFileError> {
        let what = what.into();
        let offset = self.at;
        let b = self.take(32, what.clone())?;
        reduced::<Fr>(b).ok_or_else(|| BinFileError::NotReduced {
            file: self.file.into(),
            what,
            offset,
        })
    }

    /// An element of Fq stored as 48 little-endian bytes in Montgomery form (x·2^384
    /// mod q, snarkjs's `toRprLEM`).
    pub fn fq_montgomery(&mut self, what: impl Into<String>) -> Result<Fq, BinFileError> {
        let what = what.into();
        let offset = self.at;
        let b = self.take(48, what.clone())?;
        let m = reduced::<Fq>(b).ok_or_else(|| BinFileError::NotReduced {
            file: self.file.into(),
            what,
            offset,
        })?;
        Ok(m * *R_INV_Q)
    }
}

/// A prime as a curve's field, for messages: "BN254's r (bn128)", "BLS12-381's q", or
/// "a 254-bit prime 2188…".
pub fn describe_prime(p: &BigUint) -> String {
    const KNOWN: [(&str, &str); 4] = [
        ("21888242871839275222246405745257275088548364400416034343698204186575808495617", "BN254's (bn128's) scalar field r"),
        ("21888242871839275222246405745257275088696311157297823662689037894645226208583", "BN254's (bn128's) base field q"),
        ("52435875175126190479447740508185965837690552500527637822603658699938581184513", "BLS12-381's scalar field r"),
        ("4002409555221667393417789825735904156556882819939007885332058136124031650490837864442687629129015664037894272559787", "BLS12-381's base field q"),
    ];
    let s = p.to_string();
    match KNOWN.iter().find(|(v, _)| *v == s) {
        Some((_, name)) => name.to_string(),
        None => format!("a {}-bit prime {s}", p.bits()),
    }
}

/// `bytes` (little-endian, at most the modulus' width) as a field element if it is
/// below the modulus.
pub fn reduced<F: PrimeField>(bytes: &[u8]) -> Option<F> {
    let mut big = F::BigInt::default();
    let limbs = big.as_mut();
    if bytes.len() > 8 * limbs.len() {
        return None;
    }
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        limbs[i] = u64::from_le_bytes(b);
    }
    // `from_bigint` refuses values not below the modulus.
    F::from_bigint(big)
}

/// 2^-384 mod q: from Montgomery form to the element.
static R_INV_Q: std::sync::LazyLock<Fq> = std::sync::LazyLock::new(|| {
    use ark_ff::Field;
    let r = Fq::from(2u64).pow([384u64]);
    r.inverse().expect("2 is invertible")
});

/// The bytes of a container (for tests and for writers): `magic`, `version`, then
/// `sections` as (type, data).
pub fn encode(magic: &[u8; 4], version: u32, sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.extend(version.to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    for (kind, data) in sections {
        out.extend(kind.to_le_bytes());
        out.extend((data.len() as u64).to_le_bytes());
        out.extend(data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_found_once_and_bounds_checked() {
        let bytes = encode(
            b"test",
            1,
            &[(1, vec![1, 0, 0, 0]), (2, vec![7; 3]), (2, vec![])],
        );
        let f = BinFile::parse(&bytes, "f", b"test", 1).unwrap();
        assert_eq!(f.section(1, "one").unwrap().u32("x").unwrap(), 1);
        let mut s = f.section(1, "one").unwrap();
        s.u32("x").unwrap();
        assert!(matches!(
            s.u32("y"),
            Err(BinFileError::Truncated {
                need: 4,
                have: 0,
                ..
            })
        ));
        assert!(matches!(
            f.section(2, "two"),
            Err(BinFileError::RepeatedSection { count: 2, .. })
        ));
        assert!(matches!(
            f.section(3, "three"),
            Err(BinFileError::MissingSection { .. })
        ));
        assert!(matches!(
            BinFile::parse(&bytes, "f", b"wtns", 1),
            Err(BinFileError::Magic { .. })
        ));
        assert!(matches!(
            BinFile::parse(&bytes, "f", b"test", 2),
            Err(BinFileError::Version {
                version: 1,
                known: 2,
                ..
            })
        ));
        for cut in 0..bytes.len() - 1 {
            // Every prefix either parses (it ends between sections) or names the cut.
            if let Err(e) = BinFile::parse(&bytes[..cut], "f", b"test", 1) {
                assert!(e.to_string().starts_with("f: "), "{e}");
            }
        }
    }

    #[test]
    fn montgomery_coordinates_come_back_as_elements() {
        use ark_ff::{BigInteger, UniformRand};
        let x = Fq::rand(&mut ark_std::test_rng());
        let m = x * Fq::from(2u64).pow([384u64]);
        let mut b = m.into_bigint().to_bytes_le();
        b.resize(48, 0);
        let bytes = encode(b"test", 1, &[(1, b)]);
        let f = BinFile::parse(&bytes, "f", b"test", 1).unwrap();
        assert_eq!(f.section(1, "x").unwrap().fq_montgomery("x").unwrap(), x);
        let over = encode(b"test", 1, &[(1, vec![0xff; 48])]);
        let f = BinFile::parse(&over, "f", b"test", 1).unwrap();
        assert!(matches!(
            f.section(1, "x").unwrap().fq_montgomery("x"),
            Err(BinFileError::NotReduced { offset: 24, .. })
        ));
    }
    use ark_ff::Field;
}
