//! Driving the card model: an AXI4-Lite master for the register port and an
//! AXI4-Stream source/sink pair for the data port. Every wait is bounded: a card that
//! stops answering gives an error, never a hang.

use crate::fault::FaultInjector;
use crate::{Model, PortId, SimError};
use zkaccel_spec::bus::DATA_PORT_BITS;

/// Cycles an AXI handshake may take before the card is declared unresponsive.
pub const HANDSHAKE_TIMEOUT_CYCLES: u64 = 1000;
/// Cycles one data beat may wait for the card to take it. An engine may hold the
/// port for long (the MSM engine serialises on one bucket for adversarial digits:
/// 32 digits × the adder latency per beat), so this is far above the handshake limit.
pub const BEAT_TIMEOUT_CYCLES: u64 = 200_000;
/// Cycles of silence after which `receive` stops waiting for more output.
pub const OUTPUT_IDLE_CYCLES: u64 = 256;

struct Ports {
    reset: PortId,
    awaddr: PortId,
    awvalid: PortId,
    awready: PortId,
    wdata: PortId,
    wstrb: PortId,
    wvalid: PortId,
    wready: PortId,
    bresp: PortId,
    bvalid: PortId,
    bready: PortId,
    araddr: PortId,
    arvalid: PortId,
    arready: PortId,
    rdata: PortId,
    rresp: PortId,
    rvalid: PortId,
    rready: PortId,
    s_tdata: PortId,
    s_tlast: PortId,
    s_tvalid: PortId,
    s_tready: PortId,
    m_tdata: PortId,
    m_tlast: PortId,
    m_tvalid: PortId,
    m_tready: PortId,
}

/// The card model with bus-level access.
pub struct CardSim {
    pub model: Model,
    p: Ports,
    /// Faults injected at the AXI boundary (`sim serve --fault`, fault campaigns).
    faults: Option<FaultInjector>,
}

/// A 512-bit data beat as 64-bit little-endian limbs.
pub type Beat = [u64; DATA_PORT_BITS / 64];

impl CardSim {
    /// Instantiates the card and holds it in reset for a few cycles.
    pub fn new() -> Result<Self, SimError> {
        let m = Model::new("card")?;
        let p = Ports {
            reset: m.port("reset")?,
            awaddr: m.port("s_axil_awaddr")?,
            awvalid: m.port("s_axil_awvalid")?,
            awready: m.port("s_axil_awready")?,
            wdata: m.port("s_axil_wdata")?,
            wstrb: m.port("s_axil_wstrb")?,
            wvalid: m.port("s_axil_wvalid")?,
            wready: m.port("s_axil_wready")?,
            bresp: m.port("s_axil_bresp")?,
            bvalid: m.port("s_axil_bvalid")?,
            bready: m.port("s_axil_bready")?,
            araddr: m.port("s_axil_araddr")?,
            arvalid: m.port("s_axil_arvalid")?,
            arready: m.port("s_axil_arready")?,
            rdata: m.port("s_axil_rdata")?,
            rresp: m.port("s_axil_rresp")?,
            rvalid: m.port("s_axil_rvalid")?,
            rready: m.port("s_axil_rready")?,
            s_tdata: m.port("s_data_tdata")?,
            s_tlast: m.port("s_data_tlast")?,
            s_tvalid: m.port("s_data_tvalid")?,
            s_tready: m.port("s_data_tready")?,
            m_tdata: m.port("m_data_tdata")?,
            m_tlast: m.port("m_data_tlast")?,
            m_tvalid: m.port("m_data_tvalid")?,
            m_tready: m.port("m_data_tready")?,
        };
        let mut card = CardSim {
            model: m,
            p,
            faults: None,
        };
        card.reset(4)?;
        Ok(card)
    }

    /// Injects faults at the AXI boundary from now on.
    pub fn set_faults(&mut self, faults: FaultInjector) {
        self.faults = Some(faults);
    }

    /// The fault injector, if any.
    pub fn faults(&self) -> Option<&FaultInjector> {
        self.faults.as_ref()
    }

    /// A function reset as the shell sees it: the card's reset, and a board that fell
    /// off the bus back on it.
    pub fn function_reset(&mut self) -> Result<(), SimError> {
        if let Some(f) = &mut self.faults {
            f.on_function_reset();
        }
        self.reset(4)
    }

    fn faulty_output(&mut self, out: Vec<Beat>) -> Vec<Beat> {
        match &mut self.faults {
            Some(f) => f.on_output(out),
            None => out,
        }
    }

