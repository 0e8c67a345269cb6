//! Faults injected at the card model's AXI boundary (the register port and the data
//! port), as a misbehaving board shows them to its host: never in the host.
//!
//! A *job* starts at a register write: an MSM readout (`MSM_CONTROL.START_READOUT`) or
//! an NTT (`NTT_CONTROL.START`). At each job start every configured kind hits with its
//! rate (a fraction of jobs), drawn from a seeded generator, so a run is reproducible:
//!
//! * `msm-bitflip`: one bit of a coordinate in one bucket sum read out is flipped;
//! * `ntt-bitflip`: one bit of one output element of the NTT is flipped;
//! * `hang`: the unit never finishes: its status never shows IDLE (or OUTPUT) and its
//!   output never comes, until a soft reset (`CONTROL.SOFT_RESET`);
//! * `transfer-error`: the job's output transfer fails: every beat of it reads as
//!   all-ones, as a timed-out PCIe read does;
//! * `all-ones`: the board falls off the bus: from that job on, every register and data
//!   read returns all-ones, until a function reset.
//!
//! The injector counts the jobs it saw and the faults it injected per kind, so a fault
//! campaign can check that each was detected.

use crate::card::Beat;
use std::sync::{Arc, Mutex};
use zkaccel_spec::msm::{mode, msm_control, msm_status, BEATS_PER_BUCKET};
use zkaccel_spec::ntt::{ntt_config, ntt_control, ntt_status};
use zkaccel_spec::regmap;

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    MsmBitflip,
    NttBitflip,
    Hang,
    TransferError,
    AllOnes,
}

impl FaultKind {
    pub const ALL: [FaultKind; 5] = [
        FaultKind::MsmBitflip,
        FaultKind::NttBitflip,
        FaultKind::Hang,
        FaultKind::TransferError,
        FaultKind::AllOnes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::MsmBitflip => "msm-bitflip",
            FaultKind::NttBitflip => "ntt-bitflip",
            FaultKind::Hang => "hang",
            FaultKind::TransferError => "transfer-error",
            FaultKind::AllOnes => "all-ones",
        }
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A kind and the fraction of jobs it hits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultSpec {
    pub kind: FaultKind,
    pub rate: f64,
}

impl std::str::FromStr for FaultSpec {
    type Err = String;
    /// `KIND` or `KIND:RATE` (RATE in 0..=1, default 1).
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, rate) = match s.split_once(':') {
            Some((n, r)) => {
                let rate: f64 = r
                    .parse()
                    .map_err(|_| format!("{s:?}: the rate {r:?} is not a number"))?;
                (n, rate)
            }
            None => (s, 1.0),
        };
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("{s:?}: the rate must be between 0 and 1"));
        }
        let kind = FaultKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown fault {name:?}: one of {}", names.join(", "))
            })?;
        Ok(FaultSpec { kind, rate })
    }
}

/// Which unit a job ran on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Msm,
    Ntt,
}

/// A fault armed for the current job of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Armed {
    /// Flip `bit` of beat `beat` of the job's output.
    Flip {
        beat: usize,
        bit: usize,
    },
    Hang,
    TransferError,
}

/// Counts of what the injector saw and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub jobs: u64,
    /// Per kind, in [`FaultKind::ALL`] order.
    pub injected: [u64; 5],
}

impl FaultCounts {
    pub fn total(&self) -> u64 {
        self.injected.iter().sum()
    }
    pub fn of(&self, kind: FaultKind) -> u64 {
        self.injected[FaultKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("a kind")]
    }
}

/// The injector: the configured kinds, its generator, and what the bus has told it.
pub struct FaultInjector {
    specs: Vec<FaultSpec>,
    rng: u64,
    counts: Arc<Mutex<FaultCounts>>,
    msm_mode: u32,
    readout_count: u32,
    ntt_log_size: u32,
    /// The unit's current job with a fault armed: output beats seen so far, the job's
    /// output beats, the fault.
    msm_job: Option<(usize, usize, Armed)>,
    ntt_job: Option<(usize, usize, Armed)>,
    ntt_active: bool,
    off_bus: bool,
}

const ALL_ONES: Beat = [u64::MAX; 8];

impl FaultInjector {
    pub fn new(specs: Vec<FaultSpec>, seed: u64) -> Self {
        FaultInjector {
            specs,
            // xorshift64*: any nonzero state.
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            counts: Default::default(),
            msm_mode: 0,
            readout_count: 0,
            ntt_log_size: 0,
            msm_job: None,
            ntt_job: None,
            ntt_active: false,
            off_bus: false,
        }
    }

