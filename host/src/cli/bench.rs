//! `zkaccel bench`: MSM and NTT benchmarks beside the CPU references, and random MSM
//! input files.

use super::print_json;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use zkaccel_host::bench::msm::{bench_msm, Distribution, MsmBenchReport};
use zkaccel_host::bench::ntt::{bench_ntt, NttBenchReport};
use zkaccel_host::codec::{encode_points, encode_scalars, write_file, PointFormat};
use zkaccel_host::msm::random_instance;
use zkaccel_host::ntt::NttKind;
use zkaccel_host::Backend;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Write random MSM input files (N points, N scalars) for `zkaccel msm`.
    MsmInputs {
        #[arg(long)]
        count: usize,
        #[arg(long)]
        points: PathBuf,
        #[arg(long)]
        scalars: PathBuf,
        #[arg(long, default_value = "compressed")]
        point_format: PointFormat,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// MSM of 2^K random points and scalars on a backend, beside the CPU path, blst
    /// and arkworks.
    Msm {
        #[arg(long, default_value = "sim")]
        backend: Backend,
        #[arg(long, default_value_t = 10)]
        log_size: u32,
        /// Scalars: uniform, skewed (50 % 0, 25 % 1, 25 % uniform), bits (0 or 1),
        /// equal (one value), or witness:FILE (a snarkjs .wtns file's values).
        #[arg(long, default_value = "uniform")]
        distribution: Distribution,
        /// Window size in bits (card backends; default chosen from the size).
        #[arg(long)]
        window: Option<u32>,
        #[command(flatten)]
        common: BenchArgs,
    },
    /// Groth16 proofs of a witness-like circuit of 2^K constraints built here, on a
    /// backend, beside ark-groth16's CPU prover on the same circuit (alternating).
    Prove {
        #[arg(long, default_value = "cpu")]
        backend: Backend,
        #[arg(long, default_value_t = 12)]
        log_constraints: u32,
        /// Proofs by each prover (medians reported).
        #[arg(long, default_value_t = 3)]
        reps: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Fault campaign: simulated boards that misbehave (every kind of `sim serve
    /// --fault`, at --rate) run MSMs, NTTs and proofs; every result is compared with
    /// the CPU's. Fails unless no wrong result was returned and every job completed.
    Faults {
        /// Rounds; each runs one board per fault kind (an MSM, two NTTs, and a proof
        /// every --proof-every rounds).
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Fraction of card jobs each board's fault hits.
        #[arg(long, default_value_t = 0.5)]
        rate: f64,
        #[arg(long, default_value_t = 5)]
        proof_every: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        #[arg(long)]
        json: bool,
    },
    /// Throughput of one, two and four boards on the same MSM and proof (simulated
    /// boards started here unless --backend lists cards).
    Boards(super::bench_boards::BoardsArgs),
    /// NTT of 2^K random elements on a backend, beside the CPU path and ark-poly.
    Ntt {
        #[arg(long, default_value = "sim")]
        backend: Backend,
        #[arg(long, default_value_t = 10)]
        log_size: u32,
        #[arg(long)]
        inverse: bool,
        #[arg(long)]
        coset: bool,
        #[command(flatten)]
        common: BenchArgs,
    },
}

/// What the MSM and NTT benchmarks share.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Clock for the projected time, in MHz.
    #[arg(long, default_value_t = 250.0)]
    clock_mhz: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

pub fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Boards(args) => super::bench_boards::run(args),
        BenchCommand::Faults {
            runs,
            rate,
            proof_every,
            seed,
            quiet,
            json,
        } => faults(runs, rate, proof_every, seed, quiet, json),
        BenchCommand::MsmInputs {
            count,
            points,
            scalars,
            point_format,
            seed,
        } => {
            let (b, k) = random_instance(count, seed);
            write_file(&points, &encode_points(&b, point_format))
                .with_context(|| points.display().to_string())?;
            write_file(&scalars, &encode_scalars(&k))
                .with_context(|| scalars.display().to_string())?;
            println!(
                "wrote {count} points to {} and {count} scalars to {}",
                points.display(),
                scalars.display()
            );
            Ok(())
        }
        BenchCommand::Msm {
            backend,
            log_size,
            distribution,
            window,
            common:
                BenchArgs {
                    clock_mhz,
                    seed,
                    json,
                },
        } => {
            let r = bench_msm(&backend, log_size, &distribution, window, clock_mhz, seed)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                Ok(())
            } else {
                print_msm(&r);
                Ok(())
            }
        }
        BenchCommand::Prove {
            backend,
            log_constraints,
            reps,
            seed,
            json,
        } => {
            let r = zkaccel_host::bench::prove::bench_prove(
                &backend,
                log_constraints,
                reps.max(1),
                seed,
            )?;
            if json {
                return print_json(&r);
            }
            println!(
                "Groth16, {} constraints (2^{}), backend {}: every proof verified; medians of {}",
                r.constraints, r.log_constraints, r.backend, r.reps
            );
            println!("  zkaccel ({})          {:>10.3} s", r.backend, r.zkaccel_s);
            println!("  ark-groth16 (cpu)      {:>10.3} s", r.ark_groth16_cpu_s);
            println!("  zkaccel / ark-groth16  {:>10.3}", r.ratio);
            println!("  last zkaccel run:");
            for p in &r.last_run.phases {
                let cycles = p
                    .cycles
                    .map(|c| format!("  {c} cycles"))
                    .unwrap_or_default();
                println!(
                    "    {:<30} {:<8} {:>10.3} ms{cycles}",
                    p.name,
                    p.backend,
                    ms(p.time)
                );
            }
            for c in &r.last_run.checks {
                println!(
                    "    check: {:<36} {:>8.3} ms {}",
                    c.name,
                    ms(c.time),
                    if c.passed { "passed" } else { "FAILED" }
                );
            }
            println!(
                "    checks {:.3} ms of {:.3} s ({:.2} %); setup {:.2} s (not counted)",
                ms(r.last_run.checks_time),
                r.last_run.total.as_secs_f64(),
                100.0 * r.last_run.checks_share,
                r.setup_s
            );
            Ok(())
        }
        BenchCommand::Ntt {
            backend,
            log_size,
            inverse,
            coset,
            common:
                BenchArgs {
                    clock_mhz,
                    seed,
                    json,
                },
        } => {
            let kind = NttKind { inverse, coset };
            let r = bench_ntt(&backend, log_size, kind, clock_mhz, seed)?;
            if json {
                print_json(&r)
            } else {
                print_ntt(&r);
                Ok(())
            }
        }
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print_msm(r: &MsmBenchReport) {
    let s = &r.stats;
    let clock = r.clock_mhz;
    println!(
        "MSM of {} points ({} scalars), seed {}: backend {} equals arkworks",
        s.points, r.distribution, r.seed, r.backend
    );
    println!("  backend wall time      {:>12.3} ms", ms(s.wall));
    if let Some(projected) = r.projected_time_s {
        println!(
            "  window                 {:>12} bits ({} windows)",
            s.window, s.windows
        );
        println!(
            "  passes                 {:>12} ({} points dropped, {} grouped, {} bases loaded)",
            s.passes, s.dropped_points, s.grouped_points, s.bases_loaded
        );
        println!("  additions              {:>12}", s.adds);
        println!(
            "  cycles                 {:>12} ({} accumulating + {} readout)",
            s.cycles(),
            s.accumulate_cycles,
            s.readout_cycles
        );
        println!(
            "  cycles per point       {:>12.2}",
            s.cycles_per_point().unwrap_or(0.0)
        );
        println!(
            "  adder utilization      {:>11.1} %",
            100.0 * s.adder_utilization().unwrap_or(0.0)
        );
        println!("  projected at {clock} MHz {:>9.3} ms", projected * 1e3);
        println!(
            "  model calibration      {:>12.3} (measured / modelled cycles)",
            r.model_calibration
        );
        for p in &r.projections {
            println!(
                "  projected 2^{} ({:<12}) window {:>2}: {:>6.2} cycles/point, {:>8.3} ms at {clock} MHz",
                p.log_size, p.build, p.window, p.cycles_per_point, 1e3 * p.time_s
            );
        }
    }
    println!(
        "  cpu path (blst)        {:>12.3} ms (arkworks inputs; median of {}, alternating)",
        ms(r.cpu_path),
        r.cpu_reps
    );
    println!(
        "  blst alone             {:>12.3} ms (inputs converted beforehand; median of {})",
        ms(r.blst),
        r.cpu_reps
    );
    println!("  cpu path / blst alone  {:>12.3}", r.cpu_path_over_blst);
    println!("  arkworks msm           {:>12.3} ms", ms(r.arkworks));
    println!(
        "  host scalar split      {:>12.3} ms ({:.1} % of the CPU path)",
        ms(r.scalar_plan),
        100.0 * r.scalar_plan.as_secs_f64() / r.cpu_path.as_secs_f64().max(1e-9)
    );
}

