//! `zkaccel`: the command line.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use zkaccel_host::{demo, hdl_flow};

#[derive(Parser)]
#[command(
    name = "zkaccel",
    version,
    about = "FPGA proving accelerator toolchain for BLS12-381 (MSM and NTT)"
)]
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
        /// Points of the MSM run on the simulated card (0 skips it).
        #[arg(long, default_value_t = 128)]
        msm_points: usize,
        /// log2 size of the NTTs (fft, coset ifft) run on the simulated card (0 skips them).
        #[arg(long, default_value_t = 10)]
        ntt_log_size: u32,
        /// Seed of the random operands (default: from the clock; printed).
        #[arg(long)]
        seed: Option<u64>,
        /// Print a JSON report instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// List candidate boards (address, IDs, IOMMU group, bound driver, usable or why not).
    Devices {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run known-answer tests on a card. DEVICE: vfio:DDDD:BB:DD.F, vfio:VVVV:DDDD, vfio-user:/path/to.sock or sim.
    Selftest {
        #[arg(long)]
        device: String,
        /// Deadline per device request, in milliseconds.
        #[arg(long, default_value_t = 5000)]
        deadline_ms: u64,
        /// Run the checks this many times (a soak).
        #[arg(long, default_value_t = 1)]
        repeat: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Multi-scalar multiplication on BLS12-381 G1: prints the result (48-byte compressed
    /// point, 96 hex characters) on the last line.
    Msm {
        /// Points file: G1 affine points, 48-byte compressed or 96-byte uncompressed.
        #[arg(long)]
        points: PathBuf,
        /// Scalars file: 32-byte big-endian integers, each < r.
        #[arg(long)]
        scalars: PathBuf,
        /// Point encoding (default: from the file size and the first point's flags).
        #[arg(long)]
        point_format: Option<zkaccel_host::msm::files::PointFormat>,
        /// cpu, sim, vfio-user:PATH or vfio:BDF.
        #[arg(long, default_value = "cpu")]
        backend: zkaccel_host::msm::Backend,
        /// Window size in bits for card backends (default: chosen from the size).
        #[arg(long)]
        window: Option<u32>,
        /// Print a JSON object (result, cycles, adder utilization, wall time).
        #[arg(long)]
        json: bool,
    },
    /// NTT over Fr matching ark-poly's Radix2EvaluationDomain (fft, ifft, coset forms).
    Ntt {
        /// 32-byte big-endian Fr elements (each < r), a power-of-two count.
        #[arg(long)]
        input: PathBuf,
        /// Where to write the result, same encoding.
        #[arg(long)]
        output: PathBuf,
        /// ifft instead of fft (with the 1/n scaling).
        #[arg(long)]
        inverse: bool,
        /// Over the coset GENERATOR·H (GENERATOR = 7), as ark-poly's get_coset.
        #[arg(long)]
        coset: bool,
        /// cpu (a card backend is refused: no NTT engine on the card yet).
        #[arg(long, default_value = "cpu")]
        backend: zkaccel_host::msm::Backend,
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The simulator as a device.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
    /// Hardware flow: generate, lint and estimate the Verilog.
    Hdl {
        #[command(subcommand)]
        command: HdlCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Write random MSM input files (N points, N scalars) for `zkaccel msm`.
    MsmInputs {
        #[arg(long)]
        count: usize,
        #[arg(long)]
        points: PathBuf,
        #[arg(long)]
        scalars: PathBuf,
        #[arg(long, default_value = "compressed")]
        point_format: zkaccel_host::msm::files::PointFormat,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// MSM of 2^K random points and scalars on a backend, beside arkworks on the CPU.
    Msm {
        #[arg(long, default_value = "sim")]
        backend: zkaccel_host::msm::Backend,
        #[arg(long, default_value_t = 10)]
        log_size: u32,
        /// Window size in bits (card backends; default chosen from the size).
        #[arg(long)]
        window: Option<u32>,
        /// Clock for the projected time, in MHz.
        #[arg(long, default_value_t = 250.0)]
        clock_mhz: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// NTT of 2^K random elements on a backend, beside the CPU path and ark-poly.
    Ntt {
        #[arg(long, default_value = "sim")]
        backend: zkaccel_host::msm::Backend,
        #[arg(long, default_value_t = 10)]
        log_size: u32,
        #[arg(long)]
        inverse: bool,
        #[arg(long)]
        coset: bool,
        /// Clock for the projected time, in MHz.
        #[arg(long, default_value_t = 250.0)]
        clock_mhz: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SimCommand {
    /// Serve the Verilator model of the card as a vfio-user PCIe device on a UNIX socket,
    /// one client after another, until killed.
    Serve {
        #[arg(long)]
        socket: PathBuf,
        #[arg(long, value_enum, default_value = "f1")]
        shell: zkaccel_host::sim_serve::ShellKind,
        /// Write an FST waveform of the card to this file.
        #[arg(long)]
        trace: Option<PathBuf>,
        /// Stop after this many client sessions (default: serve forever).
        #[arg(long)]
        sessions: Option<u64>,
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
        Command::Demo {
            pairs,
            msm_points,
            ntt_log_size,
            seed,
            json,
        } => {
            if ntt_log_size > zkaccel_hdl::spec::ntt::MAX_LOG_SIZE as u32 {
                bail!(
                    "--ntt-log-size {ntt_log_size}: the simulated card runs up to 2^{}",
                    zkaccel_hdl::spec::ntt::MAX_LOG_SIZE
                );
            }
            if pairs == 0 {
                bail!("--pairs must be at least 1");
            }
            let seed = seed.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0)
            });
            let report = demo::run(pairs, msm_points, ntt_log_size, seed, !json)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
                if report.blocks.iter().any(|b| b.mismatches > 0) {
                    bail!("some blocks disagree with ark-ff");
                }
                if report.msm.as_ref().is_some_and(|m| !m.agrees_with_arkworks) {
                    bail!("the card's MSM disagrees with arkworks");
                }
                if report.ntt.iter().any(|t| !t.agrees_with_ark_poly) {
                    bail!("the card's NTT disagrees with ark-poly");
                }
                Ok(())
            } else {
                demo::print(&report)
            }
        }
        Command::Devices { json } => devices(json),
        Command::Ntt {
            input,
            output,
            inverse,
            coset,
            backend,
            json,
        } => {
            use zkaccel_host::msm::files::{decode_fr, encode_scalars};
            let bytes =
                std::fs::read(&input).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
            let mut values = decode_fr(&bytes, &input.display().to_string(), "value")?;
            let n = values.len();
            let kind = zkaccel_host::ntt::NttKind { inverse, coset };
            let run = zkaccel_host::ntt::ntt(&backend, &mut values, kind)
                .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
            let wall = run.wall;
            std::fs::write(&output, encode_scalars(&values))
                .map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"backend": backend.to_string(), "size": n, "inverse": inverse, "coset": coset, "wall_time_s": wall.as_secs_f64(), "card": run.card, "output": output.display().to_string()})
                );
            } else {
                println!(
                    "{} of {n} values on {backend} in {:.3} ms -> {}",
                    if inverse { "ifft" } else { "fft" },
                    wall.as_secs_f64() * 1e3,
                    output.display()
                );
            }
            Ok(())
        }
        Command::Msm {
            points,
            scalars,
            point_format,
            backend,
            window,
            json,
        } => {
            zkaccel_host::msm_cli::run_msm(&points, &scalars, point_format, &backend, window, json)
        }
        Command::Bench {
            command:
                BenchCommand::Ntt {
                    backend,
                    log_size,
                    inverse,
                    coset,
                    clock_mhz,
                    seed,
                    json,
                },
        } => zkaccel_host::ntt::bench::bench_ntt(
            &backend,
            log_size,
            zkaccel_host::ntt::NttKind { inverse, coset },
            clock_mhz,
            seed,
            json,
        ),
        Command::Bench {
            command:
                BenchCommand::MsmInputs {
                    count,
                    points,
                    scalars,
                    point_format,
                    seed,
                },
        } => {
            use zkaccel_host::msm::files::{encode_points, encode_scalars};
            let (b, k) = zkaccel_host::msm_cli::random_inputs(count, seed);
            std::fs::write(&points, encode_points(&b, point_format))?;
            std::fs::write(&scalars, encode_scalars(&k))?;
            println!(
                "wrote {count} points to {} and {count} scalars to {}",
                points.display(),
                scalars.display()
            );
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Msm {
                    backend,
                    log_size,
                    window,
                    clock_mhz,
                    seed,
                    json,
                },
        } => zkaccel_host::msm_cli::bench_msm(&backend, log_size, window, clock_mhz, seed, json),
        Command::Sim {
            command:
                SimCommand::Serve {
                    socket,
                    shell,
                    trace,
                    sessions,
                },
        } => zkaccel_host::sim_serve::serve(&socket, shell, trace, sessions),
        Command::Selftest {
            device,
            deadline_ms,
            repeat,
            json,
        } => selftest(&device, deadline_ms, repeat, json),
        Command::Hdl { command } => {
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
                    println!("all {} designs lint clean (verilator -Wall, waivers: hdl/lint/waivers.vlt)", reports.len());
                    Ok(())
                }
                HdlCommand::Fit { part, json, cache } => {
                    let p = zkaccel_hdl::spec::parts::part(&part).with_context(|| {
                        format!(
                            "unknown part {part:?}; parts: {}",
                            zkaccel_hdl::spec::parts::PARTS
                                .iter()
                                .map(|p| format!("{} ({})", p.name, p.board))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                    let cache = cache.unwrap_or_else(zkaccel_host::yosys::default_cache_dir);
                    let units = zkaccel_host::hdl_fit::card_units(&cache)?;
                    let report = zkaccel_host::hdl_fit::fit_report(p, units);
                    if json {
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        print!("{}", zkaccel_host::hdl_fit::fit_table(&report));
                    }
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
            }
        }
    }
}

fn devices(json: bool) -> Result<()> {
    use zkaccel_driver::pci::Host;
    let host = Host::default();
    let all = host.functions();
    let cands = host.candidates();
    if json {
        let rows: Vec<_> = cands
            .iter()
            .map(|f| {
                let usable = host.usability(f);
                serde_json::json!({
                    "address": f.bdf, "vendor": format!("{:04x}", f.vendor), "device": format!("{:04x}", f.device),
                    "board": f.board, "iommu_group": f.iommu_group, "driver": f.driver,
                    "usable": usable.is_ok(), "reason": usable.err(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "pci_functions_seen": all.len(), "iommu": host.has_iommu(), "candidates": rows })
            )?
        );
        return Ok(());
    }
    if cands.is_empty() {
        println!(
            "no zkaccel boards on this machine (looked at {} PCI functions under {}; none is an AWS F1/F2 or Xilinx card or bound to vfio-pci). `zkaccel selftest --device sim` runs the simulator instead.",
            all.len(),
            host.pci_devices_dir().display()
        );
        return Ok(());
    }
    println!(
        "{:<14} {:<10} {:<6} {:<12} {:<8} {}",
        "address", "id", "group", "driver", "usable", "board"
    );
    for f in &cands {
        let usable = host.usability(f);
        println!(
            "{:<14} {:04x}:{:04x}  {:<6} {:<12} {:<8} {}",
            f.bdf,
            f.vendor,
            f.device,
            f.iommu_group
                .map(|g| g.to_string())
                .unwrap_or_else(|| "-".into()),
            f.driver.as_deref().unwrap_or("-"),
            if usable.is_ok() { "yes" } else { "no" },
            f.board.unwrap_or("bound to vfio-pci")
        );
        if let Err(why) = usable {
            println!("    {why}");
        }
    }
    Ok(())
}

fn selftest(device: &str, deadline_ms: u64, repeat: u32, json: bool) -> Result<()> {
    let spec: zkaccel_driver::DeviceSpec =
        device.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let mut dev =
        zkaccel_driver::open_with_deadline(&spec, std::time::Duration::from_millis(deadline_ms))?;
    let mut checks = zkaccel_driver::selftest::run(dev.as_mut());
    for _ in 1..repeat {
        if checks.iter().any(|c| c.passed == Some(false)) {
            break;
        }
        checks = zkaccel_driver::selftest::run(dev.as_mut());
    }
    let failed = checks.iter().filter(|c| c.passed == Some(false)).count();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "device": spec.to_string(), "checks": checks })
            )?
        );
    } else {
        println!("selftest of {spec}:");
        for c in &checks {
            let verdict = match c.passed {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "skip",
            };
            println!("  {verdict:<4} {:<22} {}", c.name, c.detail);
        }
    }
    if failed > 0 {
        bail!("{failed} selftest check(s) failed on {spec}");
    }
    if !json {
        println!("{spec}: all checks passed");
    }
    Ok(())
}
