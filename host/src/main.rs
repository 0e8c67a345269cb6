//! `zkaccel`: the command line. This file only parses and dispatches; each command
//! lives in its own module under `cli/`.

mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "zkaccel",
    version,
    about = "FPGA proving accelerator toolchain for BLS12-381: MSM, NTT and Groth16 proofs"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the demo: the simulated card through the driver, and every field-arithmetic
    /// block on the simulator checked against arkworks.
    Demo(cli::demo::DemoArgs),
    /// List candidate boards (address, IDs, IOMMU group, bound driver, usable or why not).
    Devices(cli::devices::DevicesArgs),
    /// Run known-answer tests on a card. DEVICE: vfio:DDDD:BB:DD.F, vfio:VVVV:DDDD,
    /// vfio-user:/path/to.sock or sim.
    Selftest(cli::selftest::SelftestArgs),
    /// Multi-scalar multiplication on BLS12-381 G1: prints the result (48-byte compressed
    /// point, 96 hex characters) on the last line.
    Msm(cli::msm::MsmArgs),
    /// NTT over Fr matching ark-poly's Radix2EvaluationDomain (fft, ifft, coset forms),
    /// on the CPU or a card.
    Ntt(cli::ntt::NttArgs),
    /// A Groth16 proof (BLS12-381) from a snarkjs proving key and a circom witness,
    /// verified before it is written as snarkjs's proof.json and public.json.
    Prove(cli::prove::ProveArgs),
    /// Verify a Groth16 proof (snarkjs JSON). Exit status 0 only for a valid proof.
    Verify(cli::verify::VerifyArgs),
    /// EIP-4844 KZG commitments and blob proofs (Ethereum's trusted setup), byte for
    /// byte c-kzg's, verified before they are printed.
    Kzg {
        #[command(subcommand)]
        command: cli::kzg::KzgCommand,
    },
    /// Proving-key tools.
    Zkey {
        #[command(subcommand)]
        command: cli::zkey::ZkeyCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: cli::bench::BenchCommand,
    },
    /// The simulator as a device.
    Sim {
        #[command(subcommand)]
        command: cli::sim::SimCommand,
    },
    /// Hardware flow: generate, lint, estimate and fit the Verilog.
    Hdl {
        #[command(subcommand)]
        command: cli::hdl::HdlCommand,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Demo(args) => cli::demo::run(args),
        Command::Devices(args) => cli::devices::run(args),
        Command::Selftest(args) => cli::selftest::run(args),
        Command::Msm(args) => cli::msm::run(args),
        Command::Ntt(args) => cli::ntt::run(args),
        Command::Prove(args) => cli::prove::run(args),
        Command::Verify(args) => cli::verify::run(args),
        Command::Kzg { command } => cli::kzg::run(command),
        Command::Zkey { command } => cli::zkey::run(command),
        Command::Bench { command } => cli::bench::run(command),
        Command::Sim { command } => cli::sim::run(command),
        Command::Hdl { command } => cli::hdl::run(command),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
