//! The handle a prover holds: an [`Accelerator`] opened once from a [`Backend`],
//! owning its device, running MSMs and NTTs on it and keeping the figures of its last
//! job. The command line and the library's callers use it instead of naming a backend
//! per call.
//!
//! **Never trust the board.** On a card backend every NTT is checked at a secret random
//! point ([`crate::kernel_check`]) and an MSM's bucket sums must be curve points (with
//! [`MsmCheck::Recompute`], the whole MSM is recomputed on the CPU). A board error or a
//! failed check is recorded ([`Accelerator::failures`]), the board is recovered (soft
//! reset and identification, or a function reset) and the job retried once on it, then
//! computed on the CPU. The board's counters ([`BoardHealth`]) live as long as the
//! accelerator; repeated failures take it out of service, after which its jobs run on
//! the CPU. With several boards ([`Backend::Boards`]) the work is spread over them by
//! a [`BoardPool`], whose workers each hold one board's accelerator with these checks.
//! A prover that checks its own results (Groth16's witness map at a random
//! point covers its transforms) turns the per-kernel checks off
//! ([`Accelerator::set_self_check`]).

use crate::board_health::BoardHealth;
use crate::board_pool::BoardPool;
use crate::kernel_check::{ntt_agrees_at, secret_point, Failure};
use crate::msm::device::{DeviceMsmError, MsmUnit};
use crate::msm::{cpu_msm, MsmStats};
use crate::ntt::device::{DeviceNttError, NttStats, NttUnit};
use crate::ntt::{cpu_ntt, domain, NttError, NttKind, NttRun};
use crate::Backend;
use ark_bls12_381::{Fr, G1Affine, G1Projective};
use std::time::Instant;
use zkaccel_driver::{identify, CardIdentity, Device, DeviceSpec, DriverError};
use zkaccel_spec::regmap::{self, capabilities};

