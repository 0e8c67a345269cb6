//! The in-process simulator transport: register accesses become AXI4-Lite
//! transactions on the Verilator model of the card.

use crate::{DriverError, RegisterBus};
use zkaccel_sim::card::CardSim;
use zkaccel_spec::{bus::resp, regmap};

pub struct SimCard {
    pub card: CardSim,
    /// Output beats taken from the card while writing, not read yet.
    produced: std::collections::VecDeque<crate::Beat>,
}

impl SimCard {
    pub fn new() -> Result<Self, DriverError> {
        let card = CardSim::new().map_err(|e| DriverError::Transport {
            device: "sim".into(),
            what: "the simulator".into(),
            source: e.into(),
        })?;
        Ok(Self {
            card,
            produced: Default::default(),
        })
    }

    /// The simulator with faults injected at the card's AXI boundary
    /// (`zkaccel_sim::fault`).
    pub fn with_faults(faults: zkaccel_sim::fault::FaultInjector) -> Result<Self, DriverError> {
        let mut s = Self::new()?;
        s.card.set_faults(faults);
        Ok(s)
    }
}

impl crate::Device for SimCard {
    fn data_write(&mut self, beats: &[crate::Beat]) -> Result<(), DriverError> {
        let out = self.card.send(beats).map_err(|e| DriverError::Transport {
            device: "sim".into(),
            what: "the simulator".into(),
            source: e.into(),
        })?;
        self.produced.extend(out);
        Ok(())
    }
    fn data_read(&mut self, n: usize) -> Result<Vec<crate::Beat>, DriverError> {
        let missing = n.saturating_sub(self.produced.len());
        if missing > 0 {
            let more = self
                .card
                .receive(missing)
                .map_err(|e| DriverError::Transport {
                    device: "sim".into(),
                    what: "the simulator".into(),
                    source: e.into(),
                })?;
            self.produced.extend(more);
        }
        if self.produced.len() < n {
            return Err(DriverError::Unresponsive {
                device: "sim".into(),
                reason: format!(
                    "the card produced {} of the {n} data beats asked for",
                    self.produced.len()
                ),
            });
        }
        Ok(self.produced.drain(..n).collect())
    }
    fn data_loopback(&mut self, beats: &[crate::Beat]) -> Result<Vec<crate::Beat>, DriverError> {
        let out = self
            .card
            .stream(beats, |_| true)
            .map_err(|e| DriverError::Transport {
                device: self.device(),
                what: "the simulator".into(),
                source: e.into(),
            })?;
        Ok(out.into_iter().map(|(b, _)| b).collect())
    }
    fn function_reset(&mut self) -> Result<(), DriverError> {
        self.produced.clear();
        self.card
            .function_reset()
            .map_err(|e| DriverError::Transport {
                device: "sim".into(),
                what: "the simulator".into(),
                source: e.into(),
            })
    }
}

impl RegisterBus for SimCard {
    fn device(&self) -> String {
        "sim".into()
    }
    fn read32(&mut self, reg: &'static regmap::Register) -> Result<u32, DriverError> {
        let (v, r) = self
            .card
            .read(reg.offset)
            .map_err(|e| DriverError::Transport {
                device: self.device(),
                what: "the simulator".into(),
                source: e.into(),
            })?;
        if r != resp::OKAY {
            return Err(DriverError::BusError {
                name: reg.name,
                offset: reg.offset,
                resp: r,
            });
        }
        Ok(v)
    }
    fn write32(&mut self, reg: &'static regmap::Register, value: u32) -> Result<(), DriverError> {
        let r = self
            .card
            .write(reg.offset, value, 0xF)
            .map_err(|e| DriverError::Transport {
                device: self.device(),
                what: "the simulator".into(),
                source: e.into(),
            })?;
        if r != resp::OKAY {
            return Err(DriverError::BusError {
                name: reg.name,
                offset: reg.offset,
                resp: r,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{identify, read_cycles};

    #[test]
    fn simulated_card_identifies_and_counts() {
        let mut c = SimCard::new().unwrap();
        let id = identify(&mut c).unwrap();
        assert_eq!(id.version, regmap::VERSION_VALUE);
        let a = read_cycles(&mut c).unwrap();
        let b = read_cycles(&mut c).unwrap();
        assert!(b > a);
        c.write32(&regmap::SCRATCH, 0x1234_5678).unwrap();
        assert_eq!(c.read32(&regmap::SCRATCH).unwrap(), 0x1234_5678);
        let e = c.write32(&regmap::MAGIC, 0).unwrap_err();
        assert!(
            matches!(
                e,
                DriverError::BusError {
                    name: "MAGIC",
                    resp: 0b10,
                    ..
                }
            ),
            "{e}"
        );
    }
}
