//! Driving the G1 point adder model (`g1_add`): `(X1:Y1:Z1) + (x2, y2)` in
//! homogeneous projective / affine Montgomery words, one addition per cycle, with a
//! tag that must come back with its result (a [`DataflowPipe`] with named points).

use crate::dataflow::DataflowPipe;
use crate::{Model, SimError};

/// Fq word as six 64-bit limbs (ark-ff's internal Montgomery form).
pub type FqWord = [u64; 6];

/// One addition: `p1 = (X1, Y1, Z1)` projective, `p2 = (x2, y2)` affine.
#[derive(Clone, Copy, Debug)]
pub struct AddInput {
    pub p1: [FqWord; 3],
    pub p2: [FqWord; 2],
}

/// What a batch produced.
#[derive(Debug)]
pub struct PointAddRun {
    /// One `(X3, Y3, Z3)` per input, in order.
    pub outputs: Vec<[FqWord; 3]>,
    /// Cycles from the first input to the first result.
    pub latency: u64,
    /// Cycles from the first input to the last result.
    pub cycles: u64,
}

pub struct PointAddPipe {
    pipe: DataflowPipe,
}

fn word(v: &[u64]) -> FqWord {
    let mut w = [0u64; 6];
    w.copy_from_slice(&v[..6]);
    w
}

impl PointAddPipe {
    pub fn new() -> Result<Self, SimError> {
        let pipe = DataflowPipe::new(
            "g1_add",
            &["x1", "y1", "z1", "x2", "y2"],
            &["x3", "y3", "z3"],
        )?;
        Ok(Self { pipe })
    }

    pub fn model(&self) -> &Model {
        &self.pipe.model
    }

    /// Streams the additions at one per cycle and checks that every result comes back
    /// once, in order, with its tag.
    pub fn run(&mut self, adds: &[AddInput]) -> Result<PointAddRun, SimError> {
        let sets: Vec<Vec<Vec<u64>>> = adds
            .iter()
            .map(|a| a.p1.iter().chain(a.p2.iter()).map(|w| w.to_vec()).collect())
            .collect();
        let run = self.pipe.run(&sets)?;
        let outputs = run
            .outputs
            .iter()
            .map(|o| [word(&o[0]), word(&o[1]), word(&o[2])])
            .collect();
        Ok(PointAddRun {
            outputs,
            latency: run.latency,
            cycles: run.cycles,
        })
    }
}
