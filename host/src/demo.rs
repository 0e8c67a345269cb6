//! The demo job: identify the simulated card through the driver, run every
//! field-arithmetic block on the simulator against arkworks, then an MSM on the
//! simulated card (through the driver, as a board would run it) against arkworks and
//! the CPU path, NTTs on the simulated card against ark-poly, and a Groth16 proof of a
//! circom circuit (snarkjs's key, the witness map and MSMs on the simulated card, every
//! step checked) verified with the key's verification key; and report what was
//! measured.

use crate::field_check::{arithmetic_designs, run_block, BlockReport};
use crate::msm::{cpu_msm, random_instance, MsmStats};
use crate::ntt::{cpu_ntt, NttKind};
use crate::{codec::compressed_hex, Accelerator};
use anyhow::Result;
use serde::Serialize;
use zkaccel_driver::{identify, read_cycles, sim::SimCard, CardIdentity, DeviceSpec};

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
    pub groth16: Option<ProofDemo>,
}

/// The proof part of the demo.
#[derive(Debug, Serialize)]
pub struct ProofDemo {
    pub circuit: &'static str,
    pub verified: bool,
    pub report: crate::groth16::prove::ProveReport,
}

/// The circom circuit the demo proves (tests/fixtures/groth16: sumsq.circom, 529
/// constraints, set up by snarkjs for BLS12-381), embedded.
const DEMO_ZKEY: &[u8] = include_bytes!("../../tests/fixtures/groth16/sumsq.zkey");
const DEMO_WTNS: &[u8] = include_bytes!("../../tests/fixtures/groth16/sumsq.wtns");

/// One NTT of the demo.
#[derive(Debug, Serialize)]
pub struct NttDemo {
    pub log_size: u32,
    pub kind: NttKind,
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
    pub stats: MsmStats,
    pub card_wall_s: f64,
    pub cpu_wall_s: f64,
}