/// What can go wrong opening an accelerator or running a job on it.
#[derive(Debug, thiserror::Error)]
pub enum AcceleratorError {
    #[error("opening {backend}")]
    Open {
        backend: String,
        #[source]
        source: DriverError,
    },
    #[error(transparent)]
    Msm(#[from] DeviceMsmError),
    #[error(transparent)]
    Ntt(#[from] NttError),
    /// A board of a list (its worker's error, as text).
    #[error("board {device}: {reason}")]
    Board { device: String, reason: String },
    #[error("{device} is out of service: {reason}")]
    OutOfService { device: String, reason: String },
}

/// A card and its units, probed once. The units borrow the device for each job.
pub struct Card {
    dev: Box<dyn Device>,
    identity: CardIdentity,
    msm: Option<MsmUnit>,
    ntt: Option<NttUnit>,
}

impl Card {
    /// Identifies the card and probes the units its CAPABILITIES announce.
    pub fn new(mut dev: Box<dyn Device>) -> Result<Self, AcceleratorError> {
        let name = dev.device();
        let identity = identify(dev.as_mut()).map_err(|source| AcceleratorError::Open {
            backend: name,
            source,
        })?;
        let msm = (identity.capabilities & capabilities::MSM != 0)
            .then(|| MsmUnit::probe(dev.as_mut(), &identity))
            .transpose()?;
        let ntt = (identity.capabilities & capabilities::NTT != 0)
            .then(|| NttUnit::probe(dev.as_mut(), &identity))
            .transpose()
            .map_err(NttError::from)?;
        Ok(Self {
            dev,
            identity,
            msm,
            ntt,
        })
    }

    /// The device's name (for messages).
    pub fn device(&self) -> String {
        self.dev.device()
    }

    pub fn identity(&self) -> &CardIdentity {
        &self.identity
    }

    /// The MSM unit, or why the card has none.
    pub fn msm_unit(&mut self) -> Result<&mut MsmUnit, DeviceMsmError> {
        let (device, caps) = (self.dev.device(), self.identity.capabilities);
        self.msm
            .as_mut()
            .ok_or(DeviceMsmError::NoEngine { device, caps })
    }

    /// The NTT unit, or why the card has none.
    pub fn ntt_unit(&mut self) -> Result<&mut NttUnit, DeviceNttError> {
        let (device, caps) = (self.dev.device(), self.identity.capabilities);
        self.ntt
            .as_mut()
            .ok_or(DeviceNttError::NoEngine { device, caps })
    }

    /// `Σ scalars[i] · bases[i]` on the card's MSM unit (window: the unit's default
    /// for the size unless given).
    pub fn msm(
        &mut self,
        bases: &[G1Affine],
        scalars: &[Fr],
        window: Option<u32>,
    ) -> Result<(G1Projective, MsmStats), DeviceMsmError> {
        self.msm_unit()?;
        let unit = self.msm.as_mut().expect("checked above");
        unit.msm(self.dev.as_mut(), bases, scalars, window)
    }

    /// The transform of `values` (a power-of-two length) in place on the NTT unit.
    pub fn ntt(&mut self, values: &mut [Fr], kind: NttKind) -> Result<NttStats, DeviceNttError> {
        self.ntt_unit()?;
        let unit = self.ntt.as_mut().expect("checked above");
        unit.ntt(self.dev.as_mut(), values, kind)
    }

    /// The device itself (register access for diagnostics and tests).
    pub fn device_mut(&mut self) -> &mut dyn Device {
        self.dev.as_mut()
    }

    /// Brings the card back after a fault ([`zkaccel_driver::recover`]); the bases it
    /// held are no longer trusted to be resident.
    pub fn recover(&mut self) -> Result<(), DriverError> {
        if let Some(m) = &mut self.msm {
            m.forget_resident();
        }
        self.identity = zkaccel_driver::recover(self.dev.as_mut())?;
        // After a reset the MSM engine drains its adder before it reports idle.
        let wait = std::time::Duration::from_secs(5);
        if self.msm.is_some() {
            let idle = zkaccel_spec::msm::msm_status::IDLE;
            zkaccel_driver::wait_status(self.dev.as_mut(), &regmap::MSM_STATUS, idle, true, wait)?;
        }
        if self.ntt.is_some() {
            let idle = zkaccel_spec::ntt::ntt_status::IDLE;
            zkaccel_driver::wait_status(self.dev.as_mut(), &regmap::NTT_STATUS, idle, true, wait)?;
        }
        Ok(())
    }
}

/// What is checked of an MSM computed on a card beyond its bucket sums being points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MsmCheck {
    /// Nothing more (a wrong but valid bucket sum is not caught).
    #[default]
    None,
    /// The whole MSM recomputed on the CPU and compared.
    Recompute,
}

/// The figures of one job.
#[derive(Clone, Debug)]
pub enum JobStats {
    Msm(MsmStats),
    Ntt(NttRun),
}

/// MSMs and NTTs on one backend.
pub struct Accelerator {
    backend: Backend,
    card: Option<Card>,
    /// Several boards (each checked by its own worker).
    pool: Option<BoardPool>,
    window: Option<u32>,
    last: Option<JobStats>,
    /// Card backends: the board's counters.
    health: Option<BoardHealth>,
    self_check: bool,
    msm_check: MsmCheck,
    failures: Vec<Failure>,
    /// Time spent checking the card's results.
    checks_time: std::time::Duration,
    /// Told what a long job (a proof) is doing, step by step.
    progress: Option<Box<dyn FnMut(&str)>>,
}

impl Accelerator {
    /// Opens the backend: nothing to open for the CPU; a card is opened, identified
    /// and its units probed.
    pub fn open(backend: &Backend) -> Result<Self, AcceleratorError> {
        let card = match backend {
            Backend::Cpu => None,
            Backend::Boards(specs) => {
                return Ok(Self::with_pool(specs.clone(), BoardPool::open(specs)?));
            }
            Backend::Device(spec) => {
                let dev = zkaccel_driver::open(spec).map_err(|source| AcceleratorError::Open {
                    backend: backend.to_string(),
                    source,
                })?;
                Some(Card::new(dev)?)
            }
        };
        Ok(Self::with_card(backend.clone(), card))
    }

