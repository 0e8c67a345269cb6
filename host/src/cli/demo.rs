//! `zkaccel demo`: the simulated card through the driver, every field-arithmetic block
//! on the simulator, an MSM and NTTs on the simulated card, all against arkworks, and a
//! Groth16 proof of a circom circuit on the simulated card, verified.

use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub struct DemoArgs {
    /// Operand pairs streamed through each block.
    #[arg(long, default_value_t = 20_000)]
    pairs: usize,
    /// Points of the MSM run on the simulated card (0 skips it).
    #[arg(long, default_value_t = 128)]
    msm_points: usize,
    /// log2 size of the NTTs (fft, coset ifft) run on the simulated card (0 skips them).
    #[arg(long, default_value_t = 10)]
    ntt_log_size: u32,
    /// Skip the Groth16 proof on the simulated card.
    #[arg(long)]
    no_proof: bool,
    /// Seed of the random operands (default: from the clock; printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Print a JSON report instead of the table.
    #[arg(long)]
    json: bool,
}

#[cfg(not(feature = "sim"))]
pub fn run(_: DemoArgs) -> Result<()> {
    Err(super::not_in_this_build(
        "demo",
        "sim",
        "it runs the Verilator simulator",
    ))
}

#[cfg(feature = "sim")]
pub fn run(a: DemoArgs) -> Result<()> {
    use zkaccel_host::demo::{self, DemoParams};
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    });
    let params = DemoParams {
        pairs: a.pairs,
        msm_points: a.msm_points,
        ntt_log_size: a.ntt_log_size,
        prove: !a.no_proof,
        seed,
    };
    let quiet = a.json;
    let report = demo::run(&params, &mut |step| {
        if !quiet {
            eprintln!("{step} ...");
        }
    })?;
    if a.json {
        super::print_json(&report)?;
    } else {
        print(&report);
    }
    let failures = report.failures();
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("MISMATCH: {f}");
        }
        anyhow::bail!(
            "{} check(s) of the demo disagree with arkworks",
            failures.len()
        );
    }
    Ok(())
}

#[cfg(feature = "sim")]
fn print(r: &zkaccel_host::demo::DemoReport) {
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
    if r.blocks.iter().all(|b| b.mismatches == 0) {
        println!(
            "all {} blocks agree with ark-ff bit for bit",
            r.blocks.len()
        );
    }
    if let Some(m) = &r.msm {
        let st = &m.stats;
        println!(
            "MSM of {} points on the simulated card: window {} bits, {} additions, {} cycles ({:.1} per point), adder utilization {:.1} %, {:.1} s simulated; CPU path {:.3} ms",
            m.points,
            st.window,
            st.adds,
            st.cycles(),
            st.cycles_per_point().unwrap_or(0.0),
            100.0 * st.adder_utilization().unwrap_or(0.0),
            m.card_wall_s,
            m.cpu_wall_s * 1e3
        );
        if m.agrees_with_arkworks {
            println!("MSM result {} equals arkworks", m.result);
        }
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
    }
    if !r.ntt.is_empty() && r.ntt.iter().all(|t| t.agrees_with_ark_poly) {
        println!("NTT results equal ark-poly");
    }
    if let Some(g) = &r.groth16 {
        let rep = &g.report;
        let card_cycles: u64 = rep.phases.iter().filter_map(|p| p.cycles).sum();
        println!(
            "Groth16 proof of {} ({} signals, domain {}): witness map and G1 MSMs on the simulated card ({} card cycles), G2 MSM on the CPU; {:.2} s, checks {:.1} % ({} passed); {}",
            g.circuit,
            rep.signals,
            rep.domain_size,
            card_cycles,
            rep.total.as_secs_f64(),
            100.0 * rep.checks_share,
            rep.checks.iter().filter(|c| c.passed).count(),
            if g.verified { "the proof verifies" } else { "the proof does NOT verify" }
        );
    }
}
