//! The catalogue of generated designs: every hardware block that is generated to
//! Verilog, simulated by Verilator and estimated by yosys, with its manifest entry.
//!
//! The simulator's build script and the `zkaccel hdl` commands both iterate
//! [`catalogue`], so a block added here is generated, simulated, linted and estimated
//! everywhere.

use crate::arith::dsp_tile::{DspTile, TILE_LATENCY};
use crate::arith::mod_add::{mod_add_sub_latency, mod_add_sub_verilog, AddSub};
use crate::arith::mont_mul::{mont_mul_figures, mont_mul_verilog};
use crate::card::top::Card;
use crate::spec::field::{FieldId, FieldSpec};
use rust_hdl::prelude::*;
use sha2::{Digest, Sha256};

/// What kind of block a design is, so tests and tools know how to drive it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    DspTile,
    ModAdd(FieldId),
    ModSub(FieldId),
    MontMul(FieldId),
    /// The G1 complete mixed point adder ([`crate::ec::point_add`]).
    PointAdd,
    /// The Fr radix-2 NTT butterfly ([`crate::ntt::butterfly`]).
    Butterfly,
    Card,
    /// Simulation only: the MSM bucket engine with the stand-in adder
    /// ([`crate::msm::point_adder_core::stub_adder_verilog`]), tested alone.
    BucketEngineHarness,
    /// Simulation only: the MSM digit feeder alone (its base-memory port driven by the
    /// test).
    DigitFeederHarness,
}

/// A port of a generated top module.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Port {
    pub name: String,
    pub width: usize,
    pub output: bool,
}

/// One generated design.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Design {
    /// File-name-safe block name, e.g. `fq_mont_mul`.
    pub name: &'static str,
    pub kind: DesignKind,
    pub description: String,
    /// Input-to-output latency in cycles for pipelined datapaths.
    pub latency: Option<usize>,
    /// DSP tiles instantiated (the design's intended DSP48E2 count).
    pub dsp_tiles: usize,
    pub ports: Vec<Port>,
    /// Hex SHA-256 of the Verilog (for the card: of the Verilog generated with the hash
    /// register set to 0, which is the value the card reports).
    pub hash: String,
    #[serde(skip)]
    pub verilog: String,
}

macro_rules! connect_inputs {
    ($uut:ident, $($port:ident),+) => { $($uut.$port.connect();)+ };
}