    fn with_card(backend: Backend, card: Option<Card>) -> Self {
        Self {
            health: card.as_ref().map(|c| BoardHealth::new(c.device())),
            backend,
            card,
            pool: None,
            window: None,
            last: None,
            self_check: true,
            msm_check: MsmCheck::None,
            failures: vec![],
            checks_time: std::time::Duration::ZERO,
            progress: None,
        }
    }

    /// An accelerator on a device opened by the caller (`spec` names it in messages).
    pub fn with_device(spec: DeviceSpec, dev: Box<dyn Device>) -> Result<Self, AcceleratorError> {
        Ok(Self::with_card(
            Backend::Device(spec),
            Some(Card::new(dev)?),
        ))
    }

    /// An accelerator on several boards (`specs` names them in messages; the pool may
    /// have opened them its own way, as the fault campaign does).
    pub fn with_pool(specs: Vec<DeviceSpec>, pool: BoardPool) -> Self {
        let mut acc = Self::with_card(Backend::Boards(specs), None);
        acc.pool = Some(pool);
        acc
    }

    /// The boards of a list (`None` for one card or the CPU).
    pub fn pool(&mut self) -> Option<&mut BoardPool> {
        self.pool.as_mut()
    }

    /// Every board's counters: one for a card backend, one per board of a list.
    pub fn boards(&self) -> Vec<BoardHealth> {
        match (&self.pool, &self.health) {
            (Some(p), _) => p.health(),
            (None, Some(h)) => vec![h.clone()],
            (None, None) => vec![],
        }
    }

    /// Takes the pool's failures and check time after one of its jobs.
    fn absorb_pool(&mut self) {
        if let Some(p) = &mut self.pool {
            self.failures.extend(p.take_failures());
            self.checks_time = p.checks_time();
        }
    }

    /// A function told each step of a long job (a prover's steps), for a progress
    /// display.
    pub fn set_progress(&mut self, f: Box<dyn FnMut(&str)>) {
        self.progress = Some(f);
    }

    /// Tells the progress function (if any) that `step` starts.
    pub fn progress(&mut self, step: &str) {
        if let Some(f) = &mut self.progress {
            f(step);
        }
    }

    /// Per-kernel checks with retry and CPU fallback (on by default; see the module
    /// docs). Off: one attempt on the card, its error returned.
    pub fn set_self_check(&mut self, on: bool) {
        self.self_check = on;
    }

    pub fn self_check(&self) -> bool {
        self.self_check
    }

    pub fn set_msm_check(&mut self, check: MsmCheck) {
        self.msm_check = check;
    }

    /// The board's counters (card backends).
    pub fn health(&self) -> Option<&BoardHealth> {
        self.health.as_ref()
    }

    /// Time spent checking card results (NTTs at a random point, MSM recomputations).
    pub fn checks_time(&self) -> std::time::Duration {
        self.checks_time
    }

    /// Failures recorded since the accelerator was opened (or last taken).
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    pub fn take_failures(&mut self) -> Vec<Failure> {
        std::mem::take(&mut self.failures)
    }

    /// A check outside the accelerator (a prover's) found the board's result wrong, or
    /// the board erred with self-checks off: counted against the board, which is
    /// recovered (card backends).
    pub fn note_failure(&mut self, reason: &str) {
        self.count_failure(reason);
        self.recover_card();
    }

    fn recover_card(&mut self) {
        if let Some(card) = &mut self.card {
            let outcome = card.recover().map_err(|e| zkaccel_driver::error_chain(&e));
            if let Some(h) = &mut self.health {
                h.reset(outcome);
            }
        }
    }

