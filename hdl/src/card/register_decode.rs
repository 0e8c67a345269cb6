//! Register decode, written once for every block that owns registers (the register
//! file, the MSM unit, the NTT unit): which of a bank's registers a read or write
//! address names, and the read value.
//!
//! A bank's addresses are distinct, so at most one select is high and the read value
//! is an AND-OR of the registers' values under their selects: a compare (32-bit
//! equality, a few LUT levels) and a balanced OR of at most `N` terms. The sequential
//! `if … else if …` chains this replaces were priority multiplexers, one level per
//! register, and the three banks' chains ran in series into the register file's read
//! data (12 LUT + 26 MUXF levels, the card's longest path by the timing proxy).
//!
//! The owner packs the read values into `values` (register `i` at bits
//! `[32 i, 32 i + 32)`) in the order of the address list it was built from, and keeps
//! its write semantics (what a write to each register does) to itself; the decode says
//! which registers are read-only (from the register map's [`Access`]) so that a write
//! to them can be refused.

use crate::card::register_constants::{Addr, Word};
use crate::spec::bus::{AXIL_ADDR_BITS, AXIL_DATA_BITS};
use crate::spec::regmap::{Access, Register};
use rust_hdl::prelude::*;

const ADDRESS_AND_DATA_BITS_ARE_32: () = assert!(
    AXIL_ADDR_BITS == 32 && AXIL_DATA_BITS == 32,
    "update() indexes in 32-bit steps"
);

/// Decode of a bank of `N` registers. `ADDRS = N · AXIL_ADDR_BITS` and
/// `VALUES = N · AXIL_DATA_BITS` (stable Rust cannot compute them from `N`; [`Self::new`]
/// checks them).
#[derive(LogicBlock)]
pub struct RegisterDecode<const N: usize, const ADDRS: usize, const VALUES: usize> {
    pub raddr: Signal<In, Addr>,
    pub waddr: Signal<In, Addr>,
    /// Register `i`'s read value at bits `[32 i, 32 i + 32)`.
    pub values: Signal<In, Bits<VALUES>>,
    /// The value of the register `raddr` names; 0 when it names none of this bank.
    pub rdata: Signal<Out, Word>,
    /// `raddr` names a register of this bank.
    pub rhit: Signal<Out, Bit>,
    /// `waddr` names a register of this bank.
    pub whit: Signal<Out, Bit>,
    /// `waddr` names one of this bank's read-only registers.
    pub wro: Signal<Out, Bit>,
    addresses: Constant<Bits<ADDRS>>,
    read_only: Constant<Bits<N>>,
    rsel: Signal<Local, Bits<N>>,
    wsel: Signal<Local, Bits<N>>,
}

impl<const N: usize, const ADDRS: usize, const VALUES: usize> RegisterDecode<N, ADDRS, VALUES> {
    /// A decode of `registers`, in the order their values are packed.
    pub fn new(registers: [&Register; N]) -> Self {
        let () = ADDRESS_AND_DATA_BITS_ARE_32;
        assert_eq!(
            ADDRS,
            N * AXIL_ADDR_BITS,
            "ADDRS must be N * AXIL_ADDR_BITS"
        );
        assert_eq!(
            VALUES,
            N * AXIL_DATA_BITS,
            "VALUES must be N * AXIL_DATA_BITS"
        );
        for (i, a) in registers.iter().enumerate() {
            for b in &registers[..i] {
                assert_ne!(
                    a.offset, b.offset,
                    "{} and {} share an offset",
                    a.name, b.name
                );
            }
        }
        let mut addresses = Bits::<ADDRS>::default();
        let mut read_only = Bits::<N>::default();
        for (i, r) in registers.iter().enumerate() {
            let offset = Bits::<AXIL_ADDR_BITS>::from(r.offset as u64);
            addresses = addresses
                | (bit_cast::<ADDRS, AXIL_ADDR_BITS>(offset) << (i * AXIL_ADDR_BITS) as u64);
            read_only = read_only.replace_bit(i, r.access == Access::ReadOnly);
        }
        Self {
            raddr: Default::default(),
            waddr: Default::default(),
            values: Default::default(),
            rdata: Default::default(),
            rhit: Default::default(),
            whit: Default::default(),
            wro: Default::default(),
            addresses: Constant::new(addresses),
            read_only: Constant::new(read_only),
            rsel: Default::default(),
            wsel: Default::default(),
        }
    }
}

