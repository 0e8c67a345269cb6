//! Several boards behind one backend (`--backend vfio-user:a.sock,vfio-user:b.sock`).
//!
//! Each board is served by a worker thread that opens it and owns its
//! [`Accelerator`] (so a device never crosses threads), with that accelerator's checks,
//! recovery, retry and CPU fallback: every share a board computes is checked before it
//! is used, and a share a board fails is computed on the CPU by its worker. The pool
//! spreads the work over the boards in service:
//! * an **MSM** is split by points into one contiguous share per board, run at once,
//!   and the partial sums added. The split depends only on the number of points and of
//!   boards, so a board keeps its share of a repeated MSM's bases resident;
//! * an **NTT** that fits one card job runs on the next board in turn; a larger one
//!   runs by the four-step method ([`crate::ntt::four_step`]) with its column and row
//!   transforms spread over the boards;
//! * a prover's MSMs are each split over every board, so all boards work on each.
//!
//! A board out of service ([`BoardHealth`]) gets no more work; with none left the
//! job runs on the CPU (recorded as a failure). A board's counters are reported after
//! every job it takes and kept for the pool's life.

use crate::accelerator::{Accelerator, AcceleratorError, JobStats, MsmCheck};
use crate::board_health::BoardHealth;
use crate::kernel_check::Failure;
use crate::msm::{cpu_msm, MsmStats};
use crate::ntt::device::NttStats;
use crate::ntt::four_step::{four_step, four_step_split};
use crate::ntt::{cpu_ntt, NttKind, NttRun};
use crate::Backend;
use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ff::Zero;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use zkaccel_driver::DeviceSpec;

/// Opens one board's accelerator inside its worker thread.
pub type Opener = Box<dyn FnOnce() -> Result<Accelerator, AcceleratorError> + Send>;

enum Job {
    Msm {
        bases: Vec<G1Affine>,
        scalars: Vec<Fr>,
        window: Option<u32>,
        check: MsmCheck,
    },
    /// Transforms of equal-length vectors, each checked by the worker.
    Ntts {
        vectors: Vec<Vec<Fr>>,
        kind: NttKind,
    },
    /// Limits single card NTT jobs to 2^k (tests: the four-step path on small sizes).
    MaxNttJobLog(u32),
}

enum Done {
    Opened {
        msm: bool,
        /// log2 of the largest single NTT job; `None` without an NTT unit.
        ntt_job_log: Option<u32>,
    },
    Msm(G1Projective, MsmStats),
    Ntts(Vec<Vec<Fr>>, NttStats),
    Set,
}

struct Reply {
    /// The error as text: errors carry sources that do not cross threads.
    result: Result<Done, String>,
    health: Option<BoardHealth>,
    failures: Vec<Failure>,
    checks_time: Duration,
}

/// One board: its worker thread and what the pool knows of it.
struct Board {
    name: String,
    jobs: Option<Sender<Job>>,
    replies: Receiver<Reply>,
    thread: Option<JoinHandle<()>>,
    health: BoardHealth,
    msm: bool,
    ntt_job_log: Option<u32>,
}

impl Board {
    fn in_service(&self) -> bool {
        self.health.in_service()
    }

    fn send(&self, job: Job) -> bool {
        self.jobs.as_ref().is_some_and(|j| j.send(job).is_ok())
    }

    /// The worker's reply (the board's counters taken from it); a worker that
    /// stopped takes its board out of service.
    fn receive(&mut self) -> Result<Reply, String> {
        match self.replies.recv() {
            Ok(reply) => {
                if let Some(h) = &reply.health {
                    self.health = h.clone();
                }
                Ok(reply)
            }
            Err(_) => {
                let reason = "its worker stopped".to_string();
                self.health.out_of_service = Some(reason.clone());
                Err(reason)
            }
        }
    }
}

/// The boards of one backend list.
pub struct BoardPool {
    boards: Vec<Board>,
    /// The next board for a single NTT job.
    turn: usize,
    failures: Vec<Failure>,
    checks_time: Duration,
}

/// Work the boards could not take, or a worker's error (with self-checks on, a worker
/// computes a share its board failed on the CPU, so this is a caller's mistake or a
/// CPU error).
fn board_error(board: &str, reason: String) -> AcceleratorError {
    AcceleratorError::Board {
        device: board.to_string(),
        reason,
    }
}

