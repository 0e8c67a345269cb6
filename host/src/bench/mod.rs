//! Benchmarks as library calls: each runs a job on a backend beside the CPU references
//! in the same run, checks every result, and returns a report (printed by the command
//! line, serialized for `--json`).
//!
//! * [`msm`]: `zkaccel bench msm`.
//! * [`ntt`]: `zkaccel bench ntt`.
//! * [`prove`]: `zkaccel bench prove`.
//! * [`boards`]: `zkaccel bench boards`, one board against several.
//! * `faults` (with the `sim` feature): `zkaccel bench faults`, the fault campaign.

pub mod boards;
#[cfg(feature = "sim")]
pub mod faults;
pub mod msm;
pub mod ntt;
pub mod prove;

/// Repetitions of a CPU comparison at 2^log (fewer for the large sizes).
pub fn cpu_reps(log: u32) -> usize {
    match log {
        0..=16 => 7,
        17..=20 => 5,
        _ => 2,
    }
}

/// The median (the mean of the middle two for an even count); 0 for none.
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Runs `ours` and `theirs` `reps` times each, alternating which goes first; their
/// times (whatever unit they return), in run order.
pub fn alternate<E>(
    reps: usize,
    mut ours: impl FnMut() -> Result<f64, E>,
    mut theirs: impl FnMut() -> f64,
) -> Result<(Vec<f64>, Vec<f64>), E> {
    let (mut a, mut b) = (vec![], vec![]);
    for i in 0..reps {
        if i % 2 == 0 {
            a.push(ours()?);
            b.push(theirs());
        } else {
            b.push(theirs());
            a.push(ours()?);
        }
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(super::median(&[]), 0.0);
    }
}
