//! NTTs on a card through the driver — the same code for the in-process simulator,
//! vfio-user and a board.
//!
//! A transform of up to 2^NTT_MAX_LOG_SIZE elements is one card job: NTT_CONFIG,
//! NTT_CONTROL.START, n/2 beats in, n/2 beats out (formats in
//! `zkaccel_spec::ntt`). The card does the bit reversal, the twiddles, the coset
//! factors and the 1/n.
//!
//! Larger transforms use the **four-step** method ([`super::four_step`]), n = n1·n2
//! with both ≤ the card's size: the card runs the n2 column and n1 row transforms, the
//! host the O(n) twiddles, transposes and coset factors.

use super::four_step::four_step;
use super::NttKind;
use ark_bls12_381::Fr;
use std::time::{Duration, Instant};
use zkaccel_driver::{Beat, CardIdentity, Device, DriverError};
use zkaccel_spec::ntt::{config_word, element_beat, limbs, ntt_control, ntt_status};
use zkaccel_spec::regmap::{self, capabilities};

#[derive(Debug, thiserror::Error)]
pub enum DeviceNttError {
    #[error(transparent)]
    Driver(#[from] DriverError),
    #[error("{device} has no NTT engine (CAPABILITIES = {caps:#x})")]
    NoEngine { device: String, caps: u32 },
    #[error("{device}: 2^{log_size} elements is beyond this card (2^{max} per job, 2^{four_step} with the four-step method)")]
    TooLarge {
        device: String,
        log_size: u32,
        max: u32,
        four_step: u32,
    },
    #[error("{device}: the NTT engine refused a job of 2^{log_size} (NTT_STATUS = {status:#x})")]
    Refused {
        device: String,
        log_size: u32,
        status: u32,
    },
    #[error("{device}: after a job of 2^{log_size} the NTT engine is not idle (NTT_STATUS = {status:#x})")]
    NotIdle {
        device: String,
        log_size: u32,
        status: u32,
    },
    #[error(
        "{device}: output element {index} of a job of 2^{log_size} is not a field element (≥ r)"
    )]
    BadOutput {
        device: String,
        log_size: u32,
        index: usize,
    },
    #[error("{device}: a job of 2^{log_size} was still computing after {waited:?} (NTT_STATUS = {status:#x})")]
    Timeout {
        device: String,
        log_size: u32,
        waited: Duration,
        status: u32,
    },
    #[error("{device}: job of 2^{log_size} issued {got} butterflies, expected {want}")]
    Butterflies {
        device: String,
        log_size: u32,
        got: u32,
        want: u64,
    },
}

/// What the card did for one transform (summed over its jobs).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NttStats {
    /// Card jobs run (1, or n1 + n2 with the four-step method).
    pub jobs: u64,
    /// Butterflies issued (NTT_BUTTERFLIES).
    pub butterflies: u64,
    /// Cycles from each job's first butterfly to its last (NTT_ISSUE_CYCLES).
    pub issue_cycles: u64,
    /// Cycles from each START to its last output beat (NTT_JOB_CYCLES).
    pub job_cycles: u64,
    /// `(n1, n2)` when the four-step method ran.
    pub four_step: Option<(usize, usize)>,
    /// Host time spent in the four-step twiddle, transpose and coset steps.
    #[serde(skip)]
    pub host_steps: Duration,
    #[serde(skip)]
    pub wall: Duration,
}

impl NttStats {
    /// Adds another transform's jobs, butterflies and cycles (four-step split and host
    /// time kept).
    pub fn add(&mut self, other: &NttStats) {
        self.jobs += other.jobs;
        self.butterflies += other.butterflies;
        self.issue_cycles += other.issue_cycles;
        self.job_cycles += other.job_cycles;
    }
}

/// The NTT unit of a card: its parameters. It does not own the device; every job
/// borrows it (see [`crate::accelerator::Card`]).
pub struct NttUnit {
    /// The device's name (for messages).
    device: String,
    max_log: u32,
    /// Largest single job used (the card's size unless lowered).
    job_log: u32,
    pipeline_latency: u32,
    /// How long a job may compute.
    pub deadline: Duration,
}

/// An output element (Montgomery limbs); a value ≥ r is no field element.
fn element(limbs: &[u64]) -> Option<Fr> {
    zkaccel_spec::g1::field_from_word(&limbs.try_into().ok()?)
}

pub use super::four_step::four_step_split;

impl NttUnit {
    /// Checks the NTT capability of an identified card and reads the unit's parameters.
    /// A job left running by a killed client is cleared with a soft reset.
    pub fn probe(dev: &mut dyn Device, id: &CardIdentity) -> Result<Self, DeviceNttError> {
        if id.capabilities & capabilities::NTT == 0 {
            return Err(DeviceNttError::NoEngine {
                device: dev.device(),
                caps: id.capabilities,
            });
        }
        zkaccel_driver::idle_engine(
            dev,
            &regmap::NTT_STATUS,
            ntt_status::IDLE,
            Duration::from_secs(10),
        )?;
        let max_log = dev.read32(&regmap::NTT_MAX_LOG_SIZE)?;
        let pipeline_latency = dev.read32(&regmap::NTT_PIPELINE_LATENCY)?;
        Ok(Self {
            device: dev.device(),
            max_log,
            job_log: max_log,
            pipeline_latency,
            deadline: Duration::from_secs(600),
        })
    }

