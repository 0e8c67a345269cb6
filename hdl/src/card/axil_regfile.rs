//! AXI4-Lite register file implementing [`crate::spec::regmap`].
//!
//! Protocol: a write is accepted in the cycle where both AW and W are valid and no
//! write response is pending (AWREADY = WREADY = that condition); the response (B) is
//! registered and held until BREADY. A read is accepted when ARVALID is high and no
//! read is pending; the decode of its address (this file's and the engines' banks) is
//! registered in the cycle it is accepted, and R is set from those registers in the
//! next cycle and held until RREADY, so the 32-bit address compares and the OR of the
//! banks' hits never sit in series with the response and the sticky error capture.
//! Each channel has at most one transaction outstanding: one write per two cycles,
//! one read per three at full rate.
//!
//! Every offset comes from the regmap constants; the block stores them as rust-hdl
//! `Constant`s (Verilog `localparam`s), never as literals.

use crate::card::register_constants::{addr, word, Addr, Word};
use crate::card::register_decode::RegisterDecode;
use crate::spec::bus::{resp, AXIL_STRB_BITS};
use crate::spec::regmap::{self, control, status};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct AxilRegFile {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    pub awaddr: Signal<In, Addr>,
    pub awvalid: Signal<In, Bit>,
    pub awready: Signal<Out, Bit>,
    pub wdata: Signal<In, Word>,
    pub wstrb: Signal<In, Bits<AXIL_STRB_BITS>>,
    pub wvalid: Signal<In, Bit>,
    pub wready: Signal<Out, Bit>,
    pub bresp: Signal<Out, Bits<2>>,
    pub bvalid: Signal<Out, Bit>,
    pub bready: Signal<In, Bit>,
    pub araddr: Signal<In, Addr>,
    pub arvalid: Signal<In, Bit>,
    pub arready: Signal<Out, Bit>,
    pub rdata: Signal<Out, Word>,
    pub rresp: Signal<Out, Bits<2>>,
    pub rvalid: Signal<Out, Bit>,
    pub rready: Signal<In, Bit>,
    /// One pulse per beat accepted on the data port.
    pub data_beat: Signal<In, Bit>,
    /// High for one cycle after a write of CONTROL.SOFT_RESET: resets the data path.
    pub soft_reset: Signal<Out, Bit>,
    /// Engine registers (MSM_*, NTT_*): the engines decode `araddr`/`awaddr` themselves
    /// and say whether the address is theirs (`ext_rhit`, `ext_whit`, `ext_wro`).
    /// `ext_rdata` is 0 unless `ext_rhit`: it is ORed into the read value.
    pub ext_rdata: Signal<In, Word>,
    pub ext_rhit: Signal<In, Bit>,
    pub ext_whit: Signal<In, Bit>,
    pub ext_wro: Signal<In, Bit>,
    /// A write to an engine register is accepted this cycle.
    pub ext_write: Signal<Out, Bit>,
    /// Write data masked by the byte strobes, and the mask.
    pub ext_wdata: Signal<Out, Word>,
    pub ext_wmask: Signal<Out, Word>,

    // Offsets, from the regmap.
    at_scratch: Constant<Addr>,
    at_cycles_lo: Constant<Addr>,
    at_control: Constant<Addr>,
    /// The register file's own twelve registers, in the order of the decode's values.
    decode: RegisterDecode<12, 384, 384>,
    // Fixed values.
    magic: Constant<Word>,
    version: Constant<Word>,
    hash_lo: Constant<Word>,
    hash_hi: Constant<Word>,
    caps: Constant<Word>,
    status_ready: Constant<Word>,
    status_bus_error: Constant<Word>,
    control_clear_errors: Constant<Word>,
    control_clear_data_beats: Constant<Word>,
    control_soft_reset: Constant<Word>,
    resp_okay: Constant<Bits<2>>,
    resp_slverr: Constant<Bits<2>>,
    resp_decerr: Constant<Bits<2>>,

    // State.
    scratch: DFF<Word>,
    cycles: DFF<Bits<64>>,
    cycles_hi_latch: DFF<Word>,
    bus_error: DFF<Bit>,
    bus_error_addr: DFF<Addr>,
    data_beats: DFF<Word>,
    b_valid: DFF<Bit>,
    b_resp: DFF<Bits<2>>,
    r_valid: DFF<Bit>,
    r_data: DFF<Word>,
    r_resp: DFF<Bits<2>>,
    /// A read was accepted last cycle; its decode is in the `decoded_*` registers.
    r_pending: DFF<Bit>,
    decoded_value: DFF<Word>,
    decoded_refused: DFF<Bit>,
    decoded_addr: DFF<Addr>,
    soft_reset_pulse: DFF<Bit>,

    // Combinational.
    write_fire: Signal<Local, Bit>,
    read_fire: Signal<Local, Bit>,
    mask0: Signal<Local, Word>,
    mask1: Signal<Local, Word>,
    mask2: Signal<Local, Word>,
    mask3: Signal<Local, Word>,
    write_mask: Signal<Local, Word>,
    written: Signal<Local, Word>,
    write_is_read_only: Signal<Local, Bit>,
    write_refused: Signal<Local, Bit>,
    read_value: Signal<Local, Word>,
    read_refused: Signal<Local, Bit>,
    status_value: Signal<Local, Word>,
}

