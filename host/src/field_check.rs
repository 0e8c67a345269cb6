//! Runs the field-arithmetic blocks on the simulator and checks every result against
//! ark-ff, bit for bit, on the Montgomery words that ark-ff holds internally.

use anyhow::{anyhow, Result};
use ark_bls12_381::{FqConfig, FrConfig};
use ark_ff::{BigInt, Fp, FpConfig, MontBackend, UniformRand};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use serde::Serialize;
use std::marker::PhantomData;
use std::time::Instant;
use zkaccel_hdl::designs::{kind_of, DesignKind};
use zkaccel_sim::pipeline::BinaryOpPipe;
use zkaccel_spec::field::FieldId;

/// A field operation the hardware implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOp {
    Add,
    Sub,
    MontMul,
}

/// The field and operation of an arithmetic design (or of its simulation model,
/// `<name>_model`), or `None` for other designs.
pub fn arithmetic_of(design: &str) -> Option<(FieldId, FieldOp)> {
    match kind_of(design.strip_suffix("_model").unwrap_or(design))? {
        DesignKind::ModAdd(f) => Some((f, FieldOp::Add)),
        DesignKind::ModSub(f) => Some((f, FieldOp::Sub)),
        DesignKind::MontMul(f) => Some((f, FieldOp::MontMul)),
        DesignKind::DspTile
        | DesignKind::PointAdd
        | DesignKind::Butterfly
        | DesignKind::Card
        | DesignKind::BucketEngineHarness
        | DesignKind::DigitFeederHarness => None,
    }
}

/// ark-ff's result for `op` on raw Montgomery words: the bits the hardware must produce.
pub fn reference<P: FpConfig<N>, const N: usize>(
    op: FieldOp,
    a: &[u64; N],
    b: &[u64; N],
) -> [u64; N] {
    let x = Fp::<P, N>(BigInt(*a), PhantomData);
    let y = Fp::<P, N>(BigInt(*b), PhantomData);
    let r = match op {
        FieldOp::Add => x + y,
        FieldOp::Sub => x - y,
        FieldOp::MontMul => x * y,
    };
    r.0 .0
}

/// What one block did.
#[derive(Debug, Serialize)]
pub struct BlockReport {
    pub design: String,
    pub field: FieldId,
    pub op: FieldOp,
    pub pairs: usize,
    pub mismatches: usize,
    pub first_mismatch: Option<String>,
    /// Measured latency (cycles from operand to result).
    pub latency: u64,
    /// Simulated cycles for the whole stream.
    pub cycles: u64,
    /// Results per cycle once the pipeline is full (1.0 = one per cycle).
    pub results_per_cycle: f64,
    /// Wall time of the simulation alone.
    pub sim_seconds: f64,
    pub sim_cycles_per_second: f64,
}

fn run_typed<P: FpConfig<N>, const N: usize>(
    design: &str,
    field: FieldId,
    op: FieldOp,
    pairs: usize,
    seed: u64,
) -> Result<BlockReport> {
    let mut rng = StdRng::seed_from_u64(seed);
    let p = P::MODULUS.0;
    let mut p_minus_1 = p;
    p_minus_1[0] -= 1; // the low limb of an odd prime is odd, so no borrow
    let mut one = [0u64; N];
    one[0] = 1;
    let edges = [[0u64; N], one, p_minus_1];
    let operands: Vec<([u64; N], [u64; N])> = (0..pairs)
        .map(|i| {
            if i < edges.len() * edges.len() {
                (edges[i / edges.len()], edges[i % edges.len()])
            } else {
                (
                    Fp::<P, N>::rand(&mut rng).0 .0,
                    Fp::<P, N>::rand(&mut rng).0 .0,
                )
            }
        })
        .collect();
    let refs: Vec<(&[u64], &[u64])> = operands.iter().map(|(a, b)| (&a[..], &b[..])).collect();
    let mut pipe = BinaryOpPipe::new(design)?;
    let t = Instant::now();
    let run = pipe.run(&refs)?;
    let sim_seconds = t.elapsed().as_secs_f64();
    let mut mismatches = 0;
    let mut first_mismatch = None;
    for (k, ((a, b), got)) in operands.iter().zip(&run.outputs).enumerate() {
        let want = reference::<P, N>(op, a, b);
        if got[..] != want[..] {
            mismatches += 1;
            first_mismatch.get_or_insert_with(|| {
                format!("pair {k}: a = {a:x?}, b = {b:x?}: card {got:x?}, ark-ff {want:x?}")
            });
        }
    }
    let steady = run.cycles.saturating_sub(run.latency) + 1;
    Ok(BlockReport {
        design: design.to_string(),
        field,
        op,
        pairs,
        mismatches,
        first_mismatch,
        latency: run.latency,
        cycles: run.cycles,
        results_per_cycle: pairs as f64 / steady as f64,
        sim_seconds,
        sim_cycles_per_second: run.cycles as f64 / sim_seconds,
    })
}

/// Streams `pairs` operand pairs (the edge pairs of 0, 1 and p−1 first, then random
/// field elements from `seed`) through `design` and compares with ark-ff.
pub fn run_block(design: &str, pairs: usize, seed: u64) -> Result<BlockReport> {
    let (field, op) =
        arithmetic_of(design).ok_or_else(|| anyhow!("{design} is not a field-arithmetic block"))?;
    match field {
        FieldId::Fq => run_typed::<MontBackend<FqConfig, 6>, 6>(design, field, op, pairs, seed),
        FieldId::Fr => run_typed::<MontBackend<FrConfig, 4>, 4>(design, field, op, pairs, seed),
    }
}

/// Every field-arithmetic design compiled into the simulator.
pub fn arithmetic_designs() -> Vec<&'static str> {
    zkaccel_sim::DESIGNS
        .iter()
        .map(|d| d.name)
        .filter(|n| arithmetic_of(n).is_some())
        .collect()
}
