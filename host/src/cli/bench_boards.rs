//! `zkaccel bench boards`: one, two and four boards on the same MSM and proof.

use super::print_json;
use anyhow::{bail, Result};
use zkaccel_host::bench::boards::bench_boards;
use zkaccel_host::Backend;

/// Throughput of 1, 2, 4 … boards on a 2^K-point MSM and a proof of 2^C constraints,
/// every result checked. Without --backend it starts --max-boards `zkaccel sim serve`
/// instances (vfio-user) and stops them afterwards.
#[derive(clap::Args)]
pub struct BoardsArgs {
    /// The boards to use (a comma-separated list of cards; the first 1, 2, 4 … are
    /// measured). Default: simulated boards started here.
    #[arg(long)]
    backend: Option<Backend>,
    #[arg(long, default_value_t = 4)]
    max_boards: usize,
    #[arg(long, default_value_t = 12)]
    log_size: u32,
    #[arg(long, default_value_t = 10)]
    log_constraints: u32,
    /// Timed jobs per configuration, after one to warm up (medians reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    quiet: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(a: BoardsArgs) -> Result<()> {
    let specs = match a.backend {
        None => {
            if !cfg!(feature = "sim") {
                return Err(super::not_in_this_build(
                    "bench boards without --backend",
                    "sim",
                    "it starts simulated boards",
                ));
            }
            vec![]
        }
        Some(Backend::Boards(specs)) => specs,
        Some(Backend::Device(spec)) => vec![spec],
        Some(Backend::Cpu) => bail!("--backend cpu: bench boards measures cards"),
    };
    if a.max_boards == 0 {
        bail!("--max-boards 0: choose at least 1");
    }
    let spinner = super::spinner("bench boards".into(), a.quiet);
    let r = bench_boards(
        specs,
        a.max_boards,
        a.log_size,
        a.log_constraints,
        a.runs,
        a.seed,
        |what| spinner.set_message(what.to_string()),
    )?;
    spinner.finish_and_clear();
    if a.json {
        return print_json(&r);
    }
    println!(
        "boards: MSMs of 2^{} points (batches of {}), a proof of 2^{} constraints; medians of {} runs after a warm-up; {} cores",
        r.log_size, zkaccel_host::bench::boards::MSM_BATCH, r.log_constraints, r.runs, r.cores
    );
    println!(
        "  {:>6} {:>9} {:>8} | {:>9} {:>8} | {:>9} {:>8} | {:>9} {:>8} | {:>8}",
        "boards",
        "MSMs/s",
        "speedup",
        "1 MSM s",
        "speedup",
        "proof s",
        "speedup",
        "proofs/s",
        "speedup",
        "failures"
    );
    for row in &r.rows {
        println!(
            "  {:>6} {:>9.3} {:>7.2}x | {:>9.3} {:>7.2}x | {:>9.3} {:>7.2}x | {:>9.3} {:>7.2}x | {:>8}",
            row.boards,
            row.msms_per_s,
            row.msm_throughput_speedup,
            row.msm_s,
            row.msm_speedup,
            row.proof_s,
            row.proof_speedup,
            row.proofs_per_s,
            row.proof_throughput_speedup,
            row.failures
        );
    }
    Ok(())
}
