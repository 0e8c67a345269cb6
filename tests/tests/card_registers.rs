//! The card's AXI4-Lite register file and data port on the Verilator model, checked
//! against the register map in `zkaccel_spec::regmap`.

use proptest::prelude::*;
use zkaccel_sim::card::{Beat, CardSim};
use zkaccel_sim::DesignInfo;
use zkaccel_spec::bus::resp;
use zkaccel_spec::regmap::{self, control, status, Access, REGISTERS};

fn card() -> CardSim {
    CardSim::new().expect("card model")
}

fn read_ok(c: &mut CardSim, r: &regmap::Register) -> u32 {
    let (v, rr) = c.read(r.offset).unwrap();
    assert_eq!(rr, resp::OKAY, "read of {} answered {rr:#b}", r.name);
    v
}

#[test]
fn every_mapped_register_is_decoded() {
    let mut c = card();
    for r in REGISTERS {
        let (_, rr) = c.read(r.offset).unwrap();
        assert_eq!(
            rr,
            resp::OKAY,
            "{} at {:#x} is in the map but not decoded",
            r.name,
            r.offset
        );
    }
    let (v, _) = c.read(regmap::STATUS.offset).unwrap();
    assert_eq!(v & status::BUS_ERROR, 0, "no access was refused");
}

#[test]
fn identity_registers_hold_their_values() {
    let mut c = card();
    assert_eq!(read_ok(&mut c, &regmap::MAGIC), regmap::MAGIC_VALUE);
    assert_eq!(read_ok(&mut c, &regmap::VERSION), regmap::VERSION_VALUE);
    assert_eq!(
        read_ok(&mut c, &regmap::CAPABILITIES),
        regmap::CAPABILITIES.reset
    );
    assert_eq!(read_ok(&mut c, &regmap::STATUS), status::READY);
    let lo = read_ok(&mut c, &regmap::DESIGN_HASH_LO) as u64;
    let hi = read_ok(&mut c, &regmap::DESIGN_HASH_HI) as u64;
    let hash = DesignInfo::find("card").unwrap().hash;
    assert_eq!(format!("{:016x}", hi << 32 | lo), hash);
    assert_eq!(
        u64::from_str_radix(hash, 16).unwrap(),
        zkaccel_hdl::designs::card_design_hash()
    );
}

#[test]
fn reset_values_of_fixed_registers_match_the_map() {
    let mut c = card();
    for r in REGISTERS {
        let fixed = matches!(
            r.name,
            "MAGIC"
                | "VERSION"
                | "CAPABILITIES"
                | "STATUS"
                | "SCRATCH"
                | "CONTROL"
                | "BUS_ERROR_ADDR"
                | "DATA_BEATS"
        );
        if fixed {
            assert_eq!(read_ok(&mut c, r), r.reset, "{} after reset", r.name);
        }
    }
}

#[test]
fn writes_to_read_only_registers_are_refused_and_recorded() {
    let mut c = card();
    for r in REGISTERS.iter().filter(|r| r.access == Access::ReadOnly) {
        let before = read_ok(&mut c, r);
        let rr = c.write(r.offset, !before, 0xF).unwrap();
        assert_eq!(rr, resp::SLVERR, "write to read-only {}", r.name);
        if !matches!(
            r.name,
            "CYCLES_LO" | "CYCLES_HI" | "STATUS" | "BUS_ERROR_ADDR"
        ) {
            assert_eq!(
                read_ok(&mut c, r),
                before,
                "{} changed by a refused write",
                r.name
            );
        }
        let st = read_ok(&mut c, &regmap::STATUS);
        assert_ne!(
            st & status::BUS_ERROR,
            0,
            "BUS_ERROR after writing {}",
            r.name
        );
        assert_eq!(read_ok(&mut c, &regmap::BUS_ERROR_ADDR), r.offset);
        assert_eq!(
            c.write(regmap::CONTROL.offset, control::CLEAR_ERRORS, 0xF)
                .unwrap(),
            resp::OKAY
        );
        assert_eq!(read_ok(&mut c, &regmap::STATUS) & status::BUS_ERROR, 0);
        assert_eq!(read_ok(&mut c, &regmap::BUS_ERROR_ADDR), 0);
    }
}

#[test]
fn control_reads_as_zero() {
    let mut c = card();
    c.write(regmap::CONTROL.offset, 0xFFFF_FFFF, 0xF).unwrap();
    assert_eq!(read_ok(&mut c, &regmap::CONTROL), 0);
}

