//! circom's constraint files (`.r1cs`), read and checked, to say which constraint a
//! witness breaks (`zkaccel prove --r1cs`).
//!
//! Layout (iden3 `r1csfile`, container in [`crate::binfile`], magic `r1cs`, version 1):
//! section 1, the header: n8 (u32), the prime (n8 bytes), nWires, nOutputs, nPubInputs,
//! nPrvInputs (u32 each), nLabels (u64), nConstraints (u32); section 2, the constraints:
//! for each, three linear combinations A, B, C, each a term count (u32) then (wire u32,
//! coefficient n8 bytes little-endian, standard form). A witness w satisfies constraint
//! k when ⟨A_k, w⟩·⟨B_k, w⟩ = ⟨C_k, w⟩.

use crate::binfile::{BinFile, BinFileError, Reader};
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField, Zero};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum R1csError {
    #[error("{file}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] BinFileError),
    #[error("{file}: the constraints are over {curve}, not BLS12-381's r (compile with `circom --prime bls12381`)")]
    WrongField { file: String, curve: String },
    #[error(
        "{file}: constraint {constraint} (byte {offset}) uses wire {wire}, but there are {wires}"
    )]
    Wire {
        file: String,
        constraint: usize,
        offset: usize,
        wire: u32,
        wires: u32,
    },
}

/// A linear combination: (wire, coefficient) terms.
pub type Lc = Vec<(u32, Fr)>;

/// The constraints of a circuit.
pub struct R1cs {
    pub wires: u32,
    pub constraints: Vec<[Lc; 3]>,
}

impl R1cs {
    pub fn read(path: &Path) -> Result<Self, R1csError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| R1csError::Io {
            file: file.clone(),
            source,
        })?;
        Self::parse(&bytes, &file)
    }

    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, R1csError> {
        let f = BinFile::parse(bytes, file, b"r1cs", 1)?;
        let mut h = f.section(1, "the header")?;
        let n8 = h.u32("the element size")? as usize;
        let prime = h.big(n8, "the prime")?;
        let r = num_bigint::BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le());
        if prime != r {
            return Err(R1csError::WrongField {
                file: file.into(),
                curve: crate::binfile::describe_prime(&prime),
            });
        }
        let wires = h.u32("nWires")?;
        for what in ["nOutputs", "nPubInputs", "nPrvInputs"] {
            h.u32(what)?;
        }
        h.u64("nLabels")?;
        let count = h.u32("nConstraints")? as usize;
        let mut c = f.section(2, "the constraints")?;
        let mut constraints = Vec::with_capacity(count);
        for k in 0..count {
            let lc = |c: &mut Reader| -> Result<Lc, R1csError> {
                let terms = c.u32(format!("constraint {k}'s term count"))?;
                (0..terms)
                    .map(|_| {
                        let offset = c.at;
                        let wire = c.u32(format!("a wire of constraint {k}"))?;
                        if wire >= wires {
                            return Err(R1csError::Wire {
                                file: file.into(),
                                constraint: k,
                                offset,
                                wire,
                                wires,
                            });
                        }
                        Ok((wire, c.fr(format!("a coefficient of constraint {k}"))?))
                    })
                    .collect()
            };
            constraints.push([lc(&mut c)?, lc(&mut c)?, lc(&mut c)?]);
        }
        Ok(Self { wires, constraints })
    }

    /// The first constraint `witness` does not satisfy.
    pub fn first_unsatisfied(&self, witness: &[Fr]) -> Option<usize> {
        let eval = |lc: &Lc| -> Fr {
            lc.iter()
                .map(|(w, c)| witness.get(*w as usize).copied().unwrap_or_else(Fr::zero) * c)
                .sum()
        };
        self.constraints
            .iter()
            .position(|[a, b, c]| eval(a) * eval(b) != eval(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_witness_satisfies_its_constraints_and_a_changed_one_does_not() {
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/groth16");
        let r1cs = R1cs::read(&dir.join("sumsq.r1cs")).unwrap();
        assert_eq!((r1cs.wires, r1cs.constraints.len()), (531, 529));
        let mut w = crate::wtns::read(&dir.join("sumsq.wtns")).unwrap();
        assert_eq!(r1cs.first_unsatisfied(&w), None);
        // Signal 3 is x[0]'s first bit... whichever constraint uses it first breaks.
        w[100] += Fr::from(1u64);
        let k = r1cs.first_unsatisfied(&w).unwrap();
        assert!(r1cs.constraints[k]
            .iter()
            .flatten()
            .any(|(wire, _)| *wire == 100));
        let bytes = std::fs::read(dir.join("sumsq.r1cs")).unwrap();
        assert!(R1cs::parse(&bytes[..bytes.len() - 10], "c").is_err());
    }
}
