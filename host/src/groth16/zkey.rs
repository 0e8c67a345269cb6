//! snarkjs proving keys (`.zkey`, Groth16 over BLS12-381), read and checked.
//!
//! Layout (snarkjs `zkey_utils.js`, container in [`crate::binfile`], magic `zkey`,
//! version 1):
//! 1. protocol (u32; 1 = Groth16);
//! 2. header: n8q, q, n8r, r, nVars, nPublic, domainSize (u32 each but the primes),
//!    then α₁, β₁, β₂, γ₂, δ₁, δ₂;
//! 3. IC: nPublic + 1 G1 points (the verification key's input bases);
//! 4. coefficients: count (u32), then (matrix u32: 0 = A, 1 = B; constraint u32;
//!    signal u32; value: 32 bytes, the coefficient times R² mod r, R = 2^256);
//! 5. A: nVars G1 points; 6. B in G1: nVars; 7. B in G2: nVars; 8. C: nVars − nPublic
//!    − 1 (the private signals'); 9. H: domainSize G1 points, prepared for snarkjs's
//!    witness map (see [`super::witness_map`]); 10. contributions (not read).
//!
//! Points are affine, coordinates little-endian in Montgomery form (`toRprLEM`); G2
//! coordinates are (c0, c1) pairs; the identity is all zeros. Every point is checked to
//! be on the curve and in the prime-order subgroup, every coefficient's indices to be
//! in range: a file that passes can still be a key for another circuit (the finished
//! proof's verification catches that), but never makes the prover panic or read out of
//! bounds.

use crate::binfile::{BinFile, BinFileError, Reader};
use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ZkeyError {
    #[error("{file}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] BinFileError),
    #[error("{file}: a {protocol} proving key; zkaccel proves Groth16 (protocol 1)")]
    NotGroth16 { file: String, protocol: String },
    #[error("{file}: {what} is {found}, not BLS12-381's: a key for another curve (set up the circuit with `circom --prime bls12381` and a bls12381 powers of tau)")]
    WrongCurve {
        file: String,
        what: &'static str,
        found: String,
    },
    #[error("{file}: {what}")]
    Header { file: String, what: String },
    #[error("{file}: section {section} ({what}) holds {bytes} bytes; the header's sizes make it {expected}")]
    SectionSize {
        file: String,
        section: u32,
        what: &'static str,
        bytes: usize,
        expected: usize,
    },
    #[error("{file}: {what} {index} (byte {offset}) is not on the curve")]
    NotOnCurve {
        file: String,
        what: &'static str,
        index: usize,
        offset: usize,
    },
    #[error("{file}: {what} {index} (byte {offset}) is not in the prime-order subgroup")]
    NotInSubgroup {
        file: String,
        what: &'static str,
        index: usize,
        offset: usize,
    },
    #[error("{file}: coefficient {index} (byte {offset}): {what}")]
    Coefficient {
        file: String,
        index: usize,
        offset: usize,
        what: String,
    },
}

/// Which matrix a coefficient belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matrix {
    A,
    B,
}

/// One non-zero entry of the A or B matrix: `value · w[signal]` is added to the
/// matrix's evaluation at constraint `constraint`.
#[derive(Clone, Copy, Debug)]
pub struct Coefficient {
    pub matrix: Matrix,
    pub constraint: u32,
    pub signal: u32,
    pub value: Fr,
}

/// A Groth16 proving key as snarkjs writes it.
#[derive(Clone, Debug)]
pub struct Zkey {
    /// Signals, the constant 1 included.
    pub n_vars: usize,
    /// Public signals, the constant 1 excluded.
    pub n_public: usize,
    /// The evaluation domain's size (a power of two).
    pub domain_size: usize,
    pub alpha_g1: G1Affine,
    pub beta_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub gamma_g2: G2Affine,
    pub delta_g1: G1Affine,
    pub delta_g2: G2Affine,
    pub ic: Vec<G1Affine>,
    pub coefficients: Vec<Coefficient>,
    pub a: Vec<G1Affine>,
    pub b_g1: Vec<G1Affine>,
    pub b_g2: Vec<G2Affine>,
    /// The private signals' C bases (signal `n_public + 1 + i` at `i`).
    pub c: Vec<G1Affine>,
    pub h: Vec<G1Affine>,
}

const G1_BYTES: usize = 96;
const G2_BYTES: usize = 192;

