//! `zkaccel verify`: checks a Groth16 proof in snarkjs's JSON against a verification
//! key and public signals. Exit status 0 only for a valid proof.

use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value;
use std::path::{Path, PathBuf};
use zkaccel_host::groth16::{json, verify};

#[derive(Args)]
pub struct VerifyArgs {
    /// The verification key (snarkjs's vkey.json, or `zkaccel zkey export-vkey`).
    #[arg(long)]
    vkey: PathBuf,
    /// The public signals (public.json).
    #[arg(long)]
    public: PathBuf,
    /// The proof (proof.json).
    #[arg(long)]
    proof: PathBuf,
}

fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{}: not JSON", path.display()))
}

pub fn run(a: VerifyArgs) -> Result<()> {
    let name = |p: &Path| p.display().to_string();
    let vk = json::parse_vkey(&read_json(&a.vkey)?, &name(&a.vkey))?;
    let public = json::parse_public(&read_json(&a.public)?, &name(&a.public))?;
    let proof = json::parse_proof(&read_json(&a.proof)?, &name(&a.proof))?;
    if verify(&vk, &public, &proof)? {
        println!("OK: the proof is valid");
        Ok(())
    } else {
        anyhow::bail!("INVALID: the proof does not verify with this key and these public signals")
    }
}