    /// Holds reset for `cycles` cycles with every master signal idle.
    pub fn reset(&mut self, cycles: u64) -> Result<(), SimError> {
        for port in [
            self.p.awvalid,
            self.p.wvalid,
            self.p.bready,
            self.p.arvalid,
            self.p.rready,
            self.p.s_tvalid,
            self.p.m_tready,
        ] {
            self.model.set_bool(port, false)?;
        }
        self.model.set_bool(self.p.reset, true)?;
        for _ in 0..cycles {
            self.model.tick();
        }
        self.model.set_bool(self.p.reset, false)?;
        self.model.tick();
        Ok(())
    }

    fn timeout(&self, what: &str) -> SimError {
        SimError::Protocol(format!(
            "card did not complete {what} within {HANDSHAKE_TIMEOUT_CYCLES} cycles"
        ))
    }

    /// AXI4-Lite write; returns the BRESP code.
    pub fn write(&mut self, addr: u32, data: u32, strb: u8) -> Result<u8, SimError> {
        if let Some(f) = &mut self.faults {
            f.on_write(addr, data);
        }
        let p = &self.p;
        self.model.set_u64(p.awaddr, addr as u64)?;
        self.model.set_u64(p.wdata, data as u64)?;
        self.model.set_u64(p.wstrb, strb as u64)?;
        self.model.set_bool(p.awvalid, true)?;
        self.model.set_bool(p.wvalid, true)?;
        self.model.set_bool(p.bready, true)?;
        let (mut aw_done, mut w_done) = (false, false);
        let mut n = 0;
        while !(aw_done && w_done) {
            self.model.eval();
            let aw = self.model.get_bool(self.p.awready);
            let w = self.model.get_bool(self.p.wready);
            self.model.tick();
            if aw {
                aw_done = true;
                self.model.set_bool(self.p.awvalid, false)?;
            }
            if w {
                w_done = true;
                self.model.set_bool(self.p.wvalid, false)?;
            }
            n += 1;
            if n > HANDSHAKE_TIMEOUT_CYCLES {
                return Err(self.timeout("a register write address/data handshake"));
            }
        }
        loop {
            self.model.eval();
            if self.model.get_bool(self.p.bvalid) {
                let resp = self.model.get_u64(self.p.bresp) as u8;
                self.model.tick();
                self.model.set_bool(self.p.bready, false)?;
                return Ok(resp);
            }
            self.model.tick();
            n += 1;
            if n > HANDSHAKE_TIMEOUT_CYCLES {
                return Err(self.timeout("a register write response"));
            }
        }
    }

    /// AXI4-Lite read; returns (RDATA, RRESP) as the host sees them (see [`Self::set_faults`]).
    pub fn read(&mut self, addr: u32) -> Result<(u32, u8), SimError> {
        let (data, resp) = self.read_card(addr)?;
        Ok(match &mut self.faults {
            Some(f) => (f.on_read(addr, data), resp),
            None => (data, resp),
        })
    }

    fn read_card(&mut self, addr: u32) -> Result<(u32, u8), SimError> {
        self.model.set_u64(self.p.araddr, addr as u64)?;
        self.model.set_bool(self.p.arvalid, true)?;
        self.model.set_bool(self.p.rready, true)?;
        let mut n = 0;
        loop {
            self.model.eval();
            let ready = self.model.get_bool(self.p.arready);
            self.model.tick();
            if ready {
                self.model.set_bool(self.p.arvalid, false)?;
                break;
            }
            n += 1;
            if n > HANDSHAKE_TIMEOUT_CYCLES {
                return Err(self.timeout("a register read address handshake"));
            }
        }
        loop {
            self.model.eval();
            if self.model.get_bool(self.p.rvalid) {
                let data = self.model.get_u64(self.p.rdata) as u32;
                let resp = self.model.get_u64(self.p.rresp) as u8;
                self.model.tick();
                self.model.set_bool(self.p.rready, false)?;
                return Ok((data, resp));
            }
            self.model.tick();
            n += 1;
            if n > HANDSHAKE_TIMEOUT_CYCLES {
                return Err(self.timeout("a register read response"));
            }
        }
    }

