//! `zkaccel kzg`: EIP-4844 commitments and blob proofs over Ethereum's trusted setup,
//! byte for byte c-kzg's; the result as hex on the last line, like `zkaccel msm`.

use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use zkaccel_host::kzg::{self, g1_bytes, parse_g1_hex, read_blob};
use zkaccel_host::{Accelerator, Backend};

#[derive(Subcommand)]
pub enum KzgCommand {
    /// The blob's commitment (c-kzg's blob_to_kzg_commitment). It is verified together
    /// with the blob's proof before it is printed.
    Commit(OpenArgs),
    /// The blob's proof (c-kzg's compute_blob_kzg_proof), verified before it is printed.
    Prove(OpenArgs),
    /// Check a blob proof (c-kzg's verify_blob_kzg_proof). Exit status 0 only if valid.
    Verify {
        /// The blob: 131,072 bytes (4096 big-endian field elements) or their hex.
        #[arg(long)]
        blob: PathBuf,
        /// The commitment: 48-byte compressed G1 point, hex.
        #[arg(long)]
        commitment: String,
        /// The proof: 48-byte compressed G1 point, hex.
        #[arg(long)]
        proof: String,
    },
}

#[derive(Args)]
pub struct OpenArgs {
    /// The blob: 131,072 bytes (4096 big-endian field elements, each below r) or their hex.
    #[arg(long)]
    blob: PathBuf,
    /// Where the two MSMs run: cpu, sim, vfio-user:PATH, vfio:BDF, or a comma-separated
    /// list of cards.
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Exit non-zero when a check failed on the backend (the result printed is still
    /// correct: it was recomputed and verified).
    #[arg(long)]
    strict: bool,
    /// Print a JSON object (commitment, proof, phases, checks, failures).
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct OpenOutput<'a> {
    commitment: String,
    proof: String,
    #[serde(flatten)]
    report: &'a zkaccel_host::groth16::prove::ProveReport,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn run(c: KzgCommand) -> Result<()> {
    match c {
        KzgCommand::Commit(a) => open(a, false),
        KzgCommand::Prove(a) => open(a, true),
        KzgCommand::Verify {
            blob,
            commitment,
            proof,
        } => {
            let (values, _) = read_blob(&blob)?;
            let c = parse_g1_hex(&commitment, "--commitment")?;
            let p = parse_g1_hex(&proof, "--proof")?;
            if kzg::verify_blob_proof(&values, &c, &p) {
                println!("OK: the proof is valid for this blob and commitment");
                Ok(())
            } else {
                anyhow::bail!("INVALID: the proof does not open this commitment to this blob")
            }
        }
    }
}

fn open(a: OpenArgs, print_proof: bool) -> Result<()> {
    let (values, _) = read_blob(&a.blob)?;
    let mut acc = Accelerator::open(&a.backend)?;
    let opened = kzg::commit_and_prove(&mut acc, &values)?;
    let r = &opened.report;
    for f in &r.failures {
        eprintln!(
            "warning: {} on {}: {}; {}",
            f.step, f.backend, f.reason, f.then
        );
    }
    let commitment = hex(&g1_bytes(&opened.commitment));
    let proof = hex(&g1_bytes(&opened.proof));
    if a.json {
        super::print_json(&OpenOutput {
            commitment,
            proof,
            report: r,
        })?;
    } else {
        for p in &r.phases {
            let cycles = p
                .cycles
                .map(|c| format!(", {c} cycles"))
                .unwrap_or_default();
            println!(
                "{} on {}: {:.3} ms{cycles}",
                p.name,
                p.backend,
                p.time.as_secs_f64() * 1e3
            );
        }
        println!(
            "checked: the proof opens the commitment ({:.3} ms of {:.3} s)",
            r.checks_time.as_secs_f64() * 1e3,
            r.total.as_secs_f64()
        );
        println!("{}", if print_proof { proof } else { commitment });
    }
    if a.strict && !r.failures.is_empty() {
        anyhow::bail!("{} check(s) or job(s) failed on {} (--strict); the result printed was recomputed and verified", r.failures.len(), r.backend);
    }
    Ok(())
}