impl<const N: usize, const ADDRS: usize, const VALUES: usize> Logic
    for RegisterDecode<N, ADDRS, VALUES>
{
    // Offsets inside the loops are written as literals: hdl_gen copies index
    // expressions into the Verilog, where a Rust constant's name means nothing
    // (`ADDRESS_AND_DATA_BITS_ARE_32` below keeps the literals honest).
    #[hdl_gen]
    fn update(&mut self) {
        self.rsel.next = 0.into();
        self.wsel.next = 0.into();
        for i in 0..N {
            self.rsel.next = self.rsel.val().replace_bit(
                i,
                self.raddr.val() == self.addresses.val().get_bits::<AXIL_ADDR_BITS>(i * 32),
            );
            self.wsel.next = self.wsel.val().replace_bit(
                i,
                self.waddr.val() == self.addresses.val().get_bits::<AXIL_ADDR_BITS>(i * 32),
            );
        }
        self.rhit.next = self.rsel.val().any();
        self.whit.next = self.wsel.val().any();
        self.wro.next = (self.wsel.val() & self.read_only.val()).any();
        // AND-OR: bit b of the read value is the OR over i of value i's bit b and select i.
        self.rdata.next = 0.into();
        for i in 0..N {
            for b in 0..AXIL_DATA_BITS {
                self.rdata.next = self.rdata.val().replace_bit(
                    b,
                    self.rdata.val().get_bit(b)
                        | (self.rsel.val().get_bit(i) & self.values.val().get_bit(i * 32 + b)),
                );
            }
        }
    }
}

/// Packs register read values for [`RegisterDecode::values`] in Rust-side tests.
#[cfg(test)]
fn pack<const VALUES: usize>(values: &[u32]) -> Bits<VALUES> {
    let mut out = Bits::<VALUES>::default();
    for (i, v) in values.iter().enumerate() {
        out = out | (bit_cast::<VALUES, 32>(Bits::<32>::from(*v as u64)) << (i * 32) as u64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::regmap;

    type Bank = RegisterDecode<3, 96, 96>;

    fn bank() -> Bank {
        Bank::new([&regmap::MSM_MODE, &regmap::MSM_STATUS, &regmap::MSM_ADDS])
    }

    fn settle(d: &mut Bank, raddr: u32, waddr: u32, values: &[u32]) {
        d.raddr.next = (raddr as u64).into();
        d.waddr.next = (waddr as u64).into();
        d.values.next = pack::<96>(values);
        for _ in 0..8 {
            d.update_all();
            if !d.has_changed() {
                break;
            }
        }
    }

    #[test]
    fn reads_the_named_register_and_nothing_else() {
        let values = [0x1111_1111, 0xdead_beef, 0x8000_0001];
        let mut d = bank();
        for (i, r) in [&regmap::MSM_MODE, &regmap::MSM_STATUS, &regmap::MSM_ADDS]
            .iter()
            .enumerate()
        {
            settle(&mut d, r.offset, r.offset, &values);
            assert_eq!(
                d.rdata.val(),
                Bits::<32>::from(values[i] as u64),
                "{}",
                r.name
            );
            assert!(d.rhit.val() && d.whit.val(), "{}", r.name);
            assert_eq!(d.wro.val(), i != 0, "{} read-only", r.name);
        }
        // An address of another bank, and one of no register.
        for a in [
            regmap::NTT_STATUS.offset,
            regmap::MSM_MODE.offset + 1,
            0xffff_fff0,
        ] {
            settle(&mut d, a, a, &values);
            assert_eq!(d.rdata.val(), Bits::<32>::from(0u64), "{a:#x}");
            assert!(!d.rhit.val() && !d.whit.val() && !d.wro.val(), "{a:#x}");
        }
    }

    #[test]
    fn verilog_has_no_priority_chain() {
        let mut d = bank();
        d.raddr.connect();
        d.waddr.connect();
        d.values.connect();
        d.connect_all();
        let v = generate_verilog(&d);
        assert!(!v.contains("else"), "the decode is flat:\n{v}");
        // Every index is a number the Verilog can evaluate, not a Rust name.
        assert!(
            !v.contains("AXIL_"),
            "a Rust constant leaked into the Verilog:\n{v}"
        );
    }

    #[test]
    #[should_panic(expected = "share an offset")]
    fn a_repeated_offset_is_refused() {
        let _ = Bank::new([&regmap::MSM_MODE, &regmap::MSM_MODE, &regmap::MSM_ADDS]);
    }
}
