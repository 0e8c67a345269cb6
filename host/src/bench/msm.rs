//! MSM of 2^K random points and scalars on a backend, beside the CPU path, blst alone
//! and arkworks in the same run, with the card's cycle figures and the cycle model's
//! projections to 2^20 and 2^24.

use crate::msm::blst_cpu;
use crate::msm::cycle_model::{msm_cycles_model_passes, windows_per_pass};
use crate::msm::{cpu_msm, random_instance, MsmStats};
use crate::report::seconds;
use crate::{Accelerator, Backend};
use anyhow::{bail, Result};
use ark_bls12_381::{Fr, G1Projective};
use ark_ec::VariableBaseMSM;
use serde::Serialize;
use std::time::{Duration, Instant};
use zkaccel_spec::msm::{BUCKETS, MAX_WINDOW_BITS, POINT_ADDER_LATENCY};

/// Which scalars the benchmark draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// Uniform below r.
    Uniform,
    /// 50 % zero, 25 % one, 25 % uniform.
    Skewed,
    /// Every scalar 0 or 1 (half each).
    Bits,
    /// Every scalar the same (random) value.
    Equal,
    /// The values of a snarkjs `.wtns` file (the first 2^K, or all if fewer).
    Witness(std::path::PathBuf),
}

impl std::str::FromStr for Distribution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "uniform" => Distribution::Uniform,
            "skewed" => Distribution::Skewed,
            "bits" => Distribution::Bits,
            "equal" => Distribution::Equal,
            _ => match s.strip_prefix("witness:") {
                Some(f) if !f.is_empty() => Distribution::Witness(f.into()),
                _ => {
                    return Err(format!(
                        "distribution {s:?}: expected uniform, skewed, bits, equal or witness:FILE"
                    ))
                }
            },
        })
    }
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distribution::Uniform => write!(f, "uniform"),
            Distribution::Skewed => write!(f, "skewed"),
            Distribution::Bits => write!(f, "bits"),
            Distribution::Equal => write!(f, "equal"),
            Distribution::Witness(p) => write!(f, "witness:{}", p.display()),
        }
    }
}

impl Distribution {
    /// `n` scalars of this distribution (fewer for a shorter witness file).
    pub fn scalars(&self, n: usize, seed: u64) -> Result<Vec<Fr>> {
        use ark_ff::{One, UniformRand, Zero};
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x5ca1a5);
        Ok(match self {
            Distribution::Uniform => (0..n).map(|_| Fr::rand(&mut rng)).collect(),
            Distribution::Skewed => (0..n)
                .map(|_| match rng.gen_range(0..4) {
                    0 | 1 => Fr::zero(),
                    2 => Fr::one(),
                    _ => Fr::rand(&mut rng),
                })
                .collect(),
            Distribution::Bits => (0..n)
                .map(|_| {
                    if rng.gen_bool(0.5) {
                        Fr::one()
                    } else {
                        Fr::zero()
                    }
                })
                .collect(),
            Distribution::Equal => vec![Fr::rand(&mut rng); n],
            Distribution::Witness(path) => {
                let mut w = crate::wtns::read(path)?;
                w.truncate(n);
                w
            }
        })
    }
}

/// What `zkaccel bench msm` measured.
#[derive(Clone, Debug, Serialize)]
pub struct MsmBenchReport {
    pub backend: String,
    pub log_size: u32,
    pub distribution: String,
    pub seed: u64,
    #[serde(flatten)]
    pub stats: MsmStats,
    pub clock_mhz: f64,
    /// Cycles at the clock (card backends).
    pub projected_time_s: Option<f64>,
    #[serde(rename = "cpu_path_wall_s", serialize_with = "seconds")]
    pub cpu_path: Duration,
    #[serde(rename = "arkworks_wall_s", serialize_with = "seconds")]
    pub arkworks: Duration,
    #[serde(rename = "blst_wall_s", serialize_with = "seconds")]
    pub blst: Duration,
    /// CPU path / blst alone (medians of `cpu_reps` alternating runs of each).
    pub cpu_path_over_blst: f64,
    pub cpu_reps: usize,
    pub cpu_path_runs_s: Vec<f64>,
    pub blst_runs_s: Vec<f64>,
    /// The host's split of the scalars (dropped, grouped, windowed), timed alone.
    #[serde(rename = "scalar_plan_wall_s", serialize_with = "seconds")]
    pub scalar_plan: Duration,
    /// Measured / modelled cycles at this size (1 without card figures).
    pub model_calibration: f64,
    pub projections: Vec<MsmProjection>,
}

/// The calibrated cycle model at a larger size.
#[derive(Clone, Debug, Serialize)]
pub struct MsmProjection {
    pub log_size: u32,
    /// "this build", or "2^15 buckets".
    pub build: &'static str,
    pub window: u32,
    pub cycles_per_point: f64,
    pub time_s: f64,
}

