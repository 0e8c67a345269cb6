//! The 512-bit bulk data port: an AXI4-Stream slave (host to card) and master (card to
//! host). The shell adapts it: AWS F1's PCIS AXI4 writes/reads or the XDMA H2C/C2H
//! channels (see the driver). In this build it is a loopback through one register
//! stage at full rate, so DMA can be verified end to end before the engines plug in.

use crate::spec::bus::DATA_PORT_BITS;
use rust_hdl::prelude::*;

pub type Beat = Bits<DATA_PORT_BITS>;

#[derive(LogicBlock, Default)]
pub struct DataLoopback {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub s_tdata: Signal<In, Beat>,
    pub s_tlast: Signal<In, Bit>,
    pub s_tvalid: Signal<In, Bit>,
    pub s_tready: Signal<Out, Bit>,
    pub m_tdata: Signal<Out, Beat>,
    pub m_tlast: Signal<Out, Bit>,
    pub m_tvalid: Signal<Out, Bit>,
    pub m_tready: Signal<In, Bit>,
    /// One pulse per accepted input beat.
    pub beat: Signal<Out, Bit>,
    data: DFF<Beat>,
    last: DFF<Bit>,
    valid: DFF<Bit>,
    accept: Signal<Local, Bit>,
}

impl Logic for DataLoopback {
    #[hdl_gen]
    fn update(&mut self) {
        self.data.clock.next = self.clock.val();
        self.last.clock.next = self.clock.val();
        self.valid.clock.next = self.clock.val();
        self.data.d.next = self.data.q.val();
        self.last.d.next = self.last.q.val();
        self.valid.d.next = self.valid.q.val();
        // The stage can take a beat when empty or when its beat leaves this cycle.
        self.s_tready.next = (!self.valid.q.val()) | self.m_tready.val();
        self.accept.next = self.s_tvalid.val() & ((!self.valid.q.val()) | self.m_tready.val());
        if self.accept.val() {
            self.data.d.next = self.s_tdata.val();
            self.last.d.next = self.s_tlast.val();
            self.valid.d.next = true;
        } else if self.m_tready.val() {
            self.valid.d.next = false;
        }
        if self.reset.val() {
            self.valid.d.next = false;
        }
        self.beat.next = self.accept.val();
        self.m_tdata.next = self.data.q.val();
        self.m_tlast.next = self.last.q.val();
        self.m_tvalid.next = self.valid.q.val();
    }
}