    /// What the injector has seen and done so far.
    pub fn counts(&self) -> FaultCounts {
        self.counts.lock().expect("not poisoned").clone()
    }

    /// A handle on the counts that stays readable once the injector is inside a card.
    pub fn counter(&self) -> Arc<Mutex<FaultCounts>> {
        self.counts.clone()
    }

    fn next(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn hits(&mut self, rate: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < rate
    }

    fn count(&mut self, kind: FaultKind) {
        let i = FaultKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("a kind");
        self.counts.lock().expect("not poisoned").injected[i] += 1;
    }

    /// Draws the faults of a job on `unit` with `beats` output beats.
    fn start_job(&mut self, unit: Unit, beats: usize) -> Option<(usize, usize, Armed)> {
        self.counts.lock().expect("not poisoned").jobs += 1;
        let specs = self.specs.clone();
        let mut armed = None;
        for s in specs {
            if !self.hits(s.rate) {
                continue;
            }
            let fault = match (s.kind, unit) {
                (FaultKind::MsmBitflip, Unit::Msm) => {
                    // A coordinate bit (below 381) of one bucket's X, Y or Z beat.
                    let bucket = self.below(beats / BEATS_PER_BUCKET);
                    let coordinate = self.below(BEATS_PER_BUCKET);
                    Armed::Flip {
                        beat: bucket * BEATS_PER_BUCKET + coordinate,
                        bit: self.below(381),
                    }
                }
                (FaultKind::NttBitflip, Unit::Ntt) => {
                    // An element bit (below 255) of either element of one beat.
                    let element = self.below(2);
                    Armed::Flip {
                        beat: self.below(beats),
                        bit: 256 * element + self.below(255),
                    }
                }
                (FaultKind::Hang, _) => Armed::Hang,
                (FaultKind::TransferError, _) => Armed::TransferError,
                (FaultKind::AllOnes, _) => {
                    self.off_bus = true;
                    self.count(FaultKind::AllOnes);
                    continue;
                }
                _ => continue,
            };
            if armed.is_none() && beats > 0 {
                self.count(s.kind);
                armed = Some((0, beats, fault));
            }
        }
        armed
    }

    /// A register write reached the card.
    pub fn on_write(&mut self, addr: u32, data: u32) {
        if addr == regmap::CONTROL.offset && data & regmap::control::SOFT_RESET != 0 {
            // A soft reset clears a hung unit; the bus stays as it is.
            self.msm_job = None;
            self.ntt_job = None;
            self.ntt_active = false;
        } else if addr == regmap::MSM_MODE.offset {
            self.msm_mode = data;
        } else if addr == regmap::MSM_READOUT_COUNT.offset {
            self.readout_count = data;
        } else if addr == regmap::MSM_CONTROL.offset && data & msm_control::START_READOUT != 0 {
            let beats = self.readout_count as usize * BEATS_PER_BUCKET;
            self.msm_job = self.start_job(Unit::Msm, beats);
        } else if addr == regmap::NTT_CONFIG.offset {
            self.ntt_log_size = data & ntt_config::LOG_SIZE_MASK;
        } else if addr == regmap::NTT_CONTROL.offset && data & ntt_control::START != 0 {
            let beats = (1usize << self.ntt_log_size) / 2;
            self.ntt_job = self.start_job(Unit::Ntt, beats);
            self.ntt_active = true;
        }
    }

    /// A register read's value as the host sees it.
    pub fn on_read(&mut self, addr: u32, value: u32) -> u32 {
        if self.off_bus {
            return u32::MAX;
        }
        let hung = |job: &Option<(usize, usize, Armed)>| matches!(job, Some((_, _, Armed::Hang)));
        if addr == regmap::MSM_STATUS.offset && hung(&self.msm_job) {
            return value & !(msm_status::IDLE | msm_status::DIGITS_CONSUMED);
        }
        if addr == regmap::NTT_STATUS.offset && hung(&self.ntt_job) {
            return value & !(ntt_status::IDLE | ntt_status::OUTPUT);
        }
        value
    }

    /// Output beats as the host receives them (beats withheld by a hung unit are
    /// dropped).
    pub fn on_output(&mut self, beats: Vec<Beat>) -> Vec<Beat> {
        if self.off_bus {
            return vec![ALL_ONES; beats.len()];
        }
        let unit_job = if self.msm_mode == mode::READOUT {
            &mut self.msm_job
        } else if self.ntt_active {
            &mut self.ntt_job
        } else {
            return beats;
        };
        let Some((seen, total, armed)) = unit_job else {
            return beats;
        };
        let mut out = Vec::with_capacity(beats.len());
        for mut b in beats {
            let k = *seen;
            *seen += 1;
            if k >= *total && *armed != Armed::Hang {
                out.push(b);
                continue;
            }
            match *armed {
                Armed::Hang => continue,
                Armed::TransferError => b = ALL_ONES,
                Armed::Flip { beat, bit } if beat == k => b[bit / 64] ^= 1 << (bit % 64),
                Armed::Flip { .. } => {}
            }
            out.push(b);
        }
        out
    }

    /// A function reset: the board is back on the bus, nothing armed.
    pub fn on_function_reset(&mut self) {
        self.off_bus = false;
        self.msm_job = None;
        self.ntt_job = None;
        self.ntt_active = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_rates_and_name_what_is_wrong() {
        let s: FaultSpec = "msm-bitflip:0.25".parse().unwrap();
        assert_eq!((s.kind, s.rate), (FaultKind::MsmBitflip, 0.25));
        let s: FaultSpec = "hang".parse().unwrap();
        assert_eq!((s.kind, s.rate), (FaultKind::Hang, 1.0));
        let e = "melt".parse::<FaultSpec>().unwrap_err();
        assert!(
            e.contains("unknown fault") && e.contains("transfer-error"),
            "{e}"
        );
        assert!("hang:2"
            .parse::<FaultSpec>()
            .unwrap_err()
            .contains("between 0 and 1"));
        assert!("hang:x"
            .parse::<FaultSpec>()
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn a_bitflip_hits_one_bit_of_one_readout_beat() {
        let mut f = FaultInjector::new(vec!["msm-bitflip".parse().unwrap()], 7);
        f.on_write(regmap::MSM_READOUT_COUNT.offset, 4);
        f.on_write(regmap::MSM_MODE.offset, mode::READOUT);
        f.on_write(regmap::MSM_CONTROL.offset, msm_control::START_READOUT);
        let clean = vec![[0u64; 8]; 12];
        let out = f.on_output(clean.clone());
        let flipped: u32 = out.iter().flatten().map(|w| w.count_ones()).sum();
        assert_eq!(flipped, 1);
        assert_eq!(f.counts().of(FaultKind::MsmBitflip), 1);
        // Loopback beats are never touched.
        f.on_write(regmap::MSM_MODE.offset, mode::LOOPBACK);
        assert_eq!(f.on_output(clean.clone()), clean);
    }

    #[test]
    fn rate_zero_never_hits_and_rate_one_always() {
        let mut never = FaultInjector::new(vec!["ntt-bitflip:0".parse().unwrap()], 1);
        let mut always = FaultInjector::new(vec!["ntt-bitflip".parse().unwrap()], 1);
        for f in [&mut never, &mut always] {
            for _ in 0..100 {
                f.on_write(regmap::NTT_CONFIG.offset, 4);
                f.on_write(regmap::NTT_CONTROL.offset, ntt_control::START);
                f.on_output(vec![[0; 8]; 8]);
            }
        }
        assert_eq!(never.counts().total(), 0);
        assert_eq!(always.counts().of(FaultKind::NttBitflip), 100);
    }

    #[test]
    fn hang_holds_status_until_soft_reset_and_all_ones_until_function_reset() {
        let mut f = FaultInjector::new(vec!["hang".parse().unwrap()], 3);
        f.on_write(regmap::NTT_CONFIG.offset, 4);
        f.on_write(regmap::NTT_CONTROL.offset, ntt_control::START);
        assert_eq!(f.on_read(regmap::NTT_STATUS.offset, ntt_status::IDLE), 0);
        assert!(f.on_output(vec![[1; 8]; 8]).is_empty());
        f.on_write(regmap::CONTROL.offset, regmap::control::SOFT_RESET);
        assert_eq!(
            f.on_read(regmap::NTT_STATUS.offset, ntt_status::IDLE),
            ntt_status::IDLE
        );
        let mut g = FaultInjector::new(vec!["all-ones".parse().unwrap()], 3);
        g.on_write(regmap::NTT_CONFIG.offset, 4);
        g.on_write(regmap::NTT_CONTROL.offset, ntt_control::START);
        assert_eq!(g.on_read(regmap::MAGIC.offset, 0x1234), u32::MAX);
        g.on_write(regmap::CONTROL.offset, regmap::control::SOFT_RESET);
        assert_eq!(g.on_read(regmap::MAGIC.offset, 0x1234), u32::MAX);
        g.on_function_reset();
        assert_eq!(g.on_read(regmap::MAGIC.offset, 0x1234), 0x1234);
    }
}
