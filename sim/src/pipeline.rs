//! Driving a pipelined two-operand datapath (`a`, `b`, `in_valid` → `out`,
//! `out_valid`): the field adders, subtractors and Montgomery multipliers.

use crate::{Model, PortId, SimError};

/// What one streamed batch produced.
#[derive(Debug)]
pub struct BatchResult {
    /// One result per operand pair, in order, as 64-bit limbs.
    pub outputs: Vec<Vec<u64>>,
    /// Cycles from the first operand to the last result.
    pub cycles: u64,
    /// Cycles from presenting the first operand to its result (the measured latency).
    pub latency: u64,
    /// Cycles in which an operand pair was accepted, over all cycles of the batch.
    pub input_cycles: u64,
}

/// A pipelined binary operator on the simulator.
pub struct BinaryOpPipe {
    pub model: Model,
    a: PortId,
    b: PortId,
    in_valid: PortId,
    out: PortId,
    out_valid: PortId,
}

impl BinaryOpPipe {
    pub fn new(design: &str) -> Result<Self, SimError> {
        let model = Model::new(design)?;
        Ok(Self {
            a: model.port("a")?,
            b: model.port("b")?,
            in_valid: model.port("in_valid")?,
            out: model.port("out")?,
            out_valid: model.port("out_valid")?,
            model,
        })
    }

    /// Streams `pairs` at one pair per cycle and collects every result. Fails if the
    /// pipeline drops, duplicates or delays results beyond its declared latency.
    pub fn run(&mut self, pairs: &[(&[u64], &[u64])]) -> Result<BatchResult, SimError> {
        let declared = self.model.info().latency.unwrap_or(0) as u64;
        let limit = pairs.len() as u64 + declared + 8;
        let start = self.model.cycles();
        let mut outputs = Vec::with_capacity(pairs.len());
        let mut first_latency = None;
        let mut fed = 0usize;
        while outputs.len() < pairs.len() {
            if self.model.cycles() - start > limit {
                return Err(SimError::Protocol(format!(
                    "{}: {} of {} results after {} cycles (declared latency {declared})",
                    self.model.info().name,
                    outputs.len(),
                    pairs.len(),
                    self.model.cycles() - start
                )));
            }
            if let Some((a, b)) = pairs.get(fed) {
                self.model.set_limbs(self.a, a)?;
                self.model.set_limbs(self.b, b)?;
                self.model.set_bool(self.in_valid, true)?;
                fed += 1;
            } else {
                self.model.set_bool(self.in_valid, false)?;
            }
            self.model.tick();
            if self.model.get_bool(self.out_valid) {
                if outputs.is_empty() {
                    first_latency = Some(self.model.cycles() - start);
                }
                outputs.push(self.model.get_limbs(self.out));
            }
        }
        // Let the pipeline drain; nothing more may come out.
        self.model.set_bool(self.in_valid, false)?;
        for _ in 0..declared + 2 {
            self.model.tick();
            if self.model.get_bool(self.out_valid) {
                return Err(SimError::Protocol(format!(
                    "{}: a result appeared with no operand left in flight",
                    self.model.info().name
                )));
            }
        }
        Ok(BatchResult {
            outputs,
            cycles: self.model.cycles() - start - (declared + 2),
            latency: first_latency.unwrap_or(0),
            input_cycles: fed as u64,
        })
    }
}
