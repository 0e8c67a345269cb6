//! `zkaccel selftest`: known-answer tests on a card.

use anyhow::{bail, Result};
use clap::Args;
use std::time::Duration;
use zkaccel_driver::selftest::run_rounds;
use zkaccel_driver::DeviceSpec;

#[derive(Args)]
pub struct SelftestArgs {
    /// vfio:DDDD:BB:DD.F, vfio:VVVV:DDDD, vfio-user:/path/to.sock or sim.
    #[arg(long)]
    device: DeviceSpec,
    /// Deadline per device request, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    deadline_ms: u64,
    /// Run the checks this many times (a soak).
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: SelftestArgs) -> Result<()> {
    let spec = a.device;
    let mut dev = zkaccel_driver::open_with_deadline(&spec, Duration::from_millis(a.deadline_ms))?;
    let report = run_rounds(dev.as_mut(), a.repeat);
    if a.json {
        super::print_json(&report)?;
    } else {
        println!("selftest of {spec}:");
        for c in &report.checks {
            let verdict = match c.passed {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "skip",
            };
            println!("  {verdict:<4} {:<22} {}", c.name, c.detail);
        }
    }
    let failed = report.failed().count();
    if failed > 0 {
        bail!("{failed} selftest check(s) failed on {spec}");
    }
    if !a.json {
        println!("{spec}: all checks passed");
    }
    Ok(())
}
