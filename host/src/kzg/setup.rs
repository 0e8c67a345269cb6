//! Ethereum's KZG trusted setup (the EIP-4844 ceremony's output), as c-kzg ships it in
//! `trusted_setup.txt` (a copy is embedded here, SHA-256
//! d39b9f2d047cc9dca2de58f264b6a09448ccd34db967881a6713eacacf0f26b7): the number of
//! G1 points (4096) and of G2 points (65), then 4096 G1 points in Lagrange form (48-byte
//! compressed, hex, one per line, in natural order), 65 G2 points in monomial form
//! (96-byte compressed), then 4096 G1 points in monomial form (not used here).
//!
//! Like c-kzg, the Lagrange points are kept in bit-reversed order: a blob's element i is
//! the polynomial's value at the i-th bit-reversed 4096-th root of unity.

use ark_bls12_381::{G1Affine, G2Affine};
use ark_serialize::CanonicalDeserialize;
use rayon::prelude::*;
use std::sync::OnceLock;

/// Field elements per blob.
pub const FIELD_ELEMENTS_PER_BLOB: usize = 4096;
const G2_POINTS: usize = 65;

const EMBEDDED: &str = include_str!("trusted_setup.txt");

#[derive(Debug, thiserror::Error)]
#[error("{source_name}: line {line}: {what}")]
pub struct SetupError {
    pub source_name: String,
    pub line: usize,
    pub what: String,
}

/// The points the EIP-4844 functions use.
pub struct TrustedSetup {
    /// [L_{brp(i)}(τ)]₁: the Lagrange points in bit-reversed order.
    pub g1_lagrange_brp: Vec<G1Affine>,
    /// [τ]₂.
    pub g2_tau: G2Affine,
}

/// `i`'s 12 bits reversed.
pub fn bit_reverse(i: usize) -> usize {
    i.reverse_bits() >> (usize::BITS - FIELD_ELEMENTS_PER_BLOB.trailing_zeros())
}

impl TrustedSetup {
    /// Ethereum's setup (embedded), parsed and checked once per process.
    pub fn ethereum() -> &'static TrustedSetup {
        static SETUP: OnceLock<TrustedSetup> = OnceLock::new();
        SETUP.get_or_init(|| {
            Self::parse(EMBEDDED, "the embedded trusted setup")
                .expect("the embedded setup is valid")
        })
    }

    /// Parses a setup in c-kzg's text format (`name` in errors). Every point is checked
    /// on the curve and in the subgroup.
    pub fn parse(text: &str, name: &str) -> Result<Self, SetupError> {
        Self::decode(text, name, true)
    }

    fn decode(text: &str, name: &str, validate: bool) -> Result<Self, SetupError> {
        use ark_serialize::{Compress, Validate};
        let check = if validate {
            Validate::Yes
        } else {
            Validate::No
        };
        let lines: Vec<&str> = text.lines().collect();
        let err = |line: usize, what: String| SetupError {
            source_name: name.into(),
            line: line + 1,
            what,
        };
        let count = |line: usize, want: usize| -> Result<(), SetupError> {
            let v: usize = lines
                .get(line)
                .ok_or_else(|| err(line, "missing".into()))?
                .trim()
                .parse()
                .map_err(|_| err(line, "not a count".into()))?;
            if v != want {
                return Err(err(line, format!("{v} points; EIP-4844 uses {want}")));
            }
            Ok(())
        };
        count(0, FIELD_ELEMENTS_PER_BLOB)?;
        count(1, G2_POINTS)?;
        let need = 2 + 2 * FIELD_ELEMENTS_PER_BLOB + G2_POINTS;
        if lines.len() < need {
            return Err(err(
                lines.len(),
                format!("ends after {} lines, {need} expected", lines.len()),
            ));
        }
        let decode = |line: usize, bytes: usize| -> Result<Vec<u8>, SetupError> {
            let h = lines[line].trim();
            if h.len() != 2 * bytes {
                return Err(err(
                    line,
                    format!("{} hex characters, expected {}", h.len(), 2 * bytes),
                ));
            }
            (0..bytes)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16))
                .collect::<Result<_, _>>()
                .map_err(|_| err(line, "not hex".into()))
        };
        let lagrange: Vec<G1Affine> = (0..FIELD_ELEMENTS_PER_BLOB)
            .into_par_iter()
            .map(|i| {
                let line = 2 + i;
                let b = decode(line, 48)?;
                G1Affine::deserialize_with_mode(&b[..], Compress::Yes, check)
                    .map_err(|e| err(line, format!("not a G1 point in the subgroup ({e})")))
            })
            .collect::<Result<_, _>>()?;
        let g2_line = 2 + FIELD_ELEMENTS_PER_BLOB + 1;
        let g2_tau =
            G2Affine::deserialize_with_mode(&decode(g2_line, 96)?[..], Compress::Yes, check)
                .map_err(|e| err(g2_line, format!("not a G2 point in the subgroup ({e})")))?;
        let g1_lagrange_brp = (0..FIELD_ELEMENTS_PER_BLOB)
            .map(|i| lagrange[bit_reverse(i)])
            .collect();
        Ok(Self {
            g1_lagrange_brp,
            g2_tau,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_reversal_is_an_involution_on_12_bits() {
        assert_eq!(bit_reverse(0), 0);
        assert_eq!(bit_reverse(1), 2048);
        assert_eq!(bit_reverse(4095), 4095);
        assert!((0..4096).all(|i| bit_reverse(bit_reverse(i)) == i));
    }

    #[test]
    fn the_embedded_setup_is_valid() {
        let checked = TrustedSetup::parse(EMBEDDED, "embedded").unwrap();
        let fast = TrustedSetup::ethereum();
        assert_eq!(checked.g1_lagrange_brp, fast.g1_lagrange_brp);
        assert_eq!(checked.g2_tau, fast.g2_tau);
    }

    #[test]
    fn damaged_setups_name_the_line() {
        let mut lines: Vec<String> = EMBEDDED.lines().map(String::from).collect();
        lines[5] = "zz".repeat(48);
        let e = TrustedSetup::parse(&lines.join("\n"), "s")
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("s: line 6: not hex"), "{e}");
        lines[0] = "4095".into();
        let e = TrustedSetup::parse(&lines.join("\n"), "s")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("line 1: 4095 points"), "{e}");
        let short = EMBEDDED.lines().take(100).collect::<Vec<_>>().join("\n");
        assert!(TrustedSetup::parse(&short, "s").is_err());
    }
}
