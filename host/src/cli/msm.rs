//! `zkaccel msm`: one MSM from files on a backend; the result on the last line.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use zkaccel_host::accelerator::MsmCheck;
use zkaccel_host::board_health::BoardHealth;
use zkaccel_host::codec::{compressed_hex, read_inputs, PointFormat};
use zkaccel_host::kernel_check::Failure;
use zkaccel_host::msm::MsmStats;
use zkaccel_host::{Accelerator, Backend};

#[derive(Args)]
pub struct MsmArgs {
    /// Points file: G1 affine points, 48-byte compressed or 96-byte uncompressed.
    #[arg(long)]
    points: PathBuf,
    /// Scalars file: 32-byte big-endian integers, each < r.
    #[arg(long)]
    scalars: PathBuf,
    /// Point encoding (default: from the file size and the first point's flags).
    #[arg(long)]
    point_format: Option<PointFormat>,
    /// cpu, sim, vfio-user:PATH, vfio:BDF, or a comma-separated list of cards (the
    /// points split over them, the partial sums added).
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Window size in bits for card backends (default: chosen from the size).
    #[arg(long)]
    window: Option<u32>,
    /// On a card: what is checked beyond the default. By default a card's bucket sums
    /// must be points of the curve (a flipped bit almost never is) and a board error
    /// sends the MSM to the CPU, but a wrong yet valid sum is not caught: `recompute`
    /// recomputes the MSM on the CPU and returns the CPU's result if they differ.
    /// (Proofs need none of this: `zkaccel prove` verifies what it returns.)
    #[arg(long, value_enum, default_value = "none")]
    check: CheckArg,
    /// Print a JSON object (result, cycles, adder utilization, wall time) on one line.
    #[arg(long)]
    json: bool,
    /// No progress display on stderr (there is none when stderr is not a terminal).
    #[arg(long)]
    quiet: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CheckArg {
    None,
    Recompute,
}

/// `--json` output.
#[derive(serde::Serialize)]
struct MsmOutput<'a> {
    backend: String,
    result: String,
    #[serde(flatten)]
    stats: &'a MsmStats,
    /// Board errors and failed checks, and where the job ran next.
    failures: &'a [Failure],
    /// The board's counters (one card).
    board: Option<&'a BoardHealth>,
    /// Every board's counters (one card, or each of a list).
    boards: Vec<BoardHealth>,
}

pub fn run(a: MsmArgs) -> Result<()> {
    let (bases, scalars) = read_inputs(&a.points, &a.scalars, a.point_format)?;
    let mut acc = Accelerator::open(&a.backend)?;
    acc.set_window(a.window);
    acc.set_msm_check(match a.check {
        CheckArg::None => MsmCheck::None,
        CheckArg::Recompute => MsmCheck::Recompute,
    });
    let spinner = super::spinner(
        format!("MSM of {} points on {}", bases.len(), a.backend),
        a.quiet,
    );
    let r = acc.msm(&bases, &scalars);
    spinner.finish_and_clear();
    let r = r?;
    super::warn_failures(acc.failures());
    let stats = acc.last_msm().expect("an MSM ran");
    let hex = compressed_hex(&r);
    if a.json {
        let out = MsmOutput {
            backend: a.backend.to_string(),
            result: hex,
            stats,
            failures: acc.failures(),
            board: acc.health(),
            boards: acc.boards(),
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!(
        "backend {}: {} points in {:.3} s",
        a.backend,
        bases.len(),
        stats.wall.as_secs_f64()
    );
    if let Some(u) = stats.adder_utilization() {
        println!(
            "card: window {} bits, {} windows, {} additions, {} cycles ({} accumulating, {} readout), adder utilization {:.1} %",
            stats.window,
            stats.windows,
            stats.adds,
            stats.cycles(),
            stats.accumulate_cycles,
            stats.readout_cycles,
            100.0 * u
        );
    }
    println!("{hex}");
    Ok(())
}
