//! The demo job: identify the simulated card through the driver, then run every
//! field-arithmetic block on the simulator against arkworks and report what was
//! measured. Later issues grow it into MSM and NTT.

use crate::field_check::{arithmetic_designs, run_block, BlockReport};
use anyhow::{bail, Result};
use serde::Serialize;
use zkaccel_driver::{identify, read_cycles, sim::SimCard, CardIdentity};

#[derive(Debug, Serialize)]
pub struct DemoReport {
    pub card_design_hash: String,
    pub card_version: String,
    pub card_cycles_at_identify: u64,
    pub seed: u64,
    pub blocks: Vec<BlockReport>,
}

pub fn run(pairs: usize, seed: u64, progress: bool) -> Result<DemoReport> {
    let mut card = SimCard::new()?;
    let CardIdentity {
        version,
        design_hash,
        ..
    } = identify(&mut card)?;
    let cycles = read_cycles(&mut card)?;
    let mut blocks = vec![];
    for design in arithmetic_designs() {
        if progress {
            eprintln!("simulating {design}: {pairs} operand pairs ...");
        }
        blocks.push(run_block(design, pairs, seed)?);
    }
    Ok(DemoReport {
        card_design_hash: format!("{design_hash:016x}"),
        card_version: format!("{}.{}", version >> 16, version & 0xFFFF),
        card_cycles_at_identify: cycles,
        seed,
        blocks,
    })
}

pub fn print(r: &DemoReport) -> Result<()> {
    println!(
        "card (simulated, through the driver): version {}, design {}",
        r.card_version, r.card_design_hash
    );
    println!(
        "field arithmetic on the Verilator models vs ark-ff (seed {}):",
        r.seed
    );
    println!(
        "{:<12} {:>8} {:>10} {:>8} {:>9} {:>10} {:>12} {:>9}",
        "block", "pairs", "mismatch", "latency", "cycles", "results/cy", "sim cycles/s", "sim s"
    );
    for b in &r.blocks {
        println!(
            "{:<12} {:>8} {:>10} {:>8} {:>9} {:>10.3} {:>12.0} {:>9.3}",
            b.design,
            b.pairs,
            b.mismatches,
            b.latency,
            b.cycles,
            b.results_per_cycle,
            b.sim_cycles_per_second,
            b.sim_seconds
        );
    }
    let bad: Vec<_> = r.blocks.iter().filter(|b| b.mismatches > 0).collect();
    if !bad.is_empty() {
        for b in &bad {
            eprintln!(
                "MISMATCH in {}: {}",
                b.design,
                b.first_mismatch.as_deref().unwrap_or("?")
            );
        }
        bail!("{} block(s) disagree with ark-ff", bad.len());
    }
    println!(
        "all {} blocks agree with ark-ff bit for bit",
        r.blocks.len()
    );
    Ok(())
}
