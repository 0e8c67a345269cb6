//! NTTs over BLS12-381 Fr matching ark-poly's `Radix2EvaluationDomain`: `fft`, `ifft`,
//! and their coset forms over `get_coset(GENERATOR)` (the multiplicative generator of
//! Fr, 7).
//!
//! The CPU path is ark-poly itself (built with `parallel`: rayon on all cores); a card's NTT unit ([`device`]) runs one job up to
//! the card's size and the four-step method beyond it; [`crate::Accelerator`] chooses
//! between them. A card that cannot run a transform is an error, never a silent
//! fall-back to the CPU.
//!
//! * [`device`]: the card job, the four-step method.
//! * [`cycle_model`]: the card's modelled cycles per transform.

pub mod cycle_model;
pub mod device;
pub mod four_step;

use ark_bls12_381::Fr;
use ark_ff::FftField;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use std::time::{Duration, Instant};

/// Which transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NttKind {
    pub inverse: bool,
    pub coset: bool,
}

impl NttKind {
    pub const FFT: NttKind = NttKind {
        inverse: false,
        coset: false,
    };
    pub const IFFT: NttKind = NttKind {
        inverse: true,
        coset: false,
    };
    pub const COSET_FFT: NttKind = NttKind {
        inverse: false,
        coset: true,
    };
    pub const COSET_IFFT: NttKind = NttKind {
        inverse: true,
        coset: true,
    };
}

#[derive(Debug, thiserror::Error)]
pub enum NttError {
    #[error(
        "{len} values: an NTT needs a power-of-two length (the nearest are {below} and {above})"
    )]
    NotPowerOfTwo {
        len: usize,
        below: usize,
        above: usize,
    },
    #[error("{len} values: larger than Fr's largest radix-2 domain (2^32)")]
    TooLarge { len: usize },
    #[error("no values")]
    Empty,
    #[error(transparent)]
    Device(#[from] device::DeviceNttError),
    #[error(transparent)]
    Driver(#[from] zkaccel_driver::DriverError),
}

/// The domain of `n` points, or why there is none.
pub fn domain(n: usize) -> Result<Radix2EvaluationDomain<Fr>, NttError> {
    if n == 0 {
        return Err(NttError::Empty);
    }
    if !n.is_power_of_two() {
        let below = 1usize << (usize::BITS - 1 - n.leading_zeros());
        return Err(NttError::NotPowerOfTwo {
            len: n,
            below,
            above: below * 2,
        });
    }
    Radix2EvaluationDomain::<Fr>::new(n).ok_or(NttError::TooLarge { len: n })
}

/// The transform on the CPU (ark-poly, built with its `parallel` feature: rayon on all
/// cores), in place.
pub fn cpu_ntt(values: &mut Vec<Fr>, kind: NttKind) -> Result<Duration, NttError> {
    let mut d = domain(values.len())?;
    if kind.coset {
        d = d
            .get_coset(Fr::GENERATOR)
            .expect("the generator is not in the subgroup");
    }
    let t = Instant::now();
    if kind.inverse {
        d.ifft_in_place(values);
    } else {
        d.fft_in_place(values);
    }
    Ok(t.elapsed())
}

/// What a transform cost.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NttRun {
    #[serde(rename = "wall_time_s", serialize_with = "crate::report::seconds")]
    pub wall: Duration,
    /// The card's figures (card backends).
    pub card: Option<device::NttStats>,
}

impl NttRun {
    /// Two transforms run one after the other: times and card figures summed.
    pub fn merged(&self, other: &NttRun) -> NttRun {
        let card = match (&self.card, &other.card) {
            (Some(a), Some(b)) => {
                let mut sum = a.clone();
                sum.add(b);
                Some(sum)
            }
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        NttRun {
            wall: self.wall + other.wall,
            card,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};

    #[test]
    fn matches_ark_poly_and_round_trips() {
        let mut rng = ark_std::test_rng();
        for k in 1..=8 {
            let n = 1usize << k;
            let v: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let c = d.get_coset(Fr::GENERATOR).unwrap();
            for (kind, want) in [
                (
                    NttKind {
                        inverse: false,
                        coset: false,
                    },
                    d.fft(&v),
                ),
                (
                    NttKind {
                        inverse: true,
                        coset: false,
                    },
                    d.ifft(&v),
                ),
                (
                    NttKind {
                        inverse: false,
                        coset: true,
                    },
                    c.fft(&v),
                ),
                (
                    NttKind {
                        inverse: true,
                        coset: true,
                    },
                    c.ifft(&v),
                ),
            ] {
                let mut got = v.clone();
                cpu_ntt(&mut got, kind).unwrap();
                assert_eq!(got, want, "n = {n}, {kind:?}");
            }
            let mut x = v.clone();
            cpu_ntt(
                &mut x,
                NttKind {
                    inverse: false,
                    coset: true,
                },
            )
            .unwrap();
            cpu_ntt(
                &mut x,
                NttKind {
                    inverse: true,
                    coset: true,
                },
            )
            .unwrap();
            assert_eq!(x, v);
        }
        assert_eq!(Fr::GENERATOR, Fr::from(7u8));
        assert!(!Fr::GENERATOR.is_zero());
    }

    #[test]
    fn lengths_that_are_not_domains() {
        assert!(matches!(domain(0), Err(NttError::Empty)));
        let e = domain(12).unwrap_err().to_string();
        assert!(
            e.contains("power-of-two") && e.contains("8") && e.contains("16"),
            "{e}"
        );
        assert!(domain(1).is_ok());
    }
}