#[test]
fn first_refused_address_is_kept_until_cleared() {
    let mut c = card();
    assert_eq!(c.read(0x800).unwrap(), (0, resp::DECERR));
    assert_eq!(c.write(0x804, 1, 0xF).unwrap(), resp::DECERR);
    assert_eq!(read_ok(&mut c, &regmap::BUS_ERROR_ADDR), 0x800);
}

/// A refused read accepted at cycle `read_at` and a refused write at `write_at`, driven
/// on the card's ports directly (the two channels at once, which `CardSim::read` and
/// `write` never do); returns BUS_ERROR_ADDR afterwards.
fn first_error_of_concurrent_refusals(read_at: u64, write_at: u64) -> u32 {
    let mut c = card();
    let m = &mut c.model;
    let q = |name: &str| m.port(name).unwrap();
    let (araddr, arvalid, arready, rready) = (
        q("s_axil_araddr"),
        q("s_axil_arvalid"),
        q("s_axil_arready"),
        q("s_axil_rready"),
    );
    let (awaddr, awvalid, awready, wdata, wstrb, wvalid, bready) = (
        q("s_axil_awaddr"),
        q("s_axil_awvalid"),
        q("s_axil_awready"),
        q("s_axil_wdata"),
        q("s_axil_wstrb"),
        q("s_axil_wvalid"),
        q("s_axil_bready"),
    );
    m.set_u64(araddr, 0x900).unwrap();
    m.set_u64(awaddr, 0x904).unwrap();
    m.set_u64(wdata, 1).unwrap();
    m.set_u64(wstrb, 0xF).unwrap();
    m.set_bool(rready, true).unwrap();
    m.set_bool(bready, true).unwrap();
    for cycle in 0..12 {
        m.set_bool(arvalid, cycle == read_at).unwrap();
        m.set_bool(awvalid, cycle == write_at).unwrap();
        m.set_bool(wvalid, cycle == write_at).unwrap();
        m.eval();
        if cycle == read_at {
            assert!(m.get_bool(arready), "the read is accepted at once");
        }
        if cycle == write_at {
            assert!(m.get_bool(awready), "the write is accepted at once");
        }
        m.tick();
    }
    m.set_bool(arvalid, false).unwrap();
    m.set_bool(awvalid, false).unwrap();
    m.set_bool(wvalid, false).unwrap();
    read_ok(&mut c, &regmap::BUS_ERROR_ADDR)
}

#[test]
fn concurrent_refusals_record_the_earlier_address() {
    // The register file answers a read from its decode registered the cycle before, so
    // a refused read's error is captured a cycle after it was accepted: a refused write
    // accepted in that next cycle must not take its place.
    assert_eq!(first_error_of_concurrent_refusals(0, 1), 0x900);
    assert_eq!(first_error_of_concurrent_refusals(1, 0), 0x904);
    // The same cycle: the write's error is captured first (as before the read decode
    // was registered).
    assert_eq!(first_error_of_concurrent_refusals(0, 0), 0x904);
    assert_eq!(first_error_of_concurrent_refusals(0, 5), 0x900);
}

#[test]
fn cycle_counter_runs_and_reads_atomically() {
    let mut c = card();
    let lo1 = read_ok(&mut c, &regmap::CYCLES_LO);
    let hi1 = read_ok(&mut c, &regmap::CYCLES_HI);
    for _ in 0..100 {
        c.model.tick();
    }
    let lo2 = read_ok(&mut c, &regmap::CYCLES_LO);
    let hi2 = read_ok(&mut c, &regmap::CYCLES_HI);
    let (a, b) = (
        (hi1 as u64) << 32 | lo1 as u64,
        (hi2 as u64) << 32 | lo2 as u64,
    );
    // 100 idle cycles plus the bus cycles of two reads in between.
    assert!(b > a + 100 && b < a + 140, "counter went from {a} to {b}");
}