/// Runs the benchmark (sizes up to 2^26).
pub fn bench_msm(
    backend: &Backend,
    log_size: u32,
    distribution: &Distribution,
    window: Option<u32>,
    clock_mhz: f64,
    seed: u64,
) -> Result<MsmBenchReport> {
    if log_size > 26 {
        bail!("--log-size {log_size}: at most 26");
    }
    let scalars = distribution.scalars(1usize << log_size, seed)?;
    let n = scalars.len();
    let (bases, _) = random_instance(n, seed);
    // The host's split of the scalars (median of five runs).
    let mut plan_runs: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(crate::msm::scalar_plan::plan(&bases, &scalars));
            t.elapsed().as_secs_f64()
        })
        .collect();
    plan_runs.sort_by(f64::total_cmp);
    let scalar_plan = Duration::from_secs_f64(plan_runs[2]);
    let t = Instant::now();
    let reference = G1Projective::msm(&bases, &scalars).expect("same length");
    let arkworks = t.elapsed();
    let (cpu_result, _) = cpu_msm(&bases, &scalars)?;
    if cpu_result != reference {
        bail!("the CPU path disagrees with arkworks on a 2^{log_size} MSM (seed {seed})");
    }
    // blst itself on inputs converted beforehand (untimed), against the CPU path on
    // arkworks inputs: `reps` runs of each in alternating order after the run above
    // (the warm-up and the check); medians.
    let blst_points = blst_cpu::blst_points(&bases);
    let blst_scalars = blst_cpu::scalar_bytes(&scalars);
    let cpu_reps = super::cpu_reps(log_size);
    let (cpu_path_runs_s, blst_runs_s) = super::alternate(
        cpu_reps,
        || Ok::<_, anyhow::Error>(cpu_msm(&bases, &scalars)?.1.wall.as_secs_f64()),
        || {
            let t = Instant::now();
            let _ = blst::MultiPoint::mult(blst_points.as_slice(), &blst_scalars, 255);
            t.elapsed().as_secs_f64()
        },
    )?;
    let cpu_path = Duration::from_secs_f64(super::median(&cpu_path_runs_s));
    let blst = Duration::from_secs_f64(super::median(&blst_runs_s));
    let mut acc = Accelerator::open(backend)?;
    acc.set_window(window);
    let r = acc.msm(&bases, &scalars)?;
    if r != reference {
        bail!("backend {backend} disagrees with arkworks on a 2^{log_size} MSM (seed {seed})");
    }
    let stats = acc.last_msm().expect("an MSM ran").clone();
    // The cycle model, calibrated by this run (measured / modelled at this size), then
    // extrapolated: for this build's largest window and for a build with 2^15 buckets,
    // each with as many windows per pass as its buckets hold.
    let latency = POINT_ADDER_LATENCY as u64;
    let model = |n: u64, c: u32, buckets: usize| {
        msm_cycles_model_passes(n, c, latency, windows_per_pass(c, buckets))
    };
    let best = |n: u64, max_c: u32| {
        let buckets = 1usize << (max_c - 1);
        (2..=max_c)
            .map(|c| (c, model(n, c, buckets)))
            .min_by_key(|x| x.1)
            .expect("a window")
    };
    let card = stats.cycles() > 0 && stats.window > 0;
    let model_calibration = if card {
        stats.cycles() as f64 / model(n as u64, stats.window, BUCKETS) as f64
    } else {
        1.0
    };
    let projections = if card { vec![20u32, 24] } else { vec![] }
        .into_iter()
        .flat_map(|k| {
            [(MAX_WINDOW_BITS, "this build"), (16, "2^15 buckets")].map(|(max_c, build)| {
                let (window, cycles) = best(1u64 << k, max_c);
                let cycles_per_point = model_calibration * cycles as f64 / (1u64 << k) as f64;
                MsmProjection {
                    log_size: k,
                    build,
                    window,
                    cycles_per_point,
                    time_s: cycles_per_point * (1u64 << k) as f64 / (clock_mhz * 1e6),
                }
            })
        })
        .collect();
    Ok(MsmBenchReport {
        backend: backend.to_string(),
        log_size,
        distribution: distribution.to_string(),
        seed,
        projected_time_s: card.then(|| stats.cycles() as f64 / (clock_mhz * 1e6)),
        stats,
        clock_mhz,
        cpu_path_over_blst: cpu_path.as_secs_f64() / blst.as_secs_f64().max(1e-12),
        cpu_path,
        arkworks,
        blst,
        cpu_reps,
        cpu_path_runs_s,
        blst_runs_s,
        scalar_plan,
        model_calibration,
        projections,
    })
}
