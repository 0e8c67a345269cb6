//! Field-element and G1-point files: what `zkaccel msm` and `zkaccel ntt` read and write.
//!
//! * Points: concatenated G1 affine points in the zcash/Ethereum encoding that
//!   ark-bls12-381 serializes — 48-byte compressed or 96-byte uncompressed (flags in
//!   the top bits of the first byte). Every point is checked: valid encoding, on the
//!   curve, in the prime-order subgroup. The identity is allowed.
//! * Scalars: 32-byte big-endian integers, each < r.
//!
//! Errors name the file, the index and the byte offset of the offending item.

use ark_bls12_381::{Fr, G1Affine};
use ark_ff::PrimeField;
use ark_serialize::{CanonicalDeserialize, Compress, Validate};
use num_bigint::BigUint;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointFormat {
    Compressed,
    Uncompressed,
}

impl PointFormat {
    pub fn bytes(self) -> usize {
        match self {
            PointFormat::Compressed => 48,
            PointFormat::Uncompressed => 96,
        }
    }
}

impl std::str::FromStr for PointFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "compressed" => Ok(PointFormat::Compressed),
            "uncompressed" => Ok(PointFormat::Uncompressed),
            _ => Err(format!(
                "point format {s:?}: expected compressed or uncompressed"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{file}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {len} bytes is not a whole number of {what} ({size} bytes each); the file is truncated or not {what}")]
    Truncated {
        file: String,
        len: usize,
        size: usize,
        what: &'static str,
    },
    #[error("{file}: {len} bytes fits neither 48-byte compressed nor 96-byte uncompressed points ({hint}); give --point-format")]
    AmbiguousSize {
        file: String,
        len: usize,
        hint: &'static str,
    },
    #[error("{file}: point {index} (byte {offset}): {reason}")]
    BadPoint {
        file: String,
        index: usize,
        offset: usize,
        reason: String,
    },
    #[error("{file}: {what} {index} (byte {offset}) is not below the group order r")]
    ScalarTooLarge {
        file: String,
        index: usize,
        offset: usize,
        what: &'static str,
    },
    #[error("{points} points in {point_file} but {scalars} scalars in {scalar_file}")]
    CountMismatch {
        points: usize,
        point_file: String,
        scalars: usize,
        scalar_file: String,
    },
    #[error("{file} is empty")]
    Empty { file: String },
}

fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|source| InputError::Io {
        file: path.display().to_string(),
        source,
    })
}

/// Chooses the point format from the file size when not given.
pub fn detect_format(len: usize, file: &str) -> Result<PointFormat, InputError> {
    match (len % 48 == 0, len % 96 == 0) {
        (_, true) => {
            // 96 | len: both fit. The first byte's compression flag (bit 7) decides.
            Err(InputError::AmbiguousSize {
                file: file.into(),
                len,
                hint: "a multiple of both",
            })
        }
        (true, false) => Ok(PointFormat::Compressed),
        (false, _) => Err(InputError::Truncated {
            file: file.into(),
            len,
            size: 48,
            what: "points",
        }),
    }
}

/// Decodes points; `format` None = detect (size, then the compression flag).
pub fn decode_points(
    bytes: &[u8],
    format: Option<PointFormat>,
    file: &str,
) -> Result<Vec<G1Affine>, InputError> {
    if bytes.is_empty() {
        return Err(InputError::Empty { file: file.into() });
    }
    let format = match format {
        Some(f) => f,
        None => match detect_format(bytes.len(), file) {
            Ok(f) => f,
            // Both sizes fit: the first point's flag byte says whether it is compressed.
            Err(InputError::AmbiguousSize { .. }) => {
                if bytes[0] & 0x80 != 0 {
                    PointFormat::Compressed
                } else {
                    PointFormat::Uncompressed
                }
            }
            Err(e) => return Err(e),
        },
    };
    let size = format.bytes();
    if bytes.len() % size != 0 {
        return Err(InputError::Truncated {
            file: file.into(),
            len: bytes.len(),
            size,
            what: "points",
        });
    }
    let compress = if format == PointFormat::Compressed {
        Compress::Yes
    } else {
        Compress::No
    };
    bytes
        .chunks(size)
        .enumerate()
        .map(|(index, chunk)| {
            let bad = |reason: String| InputError::BadPoint {
                file: file.into(),
                index,
                offset: index * size,
                reason,
            };
            let p =
                G1Affine::deserialize_with_mode(chunk, compress, Validate::No).map_err(|e| {
                    bad(format!(
                        "not a valid {} point encoding ({e})",
                        if size == 48 {
                            "compressed"
                        } else {
                            "uncompressed"
                        }
                    ))
                })?;
            if !p.is_on_curve() {
                return Err(bad("not on the BLS12-381 G1 curve".into()));
            }
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return Err(bad(
                    "on the curve but not in the prime-order subgroup".into()
                ));
            }
            Ok(p)
        })
        .collect()
}

/// Decodes 32-byte big-endian scalars, each < r.
pub fn decode_scalars(bytes: &[u8], file: &str) -> Result<Vec<Fr>, InputError> {
    decode_fr(bytes, file, "scalar")
}

