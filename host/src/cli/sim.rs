//! `zkaccel sim serve`: the Verilator model of the card as a vfio-user PCIe device.

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SimCommand {
    /// Serve the Verilator model of the card as a vfio-user PCIe device on a UNIX socket,
    /// one client after another, until killed.
    Serve {
        #[arg(long)]
        socket: PathBuf,
        #[arg(long, value_enum, default_value = "f1")]
        shell: Shell,
        /// Write an FST waveform of the card to this file.
        #[arg(long)]
        trace: Option<PathBuf>,
        /// Stop after this many client sessions (default: serve forever).
        #[arg(long)]
        sessions: Option<u64>,
        /// Inject a fault at the card's AXI boundary: KIND[:RATE], RATE the fraction of
        /// jobs hit (default 1). Kinds: msm-bitflip (a bit of a bucket sum read out),
        /// ntt-bitflip (a bit of an NTT output element), hang (the engine never
        /// finishes until a soft reset), transfer-error (the job's output reads as
        /// all-ones), all-ones (the board falls off the bus until a function reset).
        /// Repeatable.
        #[arg(long, value_name = "KIND[:RATE]")]
        fault: Vec<String>,
        /// Seed of the fault draws (the same seed, the same faults).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Which shell the served card sits behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// AWS F1 style: BAR0 registers, BAR4 512-bit data window.
    F1,
    /// AWS F2 Small Shell: BAR0 registers, BAR2 MSI-X, BAR4 data window, no shell DMA.
    F2,
    /// Alveo XDMA style: BAR0 registers, BAR1 H2C/C2H descriptor engines doing DMA.
    Xdma,
}

#[cfg(not(feature = "sim"))]
pub fn run(_: SimCommand) -> Result<()> {
    Err(super::not_in_this_build(
        "sim serve",
        "sim",
        "it serves the Verilator simulator",
    ))
}

#[cfg(feature = "sim")]
pub fn run(command: SimCommand) -> Result<()> {
    use zkaccel_host::sim_serve::{serve, ShellKind};
    match command {
        SimCommand::Serve {
            socket,
            shell,
            trace,
            sessions,
            fault,
            seed,
        } => {
            let shell = match shell {
                Shell::F1 => ShellKind::F1,
                Shell::F2 => ShellKind::F2,
                Shell::Xdma => ShellKind::Xdma,
            };
            let faults = fault
                .iter()
                .map(|f| f.parse::<zkaccel_sim::fault::FaultSpec>())
                .collect::<Result<Vec<_>, String>>()
                .map_err(|e| anyhow::anyhow!("--fault {e}"))?;
            serve(&socket, shell, trace, sessions, faults, seed)
        }
    }
}