impl Zkey {
    /// Reads and checks a `.zkey` file.
    pub fn read(path: &Path) -> Result<Self, ZkeyError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ZkeyError::Io {
            file: file.clone(),
            source,
        })?;
        Self::parse(&bytes, &file)
    }

    /// Checks and decodes a `.zkey` file's bytes (`file` names it in errors).
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, ZkeyError> {
        let f = BinFile::parse(bytes, file, b"zkey", 1)?;
        let protocol = f.section(1, "the protocol")?.u32("the protocol")?;
        if protocol != 1 {
            let name = match protocol {
                2 => "PLONK".to_string(),
                10 => "FFLONK".to_string(),
                p => format!("protocol {p}"),
            };
            return Err(ZkeyError::NotGroth16 {
                file: file.into(),
                protocol: name,
            });
        }
        let header_err = |what: String| ZkeyError::Header {
            file: file.into(),
            what,
        };
        let mut h = f.section(2, "the Groth16 header")?;
        check_prime::<Fq>(&mut h, file, "the base field's modulus q")?;
        check_prime::<Fr>(&mut h, file, "the scalar field's modulus r")?;
        let n_vars = h.u32("nVars")? as usize;
        let n_public = h.u32("nPublic")? as usize;
        let domain_size = h.u32("domainSize")? as usize;
        if n_vars == 0 || n_public + 1 > n_vars {
            return Err(header_err(format!(
                "{n_public} public signals but {n_vars} signals in all (the constant 1 included)"
            )));
        }
        if !domain_size.is_power_of_two() || domain_size < 2 || domain_size > 1 << 28 {
            return Err(header_err(format!(
                "domain size {domain_size} is not a power of two between 2 and 2^28"
            )));
        }
        let alpha_g1 = read_g1s(&mut h, 1, file, "α₁")?[0];
        let beta_g1 = read_g1s(&mut h, 1, file, "β₁")?[0];
        let beta_g2 = read_g2s(&mut h, 1, file, "β₂")?[0];
        let gamma_g2 = read_g2s(&mut h, 1, file, "γ₂")?[0];
        let delta_g1 = read_g1s(&mut h, 1, file, "δ₁")?[0];
        let delta_g2 = read_g2s(&mut h, 1, file, "δ₂")?[0];

        let points = |section: u32, what: &'static str, count: usize, size: usize| {
            let r = f.section(section, what)?;
            if r.remaining() != count * size {
                return Err(ZkeyError::SectionSize {
                    file: file.into(),
                    section,
                    what,
                    bytes: r.remaining(),
                    expected: count * size,
                });
            }
            Ok(r)
        };
        let ic = read_g1s(
            &mut points(3, "IC", n_public + 1, G1_BYTES)?,
            n_public + 1,
            file,
            "IC point",
        )?;
        let a = read_g1s(
            &mut points(5, "A", n_vars, G1_BYTES)?,
            n_vars,
            file,
            "A point",
        )?;
        let b_g1 = read_g1s(
            &mut points(6, "B in G1", n_vars, G1_BYTES)?,
            n_vars,
            file,
            "B₁ point",
        )?;
        let b_g2 = read_g2s(
            &mut points(7, "B in G2", n_vars, G2_BYTES)?,
            n_vars,
            file,
            "B₂ point",
        )?;
        let n_private = n_vars - n_public - 1;
        let c = read_g1s(
            &mut points(8, "C", n_private, G1_BYTES)?,
            n_private,
            file,
            "C point",
        )?;
        let hq = read_g1s(
            &mut points(9, "H", domain_size, G1_BYTES)?,
            domain_size,
            file,
            "H point",
        )?;
        let coefficients = read_coefficients(
            &mut f.section(4, "the coefficients")?,
            file,
            n_vars,
            domain_size,
        )?;
        Ok(Self {
            n_vars,
            n_public,
            domain_size,
            alpha_g1,
            beta_g1,
            beta_g2,
            gamma_g2,
            delta_g1,
            delta_g2,
            ic,
            coefficients,
            a,
            b_g1,
            b_g2,
            c,
            h: hq,
        })
    }

    /// The verification key (`zkaccel zkey export-vkey`).
    pub fn verifying_key(&self) -> ark_groth16::VerifyingKey<ark_bls12_381::Bls12_381> {
        ark_groth16::VerifyingKey {
            alpha_g1: self.alpha_g1,
            beta_g2: self.beta_g2,
            gamma_g2: self.gamma_g2,
            delta_g2: self.delta_g2,
            gamma_abc_g1: self.ic.clone(),
        }
    }
}