    /// Streams `beats` into the data port while draining its output, and returns what
    /// came out (data and TLAST per beat). The sink is ready on the cycles where
    /// `sink_ready(cycle)` is true, to exercise back-pressure.
    pub fn stream(
        &mut self,
        beats: &[Beat],
        sink_ready: impl Fn(u64) -> bool,
    ) -> Result<Vec<(Beat, bool)>, SimError> {
        let mut out = Vec::with_capacity(beats.len());
        let mut sent = 0;
        let mut cycle = 0u64;
        let limit = (beats.len() as u64 + 1) * HANDSHAKE_TIMEOUT_CYCLES;
        while out.len() < beats.len() {
            if let Some(b) = beats.get(sent) {
                self.model.set_limbs(self.p.s_tdata, b)?;
                self.model
                    .set_bool(self.p.s_tlast, sent + 1 == beats.len())?;
                self.model.set_bool(self.p.s_tvalid, true)?;
            } else {
                self.model.set_bool(self.p.s_tvalid, false)?;
            }
            let ready_out = sink_ready(cycle);
            self.model.set_bool(self.p.m_tready, ready_out)?;
            self.model.eval();
            let in_fire = sent < beats.len() && self.model.get_bool(self.p.s_tready);
            if ready_out && self.model.get_bool(self.p.m_tvalid) {
                let limbs = self.model.get_limbs(self.p.m_tdata);
                let mut beat = [0u64; DATA_PORT_BITS / 64];
                beat.copy_from_slice(&limbs);
                out.push((beat, self.model.get_bool(self.p.m_tlast)));
            }
            self.model.tick();
            if in_fire {
                sent += 1;
            }
            cycle += 1;
            if cycle > limit {
                // Leave the ports idle: a beat the card has not taken is withdrawn.
                self.model.set_bool(self.p.s_tvalid, false)?;
                self.model.set_bool(self.p.m_tready, false)?;
                return Err(self.timeout("a data-port transfer"));
            }
        }
        self.model.set_bool(self.p.s_tvalid, false)?;
        self.model.set_bool(self.p.m_tready, false)?;
        Ok(out)
    }

    /// Pushes `beats` into the data port (the card may hold each one up to
    /// [`BEAT_TIMEOUT_CYCLES`]), taking whatever the card outputs meanwhile; then
    /// collects output for as long as it keeps coming. Returns that output.
    pub fn send(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, SimError> {
        let mut out = vec![];
        self.model.set_bool(self.p.m_tready, true)?;
        for (i, b) in beats.iter().enumerate() {
            self.model.set_limbs(self.p.s_tdata, b)?;
            self.model.set_bool(self.p.s_tlast, i + 1 == beats.len())?;
            self.model.set_bool(self.p.s_tvalid, true)?;
            let mut waited = 0u64;
            loop {
                self.model.eval();
                let taken = self.model.get_bool(self.p.s_tready);
                self.collect(&mut out);
                self.model.tick();
                if taken {
                    break;
                }
                waited += 1;
                if waited > BEAT_TIMEOUT_CYCLES {
                    self.model.set_bool(self.p.s_tvalid, false)?;
                    self.model.set_bool(self.p.m_tready, false)?;
                    return Err(SimError::Protocol(format!(
                        "card did not take data beat {i} of {} within {BEAT_TIMEOUT_CYCLES} cycles",
                        beats.len()
                    )));
                }
            }
        }
        self.model.set_bool(self.p.s_tvalid, false)?;
        // Output still in the card's pipeline (the loopback's register stage).
        for _ in 0..4 {
            self.model.eval();
            self.collect(&mut out);
            self.model.tick();
        }
        self.model.set_bool(self.p.m_tready, false)?;
        Ok(self.faulty_output(out))
    }

    /// Takes up to `n` beats from the data port, stopping early when the card has
    /// produced nothing for [`OUTPUT_IDLE_CYCLES`].
    pub fn receive(&mut self, n: usize) -> Result<Vec<Beat>, SimError> {
        self.receive_with(n, |_| true)
    }

    /// [`Self::receive`] with back pressure: in cycle `c` the sink is ready when
    /// `sink_ready(c)`.
    pub fn receive_with(
        &mut self,
        n: usize,
        mut sink_ready: impl FnMut(u64) -> bool,
    ) -> Result<Vec<Beat>, SimError> {
        let mut out = Vec::with_capacity(n);
        self.model.set_bool(self.p.s_tvalid, false)?;
        let (mut idle, mut cycle) = (0u64, 0u64);
        while out.len() < n && idle < OUTPUT_IDLE_CYCLES {
            let ready = sink_ready(cycle);
            self.model.set_bool(self.p.m_tready, ready)?;
            self.model.eval();
            let before = out.len();
            if ready {
                self.collect(&mut out);
            }
            self.model.tick();
            idle = if out.len() > before { 0 } else { idle + 1 };
            cycle += 1;
        }
        self.model.set_bool(self.p.m_tready, false)?;
        Ok(self.faulty_output(out))
    }

    /// Runs the clock for `cycles` with the ports idle.
    pub fn run(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.model.tick();
        }
    }

    fn collect(&mut self, out: &mut Vec<Beat>) {
        if self.model.get_bool(self.p.m_tvalid) {
            let limbs = self.model.get_limbs(self.p.m_tdata);
            let mut beat = [0u64; DATA_PORT_BITS / 64];
            beat.copy_from_slice(&limbs);
            out.push(beat);
        }
    }
}
