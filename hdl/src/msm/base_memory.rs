//! Card memory for the resident bases, behind a request/response read port like an
//! AXI read channel to DDR or HBM: a request `(addr, tag)` returns `(data, tag)`
//! exactly `BASE_MEMORY_LATENCY` cycles later, in order, one request per cycle, with no
//! back-pressure (the requester keeps count of what it can accept). A write port stores
//! bases as they are loaded.
//!
//! In this build the storage is an on-card RAM and the latency a delay line, so the
//! simulator exercises the latency a board's memory controller has; a board build
//! replaces this block by an AXI read master with the same ports.

use crate::arith::delay_line::DelayLine;
use crate::spec::field::AFFINE_POINT_BITS;
use crate::spec::msm::{BASE_ADDR_BITS, BASE_MEMORY_LATENCY, BASE_TAG_BITS};
use rust_hdl::prelude::*;

/// Bits of a delayed request: `{valid, tag, addr}`.
const REQUEST_BITS: usize = 1 + BASE_TAG_BITS + BASE_ADDR_BITS;

#[derive(LogicBlock)]
pub struct BaseMemory {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub write_enable: Signal<In, Bit>,
    pub write_addr: Signal<In, Bits<BASE_ADDR_BITS>>,
    pub write_data: Signal<In, Bits<AFFINE_POINT_BITS>>,
    pub rq_valid: Signal<In, Bit>,
    pub rq_addr: Signal<In, Bits<BASE_ADDR_BITS>>,
    pub rq_tag: Signal<In, Bits<BASE_TAG_BITS>>,
    pub rs_valid: Signal<Out, Bit>,
    pub rs_data: Signal<Out, Bits<AFFINE_POINT_BITS>>,
    pub rs_tag: Signal<Out, Bits<BASE_TAG_BITS>>,
    ram: RAM<Bits<AFFINE_POINT_BITS>, BASE_ADDR_BITS>,
    /// The request waits LATENCY − 1 cycles, then the RAM read takes one.
    request_delay: DelayLine<Bits<REQUEST_BITS>>,
    read_valid: DFF<Bit>,
    read_tag: DFF<Bits<BASE_TAG_BITS>>,
    /// After a reset, requests still in the delay line are dropped.
    quiet: DFF<Bits<8>>,
    latency: Constant<Bits<8>>,
    request: Signal<Local, Bits<REQUEST_BITS>>,
    delayed: Signal<Local, Bits<REQUEST_BITS>>,
}

impl Default for BaseMemory {
    fn default() -> Self {
        assert!((2..255).contains(&BASE_MEMORY_LATENCY));
        // The Verilog writes the field offsets as literals.
        assert_eq!((BASE_ADDR_BITS, BASE_TAG_BITS), (12, 13));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            write_enable: Default::default(),
            write_addr: Default::default(),
            write_data: Default::default(),
            rq_valid: Default::default(),
            rq_addr: Default::default(),
            rq_tag: Default::default(),
            rs_valid: Default::default(),
            rs_data: Default::default(),
            rs_tag: Default::default(),
            ram: Default::default(),
            request_delay: DelayLine::new(BASE_MEMORY_LATENCY - 1),
            read_valid: Default::default(),
            read_tag: Default::default(),
            quiet: Default::default(),
            latency: Constant::new((BASE_MEMORY_LATENCY as u64).into()),
            request: Default::default(),
            delayed: Default::default(),
        }
    }
}

impl Logic for BaseMemory {
    #[hdl_gen]
    fn update(&mut self) {
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();
        self.request_delay.clock.next = self.clock.val();
        self.read_valid.clock.next = self.clock.val();
        self.read_tag.clock.next = self.clock.val();
        self.quiet.clock.next = self.clock.val();
        self.ram.write_enable.next = self.write_enable.val();
        self.ram.write_address.next = self.write_addr.val();
        self.ram.write_data.next = self.write_data.val();

        self.request.next = bit_cast::<REQUEST_BITS, BASE_ADDR_BITS>(self.rq_addr.val())
            | (bit_cast::<REQUEST_BITS, BASE_TAG_BITS>(self.rq_tag.val()) << 12);
        if self.rq_valid.val() {
            self.request.next = self.request.val() | (bits::<REQUEST_BITS>(1) << 25);
        }
        self.request_delay.d.next = self.request.val();
        self.delayed.next = self.request_delay.q.val();
        self.ram.read_address.next = self.delayed.val().get_bits::<BASE_ADDR_BITS>(0);
        self.read_tag.d.next = self.delayed.val().get_bits::<BASE_TAG_BITS>(12);
        self.read_valid.d.next = self.delayed.val().get_bit(25);
        self.quiet.d.next = self.quiet.q.val();
        if self.quiet.q.val().any() {
            self.quiet.d.next = self.quiet.q.val() - 1;
            self.read_valid.d.next = false;
        }
        if self.reset.val() {
            self.read_valid.d.next = false;
            self.quiet.d.next = self.latency.val();
        }
        self.rs_valid.next = self.read_valid.q.val();
        self.rs_tag.next = self.read_tag.q.val();
        self.rs_data.next = self.ram.read_data.val();
    }
}