    pub fn device(&self) -> String {
        self.device.clone()
    }
    /// log2 of the largest single job.
    pub fn max_log_size(&self) -> u32 {
        self.max_log
    }
    /// log2 of the largest single job used (the card's size unless lowered).
    pub fn job_log_size(&self) -> u32 {
        self.job_log
    }
    /// Limits single jobs to 2^k (≤ the card's size), so larger transforms take the
    /// four-step path (to exercise it on small sizes in tests).
    pub fn set_max_job_log(&mut self, k: u32) {
        self.job_log = k.clamp(1, self.max_log);
    }
    /// Cycles from a butterfly's issue to its write.
    pub fn pipeline_latency(&self) -> u32 {
        self.pipeline_latency
    }

    /// The transform of `values` (length a power of two, 2 ..= 2^(2·max)) in place.
    pub fn ntt(
        &mut self,
        dev: &mut dyn Device,
        values: &mut [Fr],
        kind: NttKind,
    ) -> Result<NttStats, DeviceNttError> {
        let started = Instant::now();
        let n = values.len();
        assert!(n.is_power_of_two(), "the caller checks the domain");
        let log = n.trailing_zeros();
        let mut stats = NttStats::default();
        if n == 1 {
            // A one-point domain: fft and ifft are the identity, coset forms scale by g^0.
        } else if log <= self.job_log {
            self.job(dev, values, kind, &mut stats)?;
        } else if log <= 2 * self.job_log {
            self.four_step(dev, values, kind, &mut stats)?;
        } else {
            return Err(DeviceNttError::TooLarge {
                device: self.device(),
                log_size: log,
                max: self.job_log,
                four_step: 2 * self.job_log,
            });
        }
        stats.wall = started.elapsed();
        Ok(stats)
    }

    /// One card job on `values` (2 ≤ n ≤ 2^max).
    fn job(
        &mut self,
        dev: &mut dyn Device,
        values: &mut [Fr],
        kind: NttKind,
        stats: &mut NttStats,
    ) -> Result<(), DeviceNttError> {
        let n = values.len();
        let log = n.trailing_zeros();
        let device = self.device();
        let d = &mut *dev;
        d.write32(
            &regmap::NTT_CONFIG,
            config_word(log, kind.inverse, kind.coset),
        )?;
        d.write32(&regmap::NTT_CONTROL, ntt_control::START)?;
        let status = d.read32(&regmap::NTT_STATUS)?;
        if status & ntt_status::LOADING == 0 {
            return Err(DeviceNttError::Refused {
                device,
                log_size: log,
                status,
            });
        }
        let beats: Vec<Beat> = values
            .chunks(2)
            .map(|p| element_beat(&limbs(p[0]), &limbs(p[1])))
            .collect();
        d.data_write(&beats)?;
        // Wait for the butterflies (the output port is silent meanwhile).
        zkaccel_driver::wait_status(
            d,
            &regmap::NTT_STATUS,
            ntt_status::COMPUTING,
            false,
            self.deadline,
        )
        .map_err(|e| match e {
            DriverError::StatusTimeout { waited, value, .. } => DeviceNttError::Timeout {
                device: device.clone(),
                log_size: log,
                waited,
                status: value,
            },
            e => e.into(),
        })?;
        let out = d.data_read(n / 2)?;
        for (m, beat) in out.iter().enumerate() {
            for h in 0..2 {
                let i = 2 * m + h;
                values[i] =
                    element(&beat[4 * h..4 * h + 4]).ok_or_else(|| DeviceNttError::BadOutput {
                        device: device.clone(),
                        log_size: log,
                        index: i,
                    })?;
            }
        }
        let status = d.read32(&regmap::NTT_STATUS)?;
        if status & ntt_status::IDLE == 0 {
            return Err(DeviceNttError::NotIdle {
                device,
                log_size: log,
                status,
            });
        }
        let butterflies = d.read32(&regmap::NTT_BUTTERFLIES)?;
        let want = (n as u64 / 2) * log as u64;
        if butterflies as u64 != want {
            return Err(DeviceNttError::Butterflies {
                device,
                log_size: log,
                got: butterflies,
                want,
            });
        }
        stats.jobs += 1;
        stats.butterflies += butterflies as u64;
        stats.issue_cycles += d.read32(&regmap::NTT_ISSUE_CYCLES)? as u64;
        stats.job_cycles += d.read32(&regmap::NTT_JOB_CYCLES)? as u64;
        Ok(())
    }

    fn four_step(
        &mut self,
        dev: &mut dyn Device,
        values: &mut [Fr],
        kind: NttKind,
        stats: &mut NttStats,
    ) -> Result<(), DeviceNttError> {
        stats.four_step = Some(four_step_split(values.len().trailing_zeros()));
        let host_steps = four_step(values, kind, |vectors, plain| {
            for v in vectors.iter_mut() {
                self.job(dev, v, plain, stats)?;
            }
            Ok::<_, DeviceNttError>(())
        })?;
        stats.host_steps = host_steps;
        Ok(())
    }
}