fn unmapped(offset: u32) -> bool {
    regmap::at(offset).is_none()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn scratch_honours_byte_strobes(writes in proptest::collection::vec((any::<u32>(), 0u8..16), 1..20)) {
        let mut c = card();
        let mut expect = 0u32;
        for (v, strb) in writes {
            prop_assert_eq!(c.write(regmap::SCRATCH.offset, v, strb).unwrap(), resp::OKAY);
            for byte in 0..4 {
                if strb & (1 << byte) != 0 {
                    let m = 0xFFu32 << (8 * byte);
                    expect = (expect & !m) | (v & m);
                }
            }
            prop_assert_eq!(c.read(regmap::SCRATCH.offset).unwrap(), (expect, resp::OKAY));
        }
    }

    #[test]
    fn unmapped_addresses_answer_decerr_with_zero(
        addr in prop_oneof![0u32..0x1000, any::<u32>(), (0u32..0x30).prop_map(|x| x | 1)]
    ) {
        prop_assume!(unmapped(addr));
        let mut c = card();
        prop_assert_eq!(c.read(addr).unwrap(), (0, resp::DECERR));
        prop_assert_eq!(c.write(addr, 0xDEAD_BEEF, 0xF).unwrap(), resp::DECERR);
        let st = c.read(regmap::STATUS.offset).unwrap().0;
        prop_assert!(st & status::BUS_ERROR != 0);
        prop_assert_eq!(c.read(regmap::BUS_ERROR_ADDR.offset).unwrap().0, addr);
        // Nothing mapped was disturbed.
        prop_assert_eq!(c.read(regmap::SCRATCH.offset).unwrap().0, 0);
    }

    #[test]
    fn data_port_loops_back_in_order_under_backpressure(
        beats in proptest::collection::vec(any::<[u64; 8]>(), 1..40),
        stall_mask in any::<u64>(),
    ) {
        let mut c = card();
        let beats: Vec<Beat> = beats;
        let out = c.stream(&beats, |cycle| stall_mask >> (cycle % 64) & 1 == 1 || cycle % 7 == 0).unwrap();
        prop_assert_eq!(out.len(), beats.len());
        for (k, ((data, last), sent)) in out.iter().zip(&beats).enumerate() {
            prop_assert_eq!(data, sent, "beat {}", k);
            prop_assert_eq!(*last, k + 1 == beats.len(), "TLAST on beat {}", k);
        }
        prop_assert_eq!(c.read(regmap::DATA_BEATS.offset).unwrap(), (beats.len() as u32, resp::OKAY));
        c.write(regmap::CONTROL.offset, control::CLEAR_DATA_BEATS, 0xF).unwrap();
        prop_assert_eq!(c.read(regmap::DATA_BEATS.offset).unwrap().0, 0);
    }
}

#[test]
fn data_port_full_rate_when_sink_always_ready() {
    let mut c = card();
    let beats: Vec<Beat> = (0..64u64).map(|i| [i; 8]).collect();
    let start = c.model.cycles();
    let out = c.stream(&beats, |_| true).unwrap();
    assert_eq!(out.len(), 64);
    assert!(
        c.model.cycles() - start <= 66,
        "took {} cycles",
        c.model.cycles() - start
    );
}

#[test]
fn soft_reset_empties_the_data_path_and_clears_state_but_not_the_counter() {
    let mut c = card();
    c.write(regmap::SCRATCH.offset, 0xABCD, 0xF).unwrap();
    c.read(0x900).unwrap(); // a refused access sets BUS_ERROR
    c.stream(&[[7u64; 8]; 3], |_| true).unwrap();
    assert_eq!(read_ok(&mut c, &regmap::DATA_BEATS), 3);
    let before = read_ok(&mut c, &regmap::CYCLES_LO);
    assert_eq!(
        c.write(regmap::CONTROL.offset, control::SOFT_RESET, 0xF)
            .unwrap(),
        resp::OKAY
    );
    assert_eq!(read_ok(&mut c, &regmap::SCRATCH), 0);
    assert_eq!(read_ok(&mut c, &regmap::DATA_BEATS), 0);
    assert_eq!(read_ok(&mut c, &regmap::STATUS), status::READY);
    assert_eq!(read_ok(&mut c, &regmap::BUS_ERROR_ADDR), 0);
    assert!(
        read_ok(&mut c, &regmap::CYCLES_LO) > before,
        "cycle counter keeps running"
    );
    assert_eq!(read_ok(&mut c, &regmap::MAGIC), regmap::MAGIC_VALUE);
    // A beat held in the data path when the reset came is dropped, not delivered later.
    let mut c = card();
    let held = c.stream(&[[1u64; 8]], |cycle| cycle > 1_000_000).err();
    assert!(
        held.is_some(),
        "sink never ready: the stream call times out with the beat held"
    );
    c.write(regmap::CONTROL.offset, control::SOFT_RESET, 0xF)
        .unwrap();
    let out = c.stream(&[[2u64; 8]], |_| true).unwrap();
    assert_eq!(
        out[0].0, [2u64; 8],
        "the held beat was dropped by the soft reset"
    );
}
