//! `zkaccel msm` and `zkaccel bench msm`.

use crate::msm::files::{read_inputs, PointFormat};
use crate::msm::{cpu_msm, msm, Backend, MsmStats};
use anyhow::{bail, Result};
use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use ark_serialize::CanonicalSerialize;
use rand::{rngs::StdRng, SeedableRng};
use std::path::Path;
use std::time::Instant;

/// The 48-byte compressed encoding as hex.
pub fn compressed_hex(p: &G1Projective) -> String {
    let mut b = vec![];
    p.into_affine()
        .serialize_compressed(&mut b)
        .expect("to a Vec");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn stats_json(s: &MsmStats) -> serde_json::Value {
    serde_json::json!({
        "points": s.points,
        "window": s.window,
        "windows": s.windows,
        "adds": s.adds,
        "cycles": s.cycles(),
        "accumulate_cycles": s.accumulate_cycles,
        "readout_cycles": s.readout_cycles,
        "adder_utilization": s.adder_utilization(),
        "cycles_per_point": s.cycles_per_point(),
        "wall_time_s": s.wall.as_secs_f64(),
    })
}

pub fn run_msm(
    points: &Path,
    scalars: &Path,
    format: Option<PointFormat>,
    backend: &Backend,
    window: Option<u32>,
    json: bool,
) -> Result<()> {
    let (bases, scalars) = read_inputs(points, scalars, format)?;
    let (r, stats) = msm(backend, &bases, &scalars, window)?;
    let hex = compressed_hex(&r);
    if json {
        let mut v = stats_json(&stats);
        v["result"] = hex.into();
        v["backend"] = backend.to_string().into();
        println!("{}", serde_json::to_string(&v)?);
    } else {
        println!(
            "backend {backend}: {} points in {:.3} s",
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
    }
    Ok(())
}

/// Random points (random multiples of the generator, normalized in one batch).
pub fn random_inputs(n: usize, seed: u64) -> (Vec<G1Affine>, Vec<Fr>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let proj: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(&mut rng)).collect();
    let bases = G1Projective::normalize_batch(&proj);
    let scalars = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    (bases, scalars)
}

pub fn bench_msm(
    backend: &Backend,
    log_size: u32,
    window: Option<u32>,
    clock_mhz: f64,
    seed: u64,
    json: bool,
) -> Result<()> {
    if log_size > 26 {
        bail!("--log-size {log_size}: at most 26");
    }
    let n = 1usize << log_size;
    let (bases, scalars) = random_inputs(n, seed);
    let t = Instant::now();
    let reference = G1Projective::msm(&bases, &scalars).expect("same length");
    let ark_wall = t.elapsed();
    let (cpu_result, _) = cpu_msm(&bases, &scalars)?;
    if cpu_result != reference {
        bail!("the CPU path disagrees with arkworks on a 2^{log_size} MSM (seed {seed})");
    }
    // blst itself on inputs converted beforehand (untimed), against the CPU path on
    // arkworks inputs: `reps` runs of each in alternating order after the run above
    // (the warm-up and the check); medians.
    let blst_points = crate::msm::blst_cpu::blst_points(&bases);
    let blst_scalars = crate::msm::blst_cpu::scalar_bytes(&scalars);
    let reps = crate::ntt::bench::cpu_reps(log_size);
    let (mut cpu_runs, mut blst_runs) = (vec![], vec![]);
    let ours = || -> Result<f64> { Ok(cpu_msm(&bases, &scalars)?.1.wall.as_secs_f64()) };
    let theirs = || {
        let t = Instant::now();
        let _ = blst::MultiPoint::mult(blst_points.as_slice(), &blst_scalars, 255);
        t.elapsed().as_secs_f64()
    };
    for i in 0..reps {
        if i % 2 == 0 {
            cpu_runs.push(ours()?);
            blst_runs.push(theirs());
        } else {
            blst_runs.push(theirs());
            cpu_runs.push(ours()?);
        }
    }
    let median = crate::ntt::bench::median;
    let (cpu_s, blst_s) = (median(&cpu_runs), median(&blst_runs));
    let (r, stats) = msm(backend, &bases, &scalars, window)?;
    if r != reference {
        bail!("backend {backend} disagrees with arkworks on a 2^{log_size} MSM (seed {seed})");
    }
    let projected_s = stats.cycles() as f64 / (clock_mhz * 1e6);
    // The cycle model, calibrated by this run (measured / modelled at this size), then
    // extrapolated: for this build's largest window and for a build with 2^15 buckets.
    let latency = zkaccel_hdl::ec::point_add::point_add_figures().latency as u64;
    let max_c = zkaccel_hdl::spec::msm::MAX_WINDOW_BITS;
    let best = |n: u64, max_c: u32| {
        (2..=max_c)
            .map(|c| (c, crate::msm::device::msm_cycles_model(n, c, latency)))
            .min_by_key(|x| x.1)
            .expect("a window")
    };
    let calibration = if stats.cycles() > 0 && stats.window > 0 {
        stats.cycles() as f64
            / crate::msm::device::msm_cycles_model(n as u64, stats.window, latency) as f64
    } else {
        1.0
    };
    let projections: Vec<serde_json::Value> = if stats.cycles() == 0 {
        vec![]
    } else {
        [20u32, 24].to_vec()
    }
    .iter()
    .flat_map(|&k| {
        [(max_c, "this build"), (16, "2^15 buckets")].map(|(mc, build)| {
            let (c, cyc) = best(1u64 << k, mc);
            let cpp = calibration * cyc as f64 / (1u64 << k) as f64;
            serde_json::json!({
                "log_size": k, "build": build, "window": c,
                "cycles_per_point": cpp,
                "time_s": cpp * (1u64 << k) as f64 / (clock_mhz * 1e6),
            })
        })
    })
    .collect();
    if json {
        let mut v = stats_json(&stats);
        v["backend"] = backend.to_string().into();
        v["log_size"] = log_size.into();
        v["clock_mhz"] = clock_mhz.into();
        v["projected_time_s"] = if stats.cycles() > 0 {
            projected_s.into()
        } else {
            serde_json::Value::Null
        };
        v["cpu_path_wall_s"] = cpu_s.into();
        v["arkworks_wall_s"] = ark_wall.as_secs_f64().into();
        v["blst_wall_s"] = blst_s.into();
        v["cpu_path_over_blst"] = (cpu_s / blst_s).into();
        v["cpu_reps"] = reps.into();
        v["cpu_path_runs_s"] = cpu_runs.into();
        v["blst_runs_s"] = blst_runs.into();
        v["model_calibration"] = calibration.into();
        v["projections"] = projections.into();
        println!("{}", serde_json::to_string(&v)?);
        return Ok(());
    }
    println!("MSM 2^{log_size} = {n} points, seed {seed}: backend {backend} equals arkworks");
    println!(
        "  backend wall time      {:>12.3} ms",
        stats.wall.as_secs_f64() * 1e3
    );
    if stats.cycles() > 0 {
        println!(
            "  window                 {:>12} bits ({} windows)",
            stats.window, stats.windows
        );
        println!("  additions              {:>12}", stats.adds);
        println!(
            "  cycles                 {:>12} ({} accumulating + {} readout)",
            stats.cycles(),
            stats.accumulate_cycles,
            stats.readout_cycles
        );
        println!(
            "  cycles per point       {:>12.2}",
            stats.cycles_per_point().unwrap_or(0.0)
        );
        println!(
            "  adder utilization      {:>11.1} %",
            100.0 * stats.adder_utilization().unwrap_or(0.0)
        );
        println!(
            "  projected at {clock_mhz} MHz {:>9.3} ms",
            projected_s * 1e3
        );
    }
    if stats.cycles() > 0 {
        println!("  model calibration      {calibration:>12.3} (measured / modelled cycles)");
        for p in &projections {
            println!(
                "  projected 2^{} ({:<12}) window {:>2}: {:>6.2} cycles/point, {:>8.3} ms at {clock_mhz} MHz",
                p["log_size"], p["build"].as_str().unwrap_or(""), p["window"],
                p["cycles_per_point"].as_f64().unwrap_or(0.0), 1e3 * p["time_s"].as_f64().unwrap_or(0.0)
            );
        }
    }
    println!(
        "  cpu path (blst)        {:>12.3} ms (arkworks inputs; median of {reps}, alternating)",
        cpu_s * 1e3
    );
    println!(
        "  blst alone             {:>12.3} ms (inputs converted beforehand; median of {reps})",
        blst_s * 1e3
    );
    println!("  cpu path / blst alone  {:>12.3}", cpu_s / blst_s);
    println!(
        "  arkworks msm           {:>12.3} ms",
        ark_wall.as_secs_f64() * 1e3
    );
    Ok(())
}
