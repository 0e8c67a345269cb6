//! `zkaccel bench ntt`: one transform of 2^K random elements on a backend, checked
//! against ark-poly, with the card's cycle figures and the CPU path's and ark-poly's
//! wall times measured in the same run, plus the cycle model up to 2^24.

use super::{device::NttStats, ntt, NttKind};
use crate::msm::Backend;
use anyhow::{bail, Result};
use ark_bls12_381::Fr;
use ark_ff::{FftField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;
use zkaccel_hdl::spec::ntt::MAX_LOG_SIZE;

/// Modelled card cycles of one job of 2^log elements (≤ the card's size) on this
/// build: n/2 load beats, n/2·log n butterflies at one per cycle (plus the stage gaps
/// of jobs below 2^no_gap_log), the pipeline drain, n/2 output beats, and ~40 cycles
/// of register traffic. Load, compute and output do not overlap in this build.
pub fn job_cycles_model(log: u32) -> u64 {
    use zkaccel_hdl::ntt::address_generator::{no_gap_log, stage_gap_cycles};
    use zkaccel_hdl::ntt::ntt_unit::{drain_cycles, hazard_cycles};
    let n = 1u64 << log;
    let gaps = if (log as usize) < no_gap_log(hazard_cycles()) {
        (log as u64 - 1) * stage_gap_cycles(hazard_cycles()) as u64
    } else {
        0
    };
    n / 2 + n / 2 * log as u64 + gaps + drain_cycles() as u64 + n / 2 + 40
}

/// Modelled card cycles of a transform of 2^log elements: one job, or the four-step
/// split (n2 jobs of n1 and n1 jobs of n2) beyond the card's 2^max.
pub fn ntt_cycles_model(log: u32, max: u32) -> u64 {
    if log <= max {
        job_cycles_model(log)
    } else {
        let (n1, n2) = super::device::four_step_split(log);
        n2 as u64 * job_cycles_model(n1.trailing_zeros())
            + n1 as u64 * job_cycles_model(n2.trailing_zeros())
    }
}

pub fn bench_ntt(
    backend: &Backend,
    log_size: u32,
    kind: NttKind,
    clock_mhz: f64,
    seed: u64,
    json: bool,
) -> Result<()> {
    if !(1..=24).contains(&log_size) {
        bail!("--log-size {log_size}: 1 ..= 24");
    }
    let n = 1usize << log_size;
    let mut rng = StdRng::seed_from_u64(seed);
    let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // ark-poly itself.
    let mut d = Radix2EvaluationDomain::<Fr>::new(n).expect("n ≤ 2^32");
    if kind.coset {
        d = d.get_coset(Fr::GENERATOR).expect("coset");
    }
    let mut reference = input.clone();
    let t = Instant::now();
    if kind.inverse {
        d.ifft_in_place(&mut reference);
    } else {
        d.fft_in_place(&mut reference);
    }
    let ark_wall = t.elapsed();
    // The CPU path (our API on the cpu backend).
    let mut cpu = input.clone();
    let cpu_run = ntt(&Backend::Cpu, &mut cpu, kind)?;
    if cpu != reference {
        bail!("the CPU path disagrees with ark-poly at 2^{log_size}");
    }
    let mut out = input.clone();
    let run = ntt(backend, &mut out, kind)?;
    if out != reference {
        bail!("backend {backend} disagrees with ark-poly at 2^{log_size} ({kind:?}, seed {seed})");
    }
    let card = run.card.clone().unwrap_or_default();
    let bf_issue = ratio(card.butterflies, card.issue_cycles);
    let bf_job = ratio(card.butterflies, card.job_cycles);
    let projected_s = card.job_cycles as f64 / (clock_mhz * 1e6);
    let model_here = ntt_cycles_model(log_size, MAX_LOG_SIZE as u32);
    let projections: Vec<serde_json::Value> = [16u32, 20, 24]
        .iter()
        .map(|&k| {
            let c = ntt_cycles_model(k, MAX_LOG_SIZE as u32);
            let bf = (1u64 << (k - 1)) * k as u64;
            serde_json::json!({
                "log_size": k, "cycles": c, "butterflies_per_cycle": bf as f64 / c as f64,
                "projected_ms": c as f64 / (clock_mhz * 1e3),
            })
        })
        .collect();
    let report = serde_json::json!({
        "backend": backend.to_string(),
        "log_size": log_size,
        "inverse": kind.inverse,
        "coset": kind.coset,
        "agrees_with_ark_poly": true,
        "card": run.card.as_ref().map(|c: &NttStats| serde_json::json!({
            "jobs": c.jobs,
            "four_step": c.four_step,
            "butterflies": c.butterflies,
            "issue_cycles": c.issue_cycles,
            "job_cycles": c.job_cycles,
            "butterflies_per_issue_cycle": bf_issue,
            "butterflies_per_job_cycle": bf_job,
            "model_cycles": model_here,
            "clock_mhz": clock_mhz,
            "projected_ms": projected_s * 1e3,
            "host_steps_ms": c.host_steps.as_secs_f64() * 1e3,
        })),
        "wall_ms": run.wall.as_secs_f64() * 1e3,
        "cpu_path_ms": cpu_run.wall.as_secs_f64() * 1e3,
        "ark_poly_ms": ark_wall.as_secs_f64() * 1e3,
        "model": projections,
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "NTT 2^{log_size} ({}{}) on {backend}: equals ark-poly",
        if kind.coset { "coset " } else { "" },
        if kind.inverse { "ifft" } else { "fft" }
    );
    if run.card.is_some() {
        if let Some((n1, n2)) = card.four_step {
            println!(
                "  four-step: {n2} jobs of {n1}, {n1} jobs of {n2}; host steps {:.1} ms",
                card.host_steps.as_secs_f64() * 1e3
            );
        }
        println!(
            "  butterflies {}  issue cycles {}  ({bf_issue:.3} butterflies/cycle while issuing)",
            card.butterflies, card.issue_cycles
        );
        println!(
            "  job cycles {} (load + compute + drain + output; model {model_here})  {bf_job:.3} butterflies/cycle",
            card.job_cycles
        );
        println!(
            "  projected at {clock_mhz} MHz: {:.3} ms   simulation wall time {:.2} s",
            projected_s * 1e3,
            run.wall.as_secs_f64()
        );
    } else {
        println!("  wall time {:.3} ms", run.wall.as_secs_f64() * 1e3);
    }
    println!(
        "  CPU path {:.3} ms   ark-poly {:.3} ms (same run)",
        cpu_run.wall.as_secs_f64() * 1e3,
        ark_wall.as_secs_f64() * 1e3
    );
    println!("  model (this build, {clock_mhz} MHz):");
    for p in &projections {
        println!(
            "    2^{}: {} cycles, {:.3} butterflies/cycle, {:.2} ms",
            p["log_size"],
            p["cycles"],
            p["butterflies_per_cycle"].as_f64().unwrap_or(0.0),
            p["projected_ms"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(())
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}
