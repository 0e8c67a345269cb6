//! The demo job: identify the simulated card through the driver, run every
//! field-arithmetic block on the simulator against arkworks, then an MSM on the
//! simulated card (through the driver, as a board would run it) against arkworks and
//! the CPU path, and NTTs on the simulated card against ark-poly, and report what was
//! measured.

use crate::field_check::{arithmetic_designs, run_block, BlockReport};
use anyhow::{bail, Result};
use serde::Serialize;
use zkaccel_driver::{identify, read_cycles, sim::SimCard, CardIdentity};

#[derive(Debug, Serialize)]
pub struct DemoReport {
    pub card_design_hash: String,
    pub card_version: String,
    pub card_cycles_at_identify: u64,
    /// The card model's simulation speed (clock running, ports idle).
    pub card_model_cycles_per_second: f64,
    pub seed: u64,
    pub blocks: Vec<BlockReport>,
    pub msm: Option<MsmDemo>,
    pub ntt: Vec<NttDemo>,
}

/// One NTT of the demo.
#[derive(Debug, Serialize)]
pub struct NttDemo {
    pub log_size: u32,
    pub kind: crate::ntt::NttKind,
    pub agrees_with_ark_poly: bool,
    pub stats: crate::ntt::device::NttStats,
    pub card_wall_s: f64,
}

/// The MSM part of the demo.
#[derive(Debug, Serialize)]
pub struct MsmDemo {
    pub points: usize,
    pub agrees_with_arkworks: bool,
    pub result: String,
    pub stats: serde_json::Value,
    pub card_wall_s: f64,
    pub cpu_wall_s: f64,
}

/// Simulated cycles per second of the whole card model (Verilator), measured over
/// 5,000 cycles with the clock running and the ports idle: the cost of every block
/// being evaluated every cycle, which is what an MSM or NTT job pays.
pub fn card_model_speed() -> Result<f64> {
    let mut card = zkaccel_sim::card::CardSim::new()?;
    card.run(100);
    let cycles = 5_000;
    let t = std::time::Instant::now();
    card.run(cycles);
    Ok(cycles as f64 / t.elapsed().as_secs_f64())
}

pub fn run(
    pairs: usize,
    msm_points: usize,
    ntt_log_size: u32,
    seed: u64,
    progress: bool,
) -> Result<DemoReport> {
    let mut card = SimCard::new()?;
    let CardIdentity {
        version,
        design_hash,
        ..
    } = identify(&mut card)?;
    let cycles = read_cycles(&mut card)?;
    let card_model_cycles_per_second = card_model_speed()?;
    let mut blocks = vec![];
    for design in arithmetic_designs() {
        if progress {
            eprintln!("simulating {design}: {pairs} operand pairs ...");
        }
        blocks.push(run_block(design, pairs, seed)?);
    }
    let msm = if msm_points > 0 {
        if progress {
            eprintln!("MSM of {msm_points} random points on the simulated card ...");
        }
        use ark_ec::VariableBaseMSM;
        let (bases, scalars) = crate::msm_cli::random_inputs(msm_points, seed);
        let want = ark_bls12_381::G1Projective::msm(&bases, &scalars).expect("same length");
        let mut dev = crate::msm::device::DeviceMsm::new(Box::new(card))?;
        let (got, stats) = dev.msm(&bases, &scalars, None)?;
        let (_, cpu) = crate::msm::cpu_msm(&bases, &scalars)?;
        Some(MsmDemo {
            points: msm_points,
            agrees_with_arkworks: got == want,
            result: crate::msm_cli::compressed_hex(&got),
            stats: crate::msm_cli::stats_json(&stats),
            card_wall_s: stats.wall.as_secs_f64(),
            cpu_wall_s: cpu.wall.as_secs_f64(),
        })
    } else {
        None
    };
    let mut ntt = vec![];
    if ntt_log_size > 0 {
        use ark_ff::UniformRand;
        use rand::SeedableRng;
        let mut dev = crate::ntt::device::DeviceNtt::new(Box::new(SimCard::new()?))?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let n = 1usize << ntt_log_size;
        let x: Vec<ark_bls12_381::Fr> = (0..n).map(|_| ark_bls12_381::Fr::rand(&mut rng)).collect();
        for (inverse, coset) in [(false, false), (true, true)] {
            let kind = crate::ntt::NttKind { inverse, coset };
            if progress {
                eprintln!("NTT of 2^{ntt_log_size} ({kind:?}) on the simulated card ...");
            }
            let mut want = x.clone();
            crate::ntt::cpu_ntt(&mut want, kind)?;
            let mut got = x.clone();
            let stats = dev.ntt(&mut got, kind)?;
            ntt.push(NttDemo {
                log_size: ntt_log_size,
                kind,
                agrees_with_ark_poly: got == want,
                card_wall_s: stats.wall.as_secs_f64(),
                stats,
            });
        }
    }
    Ok(DemoReport {
        card_design_hash: format!("{design_hash:016x}"),
        card_version: format!("{}.{}", version >> 16, version & 0xFFFF),
        card_cycles_at_identify: cycles,
        card_model_cycles_per_second,
        seed,
        blocks,
        msm,
        ntt,
    })
}

pub fn print(r: &DemoReport) -> Result<()> {
    println!(
        "card (simulated, through the driver): version {}, design {}",
        r.card_version, r.card_design_hash
    );
    println!(
        "card model (Verilator): {:.0} simulated cycles/s",
        r.card_model_cycles_per_second
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
    if let Some(m) = &r.msm {
        let st = &m.stats;
        println!(
            "MSM of {} points on the simulated card: window {} bits, {} additions, {} cycles ({:.1} per point), adder utilization {:.1} %, {:.1} s simulated; CPU path {:.3} ms",
            m.points,
            st["window"],
            st["adds"],
            st["cycles"],
            st["cycles_per_point"].as_f64().unwrap_or(0.0),
            100.0 * st["adder_utilization"].as_f64().unwrap_or(0.0),
            m.card_wall_s,
            m.cpu_wall_s * 1e3
        );
        if !m.agrees_with_arkworks {
            bail!("the card's MSM disagrees with arkworks");
        }
        println!("MSM result {} equals arkworks", m.result);
    }
    for t in &r.ntt {
        let st = &t.stats;
        println!(
            "NTT 2^{} ({}{}) on the simulated card: {} butterflies in {} issue cycles ({:.3}/cycle), job {} cycles incl. load and output ({:.3}/cycle), {:.1} s simulated",
            t.log_size,
            if t.kind.coset { "coset " } else { "" },
            if t.kind.inverse { "ifft" } else { "fft" },
            st.butterflies,
            st.issue_cycles,
            st.butterflies as f64 / st.issue_cycles.max(1) as f64,
            st.job_cycles,
            st.butterflies as f64 / st.job_cycles.max(1) as f64,
            t.card_wall_s
        );
        if !t.agrees_with_ark_poly {
            bail!("the card's NTT disagrees with ark-poly");
        }
    }
    if !r.ntt.is_empty() {
        println!("NTT results equal ark-poly");
    }
    Ok(())
}
