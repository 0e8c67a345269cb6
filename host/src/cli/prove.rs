//! `zkaccel prove`: a Groth16 proof from a snarkjs proving key and a circom witness,
//! written as snarkjs's `proof.json` and `public.json` (the interface of snarkjs's and
//! rapidsnark's provers). Nothing is written unless the proof verified.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use zkaccel_host::codec::write_file;
use zkaccel_host::groth16::{json, prove, r1cs::R1cs, zkey::Zkey};
use zkaccel_host::{wtns, Accelerator, Backend};

#[derive(Args)]
pub struct ProveArgs {
    /// The snarkjs proving key (Groth16, BLS12-381).
    #[arg(long)]
    zkey: PathBuf,
    /// The circom witness (`.wtns`, `--prime bls12381`).
    #[arg(long)]
    witness: PathBuf,
    /// Where to write the proof (snarkjs's proof.json).
    #[arg(long)]
    proof: PathBuf,
    /// Where to write the public signals (snarkjs's public.json).
    #[arg(long)]
    public: PathBuf,
    /// The circuit's constraints (circom's .r1cs): the witness is checked against them
    /// first, and a witness that breaks one is refused naming it.
    #[arg(long)]
    r1cs: Option<PathBuf>,
    /// Where the witness map's NTTs and the G1 MSMs run: cpu, sim, vfio-user:PATH,
    /// vfio:BDF, or a comma-separated list of cards (each MSM split over them). The G2
    /// MSM always runs on the CPU, at the same time.
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Exit non-zero when a check failed on the backend (the proof written is still
    /// correct: it was recomputed and verified).
    #[arg(long)]
    strict: bool,
    /// Print the report (phases, checks, failures, times) as JSON.
    #[arg(long)]
    json: bool,
    /// No progress display on stderr (there is none when stderr is not a terminal).
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: ProveArgs) -> Result<()> {
    let zkey = Zkey::read(&a.zkey)?;
    let witness = wtns::read(&a.witness)?;
    if let Some(path) = &a.r1cs {
        let r1cs = R1cs::read(path)?;
        if let Some(k) = r1cs.first_unsatisfied(&witness) {
            anyhow::bail!(
                "{}: the witness does not satisfy constraint {k} (0-based, of {} in {}); no proof written",
                a.witness.display(),
                r1cs.constraints.len(),
                path.display()
            );
        }
    }
    let mut acc = Accelerator::open(&a.backend)?;
    let spinner = super::spinner(format!("proving on {}", a.backend), a.quiet);
    let (shown, backend) = (spinner.clone(), a.backend.to_string());
    acc.set_progress(Box::new(move |step| {
        shown.set_message(format!("proving on {backend}: {step}"))
    }));
    let proved = prove::prove(&zkey, &witness, &mut acc);
    spinner.finish_and_clear();
    let proved = match proved {
        Err(e @ prove::ProveError::Unsatisfied) if a.r1cs.is_none() => {
            return Err(anyhow::Error::new(e).context(format!(
                "no proof for {} (give --r1cs to name the first constraint it breaks)",
                a.witness.display()
            )))
        }
        r => r.with_context(|| format!("no proof for {}", a.witness.display()))?,
    };
    let proof_text = json::to_snarkjs_text(&json::proof_json(&proved.proof));
    let public_text = json::to_snarkjs_text(&json::public_json(&proved.public));
    write_file(&a.proof, proof_text.as_bytes())
        .with_context(|| format!("writing {}", a.proof.display()))?;
    write_file(&a.public, public_text.as_bytes())
        .with_context(|| format!("writing {}", a.public.display()))?;
    let r = &proved.report;
    for f in &r.failures {
        eprintln!(
            "warning: {} on {}: {}; {}",
            f.step, f.backend, f.reason, f.then
        );
    }
    if a.json {
        super::print_json(r)?;
    } else {
        println!(
            "proof verified; wrote {} and {} ({} signals, {} public, domain {}, backend {})",
            a.proof.display(),
            a.public.display(),
            r.signals,
            r.public_signals,
            r.domain_size,
            r.backend
        );
        for p in &r.phases {
            let cycles = p
                .cycles
                .map(|c| format!("  {c} cycles"))
                .unwrap_or_default();
            println!(
                "  {:<32} {:<10} {:>10.3} ms{cycles}",
                p.name,
                p.backend,
                p.time.as_secs_f64() * 1e3
            );
        }
        for c in &r.checks {
            println!(
                "  check: {:<36} {:<10} {:>6} {:>8.3} ms",
                c.name,
                c.backend,
                if c.passed { "passed" } else { "FAILED" },
                c.time.as_secs_f64() * 1e3
            );
        }
        println!(
            "total {:.3} s; checks {:.3} s ({:.1} %)",
            r.total.as_secs_f64(),
            r.checks_time.as_secs_f64(),
            100.0 * r.checks_share
        );
    }
    if a.strict && !r.failures.is_empty() {
        anyhow::bail!(
            "{} check(s) or job(s) failed on {} (--strict); the proof written was recomputed and verified",
            r.failures.len(),
            r.backend
        );
    }
    Ok(())
}