    /// The board's failure `reason` on `step`: recorded, counted, the board recovered;
    /// `then` says what happens next.
    fn board_failed(&mut self, step: &'static str, reason: String, then: String) {
        self.note_failure(&reason);
        self.failures.push(Failure {
            step,
            backend: self.backend.to_string(),
            reason,
            then,
        });
    }

    fn in_service(&self) -> bool {
        self.health.as_ref().is_none_or(|h| h.in_service())
    }

    /// What follows failed attempt `attempt` (0-based) of 2 on the card.
    fn next_after(&self, attempt: usize) -> String {
        if attempt == 0 && self.in_service() {
            format!("retried on {}", self.backend)
        } else {
            "computed on the CPU".into()
        }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The card (card backends).
    pub fn card(&mut self) -> Option<&mut Card> {
        self.card.as_mut()
    }

    /// The MSM window size for card backends (`None`: chosen from the size).
    pub fn set_window(&mut self, window: Option<u32>) {
        self.window = window;
    }

    /// The figures of the last job that completed.
    pub fn last_job(&self) -> Option<&JobStats> {
        self.last.as_ref()
    }

    /// The last job's MSM figures, if it was an MSM.
    pub fn last_msm(&self) -> Option<&MsmStats> {
        match &self.last {
            Some(JobStats::Msm(s)) => Some(s),
            _ => None,
        }
    }

    /// The last job's NTT figures, if it was an NTT.
    pub fn last_ntt(&self) -> Option<&NttRun> {
        match &self.last {
            Some(JobStats::Ntt(r)) => Some(r),
            _ => None,
        }
    }

    /// The card cycles of the last job (card backends): an MSM's accumulate and readout
    /// cycles, an NTT's job cycles.
    pub fn last_cycles(&self) -> Option<u64> {
        match &self.last {
            Some(JobStats::Msm(s)) => (s.cycles() > 0).then(|| s.cycles()),
            Some(JobStats::Ntt(r)) => r.card.as_ref().map(|c| c.job_cycles),
            None => None,
        }
    }

    /// `Σ scalars[i] · bases[i]`.
    pub fn msm(
        &mut self,
        bases: &[G1Affine],
        scalars: &[Fr],
    ) -> Result<G1Projective, AcceleratorError> {
        if let Some(pool) = &mut self.pool {
            let result = pool.msm(bases, scalars, self.window, self.msm_check);
            self.absorb_pool();
            let (r, stats) = result?;
            self.last = Some(JobStats::Msm(stats));
            return Ok(r);
        }
        if self.card.is_none() {
            let (r, stats) = cpu_msm(bases, scalars)?;
            self.last = Some(JobStats::Msm(stats));
            return Ok(r);
        }
        let attempts = self.card_attempts("msm")?;
        for attempt in 0..attempts {
            if !self.begin_attempt() {
                break;
            }
            let card = self.card.as_mut().expect("a card backend");
            match card.msm(bases, scalars, self.window) {
                Ok((r, stats)) => {
                    if self.msm_check == MsmCheck::Recompute {
                        let t = Instant::now();
                        let (want, cpu_stats) = cpu_msm(bases, scalars)?;
                        self.checks_time += t.elapsed();
                        if want != r {
                            let then = "the CPU's result returned".to_string();
                            self.board_failed(
                                "msm",
                                "the card's result differs from the CPU's recomputation".into(),
                                then,
                            );
                            self.last = Some(JobStats::Msm(cpu_stats));
                            return Ok(want);
                        }
                    }
                    if let Some(h) = &mut self.health {
                        h.succeeded();
                    }
                    self.last = Some(JobStats::Msm(stats));
                    return Ok(r);
                }
                // The caller's mistakes are not the board's.
                Err(
                    e @ (DeviceMsmError::LengthMismatch { .. }
                    | DeviceMsmError::Window { .. }
                    | DeviceMsmError::NoEngine { .. }),
                ) => return Err(e.into()),
                Err(e) if !self.self_check => {
                    self.count_failure(&zkaccel_driver::error_chain(&e));
                    return Err(e.into());
                }
                Err(e) => {
                    let then = self.next_after(attempt);
                    self.board_failed("msm", zkaccel_driver::error_chain(&e), then);
                }
            }
        }
        let (r, stats) = cpu_msm(bases, scalars)?;
        self.last = Some(JobStats::Msm(stats));
        Ok(r)
    }

    /// Several independent MSMs (a prover's A, C and H): on several boards, each runs
    /// whole on one board, all at once ([`BoardPool::msm_many`]); otherwise one after
    /// another. The last job's figures are their sums.
    pub fn msm_many(
        &mut self,
        jobs: &[(&[G1Affine], &[Fr])],
    ) -> Result<Vec<G1Projective>, AcceleratorError> {
        if let Some(pool) = &mut self.pool {
            let result = pool.msm_many(jobs, self.window, self.msm_check);
            self.absorb_pool();
            let (r, stats) = result?;
            self.last = Some(JobStats::Msm(stats));
            return Ok(r);
        }
        let mut out = vec![];
        let mut total = MsmStats::default();
        for (bases, scalars) in jobs {
            out.push(self.msm(bases, scalars)?);
            if let Some(s) = self.last_msm() {
                total.add(&s.clone());
            }
        }
        self.last = Some(JobStats::Msm(total));
        Ok(out)
    }

    /// Attempts on the card for one job: two with self-checks, one without; none for a
    /// board out of service (noted, the job goes to the CPU), or an error without
    /// self-checks.
    fn card_attempts(&mut self, step: &'static str) -> Result<usize, AcceleratorError> {
        if !self.in_service() {
            if !self.self_check {
                return Err(self.out_of_service_error());
            }
            self.out_of_service_note(step);
            return Ok(0);
        }
        Ok(if self.self_check { 2 } else { 1 })
    }

    /// Counts an attempt on the board, unless it has left service.
    fn begin_attempt(&mut self) -> bool {
        if !self.in_service() {
            return false;
        }
        if let Some(h) = &mut self.health {
            h.started();
        }
        true
    }

    fn count_failure(&mut self, reason: &str) {
        if let Some(h) = &mut self.health {
            h.failed(reason);
        }
    }

    fn out_of_service_error(&self) -> AcceleratorError {
        AcceleratorError::OutOfService {
            device: self.backend.to_string(),
            reason: self
                .health
                .as_ref()
                .and_then(|h| h.out_of_service.clone())
                .unwrap_or_default(),
        }
    }

    /// A job for a board out of service goes to the CPU; recorded once per job.
    fn out_of_service_note(&mut self, step: &'static str) {
        let reason = self
            .health
            .as_ref()
            .and_then(|h| h.out_of_service.clone())
            .unwrap_or_default();
        self.failures.push(Failure {
            step,
            backend: self.backend.to_string(),
            reason: format!("out of service: {reason}"),
            then: "computed on the CPU".into(),
        });
    }

    /// The transform `kind` of `values` in place (ark-poly's `Radix2EvaluationDomain`
    /// conventions; a power-of-two length).
    pub fn ntt(&mut self, values: &mut Vec<Fr>, kind: NttKind) -> Result<(), AcceleratorError> {
        domain(values.len()).map_err(AcceleratorError::Ntt)?;
        if let Some(pool) = &mut self.pool {
            let result = pool.ntt(values, kind);
            self.absorb_pool();
            self.last = Some(JobStats::Ntt(result?));
            return Ok(());
        }
        let run = match &mut self.card {
            None => NttRun {
                wall: cpu_ntt(values, kind)?,
                card: None,
            },
            Some(_) => self.card_ntt(values, kind)?,
        };
        self.last = Some(JobStats::Ntt(run));
        Ok(())
    }

    /// The transform on the card: checked at a secret point, retried once, then on
    /// the CPU (with self-checks on); one unchecked attempt otherwise.
    fn card_ntt(
        &mut self,
        values: &mut Vec<Fr>,
        kind: NttKind,
    ) -> Result<NttRun, AcceleratorError> {
        let attempts = self.card_attempts("ntt")?;
        let input = values.clone();
        for attempt in 0..attempts {
            if !self.begin_attempt() {
                break;
            }
            let card = self.card.as_mut().expect("a card backend");
            let started = Instant::now();
            let mut out = input.clone();
            let result = card.ntt(&mut out, kind);
            let wall = started.elapsed();
            let reason = match result {
                Err(e @ (DeviceNttError::NoEngine { .. } | DeviceNttError::TooLarge { .. })) => {
                    return Err(e.into())
                }
                Err(e) if !self.self_check => {
                    self.count_failure(&zkaccel_driver::error_chain(&e));
                    return Err(e.into());
                }
                Err(e) => zkaccel_driver::error_chain(&e),
                Ok(stats) => {
                    let t = Instant::now();
                    let agrees =
                        !self.self_check || ntt_agrees_at(&input, &out, kind, secret_point());
                    self.checks_time += t.elapsed();
                    if agrees {
                        if let Some(h) = &mut self.health {
                            h.succeeded();
                        }
                        *values = out;
                        return Ok(NttRun {
                            wall,
                            card: Some(stats),
                        });
                    }
                    "the output is not the transform of the input at a random point".into()
                }
            };
            let then = self.next_after(attempt);
            self.board_failed("ntt", reason, then);
        }
        *values = input;
        Ok(NttRun {
            wall: cpu_ntt(values, kind)?,
            card: None,
        })
    }

    /// The transform `kind` of each vector (independent transforms, e.g. a witness
    /// map's A, B and C): on several boards at once, otherwise one after another.
    pub fn ntt_batch(
        &mut self,
        vectors: &mut [Vec<Fr>],
        kind: NttKind,
    ) -> Result<(), AcceleratorError> {
        for v in vectors.iter() {
            domain(v.len()).map_err(AcceleratorError::Ntt)?;
        }
        if let Some(pool) = &mut self.pool {
            let result = pool.ntt_batch(vectors, kind);
            self.absorb_pool();
            self.last = Some(JobStats::Ntt(result?));
            return Ok(());
        }
        let mut total: Option<NttRun> = None;
        for v in vectors.iter_mut() {
            self.ntt(v, kind)?;
            if let Some(JobStats::Ntt(run)) = &self.last {
                total = Some(match total {
                    None => run.clone(),
                    Some(t) => t.merged(run),
                });
            }
        }
        if let Some(t) = total {
            self.last = Some(JobStats::Ntt(t));
        }
        Ok(())
    }

    /// Evaluations over the subgroup H of the polynomial with coefficients `values`.
    pub fn fft(&mut self, values: &mut Vec<Fr>) -> Result<(), AcceleratorError> {
        self.ntt(values, NttKind::FFT)
    }
    /// Coefficients of the polynomial with evaluations `values` over H.
    pub fn ifft(&mut self, values: &mut Vec<Fr>) -> Result<(), AcceleratorError> {
        self.ntt(values, NttKind::IFFT)
    }
    /// Evaluations over the coset g·H (g = 7, ark-poly's `get_coset(GENERATOR)`).
    pub fn coset_fft(&mut self, values: &mut Vec<Fr>) -> Result<(), AcceleratorError> {
        self.ntt(values, NttKind::COSET_FFT)
    }
    /// Coefficients of the polynomial with evaluations `values` over g·H.
    pub fn coset_ifft(&mut self, values: &mut Vec<Fr>) -> Result<(), AcceleratorError> {
        self.ntt(values, NttKind::COSET_IFFT)
    }
}

impl From<DeviceNttError> for AcceleratorError {
    fn from(e: DeviceNttError) -> Self {
        AcceleratorError::Ntt(NttError::from(e))
    }
}