fn print_ntt(r: &NttBenchReport) {
    let clock = r.clock_mhz;
    println!(
        "NTT 2^{} ({}{}) on {}: equals ark-poly",
        r.log_size,
        if r.coset { "coset " } else { "" },
        if r.inverse { "ifft" } else { "fft" },
        r.backend
    );
    if let Some(c) = &r.card {
        if let Some((n1, n2)) = c.stats.four_step {
            println!(
                "  four-step: {n2} jobs of {n1}, {n1} jobs of {n2}; host steps {:.1} ms",
                c.host_steps_ms
            );
        }
        println!(
            "  butterflies {}  issue cycles {}  ({:.3} butterflies/cycle while issuing)",
            c.stats.butterflies, c.stats.issue_cycles, c.butterflies_per_issue_cycle
        );
        println!(
            "  job cycles {} (load + compute + drain + output; model {})  {:.3} butterflies/cycle",
            c.stats.job_cycles, c.model_cycles, c.butterflies_per_job_cycle
        );
        println!(
            "  projected at {clock} MHz: {:.3} ms   simulation wall time {:.2} s",
            c.projected_ms,
            r.wall.as_secs_f64()
        );
    } else {
        println!("  wall time {:.3} ms", ms(r.wall));
    }
    println!(
        "  CPU path {:.3} ms   ark-poly {:.3} ms   ratio {:.3} (same run, medians of {} alternating, {} rayon threads)",
        ms(r.cpu_path),
        ms(r.ark_poly),
        r.cpu_path_over_ark_poly,
        r.cpu_reps,
        r.cpu_threads
    );
    println!("  model (this build, {clock} MHz):");
    for p in &r.model {
        println!(
            "    2^{}: {} cycles, {:.3} butterflies/cycle, {:.2} ms",
            p.log_size, p.cycles, p.butterflies_per_cycle, p.projected_ms
        );
    }
}