/// Simulated cycles per second of the whole card model (Verilator) with the clock
/// running and the ports idle: the cost of every block being evaluated every cycle,
/// which is what an MSM or NTT job pays. The median of five runs of 10,000 cycles after
/// 5,000 cycles of warm-up (single runs of 5,000 cycles varied from 55 k to 99 k
/// cycles/s on the same machine).
pub fn card_model_speed() -> Result<f64> {
    let mut card = zkaccel_sim::card::CardSim::new()?;
    card.run(5_000);
    let cycles = 10_000;
    let mut rates: Vec<f64> = (0..5)
        .map(|_| {
            let t = std::time::Instant::now();
            card.run(cycles);
            cycles as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    Ok(rates[rates.len() / 2])
}

/// What the demo is asked to do.
#[derive(Clone, Debug)]
pub struct DemoParams {
    /// Operand pairs streamed through each field-arithmetic block.
    pub pairs: usize,
    /// Points of the MSM on the simulated card (0 skips it).
    pub msm_points: usize,
    /// log2 size of the NTTs on the simulated card (0 skips them).
    pub ntt_log_size: u32,
    /// Prove the embedded circom circuit on the simulated card.
    pub prove: bool,
    pub seed: u64,
}

impl DemoReport {
    /// What disagreed with arkworks (empty when everything agreed).
    pub fn failures(&self) -> Vec<String> {
        let mut f: Vec<String> = self
            .blocks
            .iter()
            .filter(|b| b.mismatches > 0)
            .map(|b| {
                format!(
                    "{} disagrees with ark-ff: {}",
                    b.design,
                    b.first_mismatch.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if self.msm.as_ref().is_some_and(|m| !m.agrees_with_arkworks) {
            f.push("the card's MSM disagrees with arkworks".into());
        }
        for t in self.ntt.iter().filter(|t| !t.agrees_with_ark_poly) {
            f.push(format!(
                "the card's NTT 2^{} ({:?}) disagrees with ark-poly",
                t.log_size, t.kind
            ));
        }
        if let Some(g) = &self.groth16 {
            if !g.verified {
                f.push(format!(
                    "the Groth16 proof of {} does not verify",
                    g.circuit
                ));
            }
        }
        f
    }
}

/// Runs the demo; `step` is told what starts next (for progress messages).
pub fn run(params: &DemoParams, step: &mut dyn FnMut(&str)) -> Result<DemoReport> {
    let DemoParams {
        pairs,
        msm_points,
        ntt_log_size,
        prove,
        seed,
    } = params.clone();
    if ntt_log_size > zkaccel_spec::ntt::MAX_LOG_SIZE as u32 {
        anyhow::bail!(
            "NTT log size {ntt_log_size}: the simulated card runs up to 2^{}",
            zkaccel_spec::ntt::MAX_LOG_SIZE
        );
    }
    if pairs == 0 {
        anyhow::bail!("operand pairs: at least 1");
    }
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
        step(&format!("simulating {design}: {pairs} operand pairs"));
        blocks.push(run_block(design, pairs, seed)?);
    }
    let mut acc = Accelerator::with_device(DeviceSpec::Sim, Box::new(card))?;
    let msm = if msm_points > 0 {
        step(&format!(
            "MSM of {msm_points} random points on the simulated card"
        ));
        use ark_ec::VariableBaseMSM;
        let (bases, scalars) = random_instance(msm_points, seed);
        let want = ark_bls12_381::G1Projective::msm(&bases, &scalars).expect("same length");
        let got = acc.msm(&bases, &scalars)?;
        let stats = acc.last_msm().expect("an MSM ran").clone();
        let (_, cpu) = cpu_msm(&bases, &scalars)?;
        Some(MsmDemo {
            points: msm_points,
            agrees_with_arkworks: got == want,
            result: compressed_hex(&got),
            card_wall_s: stats.wall.as_secs_f64(),
            stats,
            cpu_wall_s: cpu.wall.as_secs_f64(),
        })
    } else {
        None
    };
    let mut ntt = vec![];
    if ntt_log_size > 0 {
        use ark_ff::UniformRand;
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let n = 1usize << ntt_log_size;
        let x: Vec<ark_bls12_381::Fr> = (0..n).map(|_| ark_bls12_381::Fr::rand(&mut rng)).collect();
        for kind in [NttKind::FFT, NttKind::COSET_IFFT] {
            step(&format!(
                "NTT of 2^{ntt_log_size} ({kind:?}) on the simulated card"
            ));
            let mut want = x.clone();
            cpu_ntt(&mut want, kind)?;
            let mut got = x.clone();
            acc.ntt(&mut got, kind)?;
            let run = acc.last_ntt().expect("an NTT ran");
            ntt.push(NttDemo {
                log_size: ntt_log_size,
                kind,
                agrees_with_ark_poly: got == want,
                card_wall_s: run.wall.as_secs_f64(),
                stats: run.card.clone().expect("a card job"),
            });
        }
    }
    let groth16 = if prove {
        step("Groth16 proof of sumsq.circom (529 constraints) on the simulated card");
        let zkey = crate::groth16::zkey::Zkey::parse(DEMO_ZKEY, "the demo's sumsq.zkey")?;
        let witness = crate::wtns::parse(DEMO_WTNS, "the demo's sumsq.wtns")?;
        let proved = crate::groth16::prove::prove(&zkey, &witness, &mut acc)?;
        let verified =
            crate::groth16::verify(&zkey.verifying_key(), &proved.public, &proved.proof)?;
        Some(ProofDemo {
            circuit: "sumsq.circom (tests/fixtures/groth16)",
            verified,
            report: proved.report,
        })
    } else {
        None
    };
    Ok(DemoReport {
        card_design_hash: format!("{design_hash:016x}"),
        card_version: format!("{}.{}", version >> 16, version & 0xFFFF),
        card_cycles_at_identify: cycles,
        card_model_cycles_per_second,
        seed,
        blocks,
        msm,
        ntt,
        groth16,
    })
}