impl AxilRegFile {
    /// `design_hash` is reported in DESIGN_HASH_HI:LO.
    pub fn new(design_hash: u64) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            awaddr: Default::default(),
            awvalid: Default::default(),
            awready: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            wvalid: Default::default(),
            wready: Default::default(),
            bresp: Default::default(),
            bvalid: Default::default(),
            bready: Default::default(),
            araddr: Default::default(),
            arvalid: Default::default(),
            arready: Default::default(),
            rdata: Default::default(),
            rresp: Default::default(),
            rvalid: Default::default(),
            rready: Default::default(),
            data_beat: Default::default(),
            soft_reset: Default::default(),
            ext_rdata: Default::default(),
            ext_rhit: Default::default(),
            ext_whit: Default::default(),
            ext_wro: Default::default(),
            ext_write: Default::default(),
            ext_wdata: Default::default(),
            ext_wmask: Default::default(),
            at_scratch: addr(&regmap::SCRATCH),
            at_cycles_lo: addr(&regmap::CYCLES_LO),
            at_control: addr(&regmap::CONTROL),
            decode: RegisterDecode::new([
                &regmap::MAGIC,
                &regmap::VERSION,
                &regmap::DESIGN_HASH_LO,
                &regmap::DESIGN_HASH_HI,
                &regmap::SCRATCH,
                &regmap::CAPABILITIES,
                &regmap::CYCLES_LO,
                &regmap::CYCLES_HI,
                &regmap::STATUS,
                &regmap::CONTROL,
                &regmap::BUS_ERROR_ADDR,
                &regmap::DATA_BEATS,
            ]),
            magic: word(regmap::MAGIC.reset),
            version: word(regmap::VERSION.reset),
            hash_lo: word(design_hash as u32),
            hash_hi: word((design_hash >> 32) as u32),
            caps: word(regmap::CAPABILITIES.reset),
            status_ready: word(status::READY),
            status_bus_error: word(status::BUS_ERROR),
            control_clear_errors: word(control::CLEAR_ERRORS),
            control_clear_data_beats: word(control::CLEAR_DATA_BEATS),
            control_soft_reset: word(control::SOFT_RESET),
            resp_okay: Constant::new((resp::OKAY as u64).into()),
            resp_slverr: Constant::new((resp::SLVERR as u64).into()),
            resp_decerr: Constant::new((resp::DECERR as u64).into()),
            scratch: Default::default(),
            cycles: Default::default(),
            cycles_hi_latch: Default::default(),
            bus_error: Default::default(),
            bus_error_addr: Default::default(),
            data_beats: Default::default(),
            b_valid: Default::default(),
            b_resp: Default::default(),
            r_valid: Default::default(),
            r_data: Default::default(),
            r_resp: Default::default(),
            r_pending: Default::default(),
            decoded_value: Default::default(),
            decoded_refused: Default::default(),
            decoded_addr: Default::default(),
            soft_reset_pulse: Default::default(),
            write_fire: Default::default(),
            read_fire: Default::default(),
            mask0: Default::default(),
            mask1: Default::default(),
            mask2: Default::default(),
            mask3: Default::default(),
            write_mask: Default::default(),
            written: Default::default(),
            write_is_read_only: Default::default(),
            write_refused: Default::default(),
            read_value: Default::default(),
            read_refused: Default::default(),
            status_value: Default::default(),
        }
    }
}

