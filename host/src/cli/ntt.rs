//! `zkaccel ntt`: one transform of a file of Fr elements on a backend, written to a file.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use zkaccel_host::board_health::BoardHealth;
use zkaccel_host::codec::{decode_fr, encode_scalars, write_file};
use zkaccel_host::kernel_check::Failure;
use zkaccel_host::ntt::device::NttStats;
use zkaccel_host::ntt::NttKind;
use zkaccel_host::report::seconds;
use zkaccel_host::{Accelerator, Backend};

#[derive(Args)]
pub struct NttArgs {
    /// 32-byte big-endian Fr elements (each < r), a power-of-two count.
    #[arg(long)]
    input: PathBuf,
    /// Where to write the result, same encoding (written only when the transform
    /// succeeded).
    #[arg(long)]
    output: PathBuf,
    /// ifft instead of fft (with the 1/n scaling).
    #[arg(long)]
    inverse: bool,
    /// Over the coset GENERATOR·H (GENERATOR = 7), as ark-poly's get_coset.
    #[arg(long)]
    coset: bool,
    /// cpu, sim, vfio-user:PATH, vfio:BDF (one card job up to the card's size, the
    /// four-step method beyond it), or a comma-separated list of cards (a job on each in
    /// turn; the four-step method's transforms spread over them). A card's output is checked at a secret random point
    /// before it is written; a failed check or a board error is reported on stderr, the
    /// transform retried once on the card and then computed on the CPU.
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Print a JSON object (sizes, wall time, the card's figures).
    #[arg(long)]
    json: bool,
    /// No progress display on stderr (there is none when stderr is not a terminal).
    #[arg(long)]
    quiet: bool,
}

/// `--json` output.
#[derive(serde::Serialize)]
struct NttOutput {
    backend: String,
    size: usize,
    inverse: bool,
    coset: bool,
    #[serde(serialize_with = "seconds")]
    wall_time_s: std::time::Duration,
    card: Option<NttStats>,
    output: String,
    /// Board errors and failed checks, and where the job ran next.
    failures: Vec<Failure>,
    /// The board's counters (one card).
    board: Option<BoardHealth>,
    /// Every board's counters (one card, or each of a list).
    boards: Vec<BoardHealth>,
}

pub fn run(a: NttArgs) -> Result<()> {
    let input = a.input.display().to_string();
    let bytes = std::fs::read(&a.input).with_context(|| input.clone())?;
    let mut values = decode_fr(&bytes, &input, "value")?;
    let n = values.len();
    let kind = NttKind {
        inverse: a.inverse,
        coset: a.coset,
    };
    let mut acc = Accelerator::open(&a.backend)?;
    let spinner = super::spinner(format!("NTT of {n} values on {}", a.backend), a.quiet);
    let done = acc.ntt(&mut values, kind);
    spinner.finish_and_clear();
    done.with_context(|| input.clone())?;
    super::warn_failures(acc.failures());
    let run = acc.last_ntt().expect("an NTT ran").clone();
    write_file(&a.output, &encode_scalars(&values))
        .with_context(|| a.output.display().to_string())?;
    if a.json {
        let out = NttOutput {
            backend: a.backend.to_string(),
            size: n,
            inverse: a.inverse,
            coset: a.coset,
            wall_time_s: run.wall,
            card: run.card,
            output: a.output.display().to_string(),
            failures: acc.failures().to_vec(),
            board: acc.health().cloned(),
            boards: acc.boards(),
        };
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!(
            "{} of {n} values on {} in {:.3} ms -> {}",
            if a.inverse { "ifft" } else { "fft" },
            a.backend,
            run.wall.as_secs_f64() * 1e3,
            a.output.display()
        );
    }
    Ok(())
}