fn check_prime<F: PrimeField>(
    h: &mut Reader,
    file: &str,
    what: &'static str,
) -> Result<(), ZkeyError> {
    let n8 = h.u32(format!("the size of {what}"))? as usize;
    let p = h.big(n8, what)?;
    let expected = num_bigint::BigUint::from_bytes_le(&F::MODULUS.to_bytes_le());
    if p != expected {
        return Err(ZkeyError::WrongCurve {
            file: file.into(),
            what,
            found: crate::binfile::describe_prime(&p),
        });
    }
    Ok(())
}

/// `count` G1 points; on-curve and subgroup checks run on all cores.
fn read_g1s(
    r: &mut Reader,
    count: usize,
    file: &str,
    what: &'static str,
) -> Result<Vec<G1Affine>, ZkeyError> {
    let mut raw = Vec::with_capacity(count);
    for _ in 0..count {
        let offset = r.at;
        let x = r.fq_montgomery(format!("the x of {what}"))?;
        let y = r.fq_montgomery(format!("the y of {what}"))?;
        raw.push((offset, x, y));
    }
    raw.into_par_iter()
        .enumerate()
        .map(|(index, (offset, x, y))| {
            if x.is_zero() && y.is_zero() {
                return Ok(G1Affine::identity());
            }
            checked(G1Affine::new_unchecked(x, y), file, what, index, offset)
        })
        .collect()
}

/// `count` G2 points, like [`read_g1s`].
fn read_g2s(
    r: &mut Reader,
    count: usize,
    file: &str,
    what: &'static str,
) -> Result<Vec<G2Affine>, ZkeyError> {
    let mut raw = Vec::with_capacity(count);
    for _ in 0..count {
        let offset = r.at;
        let x0 = r.fq_montgomery(format!("the x.c0 of {what}"))?;
        let x1 = r.fq_montgomery(format!("the x.c1 of {what}"))?;
        let y0 = r.fq_montgomery(format!("the y.c0 of {what}"))?;
        let y1 = r.fq_montgomery(format!("the y.c1 of {what}"))?;
        raw.push((offset, Fq2::new(x0, x1), Fq2::new(y0, y1)));
    }
    raw.into_par_iter()
        .enumerate()
        .map(|(index, (offset, x, y))| {
            if x.is_zero() && y.is_zero() {
                return Ok(G2Affine::identity());
            }
            checked(G2Affine::new_unchecked(x, y), file, what, index, offset)
        })
        .collect()
}

fn checked<P: ark_ec::short_weierstrass::SWCurveConfig>(
    p: ark_ec::short_weierstrass::Affine<P>,
    file: &str,
    what: &'static str,
    index: usize,
    offset: usize,
) -> Result<ark_ec::short_weierstrass::Affine<P>, ZkeyError> {
    if !p.is_on_curve() {
        return Err(ZkeyError::NotOnCurve {
            file: file.into(),
            what,
            index,
            offset,
        });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(ZkeyError::NotInSubgroup {
            file: file.into(),
            what,
            index,
            offset,
        });
    }
    Ok(p)
}

/// R⁻² mod r, R = 2^256: snarkjs stores each coefficient times R².
fn r_inv_squared() -> Fr {
    Fr::from(2u64).pow([512u64]).inverse().expect("invertible")
}

fn read_coefficients(
    r: &mut Reader,
    file: &str,
    n_vars: usize,
    domain_size: usize,
) -> Result<Vec<Coefficient>, ZkeyError> {
    let count = r.u32("the coefficient count")? as usize;
    const SIZE: usize = 12 + 32;
    if r.remaining() != count * SIZE {
        return Err(ZkeyError::SectionSize {
            file: file.into(),
            section: 4,
            what: "the coefficients",
            bytes: r.remaining() + 4,
            expected: count * SIZE + 4,
        });
    }
    let scale = r_inv_squared();
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        let offset = r.at;
        let bad = |what: String| ZkeyError::Coefficient {
            file: file.into(),
            index,
            offset,
            what,
        };
        let matrix = match r.u32("a coefficient's matrix")? {
            0 => Matrix::A,
            1 => Matrix::B,
            m => return Err(bad(format!("matrix {m} (0 is A, 1 is B)"))),
        };
        let constraint = r.u32("a coefficient's constraint")?;
        let signal = r.u32("a coefficient's signal")?;
        let value = r
            .fr("a coefficient's value")
            .map_err(|_| bad("the value is not below r".into()))?;
        if constraint as usize >= domain_size {
            return Err(bad(format!(
                "constraint {constraint} is outside the domain of {domain_size}"
            )));
        }
        if signal as usize >= n_vars {
            return Err(bad(format!("signal {signal} but the circuit has {n_vars}")));
        }
        out.push(Coefficient {
            matrix,
            constraint,
            signal,
            value: value * scale,
        });
    }
    Ok(out)
}