impl Logic for AxilRegFile {
    #[hdl_gen]
    fn update(&mut self) {
        self.scratch.clock.next = self.clock.val();
        self.cycles.clock.next = self.clock.val();
        self.cycles_hi_latch.clock.next = self.clock.val();
        self.bus_error.clock.next = self.clock.val();
        self.bus_error_addr.clock.next = self.clock.val();
        self.data_beats.clock.next = self.clock.val();
        self.b_valid.clock.next = self.clock.val();
        self.b_resp.clock.next = self.clock.val();
        self.r_valid.clock.next = self.clock.val();
        self.r_data.clock.next = self.clock.val();
        self.r_resp.clock.next = self.clock.val();
        self.r_pending.clock.next = self.clock.val();
        self.decoded_value.clock.next = self.clock.val();
        self.decoded_refused.clock.next = self.clock.val();
        self.decoded_addr.clock.next = self.clock.val();
        self.soft_reset_pulse.clock.next = self.clock.val();
        self.soft_reset_pulse.d.next = false;
        self.soft_reset.next = self.soft_reset_pulse.q.val();
        // Registers hold by default.
        self.scratch.d.next = self.scratch.q.val();
        self.cycles.d.next = self.cycles.q.val() + bits::<64>(1);
        self.cycles_hi_latch.d.next = self.cycles_hi_latch.q.val();
        self.bus_error.d.next = self.bus_error.q.val();
        self.bus_error_addr.d.next = self.bus_error_addr.q.val();
        self.data_beats.d.next = self.data_beats.q.val();
        if self.data_beat.val() {
            self.data_beats.d.next = self.data_beats.q.val() + bits::<32>(1);
        }
        self.b_valid.d.next = self.b_valid.q.val();
        self.b_resp.d.next = self.b_resp.q.val();
        self.r_valid.d.next = self.r_valid.q.val();
        self.r_data.d.next = self.r_data.q.val();
        self.r_resp.d.next = self.r_resp.q.val();

        // Handshakes.
        self.write_fire.next = (self.awvalid.val() & self.wvalid.val()) & (!self.b_valid.q.val());
        self.read_fire.next =
            (self.arvalid.val() & (!self.r_valid.q.val())) & (!self.r_pending.q.val());
        self.awready.next = self.write_fire.val();
        self.wready.next = self.write_fire.val();
        self.arready.next = self.read_fire.val();
        self.bvalid.next = self.b_valid.q.val();
        self.bresp.next = self.b_resp.q.val();
        self.rvalid.next = self.r_valid.q.val();
        self.rdata.next = self.r_data.q.val();
        self.rresp.next = self.r_resp.q.val();
        if self.b_valid.q.val() & self.bready.val() {
            self.b_valid.d.next = false;
        }
        if self.r_valid.q.val() & self.rready.val() {
            self.r_valid.d.next = false;
        }

        // Byte-strobe mask and the merged write value.
        self.mask0.next = bits::<32>(0);
        self.mask1.next = bits::<32>(0);
        self.mask2.next = bits::<32>(0);
        self.mask3.next = bits::<32>(0);
        if self.wstrb.val().get_bit(0) {
            self.mask0.next = bits::<32>(0xFF);
        }
        if self.wstrb.val().get_bit(1) {
            self.mask1.next = bits::<32>(0xFF00);
        }
        if self.wstrb.val().get_bit(2) {
            self.mask2.next = bits::<32>(0xFF0000);
        }
        if self.wstrb.val().get_bit(3) {
            self.mask3.next = bits::<32>(0xFF00_0000_u64);
        }
        self.write_mask.next =
            ((self.mask0.val() | self.mask1.val()) | self.mask2.val()) | self.mask3.val();
        self.written.next = self.wdata.val() & self.write_mask.val();

        // STATUS.
        self.status_value.next = self.status_ready.val();
        if self.bus_error.q.val() {
            self.status_value.next = self.status_ready.val() | self.status_bus_error.val();
        }

        // Read decode (CONTROL reads 0), then the engines' registers.
        self.decode.raddr.next = self.araddr.val();
        self.decode.waddr.next = self.awaddr.val();
        self.decode.values.next = bit_cast::<384, 32>(self.magic.val())
            | (bit_cast::<384, 32>(self.version.val()) << 32)
            | (bit_cast::<384, 32>(self.hash_lo.val()) << 64)
            | (bit_cast::<384, 32>(self.hash_hi.val()) << 96)
            | (bit_cast::<384, 32>(self.scratch.q.val()) << 128)
            | (bit_cast::<384, 32>(self.caps.val()) << 160)
            | (bit_cast::<384, 32>(self.cycles.q.val().get_bits::<32>(0)) << 192)
            | (bit_cast::<384, 32>(self.cycles_hi_latch.q.val()) << 224)
            | (bit_cast::<384, 32>(self.status_value.val()) << 256)
            | (bit_cast::<384, 32>(self.bus_error_addr.q.val()) << 320)
            | (bit_cast::<384, 32>(self.data_beats.q.val()) << 352);
        self.read_value.next = self.decode.rdata.val() | self.ext_rdata.val();
        self.read_refused.next = !(self.decode.rhit.val() | self.ext_rhit.val());
        // Stage 1 (the cycle a read is accepted): its decode, registered.
        self.r_pending.d.next = self.read_fire.val();
        self.decoded_value.d.next = self.read_value.val();
        self.decoded_refused.d.next = self.read_refused.val();
        self.decoded_addr.d.next = self.araddr.val();
        if self.read_fire.val() & (self.araddr.val() == self.at_cycles_lo.val()) {
            self.cycles_hi_latch.d.next = self.cycles.q.val().get_bits::<32>(32);
        }
        // Stage 2: the response and, for an address no bank has, the sticky error.
        if self.r_pending.q.val() {
            self.r_valid.d.next = true;
            self.r_data.d.next = self.decoded_value.q.val();
            if self.decoded_refused.q.val() {
                self.r_resp.d.next = self.resp_decerr.val();
                if !self.bus_error.q.val() {
                    self.bus_error.d.next = true;
                    self.bus_error_addr.d.next = self.decoded_addr.q.val();
                }
            } else {
                self.r_resp.d.next = self.resp_okay.val();
            }
        }

        // Write decode.
        self.write_is_read_only.next = self.decode.wro.val() | self.ext_wro.val();
        self.write_refused.next = false;
        self.ext_write.next = self.write_fire.val() & self.ext_whit.val();
        self.ext_wdata.next = self.written.val();
        self.ext_wmask.next = self.write_mask.val();
        if self.write_fire.val() {
            self.b_valid.d.next = true;
            self.b_resp.d.next = self.resp_okay.val();
            if self.awaddr.val() == self.at_scratch.val() {
                self.scratch.d.next =
                    (self.scratch.q.val() & (!self.write_mask.val())) | self.written.val();
            } else if self.awaddr.val() == self.at_control.val() {
                if (self.written.val() & self.control_clear_errors.val()).any() {
                    self.bus_error.d.next = false;
                    self.bus_error_addr.d.next = bits::<32>(0);
                }
                if (self.written.val() & self.control_clear_data_beats.val()).any() {
                    self.data_beats.d.next = bits::<32>(0);
                }
                if (self.written.val() & self.control_soft_reset.val()).any() {
                    self.soft_reset_pulse.d.next = true;
                    self.scratch.d.next = bits::<32>(0);
                    self.bus_error.d.next = false;
                    self.bus_error_addr.d.next = bits::<32>(0);
                    self.data_beats.d.next = bits::<32>(0);
                }
            } else if self.ext_whit.val() {
                // The engine takes it (ext_write).
            } else if self.write_is_read_only.val() {
                self.b_resp.d.next = self.resp_slverr.val();
                self.write_refused.next = true;
            } else {
                self.b_resp.d.next = self.resp_decerr.val();
                self.write_refused.next = true;
            }
            // A read refused in the cycle before (its capture is this cycle) came first.
            if (self.write_refused.val() & (!self.bus_error.q.val()))
                & (!(self.r_pending.q.val() & self.decoded_refused.q.val()))
            {
                self.bus_error.d.next = true;
                self.bus_error_addr.d.next = self.awaddr.val();
            }
        }

        if self.reset.val() {
            self.scratch.d.next = bits::<32>(0);
            self.cycles.d.next = bits::<64>(0);
            self.cycles_hi_latch.d.next = bits::<32>(0);
            self.bus_error.d.next = false;
            self.bus_error_addr.d.next = bits::<32>(0);
            self.data_beats.d.next = bits::<32>(0);
            self.b_valid.d.next = false;
            self.r_valid.d.next = false;
            self.r_pending.d.next = false;
            self.soft_reset_pulse.d.next = false;
        }
    }
}
