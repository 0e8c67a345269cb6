//! snarkjs's JSON files for Groth16 over BLS12-381: the proof (`proof.json`), the public
//! signals (`public.json`) and the verification key (`vkey.json`), written as snarkjs
//! writes them and read back with every value checked (numbers below the modulus,
//! points on the curve and in the subgroup), each defect an error naming the field.
//!
//! Points are projective triples of decimal strings with z = 1 (the identity is
//! `["0", "1", "0"]`); an element of Fq2 is `[c0, c1]`; of Fq12, `[[c0.c0, c0.c1,
//! c0.c2], [c1.c0, c1.c1, c1.c2]]` of Fq2 pairs.

use super::zkey::Zkey;
use ark_bls12_381::{Bls12_381, Fq, Fq12, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde_json::{json, Value};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
#[error("{file}: {field}: {what}")]
pub struct JsonError {
    pub file: String,
    pub field: String,
    pub what: String,
}

fn dec<F: PrimeField>(x: &F) -> String {
    x.into_bigint().to_string()
}

fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([dec(&x), dec(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn fq2(x: &Fq2) -> Value {
    json!([dec(&x.c0), dec(&x.c1)])
}

fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

fn fq12(x: &Fq12) -> Value {
    json!([
        [fq2(&x.c0.c0), fq2(&x.c0.c1), fq2(&x.c0.c2)],
        [fq2(&x.c1.c0), fq2(&x.c1.c1), fq2(&x.c1.c2)]
    ])
}

/// `proof.json`.
pub fn proof_json(p: &Proof<Bls12_381>) -> Value {
    json!({
        "pi_a": g1(&p.a),
        "pi_b": g2(&p.b),
        "pi_c": g1(&p.c),
        "protocol": "groth16",
        "curve": "bls12381"
    })
}

/// `public.json`: the public signals as decimal strings.
pub fn public_json(public: &[Fr]) -> Value {
    Value::Array(public.iter().map(|x| Value::String(dec(x))).collect())
}

/// `vkey.json`, as `snarkjs zkey export verificationkey` writes it.
pub fn vkey_json(zkey: &Zkey) -> Value {
    let alphabeta = Bls12_381::pairing(zkey.alpha_g1, zkey.beta_g2).0;
    json!({
        "protocol": "groth16",
        "curve": "bls12381",
        "nPublic": zkey.n_public,
        "vk_alpha_1": g1(&zkey.alpha_g1),
        "vk_beta_2": g2(&zkey.beta_g2),
        "vk_gamma_2": g2(&zkey.gamma_g2),
        "vk_delta_2": g2(&zkey.delta_g2),
        "vk_alphabeta_12": fq12(&alphabeta),
        "IC": zkey.ic.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// Serializes as snarkjs does (`JSON.stringify(v, null, 1)`: one-space indent, keys in
/// insertion order, no final newline).
pub fn to_snarkjs_text(v: &Value) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("JSON values serialize");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Reading: the file's name, for errors.
struct In<'a> {
    file: &'a str,
}

impl In<'_> {
    fn err(&self, field: &str, what: impl Into<String>) -> JsonError {
        JsonError {
            file: self.file.into(),
            field: field.into(),
            what: what.into(),
        }
    }

    fn get<'v>(&self, v: &'v Value, key: &str) -> Result<&'v Value, JsonError> {
        v.get(key).ok_or_else(|| self.err(key, "missing"))
    }

    fn array<'v>(
        &self,
        v: &'v Value,
        field: &str,
        len: Option<usize>,
    ) -> Result<&'v [Value], JsonError> {
        let a = v
            .as_array()
            .ok_or_else(|| self.err(field, "not an array"))?;
        if let Some(n) = len {
            if a.len() != n {
                return Err(self.err(field, format!("{} entries, expected {n}", a.len())));
            }
        }
        Ok(a)
    }

    fn number<F: PrimeField>(&self, v: &Value, field: &str) -> Result<F, JsonError> {
        let s = v
            .as_str()
            .ok_or_else(|| self.err(field, "not a decimal string"))?;
        let n = BigUint::from_str(s)
            .map_err(|_| self.err(field, format!("{s:?} is not a decimal number")))?;
        let modulus = BigUint::from_bytes_le(&F::MODULUS.to_bytes_le());
        if n >= modulus {
            return Err(self.err(field, format!("{s} is not below the field's modulus")));
        }
        Ok(F::from_le_bytes_mod_order(&n.to_bytes_le()))
    }

    fn fq2(&self, v: &Value, field: &str) -> Result<Fq2, JsonError> {
        let a = self.array(v, field, Some(2))?;
        Ok(Fq2::new(
            self.number::<Fq>(&a[0], &format!("{field}[0]"))?,
            self.number::<Fq>(&a[1], &format!("{field}[1]"))?,
        ))
    }

    fn g1(&self, v: &Value, field: &str) -> Result<G1Affine, JsonError> {
        let a = self.array(v, field, Some(3))?;
        let x = self.number::<Fq>(&a[0], &format!("{field}[0]"))?;
        let y = self.number::<Fq>(&a[1], &format!("{field}[1]"))?;
        let z = self.number::<Fq>(&a[2], &format!("{field}[2]"))?;
        use ark_ff::{One, Zero};
        if z.is_zero() {
            return Ok(G1Affine::identity());
        }
        if !z.is_one() {
            return Err(self.err(field, "z is neither 1 nor 0 (snarkjs writes affine points)"));
        }
        self.checked(G1Affine::new_unchecked(x, y), field)
    }

    fn g2(&self, v: &Value, field: &str) -> Result<G2Affine, JsonError> {
        let a = self.array(v, field, Some(3))?;
        let x = self.fq2(&a[0], &format!("{field}[0]"))?;
        let y = self.fq2(&a[1], &format!("{field}[1]"))?;
        let z = self.fq2(&a[2], &format!("{field}[2]"))?;
        use ark_ff::{One, Zero};
        if z.is_zero() {
            return Ok(G2Affine::identity());
        }
        if !z.is_one() {
            return Err(self.err(field, "z is neither 1 nor 0 (snarkjs writes affine points)"));
        }
        self.checked(G2Affine::new_unchecked(x, y), field)
    }

    fn checked<P: ark_ec::short_weierstrass::SWCurveConfig>(
        &self,
        p: ark_ec::short_weierstrass::Affine<P>,
        field: &str,
    ) -> Result<ark_ec::short_weierstrass::Affine<P>, JsonError> {
        if !p.is_on_curve() {
            return Err(self.err(field, "the point is not on the curve"));
        }
        if !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(self.err(field, "the point is not in the prime-order subgroup"));
        }
        Ok(p)
    }

    fn header(&self, v: &Value) -> Result<(), JsonError> {
        let protocol = self.get(v, "protocol")?;
        if protocol != "groth16" {
            return Err(self.err("protocol", format!("{protocol}, expected \"groth16\"")));
        }
        if let Some(curve) = v.get("curve") {
            if curve != "bls12381" {
                return Err(self.err(
                    "curve",
                    format!("{curve}; zkaccel verifies BLS12-381 (\"bls12381\")"),
                ));
            }
        }
        Ok(())
    }
}

