//! Multi-scalar multiplication on BLS12-381 G1: `Σ scalars[i] · bases[i]`, on arkworks
//! types, over any backend: the CPU (arkworks' Pippenger) or a card through the driver
//! (`sim`, `vfio-user:PATH`, `vfio:BDF`).
//!
//! * [`recode`]: signed-digit windows.
//! * [`device`]: the card job (resident bases, windows, readout, host reduction).
//! * [`files`]: the command line's point and scalar files.

pub mod blst_cpu;
pub mod device;
pub mod files;
pub mod recode;

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use std::time::{Duration, Instant};
use zkaccel_driver::DeviceSpec;

/// Where an MSM runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// blst's multi-threaded Pippenger on this machine.
    Cpu,
    /// A card: `sim`, `vfio-user:PATH`, `vfio:BDF` or `vfio:VVVV:DDDD`.
    Device(DeviceSpec),
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "cpu" {
            return Ok(Backend::Cpu);
        }
        s.parse::<DeviceSpec>().map(Backend::Device).map_err(|e| {
            format!("backend {s:?}: expected cpu, sim, vfio-user:PATH or vfio:BDF ({e})")
        })
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Cpu => write!(f, "cpu"),
            Backend::Device(d) => write!(f, "{d}"),
        }
    }
}

/// What an MSM cost. Card figures are from the card's own counters.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MsmStats {
    pub points: u64,
    /// Window size c (card backends).
    pub window: u32,
    pub windows: u64,
    /// Point additions issued to the adder.
    pub adds: u64,
    /// Cycles the engine spent accumulating (digits in to idle), over all windows.
    pub accumulate_cycles: u64,
    /// Cycles spent streaming bucket sums out, over all windows.
    pub readout_cycles: u64,
    #[serde(skip)]
    pub wall: Duration,
}

impl MsmStats {
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

/// Runs one MSM on `backend` (opening the device for it).
pub fn msm(
    backend: &Backend,
    bases: &[G1Affine],
    scalars: &[Fr],
    window: Option<u32>,
) -> anyhow::Result<(G1Projective, MsmStats)> {
    match backend {
        Backend::Cpu => Ok(cpu_msm(bases, scalars)?),
        Backend::Device(spec) => {
            let dev = zkaccel_driver::open(spec)?;
            let mut card = device::DeviceMsm::new(dev)?;
            Ok(card.msm(bases, scalars, window)?)
        }
    }
}
