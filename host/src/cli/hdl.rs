//! `zkaccel hdl`: generate, lint, estimate and fit the card's Verilog.

use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum HdlCommand {
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
    /// Does the whole card fit an FPGA part? Totals the card's LUT, FF, DSP48E2 and
    /// BRAM from per-module yosys estimates (cached by Verilog hash) times instance
    /// counts, against the part's capacity (fits: every resource <= 80 %).
    Fit {
        /// xcvu47p (AWS F2), xcu250 (Alveo U250), xcu55c (Alveo U55C), xcvu9p (AWS F1).
        #[arg(long)]
        part: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Cache of yosys results (default $ZKACCEL_YOSYS_CACHE or ~/.cache/zkaccel/yosys).
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// Estimate LUT/FF/DSP/BRAM per block with yosys `synth_xilinx -family xcup`, and
    /// each block's longest register-to-register path (a timing proxy).
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

#[cfg(not(feature = "hdl"))]
pub fn run(_: HdlCommand) -> Result<()> {
    Err(super::not_in_this_build(
        "hdl",
        "hdl",
        "it runs the rust-hdl generator",
    ))
}

#[cfg(feature = "hdl")]
pub fn run(command: HdlCommand) -> Result<()> {
    use anyhow::{bail, Context};
    use zkaccel_host::{hdl_fit, hdl_flow, yosys};
    match command {
        HdlCommand::Generate { out } => {
            let designs = hdl_flow::generate(&out)?;
            for d in &designs {
                println!(
                    "{:<12} latency {:>4}  dsp tiles {:>4}  hash {}  {}",
                    d.name,
                    d.latency
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "-".into()),
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
                println!(
                    "{:<12} {}",
                    r.design,
                    if r.clean { "clean" } else { "WARNINGS" }
                );
                for m in &r.messages {
                    println!("    {m}");
                }
                dirty += (!r.clean) as usize;
            }
            if dirty > 0 {
                bail!(
                    "{dirty} design(s) have lint findings not covered by the waivers in {}",
                    hdl_flow::WAIVERS_FILE
                );
            }
            println!(
                "all {} designs lint clean (verilator -Wall, waivers: hdl/lint/waivers.vlt)",
                reports.len()
            );
            Ok(())
        }
        HdlCommand::Fit { part, json, cache } => {
            let p = zkaccel_spec::parts::part(&part).with_context(|| {
                format!(
                    "unknown part {part:?}; parts: {}",
                    zkaccel_spec::parts::PARTS
                        .iter()
                        .map(|p| format!("{} ({})", p.name, p.board))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let cache = cache.unwrap_or_else(yosys::default_cache_dir);
            let units = hdl_fit::card_units(&cache)?;
            let report = hdl_fit::fit_report(p, units);
            if json {
                super::print_json(&report)
            } else {
                print!("{}", hdl_fit::fit_table(&report));
                Ok(())
            }
        }
        HdlCommand::Estimate { json, blocks, dir } => {
            let dir = hdl_flow::VerilogDir::open_or_generate(dir.as_deref())?;
            let rows = hdl_flow::estimate(&dir, &blocks)?;
            if json {
                super::print_json(&rows)
            } else {
                print!("{}", hdl_flow::estimate_table(&rows));
                println!("(yosys synth_xilinx -family xcup: pre-place-and-route upper bounds, not Vivado results)");
                Ok(())
            }
        }
    }
}
