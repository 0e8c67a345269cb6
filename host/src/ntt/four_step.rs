//! The **four-step** method: a transform of n = n1·n2 elements from transforms of n1
//! and n2 elements, with the sub-transforms run by the caller (one card, or spread
//! over several boards by [`crate::board_pool`]).
//!
//! With input index `i = n2·a + b` and output index `k = c + n1·d`,
//! 1. n2 transforms of size n1 over the columns `x[n2·a + b]` (fixed b);
//! 2. entry (b, c) multiplied by ω_n^(b·c) (ω_n^(−b·c) for the inverse);
//! 3. n1 transforms of size n2 over the rows (fixed c);
//! 4. a transpose: output `c + n1·d` is row c's element d.
//!
//! The inverse sub-transforms each carry their own 1/n1, 1/n2. Coset factors are
//! applied around the four steps (`x_i·g^i` before a forward transform, `y_i·g^(−i)`
//! after an inverse one): n multiplications, like the twiddle step, so the host does
//! O(n) work and the sub-transforms the O(n log n).

use super::NttKind;
use ark_bls12_381::Fr;
use ark_ff::{FftField, Field, One};
use std::time::{Duration, Instant};

/// The four-step split of 2^log: `(n1, n2)` = (2^⌈log/2⌉, 2^⌊log/2⌋).
pub fn four_step_split(log: u32) -> (usize, usize) {
    (1usize << log.div_ceil(2), 1usize << (log / 2))
}

/// The transform `kind` of `values` (length n1·n2, from [`four_step_split`]) in place.
/// `transform` runs plain (non-coset) transforms of the same direction on a batch of
/// equal-length vectors in place: first the n2 columns, then the n1 rows. Returns the
/// time spent in the host's steps (twiddles, transposes, coset factors).
pub fn four_step<E>(
    values: &mut [Fr],
    kind: NttKind,
    mut transform: impl FnMut(&mut [Vec<Fr>], NttKind) -> Result<(), E>,
) -> Result<Duration, E> {
    let n = values.len();
    assert!(
        n.is_power_of_two() && n >= 4,
        "the caller checks the domain"
    );
    let (n1, n2) = four_step_split(n.trailing_zeros());
    let plain = NttKind {
        inverse: kind.inverse,
        coset: false,
    };
    let mut host = Duration::ZERO;
    let t = Instant::now();
    if kind.coset && !kind.inverse {
        scale_by_powers(values, Fr::GENERATOR);
    }
    // 1. Columns: column b is x[n2·a + b] over a.
    let mut columns: Vec<Vec<Fr>> = (0..n2)
        .map(|b| (0..n1).map(|a| values[n2 * a + b]).collect())
        .collect();
    host += t.elapsed();
    transform(&mut columns, plain)?;
    // 2. Twiddles ω_n^(±b·c), gathered into rows: row c is column b's element c.
    let t = Instant::now();
    let mut w = Fr::get_root_of_unity(n as u64).expect("n ≤ 2^32");
    if kind.inverse {
        w = w.inverse().expect("ω ≠ 0");
    }
    let mut wb = Fr::one(); // ω^b
    for column in columns.iter_mut() {
        let mut f = Fr::one(); // ω^(b·c)
        for v in column.iter_mut() {
            *v *= f;
            f *= wb;
        }
        wb *= w;
    }
    let mut rows: Vec<Vec<Fr>> = (0..n1)
        .map(|c| columns.iter().map(|column| column[c]).collect())
        .collect();
    drop(columns);
    host += t.elapsed();
    // 3. Rows; 4. output c + n1·d is row c's element d.
    transform(&mut rows, plain)?;
    let t = Instant::now();
    for (c, row) in rows.iter().enumerate() {
        for (d, v) in row.iter().enumerate() {
            values[c + n1 * d] = *v;
        }
    }
    if kind.coset && kind.inverse {
        scale_by_powers(values, Fr::GENERATOR.inverse().expect("g ≠ 0"));
    }
    host += t.elapsed();
    Ok(host)
}

/// `values[i] *= h^i`.
fn scale_by_powers(values: &mut [Fr], h: Fr) {
    let mut f = Fr::one();
    for v in values.iter_mut() {
        *v *= f;
        f *= h;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn equals_the_cpu_transform_for_every_kind() {
        let mut rng = ark_std::test_rng();
        for log in [2u32, 3, 6, 7] {
            for kind in [
                NttKind::FFT,
                NttKind::IFFT,
                NttKind::COSET_FFT,
                NttKind::COSET_IFFT,
            ] {
                let input: Vec<Fr> = (0..1usize << log).map(|_| Fr::rand(&mut rng)).collect();
                let mut want = input.clone();
                super::super::cpu_ntt(&mut want, kind).unwrap();
                let mut got = input.clone();
                let mut sizes = vec![];
                four_step(&mut got, kind, |vs, k| {
                    sizes.push((vs.len(), vs[0].len()));
                    for v in vs.iter_mut() {
                        super::super::cpu_ntt(v, k)?;
                    }
                    Ok::<_, super::super::NttError>(())
                })
                .unwrap();
                assert_eq!(got, want, "2^{log} {kind:?}");
                let (n1, n2) = four_step_split(log);
                assert_eq!(sizes, vec![(n2, n1), (n1, n2)]);
            }
        }
    }
}
