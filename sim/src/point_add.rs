//! Driving the G1 point adder model (`g1_add`): `(X1:Y1:Z1) + (x2, y2)` in
//! homogeneous projective / affine Montgomery words, one addition per cycle, with a
//! tag that must come back with its result.

use crate::{Model, PortId, SimError};

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
    pub model: Model,
    inputs: [PortId; 5],
    outputs: [PortId; 3],
    in_valid: PortId,
    in_tag: PortId,
    out_valid: PortId,
    out_tag: PortId,
}

fn word(v: Vec<u64>) -> FqWord {
    let mut w = [0u64; 6];
    w.copy_from_slice(&v[..6]);
    w
}

impl PointAddPipe {
    pub fn new() -> Result<Self, SimError> {
        let model = Model::new("g1_add")?;
        Ok(Self {
            inputs: [
                model.port("x1")?,
                model.port("y1")?,
                model.port("z1")?,
                model.port("x2")?,
                model.port("y2")?,
            ],
            outputs: [model.port("x3")?, model.port("y3")?, model.port("z3")?],
            in_valid: model.port("in_valid")?,
            in_tag: model.port("in_tag")?,
            out_valid: model.port("out_valid")?,
            out_tag: model.port("out_tag")?,
            model,
        })
    }

    /// Streams the additions at one per cycle (tag = index mod 2^16) and checks that
    /// every result comes back once, in order, with its tag.
    pub fn run(&mut self, adds: &[AddInput]) -> Result<PointAddRun, SimError> {
        let declared = self.model.info().latency.unwrap_or(0) as u64;
        let start = self.model.cycles();
        let limit = adds.len() as u64 + declared + 8;
        let mut outputs = Vec::with_capacity(adds.len());
        let mut latency = 0;
        let mut fed = 0usize;
        while outputs.len() < adds.len() {
            if self.model.cycles() - start > limit {
                return Err(SimError::Protocol(format!(
                    "g1_add: {} of {} results after {} cycles",
                    outputs.len(),
                    adds.len(),
                    self.model.cycles() - start
                )));
            }
            if let Some(a) = adds.get(fed) {
                for (port, w) in self.inputs.iter().zip(a.p1.iter().chain(a.p2.iter())) {
                    self.model.set_limbs(*port, w)?;
                }
                self.model.set_bool(self.in_valid, true)?;
                self.model.set_u64(self.in_tag, (fed & 0xffff) as u64)?;
                fed += 1;
            } else {
                self.model.set_bool(self.in_valid, false)?;
            }
            self.model.tick();
            if self.model.get_bool(self.out_valid) {
                let k = outputs.len();
                let tag = self.model.get_u64(self.out_tag);
                if tag != (k & 0xffff) as u64 {
                    return Err(SimError::Protocol(format!(
                        "g1_add: result {k} came back with tag {tag}"
                    )));
                }
                if k == 0 {
                    latency = self.model.cycles() - start;
                }
                outputs.push([
                    word(self.model.get_limbs(self.outputs[0])),
                    word(self.model.get_limbs(self.outputs[1])),
                    word(self.model.get_limbs(self.outputs[2])),
                ]);
            }
        }
        let cycles = self.model.cycles() - start;
        self.model.set_bool(self.in_valid, false)?;
        for _ in 0..declared + 2 {
            self.model.tick();
            if self.model.get_bool(self.out_valid) {
                return Err(SimError::Protocol(
                    "g1_add: a result appeared with no addition in flight".into(),
                ));
            }
        }
        Ok(PointAddRun {
            outputs,
            latency,
            cycles,
        })
    }
}