/// Decodes 32-byte big-endian Fr elements, each < r; `what` names them in errors.
pub fn decode_fr(bytes: &[u8], file: &str, what: &'static str) -> Result<Vec<Fr>, InputError> {
    if bytes.is_empty() {
        return Err(InputError::Empty { file: file.into() });
    }
    if bytes.len() % 32 != 0 {
        return Err(InputError::Truncated {
            file: file.into(),
            len: bytes.len(),
            size: 32,
            what: if what == "scalar" {
                "scalars"
            } else {
                "field elements"
            },
        });
    }
    let r = BigUint::from_bytes_le(&ark_ff::BigInteger::to_bytes_le(&Fr::MODULUS));
    bytes
        .chunks(32)
        .enumerate()
        .map(|(index, chunk)| {
            let v = BigUint::from_bytes_be(chunk);
            if v >= r {
                return Err(InputError::ScalarTooLarge {
                    file: file.into(),
                    index,
                    offset: index * 32,
                    what,
                });
            }
            Ok(Fr::from_be_bytes_mod_order(chunk))
        })
        .collect()
}

/// Reads and checks both files and their counts.
pub fn read_inputs(
    points: &Path,
    scalars: &Path,
    format: Option<PointFormat>,
) -> Result<(Vec<G1Affine>, Vec<Fr>), InputError> {
    let pf = points.display().to_string();
    let sf = scalars.display().to_string();
    let p = decode_points(&read(points)?, format, &pf)?;
    let s = decode_scalars(&read(scalars)?, &sf)?;
    if p.len() != s.len() {
        return Err(InputError::CountMismatch {
            points: p.len(),
            point_file: pf,
            scalars: s.len(),
            scalar_file: sf,
        });
    }
    Ok((p, s))
}

/// Encodes points and scalars in the file formats (for tests and `bench`).
pub fn encode_points(points: &[G1Affine], format: PointFormat) -> Vec<u8> {
    use ark_serialize::CanonicalSerialize;
    let mut out = vec![];
    for p in points {
        match format {
            PointFormat::Compressed => p.serialize_compressed(&mut out),
            PointFormat::Uncompressed => p.serialize_uncompressed(&mut out),
        }
        .expect("serializing to a Vec");
    }
    out
}

/// 32-byte big-endian encoding (scalars and NTT values).
pub fn encode_scalars(scalars: &[Fr]) -> Vec<u8> {
    scalars
        .iter()
        .flat_map(|s| {
            let mut b = ark_ff::BigInteger::to_bytes_be(&s.into_bigint());
            while b.len() < 32 {
                b.insert(0, 0);
            }
            b
        })
        .collect()
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it,
/// then renamed over it, so a failure never leaves a partial output file.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A point's 48-byte compressed encoding, as hex (what `zkaccel msm` prints).
pub fn compressed_hex(p: &ark_bls12_381::G1Projective) -> String {
    use ark_ec::CurveGroup;
    use ark_serialize::CanonicalSerialize;
    let mut b = vec![];
    p.into_affine()
        .serialize_compressed(&mut b)
        .expect("to a Vec");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::G1Projective;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn round_trip_both_formats_and_detection() {
        let mut rng = ark_std::test_rng();
        let mut pts: Vec<G1Affine> = (0..4)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        pts.push(G1Affine::identity());
        for f in [PointFormat::Compressed, PointFormat::Uncompressed] {
            let b = encode_points(&pts, f);
            assert_eq!(decode_points(&b, Some(f), "p").unwrap(), pts);
            assert_eq!(decode_points(&b, None, "p").unwrap(), pts, "{f:?} detected");
        }
    }

    #[test]
    fn bad_points_name_their_index() {
        let mut rng = ark_std::test_rng();
        let pts: Vec<G1Affine> = (0..3)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let mut b = encode_points(&pts, PointFormat::Uncompressed);
        b[96 + 95] ^= 1; // y of point 1 off by one bit: off the curve
        let e = decode_points(&b, Some(PointFormat::Uncompressed), "p.bin")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("point 1") && e.contains("not on the BLS12-381 G1 curve"),
            "{e}"
        );
        let e = decode_points(&b[..100], Some(PointFormat::Uncompressed), "p.bin")
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
    }

    #[test]
    fn non_subgroup_point_is_refused() {
        // A curve point outside the r-order subgroup: x with x^3 + 4 a square, not
        // cleared by the cofactor.
        use ark_bls12_381::Fq;
        use ark_ff::{Field, One};
        let mut x = Fq::one();
        let p = loop {
            if let Some(y) = (x * x * x + Fq::from(4u8)).sqrt() {
                let p = G1Affine::new_unchecked(x, y);
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
            x += Fq::one();
        };
        let b = encode_points(&[p], PointFormat::Uncompressed);
        let e = decode_points(&b, Some(PointFormat::Uncompressed), "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("point 0") && e.contains("subgroup"), "{e}");
    }

    #[test]
    fn scalars_at_and_above_r() {
        let r_minus_1 = -Fr::from(1u8);
        let mut b = encode_scalars(&[Fr::from(0u8), r_minus_1]);
        assert_eq!(
            decode_scalars(&b, "s").unwrap(),
            vec![Fr::from(0u8), r_minus_1]
        );
        b[63] = b[63].wrapping_add(1); // r−1 → r
        let e = decode_scalars(&b, "s").unwrap_err().to_string();
        assert!(e.contains("scalar 1") && e.contains("not below"), "{e}");
        assert!(decode_scalars(&b[..40], "s")
            .unwrap_err()
            .to_string()
            .contains("truncated"));
    }
}
