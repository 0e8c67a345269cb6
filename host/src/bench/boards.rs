//! `zkaccel bench boards`: one, two and four boards on the same jobs, every result
//! checked: the throughput of MSMs of 2^K random points (a batch of [`MSM_BATCH`], each
//! whole on one board, the boards at once), the latency of one such MSM split over the
//! boards, and the latency of a Groth16 proof of the witness-like circuit of 2^C
//! constraints (its MSMs and transforms spread over the boards). The boards are `zkaccel sim serve` instances
//! this command starts (vfio-user, one process each), or the cards of `--backend`.
//!
//! One board is the single-card path (`--backend X`); two and four are a list
//! (`--backend X,Y`), the [`crate::board_pool`]. Each configuration runs one job to
//! warm up (the bases become resident, as in a prover serving many proofs), then
//! `runs` timed jobs; the median wall time is reported and the speedup over one board.
//! On a simulated board the simulator is the bottleneck, so with fewer cores than
//! boards the figure measures the host's scheduling and the machine, not a card.

use super::median;
use super::prove::WitnessLikeCircuit;
use crate::accelerator::Accelerator;
use crate::backend::Backend;
use crate::groth16::arkworks;
use anyhow::{bail, Context, Result};
use ark_bls12_381::{Bls12_381, G1Projective};
use ark_ec::VariableBaseMSM;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zkaccel_driver::DeviceSpec;

/// MSMs per throughput batch (as many as the most boards measured).
pub const MSM_BATCH: usize = 4;

/// One configuration's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BoardsRow {
    pub boards: usize,
    pub backend: String,
    /// Throughput: median seconds for a batch of [`MSM_BATCH`] MSMs (each whole on one
    /// board, the boards at once), and MSMs per second.
    pub msm_batch_s: f64,
    pub msms_per_s: f64,
    /// Latency: median seconds for one MSM split over the boards.
    pub msm_s: f64,
    /// Median seconds per proof (its MSMs and transforms spread over the boards).
    pub proof_s: f64,
    /// Throughput of proofs with one prover per board (each its own thread and
    /// accelerator on one board, all at once): proofs per second.
    pub proofs_per_s: f64,
    /// One board's figure over this configuration's.
    pub msm_throughput_speedup: f64,
    pub msm_speedup: f64,
    pub proof_speedup: f64,
    pub proof_throughput_speedup: f64,
    /// Failures recorded (0 on healthy boards).
    pub failures: usize,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct BoardsReport {
    pub log_size: u32,
    pub log_constraints: u32,
    pub runs: usize,
    pub cores: usize,
    pub rows: Vec<BoardsRow>,
}

/// `sim serve` instances started by the benchmark, stopped when dropped.
struct Servers {
    children: Vec<Child>,
    dir: PathBuf,
    specs: Vec<DeviceSpec>,
}

