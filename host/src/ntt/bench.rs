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
    if kind.inverse {
        d.ifft_in_place(&mut reference);
    } else {
        d.fft_in_place(&mut reference);
    }
    // The CPU path (our API on the cpu backend).
    let mut cpu = input.clone();
    ntt(&Backend::Cpu, &mut cpu, kind)?;
    if cpu != reference {
        bail!("the CPU path disagrees with ark-poly at 2^{log_size}");
    }
    // The timed comparison: both again (the runs above were the warm-up and the check),
    // `reps` times in alternating order, each on a fresh copy of the input; medians.
    // Both are ark-poly built with `parallel` (rayon); the domain is made untimed.
    let reps = cpu_reps(log_size);
    let (mut cpu_runs, mut ark_runs) = (vec![], vec![]);
    let ours = || -> Result<f64> {
        let mut v = input.clone();
        Ok(super::cpu_ntt(&mut v, kind)?.as_secs_f64() * 1e3)
    };
    let theirs = || {
        let mut v = input.clone();
        let t = Instant::now();
        if kind.inverse {
            d.ifft_in_place(&mut v);
        } else {
            d.fft_in_place(&mut v);
        }
        t.elapsed().as_secs_f64() * 1e3
    };
    for i in 0..reps {
        if i % 2 == 0 {
            cpu_runs.push(ours()?);
            ark_runs.push(theirs());
        } else {
            ark_runs.push(theirs());
            cpu_runs.push(ours()?);
        }
    }
    let (cpu_ms, ark_ms) = (median(&cpu_runs), median(&ark_runs));
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
        "cpu_path_ms": cpu_ms,
        "ark_poly_ms": ark_ms,
        "cpu_path_over_ark_poly": cpu_ms / ark_ms,
        "cpu_reps": reps,
        "cpu_path_runs_ms": cpu_runs,
        "ark_poly_runs_ms": ark_runs,
        "cpu_threads": rayon::current_num_threads(),
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
        "  CPU path {cpu_ms:.3} ms   ark-poly {ark_ms:.3} ms   ratio {:.3} (same run, medians of {reps} alternating, {} rayon threads)",
        cpu_ms / ark_ms,
        rayon::current_num_threads()
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

/// Repetitions of the CPU comparison at 2^log (fewer for the large sizes).
pub fn cpu_reps(log: u32) -> usize {
    match log {
        0..=16 => 7,
        17..=20 => 5,
        _ => 2,
    }
}

/// The median (the mean of the middle two for an even count); 0 for none.
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}
