//! `zkaccel`: the command line.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use zkaccel_host::{demo, hdl_flow};

#[derive(Parser)]
#[command(name = "zkaccel", version, about = "FPGA proving accelerator toolchain for BLS12-381 (MSM and NTT)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the demo: the simulated card through the driver, and every field-arithmetic
    /// block on the simulator checked against arkworks.
    Demo {
        /// Operand pairs streamed through each block.
        #[arg(long, default_value_t = 20_000)]
        pairs: usize,
        /// Seed of the random operands (default: from the clock; printed).
        #[arg(long)]
        seed: Option<u64>,
        /// Print a JSON report instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Hardware flow: generate, lint and estimate the Verilog.
    Hdl {
        #[command(subcommand)]
        command: HdlCommand,
    },
}

#[derive(Subcommand)]
enum HdlCommand {
    /// Write the Verilog of every block and of the card top, the lint waivers and a
    /// manifest (block, ports, latency, design hash).
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
    /// Lint the generated Verilog with `verilator --lint-only -Wall` and the listed waivers.
    Lint {
        /// A directory written by `zkaccel hdl generate` (default: generate afresh).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Estimate LUT/FF/DSP/BRAM per block with yosys `synth_xilinx -family xcup`.
    Estimate {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Only these blocks (repeatable; default all). The Fq multiplier takes minutes.
        #[arg(long = "block")]
        blocks: Vec<String>,
        /// A directory written by `zkaccel hdl generate` (default: generate afresh).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { pairs, seed, json } => {
            if pairs == 0 {
                bail!("--pairs must be at least 1");
            }
            let seed = seed.unwrap_or_else(|| {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
            });
            let report = demo::run(pairs, seed, !json)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
                if report.blocks.iter().any(|b| b.mismatches > 0) {
                    bail!("some blocks disagree with ark-ff");
                }
                Ok(())
            } else {
                demo::print(&report)
            }
        }
        Command::Hdl { command } => match command {
            HdlCommand::Generate { out } => {
                let designs = hdl_flow::generate(&out)?;
                for d in &designs {
                    println!(
                        "{:<12} latency {:>4}  dsp tiles {:>4}  hash {}  {}",
                        d.name,
                        d.latency.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
                        d.dsp_tiles,
                        &d.hash[..16],
                        out.join(format!("{}.v", d.name)).display()
                    );
                }
                println!("manifest: {}", out.join(hdl_flow::MANIFEST_FILE).display());
                Ok(())
            }
            HdlCommand::Lint { dir } => {
                let dir = hdl_flow::VerilogDir::open_or_generate(dir.as_deref())?;
                let reports = hdl_flow::lint(&dir)?;
                let mut dirty = 0;
                for r in &reports {
                    println!("{:<12} {}", r.design, if r.clean { "clean" } else { "WARNINGS" });
                    for m in &r.messages {
                        println!("    {m}");
                    }
                    dirty += (!r.clean) as usize;
                }
                if dirty > 0 {
                    bail!("{dirty} design(s) have lint findings not covered by the waivers in {}", hdl_flow::WAIVERS_FILE);
                }
                println!("all {} designs lint clean (verilator -Wall, waivers: hdl/lint/waivers.vlt)", reports.len());
                Ok(())
            }
            HdlCommand::Estimate { json, blocks, dir } => {
                let dir = hdl_flow::VerilogDir::open_or_generate(dir.as_deref())?;
                let rows = hdl_flow::estimate(&dir, &blocks)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    print!("{}", hdl_flow::estimate_table(&rows));
                    println!("(yosys synth_xilinx -family xcup: pre-place-and-route upper bounds, not Vivado results)");
                }
                Ok(())
            }
        },
    }
}
