//! One transform of 2^K random elements on a backend, checked against ark-poly, with
//! the card's cycle figures and the CPU path's and ark-poly's wall times measured in
//! the same run, plus the cycle model up to 2^24.

use crate::ntt::cycle_model::ntt_cycles_model;
use crate::ntt::device::NttStats;
use crate::ntt::{cpu_ntt, NttKind};
use crate::report::millis;
use crate::{Accelerator, Backend};
use anyhow::{bail, Result};
use ark_bls12_381::Fr;
use ark_ff::{FftField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::{rngs::StdRng, SeedableRng};
use serde::Serialize;
use std::time::{Duration, Instant};
use zkaccel_spec::ntt::MAX_LOG_SIZE;

/// What `zkaccel bench ntt` measured.
#[derive(Clone, Debug, Serialize)]
pub struct NttBenchReport {
    pub backend: String,
    pub log_size: u32,
    pub inverse: bool,
    pub coset: bool,
    /// Always true in a report: a disagreement is an error.
    pub agrees_with_ark_poly: bool,
    /// Clock for the projected times, in MHz.
    pub clock_mhz: f64,
    pub card: Option<NttCardFigures>,
    #[serde(rename = "wall_ms", serialize_with = "millis")]
    pub wall: Duration,
    #[serde(rename = "cpu_path_ms", serialize_with = "millis")]
    pub cpu_path: Duration,
    #[serde(rename = "ark_poly_ms", serialize_with = "millis")]
    pub ark_poly: Duration,
    /// CPU path / ark-poly (medians of `cpu_reps` alternating runs of each).
    pub cpu_path_over_ark_poly: f64,
    pub cpu_reps: usize,
    pub cpu_path_runs_ms: Vec<f64>,
    pub ark_poly_runs_ms: Vec<f64>,
    /// rayon's threads (ark-poly's `parallel`).
    pub cpu_threads: usize,
    /// The cycle model of this build at larger sizes.
    pub model: Vec<NttProjection>,
}

/// The card's figures for the transform.
#[derive(Clone, Debug, Serialize)]
pub struct NttCardFigures {
    #[serde(flatten)]
    pub stats: NttStats,
    pub butterflies_per_issue_cycle: f64,
    pub butterflies_per_job_cycle: f64,
    pub model_cycles: u64,
    pub projected_ms: f64,
    #[serde(rename = "host_steps_ms")]
    pub host_steps_ms: f64,
}

/// The model's figures for one size.
#[derive(Clone, Debug, Serialize)]
pub struct NttProjection {
    pub log_size: u32,
    pub cycles: u64,
    pub butterflies_per_cycle: f64,
    pub projected_ms: f64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Runs the benchmark (sizes 2^1 ..= 2^24).
pub fn bench_ntt(
    backend: &Backend,
    log_size: u32,
    kind: NttKind,
    clock_mhz: f64,
    seed: u64,
) -> Result<NttBenchReport> {
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
    // The CPU path (the run above was ark-poly's warm-up and the reference).
    let mut cpu = input.clone();
    cpu_ntt(&mut cpu, kind)?;
    if cpu != reference {
        bail!("the CPU path disagrees with ark-poly at 2^{log_size}");
    }
    // The timed comparison: both again, `cpu_reps` times in alternating order, each on
    // a fresh copy of the input; medians. Both are ark-poly built with `parallel`.
    let cpu_reps = super::cpu_reps(log_size);
    let (cpu_path_runs_ms, ark_poly_runs_ms) = super::alternate(
        cpu_reps,
        || {
            let mut v = input.clone();
            Ok::<_, anyhow::Error>(cpu_ntt(&mut v, kind)?.as_secs_f64() * 1e3)
        },
        || {
            let mut v = input.clone();
            let t = Instant::now();
            if kind.inverse {
                d.ifft_in_place(&mut v);
            } else {
                d.fft_in_place(&mut v);
            }
            t.elapsed().as_secs_f64() * 1e3
        },
    )?;
    let cpu_path = Duration::from_secs_f64(super::median(&cpu_path_runs_ms) / 1e3);
    let ark_poly = Duration::from_secs_f64(super::median(&ark_poly_runs_ms) / 1e3);
    let mut acc = Accelerator::open(backend)?;
    let mut out = input;
    acc.ntt(&mut out, kind)?;
    if out != reference {
        bail!("backend {backend} disagrees with ark-poly at 2^{log_size} ({kind:?}, seed {seed})");
    }
    let run = acc.last_ntt().expect("an NTT ran").clone();
    let card = run.card.map(|c| NttCardFigures {
        butterflies_per_issue_cycle: ratio(c.butterflies, c.issue_cycles),
        butterflies_per_job_cycle: ratio(c.butterflies, c.job_cycles),
        model_cycles: ntt_cycles_model(log_size, MAX_LOG_SIZE as u32),
        projected_ms: c.job_cycles as f64 / (clock_mhz * 1e3),
        host_steps_ms: c.host_steps.as_secs_f64() * 1e3,
        stats: c,
    });
    let model = [16u32, 20, 24]
        .iter()
        .map(|&k| {
            let cycles = ntt_cycles_model(k, MAX_LOG_SIZE as u32);
            let bf = (1u64 << (k - 1)) * k as u64;
            NttProjection {
                log_size: k,
                cycles,
                butterflies_per_cycle: bf as f64 / cycles as f64,
                projected_ms: cycles as f64 / (clock_mhz * 1e3),
            }
        })
        .collect();
    Ok(NttBenchReport {
        backend: backend.to_string(),
        log_size,
        inverse: kind.inverse,
        coset: kind.coset,
        agrees_with_ark_poly: true,
        clock_mhz,
        card,
        wall: run.wall,
        cpu_path_over_ark_poly: cpu_path.as_secs_f64() / ark_poly.as_secs_f64().max(1e-12),
        cpu_path,
        ark_poly,
        cpu_reps,
        cpu_path_runs_ms,
        ark_poly_runs_ms,
        cpu_threads: rayon::current_num_threads(),
        model,
    })
}
