//! The handle a prover holds: an [`Accelerator`] opened once from a [`Backend`],
//! owning its device, running MSMs and NTTs on it and keeping the figures of its last
//! job. The command line and the library's callers use it instead of naming a backend
//! per call.

use crate::msm::device::{DeviceMsmError, MsmUnit};
use crate::msm::{cpu_msm, MsmStats};
use crate::ntt::device::{DeviceNttError, NttStats, NttUnit};
use crate::ntt::{cpu_ntt, domain, NttError, NttKind, NttRun};
use crate::Backend;
use ark_bls12_381::{Fr, G1Affine, G1Projective};
use std::time::Instant;
use zkaccel_driver::{identify, CardIdentity, Device, DeviceSpec, DriverError};
use zkaccel_spec::regmap::capabilities;

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
    window: Option<u32>,
    last: Option<JobStats>,
}

impl Accelerator {
    /// Opens the backend: nothing to open for the CPU; a card is opened, identified
    /// and its units probed.
    pub fn open(backend: &Backend) -> Result<Self, AcceleratorError> {
        let card = match backend {
            Backend::Cpu => None,
            Backend::Device(spec) => {
                let dev = zkaccel_driver::open(spec).map_err(|source| AcceleratorError::Open {
                    backend: backend.to_string(),
                    source,
                })?;
                Some(Card::new(dev)?)
            }
        };
        Ok(Self {
            backend: backend.clone(),
            card,
            window: None,
            last: None,
        })
    }

    /// An accelerator on a device opened by the caller (`spec` names it in messages).
    pub fn with_device(spec: DeviceSpec, dev: Box<dyn Device>) -> Result<Self, AcceleratorError> {
        Ok(Self {
            backend: Backend::Device(spec),
            card: Some(Card::new(dev)?),
            window: None,
            last: None,
        })
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
        let (r, stats) = match &mut self.card {
            None => cpu_msm(bases, scalars)?,
            Some(card) => card.msm(bases, scalars, self.window)?,
        };
        self.last = Some(JobStats::Msm(stats));
        Ok(r)
    }

    /// The transform `kind` of `values` in place (ark-poly's `Radix2EvaluationDomain`
    /// conventions; a power-of-two length).
    pub fn ntt(&mut self, values: &mut Vec<Fr>, kind: NttKind) -> Result<(), AcceleratorError> {
        domain(values.len()).map_err(AcceleratorError::Ntt)?;
        let run = match &mut self.card {
            None => NttRun {
                wall: cpu_ntt(values, kind)?,
                card: None,
            },
            Some(card) => {
                let started = Instant::now();
                let stats = card.ntt(values, kind).map_err(NttError::from)?;
                NttRun {
                    wall: started.elapsed(),
                    card: Some(stats),
                }
            }
        };
        self.last = Some(JobStats::Ntt(run));
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
