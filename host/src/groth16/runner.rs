//! What the provers share: running a step on the chosen backend and, when its check
//! fails or the backend errs, once more there and then on the CPU; and the report of
//! phases, checks and failures.

use crate::accelerator::{Accelerator, AcceleratorError};
use crate::backend::Backend;
use ark_bls12_381::{Bls12_381, Fr};
use ark_groth16::Proof;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("the witness has {got} values; the proving key's circuit has {expected} signals")]
    WitnessLength { expected: usize, got: usize },
    #[error("the witness's first value (the constant signal) is not 1")]
    WitnessOne,
    #[error("could not open the CPU backend for the fallback")]
    Cpu(#[source] AcceleratorError),
    #[error("{step} failed on the CPU too")]
    CpuFailed {
        step: &'static str,
        #[source]
        source: AcceleratorError,
    },
    #[error("the proof does not verify even when computed on the CPU: the witness does not satisfy the circuit, or the proving key is not this circuit's")]
    Unsatisfied,
}

/// One timed piece of work.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Phase {
    pub name: String,
    pub backend: String,
    #[serde(rename = "seconds", serialize_with = "crate::report::seconds")]
    pub time: Duration,
    /// Simulated or board cycles, for card jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles: Option<u64>,
}

/// One check.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckRecord {
    pub name: &'static str,
    /// Where the checked values were computed.
    pub backend: String,
    pub passed: bool,
    #[serde(rename = "seconds", serialize_with = "crate::report::seconds")]
    pub time: Duration,
}

pub use crate::kernel_check::Failure;

/// What a proof cost and what was checked.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProveReport {
    pub backend: String,
    pub signals: usize,
    pub public_signals: usize,
    pub domain_size: usize,
    pub phases: Vec<Phase>,
    pub checks: Vec<CheckRecord>,
    pub failures: Vec<Failure>,
    #[serde(rename = "total_s", serialize_with = "crate::report::seconds")]
    pub total: Duration,
    #[serde(rename = "checks_s", serialize_with = "crate::report::seconds")]
    pub checks_time: Duration,
    /// The checks' share of the total time.
    pub checks_share: f64,
}

impl ProveReport {
    pub fn new(backend: String, signals: usize, public_signals: usize, domain_size: usize) -> Self {
        Self {
            backend,
            signals,
            public_signals,
            domain_size,
            phases: vec![],
            checks: vec![],
            failures: vec![],
            total: Duration::ZERO,
            checks_time: Duration::ZERO,
            checks_share: 0.0,
        }
    }
}

/// A verified proof, its public signals and the report.
pub struct Proved {
    pub proof: Proof<Bls12_381>,
    pub public: Vec<Fr>,
    pub report: ProveReport,
}

/// The backends a step may run on: the chosen one, then the CPU. While it lives, the
/// chosen accelerator's own per-kernel checks are off: the prover checks its steps
/// (the witness map at a random point covers every transform).
pub struct Runner<'a> {
    primary: &'a mut Accelerator,
    cpu: Option<Accelerator>,
    pub report: ProveReport,
    self_check: bool,
}

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        self.primary.set_self_check(self.self_check);
    }
}

impl<'a> Runner<'a> {
    pub fn new(
        primary: &'a mut Accelerator,
        signals: usize,
        public_signals: usize,
        domain_size: usize,
    ) -> Self {
        let self_check = primary.self_check();
        primary.set_self_check(false);
        Self {
            report: ProveReport::new(
                primary.backend().to_string(),
                signals,
                public_signals,
                domain_size,
            ),
            primary,
            cpu: None,
            self_check,
        }
    }

    /// The report, with the total time since `started` and the checks' share.
    pub fn finish(mut self, started: Instant) -> ProveReport {
        let mut report =
            std::mem::replace(&mut self.report, ProveReport::new(String::new(), 0, 0, 0));
        report.total = started.elapsed();
        report.checks_time = report.checks.iter().map(|c| c.time).sum();
        report.checks_share =
            report.checks_time.as_secs_f64() / report.total.as_secs_f64().max(1e-9);
        report
    }

