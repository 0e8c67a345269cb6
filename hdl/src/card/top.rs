//! The card top level: a 32-bit AXI4-Lite register port (`s_axil_*`) and a 512-bit
//! data port (`s_data_*` host→card, `m_data_*` card→host), clock and synchronous
//! active-high reset. The shells (AWS F1/F2 CL wrapper, Alveo XDMA) connect to these.
//!
//! Engines: the MSM unit and the NTT unit. The data port belongs to an NTT job from
//! its START to its last output beat; otherwise MSM_MODE routes it to the loopback
//! (0) or to the MSM unit.

use super::axil_regfile::AxilRegFile;
use super::data_port::{Beat, DataLoopback};
use crate::msm::msm_unit::MsmUnit;
use crate::ntt::ntt_unit::NttUnit;
use crate::spec::bus::{AXIL_ADDR_BITS, AXIL_DATA_BITS, AXIL_STRB_BITS};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct Card {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub s_axil_awaddr: Signal<In, Bits<AXIL_ADDR_BITS>>,
    pub s_axil_awvalid: Signal<In, Bit>,
    pub s_axil_awready: Signal<Out, Bit>,
    pub s_axil_wdata: Signal<In, Bits<AXIL_DATA_BITS>>,
    pub s_axil_wstrb: Signal<In, Bits<AXIL_STRB_BITS>>,
    pub s_axil_wvalid: Signal<In, Bit>,
    pub s_axil_wready: Signal<Out, Bit>,
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    pub s_axil_bvalid: Signal<Out, Bit>,
    pub s_axil_bready: Signal<In, Bit>,
    pub s_axil_araddr: Signal<In, Bits<AXIL_ADDR_BITS>>,
    pub s_axil_arvalid: Signal<In, Bit>,
    pub s_axil_arready: Signal<Out, Bit>,
    pub s_axil_rdata: Signal<Out, Bits<AXIL_DATA_BITS>>,
    pub s_axil_rresp: Signal<Out, Bits<2>>,
    pub s_axil_rvalid: Signal<Out, Bit>,
    pub s_axil_rready: Signal<In, Bit>,
    pub s_data_tdata: Signal<In, Beat>,
    pub s_data_tlast: Signal<In, Bit>,
    pub s_data_tvalid: Signal<In, Bit>,
    pub s_data_tready: Signal<Out, Bit>,
    pub m_data_tdata: Signal<Out, Beat>,
    pub m_data_tlast: Signal<Out, Bit>,
    pub m_data_tvalid: Signal<Out, Bit>,
    pub m_data_tready: Signal<In, Bit>,
    regs: AxilRegFile,
    data: DataLoopback,
    msm: MsmUnit,
    ntt: NttUnit,
    /// Data port routing: an NTT job holds it; else MSM_MODE chooses the loopback (0)
    /// or the MSM unit.
    to_ntt: Signal<Local, Bit>,
    to_msm: Signal<Local, Bit>,
    loopback: Signal<Local, Bit>,
}

impl Card {
    pub fn new(design_hash: u64) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            s_axil_awaddr: Default::default(),
            s_axil_awvalid: Default::default(),
            s_axil_awready: Default::default(),
            s_axil_wdata: Default::default(),
            s_axil_wstrb: Default::default(),
            s_axil_wvalid: Default::default(),
            s_axil_wready: Default::default(),
            s_axil_bresp: Default::default(),
            s_axil_bvalid: Default::default(),
            s_axil_bready: Default::default(),
            s_axil_araddr: Default::default(),
            s_axil_arvalid: Default::default(),
            s_axil_arready: Default::default(),
            s_axil_rdata: Default::default(),
            s_axil_rresp: Default::default(),
            s_axil_rvalid: Default::default(),
            s_axil_rready: Default::default(),
            s_data_tdata: Default::default(),
            s_data_tlast: Default::default(),
            s_data_tvalid: Default::default(),
            s_data_tready: Default::default(),
            m_data_tdata: Default::default(),
            m_data_tlast: Default::default(),
            m_data_tvalid: Default::default(),
            m_data_tready: Default::default(),
            regs: AxilRegFile::new(design_hash),
            data: DataLoopback::default(),
            msm: MsmUnit::default(),
            ntt: NttUnit::default(),
            to_ntt: Default::default(),
            to_msm: Default::default(),
            loopback: Default::default(),
        }
    }
}