#[cfg(not(feature = "sim"))]
fn faults(_: usize, _: f64, _: usize, _: u64, _: bool, _: bool) -> Result<()> {
    Err(super::not_in_this_build(
        "bench faults",
        "sim",
        "it injects faults into the simulated card",
    ))
}

#[cfg(feature = "sim")]
fn faults(
    runs: usize,
    rate: f64,
    proof_every: usize,
    seed: u64,
    quiet: bool,
    json: bool,
) -> Result<()> {
    if !(0.0..=1.0).contains(&rate) {
        anyhow::bail!("--rate {rate}: a fraction between 0 and 1");
    }
    let bar = super::progress_bar(runs as u64, "fault campaign", quiet);
    let r = zkaccel_host::bench::faults::fault_campaign(runs, rate, proof_every, seed, |done| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    if json {
        print_json(&r)?;
    } else {
        println!(
            "fault campaign: {} rounds, rate {}, seed {}: {} faults injected into {} jobs",
            r.runs, r.rate, r.seed, r.injected, r.jobs
        );
        println!(
            "  {:<15} {:>6} {:>9} {:>7} {:>9} {:>9} {:>6} {:>11} {:>7} {:>15}",
            "kind",
            "jobs",
            "injected",
            "hit",
            "detected",
            "harmless",
            "wrong",
            "incomplete",
            "resets",
            "out of service"
        );
        for k in &r.kinds {
            println!(
                "  {:<15} {:>6} {:>9} {:>7} {:>9} {:>9} {:>6} {:>11} {:>7} {:>15}",
                k.kind,
                k.jobs,
                k.injected,
                k.faulty_jobs,
                k.detected,
                k.harmless,
                k.wrong,
                k.incomplete,
                k.resets,
                k.out_of_service
            );
        }
        println!(
            "  checks {:.3} s of {:.1} s ({:.2} %)",
            r.checks_s,
            r.wall_s,
            100.0 * r.checks_share
        );
    }
    if !r.passed() {
        anyhow::bail!(
            "{} wrong result(s) and {} incomplete job(s) under faults",
            r.wrong,
            r.incomplete
        );
    }
    Ok(())
}
