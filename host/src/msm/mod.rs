//! Multi-scalar multiplication on BLS12-381 G1: `Σ scalars[i] · bases[i]`, on arkworks
//! types: the CPU path (blst's Pippenger) and the card's MSM unit through the driver
//! (`sim`, `vfio-user:PATH`, `vfio:BDF`); [`crate::Accelerator`] chooses between them.
//!
//! * [`blst_cpu`]: the CPU path.
//! * [`recode`]: signed-digit windows.
//! * [`scalar_plan`]: witness scalars split into dropped, grouped and windowed points.
//! * [`device`]: the card job (bases, passes, readout, host reduction).
//! * [`pass_layout`]: one windowed pass's buckets (replicas of hot ones) and its
//!   reduction.
//! * [`group_sum`]: the grouped points' segment of a pass and their sums.
//! * [`cycle_model`]: the card's modelled cycles, which choose the window size.

pub mod blst_cpu;
pub mod cycle_model;
pub mod device;
pub mod group_sum;
pub mod pass_layout;
pub mod recode;
pub mod scalar_plan;

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use rand::{rngs::StdRng, SeedableRng};
use std::time::{Duration, Instant};

/// What an MSM cost. Card figures are from the card's own counters. Serializes with
/// the derived figures (cycles, utilization, cycles per point, wall time).
#[derive(Clone, Debug, Default, serde::Serialize)]
#[serde(into = "MsmSummary")]
pub struct MsmStats {
    pub points: u64,
    /// Window size c (card backends).
    pub window: u32,
    pub windows: u64,
    /// Accumulation passes on the card: windowed passes (each covering one or more
    /// windows) plus the sum pass of grouped scalars.
    pub passes: u64,
    /// Point additions issued to the adder.
    pub adds: u64,
    /// Cycles the engine spent accumulating (digits in to idle), over all passes.
    pub accumulate_cycles: u64,
    /// Cycles spent streaming bucket sums out, over all passes.
    pub readout_cycles: u64,
    /// Points dropped before the card (scalar 0 or the identity).
    pub dropped_points: u64,
    /// Points summed per shared scalar value in the sum pass.
    pub grouped_points: u64,
    /// Base points written to card memory (0 when the bases were resident).
    pub bases_loaded: u64,
    pub wall: Duration,
}

/// [`MsmStats`] as reported (`--json`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct MsmSummary {
    pub points: u64,
    pub window: u32,
    pub windows: u64,
    pub passes: u64,
    pub adds: u64,
    pub cycles: u64,
    pub accumulate_cycles: u64,
    pub readout_cycles: u64,
    pub dropped_points: u64,
    pub grouped_points: u64,
    pub bases_loaded: u64,
    pub adder_utilization: Option<f64>,
    pub cycles_per_point: Option<f64>,
    pub wall_time_s: f64,
}

impl From<MsmStats> for MsmSummary {
    fn from(s: MsmStats) -> Self {
        MsmSummary {
            points: s.points,
            window: s.window,
            windows: s.windows,
            passes: s.passes,
            adds: s.adds,
            cycles: s.cycles(),
            accumulate_cycles: s.accumulate_cycles,
            readout_cycles: s.readout_cycles,
            dropped_points: s.dropped_points,
            grouped_points: s.grouped_points,
            bases_loaded: s.bases_loaded,
            adder_utilization: s.adder_utilization(),
            cycles_per_point: s.cycles_per_point(),
            wall_time_s: s.wall.as_secs_f64(),
        }
    }
}

impl MsmStats {
    /// Adds another MSM's figures (counts and cycles summed: board-cycles when MSMs ran
    /// on several boards at once, so adds/cycles stays a mean utilization; the window
    /// and windows the largest).
    pub fn add(&mut self, o: &MsmStats) {
        self.points += o.points;
        self.window = self.window.max(o.window);
        self.windows = self.windows.max(o.windows);
        self.passes += o.passes;
        self.adds += o.adds;
        self.accumulate_cycles += o.accumulate_cycles;
        self.readout_cycles += o.readout_cycles;
        self.dropped_points += o.dropped_points;
        self.grouped_points += o.grouped_points;
        self.bases_loaded += o.bases_loaded;
        self.wall += o.wall;
    }
    /// Additions issued per accumulation cycle (1.0 = the adder never idles).
    pub fn adder_utilization(&self) -> Option<f64> {
        (self.accumulate_cycles > 0).then(|| self.adds as f64 / self.accumulate_cycles as f64)
    }
    pub fn cycles(&self) -> u64 {
        self.accumulate_cycles + self.readout_cycles
    }
    pub fn cycles_per_point(&self) -> Option<f64> {
        (self.points > 0 && self.cycles() > 0).then(|| self.cycles() as f64 / self.points as f64)
    }
}

/// The CPU path: blst's Pippenger ([`blst_cpu`]).
pub fn cpu_msm(
    bases: &[G1Affine],
    scalars: &[Fr],
) -> Result<(G1Projective, MsmStats), device::DeviceMsmError> {
    if bases.len() != scalars.len() {
        return Err(device::DeviceMsmError::LengthMismatch {
            count: bases.len(),
            scalars: scalars.len(),
        });
    }
    let started = Instant::now();
    let r = blst_cpu::msm(bases, scalars);
    let stats = MsmStats {
        points: bases.len() as u64,
        wall: started.elapsed(),
        ..Default::default()
    };
    Ok((r, stats))
}

/// A random MSM instance: `n` random points (random multiples of the generator,
/// normalized in one batch) and `n` random scalars, from `seed`.
pub fn random_instance(n: usize, seed: u64) -> (Vec<G1Affine>, Vec<Fr>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let proj: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(&mut rng)).collect();
    let bases = G1Projective::normalize_batch(&proj);
    let scalars = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    (bases, scalars)
}