impl Logic for Card {
    #[hdl_gen]
    fn update(&mut self) {
        self.regs.clock.next = self.clock.val();
        self.regs.reset.next = self.reset.val();
        self.regs.awaddr.next = self.s_axil_awaddr.val();
        self.regs.awvalid.next = self.s_axil_awvalid.val();
        self.s_axil_awready.next = self.regs.awready.val();
        self.regs.wdata.next = self.s_axil_wdata.val();
        self.regs.wstrb.next = self.s_axil_wstrb.val();
        self.regs.wvalid.next = self.s_axil_wvalid.val();
        self.s_axil_wready.next = self.regs.wready.val();
        self.s_axil_bresp.next = self.regs.bresp.val();
        self.s_axil_bvalid.next = self.regs.bvalid.val();
        self.regs.bready.next = self.s_axil_bready.val();
        self.regs.araddr.next = self.s_axil_araddr.val();
        self.regs.arvalid.next = self.s_axil_arvalid.val();
        self.s_axil_arready.next = self.regs.arready.val();
        self.s_axil_rdata.next = self.regs.rdata.val();
        self.s_axil_rresp.next = self.regs.rresp.val();
        self.s_axil_rvalid.next = self.regs.rvalid.val();
        self.regs.rready.next = self.s_axil_rready.val();

        // Engine registers, each decoded by its unit.
        self.msm.clock.next = self.clock.val();
        self.msm.reset.next = self.reset.val() | self.regs.soft_reset.val();
        self.msm.reg_raddr.next = self.s_axil_araddr.val();
        self.msm.reg_waddr.next = self.s_axil_awaddr.val();
        self.msm.reg_write.next = self.regs.ext_write.val();
        self.msm.reg_wdata.next = self.regs.ext_wdata.val();
        self.msm.reg_wmask.next = self.regs.ext_wmask.val();
        self.ntt.clock.next = self.clock.val();
        self.ntt.reset.next = self.reset.val() | self.regs.soft_reset.val();
        self.ntt.reg_raddr.next = self.s_axil_araddr.val();
        self.ntt.reg_waddr.next = self.s_axil_awaddr.val();
        self.ntt.reg_write.next = self.regs.ext_write.val();
        self.ntt.reg_wdata.next = self.regs.ext_wdata.val();
        self.ntt.reg_wmask.next = self.regs.ext_wmask.val();
        // Each unit's read data is 0 unless the address is its own.
        self.regs.ext_rdata.next = self.msm.reg_rdata.val() | self.ntt.reg_rdata.val();
        self.regs.ext_rhit.next = self.msm.reg_rhit.val() | self.ntt.reg_rhit.val();
        self.regs.ext_whit.next = self.msm.reg_whit.val() | self.ntt.reg_whit.val();
        self.regs.ext_wro.next = self.msm.reg_wro.val() | self.ntt.reg_wro.val();

        // The data port: an NTT job, else routed by MSM_MODE.
        self.to_ntt.next = self.ntt.active.val();
        self.to_msm.next = (!self.ntt.active.val()) & self.msm.mode.val().any();
        self.loopback.next = (!self.ntt.active.val()) & (!self.msm.mode.val().any());
        self.data.clock.next = self.clock.val();
        self.data.reset.next = self.reset.val() | self.regs.soft_reset.val();
        self.data.s_tdata.next = self.s_data_tdata.val();
        self.data.s_tlast.next = self.s_data_tlast.val();
        self.data.s_tvalid.next = self.s_data_tvalid.val() & self.loopback.val();
        self.msm.s_tdata.next = self.s_data_tdata.val();
        self.msm.s_tvalid.next = self.s_data_tvalid.val() & self.to_msm.val();
        self.ntt.s_tdata.next = self.s_data_tdata.val();
        self.ntt.s_tvalid.next = self.s_data_tvalid.val() & self.to_ntt.val();
        self.data.m_tready.next = self.m_data_tready.val() & self.loopback.val();
        self.msm.m_tready.next = self.m_data_tready.val() & self.to_msm.val();
        self.ntt.m_tready.next = self.m_data_tready.val() & self.to_ntt.val();
        if self.to_ntt.val() {
            self.s_data_tready.next = self.ntt.s_tready.val();
            self.m_data_tdata.next = self.ntt.m_tdata.val();
            self.m_data_tlast.next = self.ntt.m_tlast.val();
            self.m_data_tvalid.next = self.ntt.m_tvalid.val();
        } else if self.to_msm.val() {
            self.s_data_tready.next = self.msm.s_tready.val();
            self.m_data_tdata.next = self.msm.m_tdata.val();
            self.m_data_tlast.next = self.msm.m_tlast.val();
            self.m_data_tvalid.next = self.msm.m_tvalid.val();
        } else {
            self.s_data_tready.next = self.data.s_tready.val();
            self.m_data_tdata.next = self.data.m_tdata.val();
            self.m_data_tlast.next = self.data.m_tlast.val();
            self.m_data_tvalid.next = self.data.m_tvalid.val();
        }
        self.regs.data_beat.next = self.s_data_tvalid.val() & self.s_data_tready.val();
    }
}