/// Reads `proof.json`'s value (`file` names it in errors).
pub fn parse_proof(v: &Value, file: &str) -> Result<Proof<Bls12_381>, JsonError> {
    let i = In { file };
    i.header(v)?;
    Ok(Proof {
        a: i.g1(i.get(v, "pi_a")?, "pi_a")?,
        b: i.g2(i.get(v, "pi_b")?, "pi_b")?,
        c: i.g1(i.get(v, "pi_c")?, "pi_c")?,
    })
}

/// Reads `public.json`'s value.
pub fn parse_public(v: &Value, file: &str) -> Result<Vec<Fr>, JsonError> {
    let i = In { file };
    i.array(v, "the public signals", None)?
        .iter()
        .enumerate()
        .map(|(k, x)| i.number::<Fr>(x, &format!("signal {k}")))
        .collect()
}

/// Reads `vkey.json`'s value. `vk_alphabeta_12` is not needed and not read.
pub fn parse_vkey(v: &Value, file: &str) -> Result<VerifyingKey<Bls12_381>, JsonError> {
    let i = In { file };
    i.header(v)?;
    let ic = i
        .array(i.get(v, "IC")?, "IC", None)?
        .iter()
        .enumerate()
        .map(|(k, p)| i.g1(p, &format!("IC[{k}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(n) = v.get("nPublic") {
        if n.as_u64() != Some(ic.len() as u64 - 1) || ic.is_empty() {
            return Err(i.err(
                "nPublic",
                format!("{n}, but IC has {} points (nPublic + 1 expected)", ic.len()),
            ));
        }
    }
    Ok(VerifyingKey {
        alpha_g1: i.g1(i.get(v, "vk_alpha_1")?, "vk_alpha_1")?,
        beta_g2: i.g2(i.get(v, "vk_beta_2")?, "vk_beta_2")?,
        gamma_g2: i.g2(i.get(v, "vk_gamma_2")?, "vk_gamma_2")?,
        delta_g2: i.g2(i.get(v, "vk_delta_2")?, "vk_delta_2")?,
        gamma_abc_g1: ic,
    })
}