impl BoardPool {
    /// Opens every board of the list (each in its worker thread); fails naming the
    /// first board that does not open.
    pub fn open(specs: &[DeviceSpec]) -> Result<Self, AcceleratorError> {
        Self::with_openers(
            specs
                .iter()
                .map(|spec| {
                    let backend = Backend::Device(spec.clone());
                    let opener: Opener = Box::new(move || Accelerator::open(&backend));
                    (spec.to_string(), opener)
                })
                .collect(),
        )
    }

    /// A pool of boards opened by the given functions (fault campaigns and tests open
    /// simulated boards with injected faults this way).
    pub fn with_openers(openers: Vec<(String, Opener)>) -> Result<Self, AcceleratorError> {
        let mut boards = vec![];
        for (name, open) in openers {
            let (job_tx, job_rx) = channel::<Job>();
            let (reply_tx, reply_rx) = channel::<Reply>();
            let thread = std::thread::Builder::new()
                .name(format!("board {name}"))
                .spawn(move || serve(open, job_rx, reply_tx))
                .map_err(|e| board_error(&name, format!("starting its worker: {e}")))?;
            boards.push(Board {
                health: BoardHealth::new(name.clone()),
                name,
                jobs: Some(job_tx),
                replies: reply_rx,
                thread: Some(thread),
                msm: false,
                ntt_job_log: None,
            });
        }
        for b in &mut boards {
            match b.receive().and_then(|r| r.result) {
                Ok(Done::Opened { msm, ntt_job_log }) => {
                    b.msm = msm;
                    b.ntt_job_log = ntt_job_log;
                }
                Ok(_) => unreachable!("a worker's first reply is its opening"),
                Err(reason) => return Err(board_error(&b.name, reason)),
            }
        }
        Ok(Self {
            boards,
            turn: 0,
            failures: vec![],
            checks_time: Duration::ZERO,
        })
    }

    /// The boards' counters, in the list's order.
    pub fn health(&self) -> Vec<BoardHealth> {
        self.boards.iter().map(|b| b.health.clone()).collect()
    }

    pub fn take_failures(&mut self) -> Vec<Failure> {
        std::mem::take(&mut self.failures)
    }

    /// Time the workers spent checking the boards' results.
    pub fn checks_time(&self) -> Duration {
        self.checks_time
    }

    /// Limits each board's single NTT jobs to 2^k (to exercise the four-step path).
    pub fn set_max_ntt_job_log(&mut self, k: u32) -> Result<(), AcceleratorError> {
        for b in &mut self.boards {
            if b.ntt_job_log.is_some() && b.send(Job::MaxNttJobLog(k)) {
                b.receive()
                    .and_then(|r| r.result)
                    .map_err(|r| board_error(&b.name, r))?;
                b.ntt_job_log = b.ntt_job_log.map(|m| m.min(k.max(1)));
            }
        }
        Ok(())
    }

    fn live(&self, want: impl Fn(&Board) -> bool) -> Vec<usize> {
        (0..self.boards.len())
            .filter(|&i| self.boards[i].in_service() && want(&self.boards[i]))
            .collect()
    }

    fn absorb(&mut self, failures: Vec<Failure>, checks: Duration) {
        self.failures.extend(failures);
        self.checks_time += checks;
    }

    /// Collects board `i`'s reply, keeping its failures and check time.
    fn collect(&mut self, i: usize) -> Result<Done, AcceleratorError> {
        let b = &mut self.boards[i];
        let name = b.name.clone();
        let reply = b.receive().map_err(|r| board_error(&name, r))?;
        self.absorb(reply.failures, reply.checks_time);
        reply.result.map_err(|r| board_error(&name, r))
    }

    /// A board whose worker stopped: recorded, its share computed here.
    fn lost(&mut self, step: &'static str, i: usize, reason: String) {
        self.boards[i].health.out_of_service = Some("its worker stopped".into());
        self.failures.push(Failure {
            step,
            backend: self.boards[i].name.clone(),
            reason,
            then: "its share computed on the CPU".into(),
        });
    }

    /// No board in service can take `step`: recorded; the caller runs it on the CPU.
    fn none_in_service(&mut self, step: &'static str) {
        self.failures.push(Failure {
            step,
            backend: self.names(),
            reason: "no board in service".into(),
            then: "computed on the CPU".into(),
        });
    }