impl Servers {
    fn start(n: usize) -> Result<Self> {
        let exe = std::env::current_exe().context("this program's path")?;
        let dir = std::env::temp_dir().join(format!("zkaccel-bench-boards-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        let mut s = Servers {
            children: vec![],
            dir,
            specs: vec![],
        };
        for i in 0..n {
            let socket = s.dir.join(format!("board{i}.sock"));
            let child = Command::new(&exe)
                .args(["sim", "serve", "--socket"])
                .arg(&socket)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("starting `zkaccel sim serve`")?;
            s.children.push(child);
            let t = Instant::now();
            while !socket.exists() {
                if t.elapsed() > Duration::from_secs(60) {
                    bail!("`zkaccel sim serve` did not create {}", socket.display());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            s.specs.push(DeviceSpec::VfioUser(socket));
        }
        Ok(s)
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the benchmark on the first 1, 2, 4, … (up to `max`) of `specs`, or of `max`
/// simulated boards it starts when `specs` is empty.
pub fn bench_boards(
    specs: Vec<DeviceSpec>,
    max: usize,
    log_size: u32,
    log_constraints: u32,
    runs: usize,
    seed: u64,
    mut progress: impl FnMut(&str),
) -> Result<BoardsReport> {
    if !(1..=20).contains(&log_size) {
        bail!("--log-size {log_size}: choose 1 to 20");
    }
    if !(6..=16).contains(&log_constraints) {
        bail!("--log-constraints {log_constraints}: choose 6 to 16");
    }
    if runs == 0 {
        bail!("--runs 0: choose at least 1");
    }
    let _servers;
    let specs = if specs.is_empty() {
        let s = Servers::start(max)?;
        let specs = s.specs.clone();
        _servers = s;
        specs
    } else {
        specs
    };
    let max = max.min(specs.len());
    let (bases, scalars) = crate::msm::random_instance(1 << log_size, seed);
    let want = G1Projective::msm(&bases, &scalars).expect("same length");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let circuit = WitnessLikeCircuit::new(log_constraints, seed);
    let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(circuit.blank(), &mut rng)
        .map_err(|e| anyhow::anyhow!("setting up the benchmark circuit: {e}"))?;
    let mut rows: Vec<BoardsRow> = vec![];
    let mut k = 1;
    while k <= max {
        let backend = if k == 1 {
            Backend::Device(specs[0].clone())
        } else {
            Backend::Boards(specs[..k].to_vec())
        };
        progress(&format!("{k} board(s): {backend}"));
        let mut acc = Accelerator::open(&backend)?;
        let mut batch_times = vec![];
        let batch_scalars: Vec<Vec<ark_bls12_381::Fr>> = (0..MSM_BATCH)
            .map(|j| crate::msm::random_instance(1 << log_size, seed + 1 + j as u64).1)
            .collect();
        let batch_want: Vec<G1Projective> = batch_scalars
            .iter()
            .map(|s| G1Projective::msm(&bases, s).expect("same length"))
            .collect();
        let jobs: Vec<(&[ark_bls12_381::G1Affine], &[ark_bls12_381::Fr])> =
            batch_scalars.iter().map(|s| (&bases[..], &s[..])).collect();
        for run in 0..=runs {
            let t = Instant::now();
            let got = acc.msm_many(&jobs)?;
            if got != batch_want {
                bail!("{backend}: a batch MSM differs from arkworks'");
            }
            if run > 0 {
                batch_times.push(t.elapsed().as_secs_f64());
            }
        }
        let mut msm_times = vec![];
        for run in 0..=runs {
            let t = Instant::now();
            let got = acc.msm(&bases, &scalars)?;
            if got != want {
                bail!("{backend}: the MSM differs from arkworks'");
            }
            if run > 0 {
                msm_times.push(t.elapsed().as_secs_f64());
            }
        }
        let mut proof_times = vec![];
        for run in 0..=runs {
            let c = WitnessLikeCircuit::new(log_constraints, seed + run as u64);
            let t = Instant::now();
            let proved = arkworks::prove(&pk, c, &mut acc)?;
            let elapsed = t.elapsed().as_secs_f64();
            if !Groth16::<Bls12_381>::verify(&vk, &proved.public, &proved.proof).unwrap_or(false) {
                bail!("{backend}: a proof does not verify");
            }
            if run > 0 {
                proof_times.push(elapsed);
            }
        }
        let failures = acc.failures().len();
        drop(acc);
        let proofs_per_s = provers_per_board(&specs[..k], &pk, &vk, log_constraints, runs, seed)?;
        let (batch_s, msm_s, proof_s) = (
            median(&batch_times),
            median(&msm_times),
            median(&proof_times),
        );
        let (one_batch, one_msm, one_proof, one_rate) = rows
            .first()
            .map_or((batch_s, msm_s, proof_s, proofs_per_s), |r| {
                (r.msm_batch_s, r.msm_s, r.proof_s, r.proofs_per_s)
            });
        rows.push(BoardsRow {
            boards: k,
            backend: backend.to_string(),
            msm_batch_s: batch_s,
            msms_per_s: MSM_BATCH as f64 / batch_s,
            msm_s,
            proof_s,
            msm_throughput_speedup: one_batch / batch_s,
            msm_speedup: one_msm / msm_s,
            proof_speedup: one_proof / proof_s,
            proofs_per_s,
            proof_throughput_speedup: proofs_per_s / one_rate,
            failures,
        });
        k *= 2;
    }
    Ok(BoardsReport {
        log_size,
        log_constraints,
        runs,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        rows,
    })
}

/// Proofs per second with one prover per board: a thread per board opens it alone,
/// proves once to warm up, then `runs` proofs; timed from when every prover is ready
/// to when the last is done.
fn provers_per_board(
    specs: &[DeviceSpec],
    pk: &ark_groth16::ProvingKey<Bls12_381>,
    vk: &ark_groth16::VerifyingKey<Bls12_381>,
    log_constraints: u32,
    runs: usize,
    seed: u64,
) -> Result<f64> {
    let ready = std::sync::Barrier::new(specs.len() + 1);
    let (started, results) = std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let ready = &ready;
                scope.spawn(move || -> Result<()> {
                    let opened = Accelerator::open(&Backend::Device(spec.clone()));
                    let prove = |acc: &mut Accelerator, run: usize| -> Result<()> {
                        let c = WitnessLikeCircuit::new(
                            log_constraints,
                            seed + (i * 1000 + run) as u64,
                        );
                        let proved = arkworks::prove(pk, c, acc)?;
                        if !Groth16::<Bls12_381>::verify(vk, &proved.public, &proved.proof)
                            .unwrap_or(false)
                        {
                            bail!("{spec}: a proof does not verify");
                        }
                        Ok(())
                    };
                    let warm = opened
                        .map_err(anyhow::Error::from)
                        .and_then(|mut acc| prove(&mut acc, 0).map(|()| acc));
                    ready.wait();
                    let mut acc = warm?;
                    for run in 1..=runs {
                        prove(&mut acc, run)?;
                    }
                    Ok(())
                })
            })
            .collect();
        ready.wait();
        let started = Instant::now();
        let results: Vec<Result<()>> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a prover panicked")))
            })
            .collect();
        (started, results)
    });
    let wall = started.elapsed().as_secs_f64();
    for r in results {
        r?;
    }
    Ok((specs.len() * runs) as f64 / wall)
}