fn verilog_of<B: Block>(uut: &mut B) -> String {
    uut.connect_all();
    generate_verilog(uut)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The card's design hash: the first 8 bytes (little-endian) of the SHA-256 of the card
/// Verilog generated with the hash register set to 0.
pub fn card_design_hash() -> u64 {
    let v = card_verilog(0);
    let digest = Sha256::digest(v.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

fn card_verilog(hash: u64) -> String {
    let mut uut = Card::new(hash);
    connect_inputs!(
        uut,
        clock,
        reset,
        s_axil_awaddr,
        s_axil_awvalid,
        s_axil_wdata,
        s_axil_wstrb,
        s_axil_wvalid,
        s_axil_bready,
        s_axil_araddr,
        s_axil_arvalid,
        s_axil_rready,
        s_data_tdata,
        s_data_tlast,
        s_data_tvalid,
        m_data_tready
    );
    verilog_of(&mut uut)
}

/// Parses the ports of module `top` from generated Verilog.
pub fn top_ports(verilog: &str) -> Vec<Port> {
    let start = verilog
        .find("module top(")
        .expect("generated Verilog has a top module");
    let end = verilog[start..]
        .find("endmodule")
        .map(|e| start + e)
        .unwrap_or(verilog.len());
    let mut ports = vec![];
    for line in verilog[start..end].lines() {
        let line = line.trim().trim_end_matches(';');
        let (output, rest) = if let Some(r) = line.strip_prefix("input wire") {
            (false, r)
        } else if let Some(r) = line
            .strip_prefix("output reg")
            .or_else(|| line.strip_prefix("output wire"))
        {
            (true, r)
        } else {
            continue;
        };
        let rest = rest.trim().trim_start_matches("signed").trim();
        let (width, name) = match rest.strip_prefix('[') {
            Some(r) => {
                let (range, name) = r.split_once(']').expect("range closes");
                let hi: usize = range
                    .split(':')
                    .next()
                    .unwrap()
                    .trim()
                    .parse()
                    .expect("msb");
                (hi + 1, name.trim())
            }
            None => (1, rest),
        };
        ports.push(Port {
            name: name.to_string(),
            width,
            output,
        });
    }
    ports
}

fn design(
    name: &'static str,
    kind: DesignKind,
    description: String,
    latency: Option<usize>,
    dsp_tiles: usize,
    verilog: String,
    hash: String,
) -> Design {
    Design {
        name,
        kind,
        description,
        latency,
        dsp_tiles,
        ports: top_ports(&verilog),
        hash,
        verilog,
    }
}

fn add_sub(id: FieldId, kind: AddSub) -> Design {
    let f = FieldSpec::get(id);
    let (name, what, dk) = match (id, kind) {
        (FieldId::Fq, AddSub::Add) => ("fq_add", "(a + b)", DesignKind::ModAdd(id)),
        (FieldId::Fr, AddSub::Add) => ("fr_add", "(a + b)", DesignKind::ModAdd(id)),
        (FieldId::Fq, AddSub::Sub) => ("fq_sub", "(a - b)", DesignKind::ModSub(id)),
        (FieldId::Fr, AddSub::Sub) => ("fr_sub", "(a - b)", DesignKind::ModSub(id)),
    };
    let v = mod_add_sub_verilog(id, kind, "top");
    let h = sha256_hex(&v);
    let d = format!("{}: {what} mod p on {}-bit words", f.name, f.word_bits);
    design(name, dk, d, Some(mod_add_sub_latency(id, kind)), 0, v, h)
}

fn mont_mul(id: FieldId) -> Design {
    let f = FieldSpec::get(id);
    let figures = mont_mul_figures(id);
    let v = mont_mul_verilog(id, "top");
    let name = if id == FieldId::Fq {
        "fq_mont_mul"
    } else {
        "fr_mont_mul"
    };
    let h = sha256_hex(&v);
    let d = format!(
        "{}: Montgomery product a*b/R mod p, R = 2^{}, one pair per cycle (a*b: Karatsuba {} levels; m = T*N' mod R in LUTs, {} CSD digits; m*p: Karatsuba {} levels)",
        f.name, f.word_bits, figures.product_levels, figures.n_prime_digits, figures.reduction_levels
    );
    design(
        name,
        DesignKind::MontMul(id),
        d,
        Some(figures.latency),
        figures.dsp_tiles,
        v,
        h,
    )
}

/// Tag width of the standalone point adder design (the engine uses its bucket width).
pub const POINT_ADD_TAG_BITS: usize = 16;

fn point_add() -> Design {
    let v = crate::ec::point_add::point_add_verilog("top", POINT_ADD_TAG_BITS, true);
    let f = crate::ec::point_add::point_add_figures();
    let h = sha256_hex(&v);
    let d = format!(
        "G1 complete mixed addition (RCB 2016 alg. 8): {} Fq multipliers, {} adders, {} subtractors, one addition per cycle",
        f.multipliers, f.adders, f.subtractors
    );
    let tiles = crate::ec::point_add::point_add_dsp_tiles();
    design(
        "g1_add",
        DesignKind::PointAdd,
        d,
        Some(f.latency),
        tiles,
        v,
        h,
    )
}

fn butterfly() -> Design {
    let v = crate::ntt::butterfly::butterfly_verilog("top", POINT_ADD_TAG_BITS, true);
    let latency = crate::ntt::butterfly::butterfly_latency();
    let h = sha256_hex(&v);
    let d = "Fr radix-2 NTT butterfly, one per cycle: gs=0 (a + w*b, a - w*b), gs=1 ((a + b)/2, w*(a - b))".to_string();
    let tiles = crate::ntt::butterfly::butterfly_dsp_tiles();
    design(
        "fr_butterfly",
        DesignKind::Butterfly,
        d,
        Some(latency),
        tiles,
        v,
        h,
    )
}

fn dsp_tile() -> Design {
    let mut u = DspTile::default();
    connect_inputs!(u, clock, a, b);
    let v = verilog_of(&mut u);
    let h = sha256_hex(&v);
    let d = "leaf multiplier: 26 x 17 unsigned, registered (one DSP48E2)".to_string();
    design(
        "dsp_tile",
        DesignKind::DspTile,
        d,
        Some(TILE_LATENCY),
        1,
        v,
        h,
    )
}

fn card() -> Design {
    let hash = card_design_hash();
    let v = card_verilog(hash);
    let d = "card top: AXI4-Lite register file + 512-bit AXI4-Stream data port (loopback, MSM engine: bases, digits, bucket readout; NTT engine up to 2^12)".into();
    design(
        "card",
        DesignKind::Card,
        d,
        None,
        0,
        v,
        format!("{hash:016x}"),
    )
}

/// Every catalogued design, by name, in catalogue order: the one table of names
/// (cheap: nothing is generated).
pub const CATALOGUE: &[(&str, DesignKind)] = &[
    ("dsp_tile", DesignKind::DspTile),
    ("fq_add", DesignKind::ModAdd(FieldId::Fq)),
    ("fq_sub", DesignKind::ModSub(FieldId::Fq)),
    ("fq_mont_mul", DesignKind::MontMul(FieldId::Fq)),
    ("fr_add", DesignKind::ModAdd(FieldId::Fr)),
    ("fr_sub", DesignKind::ModSub(FieldId::Fr)),
    ("fr_mont_mul", DesignKind::MontMul(FieldId::Fr)),
    ("g1_add", DesignKind::PointAdd),
    ("fr_butterfly", DesignKind::Butterfly),
    ("card", DesignKind::Card),
];

/// The kind of a catalogued design, without generating it.
pub fn kind_of(name: &str) -> Option<DesignKind> {
    CATALOGUE.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// Generates one design by name.
pub fn generate(name: &str) -> Option<Design> {
    Some(match kind_of(name)? {
        DesignKind::DspTile => dsp_tile(),
        DesignKind::ModAdd(f) => add_sub(f, AddSub::Add),
        DesignKind::ModSub(f) => add_sub(f, AddSub::Sub),
        DesignKind::MontMul(f) => mont_mul(f),
        DesignKind::PointAdd => point_add(),
        DesignKind::Butterfly => butterfly(),
        DesignKind::Card => card(),
        DesignKind::BucketEngineHarness | DesignKind::DigitFeederHarness => return None,
    })
}

/// Generates every design.
pub fn catalogue() -> Vec<Design> {
    CATALOGUE
        .iter()
        .map(|(n, _)| generate(n).expect("catalogued name"))
        .collect()
}

/// Which field operators the simulator builds the composite G1 designs with (the
/// point adder `g1_add` and the `card`; the Fr butterfly always has the generated ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimOperators {
    /// The generated operators, as synthesized (slow to compile and to simulate).
    Rtl,
    /// The operators' simulation models ([`crate::arith::sim_model`]): same ports,
    /// latencies and function.
    Models,
}

/// The simulation-only designs: each field operator's simulation model standalone,
/// named `<operator>_model`, so that it is tested against ark-ff like the generated one.
pub const MODEL_NAMES: &[&str] = &[
    "fq_add_model",
    "fq_sub_model",
    "fq_mont_mul_model",
    "fr_add_model",
    "fr_sub_model",
    "fr_mont_mul_model",
];

fn operator_model(name: &'static str) -> Design {
    use crate::arith::sim_model::{mod_add_sub_model_verilog, mont_mul_model_verilog};
    let kind = kind_of(name.trim_end_matches("_model")).expect("model of a catalogued operator");
    let (v, latency, what) = match kind {
        DesignKind::ModAdd(f) => (
            mod_add_sub_model_verilog(f, AddSub::Add, "top"),
            mod_add_sub_latency(f, AddSub::Add),
            "modular adder",
        ),
        DesignKind::ModSub(f) => (
            mod_add_sub_model_verilog(f, AddSub::Sub, "top"),
            mod_add_sub_latency(f, AddSub::Sub),
            "modular subtractor",
        ),
        DesignKind::MontMul(f) => (
            mont_mul_model_verilog(f, "top"),
            mont_mul_figures(f).latency,
            "Montgomery multiplier",
        ),
        _ => unreachable!("only field operators have models"),
    };
    let h = sha256_hex(&v);
    let d = format!("simulation model of the {what} (wide Verilog operators; not for synthesis)");
    design(name, kind, d, Some(latency), 0, v, h)
}

/// The simulation-only test harnesses of composite blocks.
pub const HARNESSES: &[(&str, DesignKind)] = &[
    ("bucket_engine_stub", DesignKind::BucketEngineHarness),
    ("digit_feeder", DesignKind::DigitFeederHarness),
];

fn harness(name: &'static str, kind: DesignKind) -> Design {
    use crate::msm::bucket_engine::BucketEngine;
    use crate::msm::digit_feeder::DigitFeeder;
    let (v, d) = match kind {
        DesignKind::BucketEngineHarness => {
            let mut u = BucketEngine::<true>::default();
            connect_inputs!(
                u, clock, reset, clear, in_valid, in_bucket, in_point, rd_enable, rd_bucket
            );
            (
                verilog_of(&mut u),
                "test harness: the MSM bucket engine with the stand-in adder (integer sums, the real latency)",
            )
        }
        DesignKind::DigitFeederHarness => {
            let mut u = DigitFeeder::default();
            connect_inputs!(
                u, clock, reset, s_tdata, s_tvalid, index, rs_valid, rs_data, rs_tag, out_ready
            );
            (
                verilog_of(&mut u),
                "test harness: the MSM digit feeder, its base-memory port driven by the test",
            )
        }
        _ => unreachable!("not a harness"),
    };
    let h = sha256_hex(&v);
    design(name, kind, d.to_string(), None, 0, v, h)
}

/// What the simulator builds: the catalogue (the point adder and the card with
/// `operators`), the operator models and the test harnesses.
pub fn simulation_catalogue(operators: SimOperators) -> Vec<Design> {
    let mut all = catalogue();
    if operators == SimOperators::Models {
        for d in all
            .iter_mut()
            .filter(|d| matches!(d.kind, DesignKind::Card | DesignKind::PointAdd))
        {
            d.verilog = crate::arith::sim_model::with_operator_models(&d.verilog);
            d.description
                .push_str(" [simulated with the operators' simulation models]");
        }
    }
    all.extend(MODEL_NAMES.iter().map(|n| operator_model(n)));
    all.extend(HARNESSES.iter().map(|(n, k)| harness(n, *k)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_design_generates_with_ports() {
        for d in catalogue() {
            assert!(d.verilog.contains("module top("), "{}", d.name);
            assert!(
                d.ports.iter().any(|p| p.name == "clock" && !p.output),
                "{}",
                d.name
            );
        }
    }

    #[test]
    fn names_and_kinds_agree() {
        for d in catalogue() {
            assert_eq!(kind_of(d.name), Some(d.kind));
        }
        assert_eq!(kind_of("nope"), None);
    }

    #[test]
    fn simulation_catalogue_has_models_and_a_card_with_models() {
        let all = simulation_catalogue(SimOperators::Models);
        for m in MODEL_NAMES {
            let d = all.iter().find(|d| d.name == *m).expect("model present");
            let real = generate(m.trim_end_matches("_model")).unwrap();
            assert_eq!(d.kind, real.kind);
            assert_eq!(d.latency, real.latency, "{m}");
            assert_eq!(d.ports, real.ports, "{m}");
        }
        let card = all.iter().find(|d| d.name == "card").unwrap();
        assert!(card
            .verilog
            .contains("Simulation model of the fq Montgomery multiplier"));
        let adder = all.iter().find(|d| d.name == "g1_add").unwrap();
        assert!(adder
            .verilog
            .contains("Simulation model of the fq Montgomery multiplier"));
        let rtl = simulation_catalogue(SimOperators::Rtl);
        let adder = rtl.iter().find(|d| d.name == "g1_add").unwrap();
        assert!(!adder.verilog.contains("Simulation model"));
        assert_eq!(card.hash, format!("{:016x}", card_design_hash()));
    }

    #[test]
    fn card_hash_is_stable_and_reported() {
        let a = card_design_hash();
        assert_eq!(a, card_design_hash());
        let v = card_verilog(a);
        assert!(
            v.contains(&format!("{:x}", a as u32)),
            "hash low word appears in Verilog"
        );
    }

    /// The spec crate's checked-in figures are the generated design's.
    #[test]
    fn spec_design_hash_is_the_generated_cards() {
        let generated = card_design_hash();
        assert_eq!(
            crate::spec::design::CARD_DESIGN_HASH,
            generated,
            "the card changed: set spec/src/design.rs CARD_DESIGN_HASH to 0x{generated:016x}"
        );
    }

    #[test]
    fn spec_latencies_are_the_generated_pipelines() {
        let adder = crate::ec::point_add::point_add_figures().latency;
        assert_eq!(
            crate::spec::msm::POINT_ADDER_LATENCY,
            adder,
            "set spec/src/msm.rs POINT_ADDER_LATENCY to {adder}"
        );
        let ntt = crate::ntt::ntt_unit::pipeline_latency();
        assert_eq!(
            crate::spec::ntt::timing::PIPELINE_LATENCY,
            ntt,
            "set spec/src/ntt.rs timing::PIPELINE_LATENCY to {ntt}"
        );
    }

    #[test]
    fn harnesses_generate_with_their_ports() {
        for (name, kind) in HARNESSES {
            let d = harness(name, *kind);
            assert!(d.verilog.contains("module top("), "{name}");
            assert!(
                d.ports.iter().any(|p| p.name == "clock" && !p.output),
                "{name}"
            );
        }
        let engine = harness("bucket_engine_stub", DesignKind::BucketEngineHarness);
        assert!(engine.verilog.contains("module zk_g1_stub_add("));
        assert!(
            !engine.verilog.contains("zk_fq_mont_mul"),
            "no real multiplier inside"
        );
        assert!(engine
            .ports
            .iter()
            .any(|p| p.name == "rd_point" && p.width == 1152));
    }
}