    fn names(&self) -> String {
        self.boards
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `Σ scalars[i] · bases[i]`, split by points over the boards in service.
    pub fn msm(
        &mut self,
        bases: &[G1Affine],
        scalars: &[Fr],
        window: Option<u32>,
        check: MsmCheck,
    ) -> Result<(G1Projective, MsmStats), AcceleratorError> {
        let started = Instant::now();
        let live = self.live(|b| b.msm);
        if live.is_empty() || bases.len() != scalars.len() {
            // A length mismatch gets cpu_msm's error.
            if bases.len() == scalars.len() {
                self.none_in_service("msm");
            }
            return Ok(cpu_msm(bases, scalars)?);
        }
        let share = bases.len().div_ceil(live.len()).max(1);
        let mut sent = vec![];
        for (k, &i) in live.iter().enumerate() {
            let lo = (k * share).min(bases.len());
            let hi = ((k + 1) * share).min(bases.len());
            if lo == hi {
                continue;
            }
            let job = Job::Msm {
                bases: bases[lo..hi].to_vec(),
                scalars: scalars[lo..hi].to_vec(),
                window,
                check,
            };
            let ok = self.boards[i].send(job);
            sent.push((i, ok, lo..hi));
        }
        let mut sum = G1Projective::zero();
        let mut stats = MsmStats::default();
        let mut first_error = None;
        for (i, ok, range) in sent {
            let done = if ok {
                self.collect(i)
            } else {
                Err(board_error(
                    &self.boards[i].name,
                    "its worker stopped".into(),
                ))
            };
            match done {
                Ok(Done::Msm(p, s)) => {
                    sum += p;
                    stats.add(&s);
                }
                Ok(_) => unreachable!("an MSM job gets an MSM reply"),
                Err(e) if !ok || !self.boards[i].in_service() => {
                    self.lost("msm", i, zkaccel_driver::error_chain(&e));
                    let (p, _) = cpu_msm(&bases[range.clone()], &scalars[range])?;
                    sum += p;
                }
                // The worker's own error (its board's failures it handles itself).
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        stats.points = bases.len() as u64;
        stats.wall = started.elapsed();
        Ok((sum, stats))
    }

    /// Several independent MSMs (a prover's A, C and H): with at least two of them and
    /// two boards, the boards run them at once, each MSM whole on one board unless it
    /// is larger than an even share of all the points (then cut into such shares), the
    /// largest first onto the least loaded board; otherwise each is split over the
    /// boards.
    /// Results in the order given; the figures summed.
    pub fn msm_many(
        &mut self,
        jobs: &[(&[G1Affine], &[Fr])],
        window: Option<u32>,
        check: MsmCheck,
    ) -> Result<(Vec<G1Projective>, MsmStats), AcceleratorError> {
        let started = Instant::now();
        let live = self.live(|b| b.msm);
        let mut stats = MsmStats::default();
        if jobs.len() < 2 || live.len() < 2 || jobs.iter().any(|(b, s)| b.len() != s.len()) {
            let mut out = vec![];
            for (bases, scalars) in jobs {
                let (p, s) = self.msm(bases, scalars, window, check)?;
                stats.add(&s);
                out.push(p);
            }
            stats.wall = started.elapsed();
            return Ok((out, stats));
        }
        // Work units: an MSM larger than an even share of all the points is cut into
        // shares of that size (so one large MSM beside small ones does not leave boards
        // idle); then the largest unit first onto the least loaded board (by points).
        let total: usize = jobs.iter().map(|(b, _)| b.len()).sum();
        let share = total.div_ceil(live.len()).max(1);
        let mut units: Vec<(usize, std::ops::Range<usize>)> = vec![];
        for (j, (bases, _)) in jobs.iter().enumerate() {
            if bases.is_empty() {
                continue;
            }
            let pieces = bases.len().div_ceil(share).max(1);
            let size = bases.len().div_ceil(pieces).max(1);
            for p in 0..pieces {
                let lo = (p * size).min(bases.len());
                let hi = ((p + 1) * size).min(bases.len());
                units.push((j, lo..hi));
            }
        }
        units.sort_by_key(|(j, r)| (std::cmp::Reverse(r.len()), *j));
        let mut load = vec![0usize; live.len()];
        let mut sent = vec![];
        for (j, range) in units {
            let k = (0..live.len())
                .min_by_key(|&k| load[k])
                .expect("two boards");
            load[k] += range.len().max(1);
            let (bases, scalars) = jobs[j];
            let job = Job::Msm {
                bases: bases[range.clone()].to_vec(),
                scalars: scalars[range.clone()].to_vec(),
                window,
                check,
            };
            let ok = self.boards[live[k]].send(job);
            sent.push((j, range, live[k], ok));
        }
        // Each board replies in the order it was sent its jobs.
        let mut out = vec![G1Projective::zero(); jobs.len()];
        let mut first_error = None;
        for (j, range, i, ok) in sent {
            let done = if ok {
                self.collect(i)
            } else {
                Err(board_error(
                    &self.boards[i].name,
                    "its worker stopped".into(),
                ))
            };
            match done {
                Ok(Done::Msm(p, s)) => {
                    out[j] += p;
                    stats.add(&s);
                }
                Ok(_) => unreachable!("an MSM job gets an MSM reply"),
                Err(e) if !ok || !self.boards[i].in_service() => {
                    self.lost("msm", i, zkaccel_driver::error_chain(&e));
                    out[j] += cpu_msm(&jobs[j].0[range.clone()], &jobs[j].1[range])?.0;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        stats.wall = started.elapsed();
        Ok((out, stats))
    }

    /// The transform `kind` of `values` in place: one board's job, or the four-step
    /// method over every board in service.
    pub fn ntt(&mut self, values: &mut Vec<Fr>, kind: NttKind) -> Result<NttRun, AcceleratorError> {
        let started = Instant::now();
        let n = values.len();
        let log = n.trailing_zeros();
        let live = self.live(|b| b.ntt_job_log.is_some());
        let Some(job_log) = live
            .iter()
            .filter_map(|&i| self.boards[i].ntt_job_log)
            .min()
        else {
            self.none_in_service("ntt");
            return Ok(NttRun {
                wall: cpu_ntt(values, kind)?,
                card: None,
            });
        };
        let mut stats = NttStats::default();
        if n <= 2 || log <= job_log {
            let i = live[self.turn % live.len()];
            self.turn += 1;
            let mut out = self.run_ntts(&[i], vec![std::mem::take(values)], kind, &mut stats)?;
            *values = out.pop().expect("one vector back");
        } else if log <= 2 * job_log {
            let host_steps = four_step(values, kind, |vectors, plain| {
                let owned = vectors.iter_mut().map(std::mem::take).collect();
                let back = self.run_ntts(&live, owned, plain, &mut stats)?;
                for (v, b) in vectors.iter_mut().zip(back) {
                    *v = b;
                }
                Ok::<_, AcceleratorError>(())
            })?;
            stats.four_step = Some(four_step_split(log));
            stats.host_steps = host_steps;
        } else {
            return Err(AcceleratorError::Ntt(crate::ntt::NttError::from(
                crate::ntt::device::DeviceNttError::TooLarge {
                    device: self.names(),
                    log_size: log,
                    max: job_log,
                    four_step: 2 * job_log,
                },
            )));
        }
        stats.wall = started.elapsed();
        Ok(NttRun {
            wall: started.elapsed(),
            card: Some(stats),
        })
    }

    /// Independent transforms of `vectors`, spread over the boards in service (each
    /// that fits one card job; larger ones by the four-step method, one by one).
    pub fn ntt_batch(
        &mut self,
        vectors: &mut [Vec<Fr>],
        kind: NttKind,
    ) -> Result<NttRun, AcceleratorError> {
        let started = Instant::now();
        let live = self.live(|b| b.ntt_job_log.is_some());
        let job_log = live
            .iter()
            .filter_map(|&i| self.boards[i].ntt_job_log)
            .min();
        let fits =
            |v: &Vec<Fr>| job_log.is_some_and(|j| v.len() <= 2 || v.len().trailing_zeros() <= j);
        let same_length = vectors.windows(2).all(|w| w[0].len() == w[1].len());
        if vectors.is_empty() || !same_length || !vectors.iter().all(fits) {
            let mut total: Option<NttRun> = None;
            for v in vectors.iter_mut() {
                let run = self.ntt(v, kind)?;
                total = Some(total.map_or(run.clone(), |t| t.merged(&run)));
            }
            return Ok(total.unwrap_or(NttRun {
                wall: started.elapsed(),
                card: None,
            }));
        }
        let mut stats = NttStats::default();
        let owned = vectors.iter_mut().map(std::mem::take).collect();
        let back = self.run_ntts(&live, owned, kind, &mut stats)?;
        for (v, b) in vectors.iter_mut().zip(back) {
            *v = b;
        }
        Ok(NttRun {
            wall: started.elapsed(),
            card: Some(stats),
        })
    }

    /// Runs the transforms of `vectors` spread in contiguous batches over `boards`;
    /// a batch whose worker stopped is transformed on the CPU.
    fn run_ntts(
        &mut self,
        boards: &[usize],
        mut vectors: Vec<Vec<Fr>>,
        kind: NttKind,
        stats: &mut NttStats,
    ) -> Result<Vec<Vec<Fr>>, AcceleratorError> {
        let per = vectors.len().div_ceil(boards.len()).max(1);
        let mut batches = vec![];
        let mut k = 0;
        while !vectors.is_empty() {
            let rest = vectors.split_off(per.min(vectors.len()));
            batches.push((
                boards[k % boards.len()],
                std::mem::replace(&mut vectors, rest),
            ));
            k += 1;
        }
        let mut sent = vec![];
        for (i, batch) in batches {
            let copy = batch.clone();
            let ok = self.boards[i].send(Job::Ntts {
                vectors: batch,
                kind,
            });
            sent.push((i, ok, copy));
        }
        let mut out = vec![];
        for (i, ok, mut input) in sent {
            let done = if ok {
                self.collect(i)
            } else {
                Err(board_error(
                    &self.boards[i].name,
                    "its worker stopped".into(),
                ))
            };
            match done {
                Ok(Done::Ntts(vs, s)) => {
                    stats.add(&s);
                    out.extend(vs);
                }
                Ok(_) => unreachable!("an NTT job gets an NTT reply"),
                Err(e) if !ok || !self.boards[i].in_service() => {
                    self.lost("ntt", i, zkaccel_driver::error_chain(&e));
                    for v in input.iter_mut() {
                        cpu_ntt(v, kind)?;
                    }
                    out.extend(input);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

impl Drop for BoardPool {
    fn drop(&mut self) {
        for b in &mut self.boards {
            b.jobs = None; // the worker's loop ends
        }
        for b in &mut self.boards {
            if let Some(t) = b.thread.take() {
                let _ = t.join();
            }
        }
    }
}

/// A worker: opens its board, then runs jobs until the pool drops its sender.
fn serve(open: Opener, jobs: Receiver<Job>, replies: Sender<Reply>) {
    let mut acc = match open() {
        Ok(acc) => acc,
        Err(e) => {
            let _ = replies.send(Reply {
                result: Err(zkaccel_driver::error_chain(&e)),
                health: None,
                failures: vec![],
                checks_time: Duration::ZERO,
            });
            return;
        }
    };
    let opened = {
        let msm = acc.card().is_some_and(|c| c.msm_unit().is_ok());
        let ntt_job_log = acc
            .card()
            .and_then(|c| c.ntt_unit().ok().map(|u| u.job_log_size()));
        Done::Opened { msm, ntt_job_log }
    };
    let reply = |acc: &mut Accelerator, result: Result<Done, String>, checks_before: Duration| {
        replies
            .send(Reply {
                result,
                health: acc.health().cloned(),
                failures: acc.take_failures(),
                checks_time: acc.checks_time().saturating_sub(checks_before),
            })
            .is_ok()
    };
    if !reply(&mut acc, Ok(opened), Duration::ZERO) {
        return;
    }
    for job in jobs {
        let checks_before = acc.checks_time();
        let result = run_job(&mut acc, job).map_err(|e| zkaccel_driver::error_chain(&e));
        if !reply(&mut acc, result, checks_before) {
            return;
        }
    }
}

fn run_job(acc: &mut Accelerator, job: Job) -> Result<Done, AcceleratorError> {
    match job {
        Job::Msm {
            bases,
            scalars,
            window,
            check,
        } => {
            acc.set_window(window);
            acc.set_msm_check(check);
            let p = acc.msm(&bases, &scalars)?;
            let stats = acc.last_msm().cloned().unwrap_or_default();
            Ok(Done::Msm(p, stats))
        }
        Job::Ntts { mut vectors, kind } => {
            let mut stats = NttStats::default();
            for v in vectors.iter_mut() {
                acc.ntt(v, kind)?;
                if let Some(JobStats::Ntt(NttRun { card: Some(s), .. })) = acc.last_job() {
                    stats.add(s);
                }
            }
            Ok(Done::Ntts(vectors, stats))
        }
        Job::MaxNttJobLog(k) => {
            if let Some(card) = acc.card() {
                if let Ok(u) = card.ntt_unit() {
                    u.set_max_job_log(k);
                }
            }
            Ok(Done::Set)
        }
    }
}
