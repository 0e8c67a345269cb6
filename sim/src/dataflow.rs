//! Driving any design generated from a dataflow graph (`zkaccel_hdl::ec::dataflow`):
//! named word inputs, named word outputs, `in_valid`/`in_tag` → `out_valid`/`out_tag`,
//! one input set per cycle.

use crate::{Model, PortId, SimError};

pub struct DataflowPipe {
    pub model: Model,
    inputs: Vec<PortId>,
    outputs: Vec<PortId>,
    in_valid: PortId,
    in_tag: PortId,
    out_valid: PortId,
    out_tag: PortId,
}

/// Results of a streamed batch.
#[derive(Debug)]
pub struct DataflowRun {
    /// Per input set, the output words (limbs) in output order.
    pub outputs: Vec<Vec<Vec<u64>>>,
    pub latency: u64,
    pub cycles: u64,
}

impl DataflowPipe {
    pub fn new(design: &str, inputs: &[&str], outputs: &[&str]) -> Result<Self, SimError> {
        let model = Model::new(design)?;
        Ok(Self {
            inputs: inputs
                .iter()
                .map(|n| model.port(n))
                .collect::<Result<_, _>>()?,
            outputs: outputs
                .iter()
                .map(|n| model.port(n))
                .collect::<Result<_, _>>()?,
            in_valid: model.port("in_valid")?,
            in_tag: model.port("in_tag")?,
            out_valid: model.port("out_valid")?,
            out_tag: model.port("out_tag")?,
            model,
        })
    }

    /// Streams the input sets at one per cycle; every result must come back once, in
    /// order, with its tag (index mod 2^16), and nothing may follow the last one.
    pub fn run(&mut self, sets: &[Vec<Vec<u64>>]) -> Result<DataflowRun, SimError> {
        let declared = self.model.info().latency.unwrap_or(0) as u64;
        let start = self.model.cycles();
        let limit = sets.len() as u64 + declared + 8;
        let mut outputs = Vec::with_capacity(sets.len());
        let mut latency = 0;
        let mut fed = 0usize;
        while outputs.len() < sets.len() {
            if self.model.cycles() - start > limit {
                return Err(SimError::Protocol(format!(
                    "{}: {} of {} results after {} cycles",
                    self.model.info().name,
                    outputs.len(),
                    sets.len(),
                    self.model.cycles() - start
                )));
            }
            if let Some(set) = sets.get(fed) {
                for (port, w) in self.inputs.iter().zip(set) {
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
                        "{}: result {k} came back with tag {tag}",
                        self.model.info().name
                    )));
                }
                if k == 0 {
                    latency = self.model.cycles() - start;
                }
                outputs.push(
                    self.outputs
                        .iter()
                        .map(|p| self.model.get_limbs(*p))
                        .collect(),
                );
            }
        }
        Ok(DataflowRun {
            outputs,
            latency,
            cycles: self.model.cycles() - start,
        })
    }
}