    fn primary_is_cpu(&self) -> bool {
        matches!(self.primary.backend(), Backend::Cpu)
    }

    /// Runs `step` on the chosen backend (twice at most) and then on the CPU until
    /// `check` accepts its result.
    pub fn checked<T>(
        &mut self,
        step: &'static str,
        mut run: impl FnMut(&mut Accelerator, &mut Vec<Phase>) -> Result<T, AcceleratorError>,
        mut check: impl FnMut(&T) -> bool,
        check_name: &'static str,
    ) -> Result<T, ProveError> {
        let attempts = if self.primary_is_cpu() { 1 } else { 3 };
        for attempt in 0..attempts {
            let on_cpu = attempt == 2 || self.primary_is_cpu();
            if on_cpu && self.cpu.is_none() && !self.primary_is_cpu() {
                self.cpu = Some(Accelerator::open(&Backend::Cpu).map_err(ProveError::Cpu)?);
            }
            let backend = if on_cpu {
                "cpu".to_string()
            } else {
                self.primary.backend().to_string()
            };
            self.primary.progress(&if attempt == 0 {
                step.to_string()
            } else {
                format!(
                    "{step} (attempt {} of {attempts}, on {backend})",
                    attempt + 1
                )
            });
            let acc: &mut Accelerator = if on_cpu && !self.primary_is_cpu() {
                self.cpu.as_mut().expect("opened")
            } else {
                self.primary
            };
            let then = if attempt + 1 == 1 && attempts == 3 {
                format!("retried on {backend}")
            } else {
                "computed on the CPU".to_string()
            };
            let result = run(acc, &mut self.report.phases);
            let value = match result {
                Ok(v) => v,
                Err(e) if on_cpu => return Err(ProveError::CpuFailed { step, source: e }),
                Err(e) => {
                    let reason = zkaccel_driver::error_chain(&e);
                    self.primary.note_failure(&reason);
                    self.report.failures.push(Failure {
                        step,
                        backend,
                        reason,
                        then,
                    });
                    continue;
                }
            };
            let started = Instant::now();
            let passed = check(&value);
            self.report.checks.push(CheckRecord {
                name: check_name,
                backend: backend.clone(),
                passed,
                time: started.elapsed(),
            });
            if passed {
                return Ok(value);
            }
            if on_cpu {
                return Err(ProveError::Unsatisfied);
            }
            let reason = format!("{check_name}: check failed");
            self.primary.note_failure(&reason);
            self.report.failures.push(Failure {
                step,
                backend,
                reason,
                then,
            });
        }
        unreachable!("the last attempt runs on the CPU and returns")
    }
}

/// Times the consecutive pieces of one step (a witness map's transforms) as phases,
/// each with its card cycles.
pub struct Laps<'p> {
    phases: &'p mut Vec<Phase>,
    prefix: &'static str,
    last: Instant,
}

impl<'p> Laps<'p> {
    pub fn new(phases: &'p mut Vec<Phase>, prefix: &'static str) -> Self {
        Self {
            phases,
            prefix,
            last: Instant::now(),
        }
    }

    /// Records the piece that just ended on `acc`.
    pub fn lap(&mut self, name: &str, acc: &Accelerator) {
        self.phases.push(Phase {
            name: format!("{}: {name}", self.prefix),
            backend: acc.backend().to_string(),
            time: self.last.elapsed(),
            cycles: acc.last_cycles(),
        });
        self.last = Instant::now();
    }
}

/// Times `f` as a phase on `acc`, with the card's cycles when it reports them.
pub fn timed<T>(
    phases: &mut Vec<Phase>,
    acc: &mut Accelerator,
    name: &str,
    f: impl FnOnce(&mut Accelerator) -> Result<T, AcceleratorError>,
) -> Result<T, AcceleratorError> {
    let started = Instant::now();
    let v = f(acc)?;
    phases.push(Phase {
        name: name.to_string(),
        backend: acc.backend().to_string(),
        time: started.elapsed(),
        cycles: acc.last_cycles(),
    });
    Ok(v)
}
