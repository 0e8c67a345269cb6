//! `zkaccel hdl fit --part P`: does the whole card fit an FPGA part?
//!
//! The card's Verilog is cut into its units: every field operator module (the Fq and
//! Fr Montgomery multipliers, adders and subtractors), each synthesized once, and the
//! rest of the card (register file, MSM and NTT control, memories, the adders' and
//! butterfly's delay lines) with the operators black-boxed. Each unit's yosys figures
//! (cached on disk by its Verilog's hash, see [`crate::yosys`]) are multiplied by its
//! instance count in the card's hierarchy and summed, and the totals are held against
//! the part's capacity: the card fits when it uses at most
//! [`zkaccel_spec::parts::FIT_LIMIT`] of every resource.

use crate::yosys::{synthesize, PathProxy, Synthesis};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use zkaccel_hdl::ec::operators::FieldOperators;
use zkaccel_spec::field::FieldId;
use zkaccel_spec::parts::{Part, FIT_LIMIT};

/// LUT, FF, DSP and BRAM figures.
#[derive(Debug, Serialize, Clone, Copy, Default, PartialEq)]
pub struct Resources {
    /// LUTs, logic and shift registers.
    pub lut: f64,
    pub ff: f64,
    pub dsp: f64,
    pub bram36: f64,
}

/// One unit of the card.
#[derive(Debug, Serialize, Clone)]
pub struct ModuleFit {
    pub name: String,
    pub instances: u64,
    /// Per instance.
    pub lut: u64,
    pub ff: u64,
    pub dsp: u64,
    pub bram36: f64,
    /// Longest register-to-register path of one instance (yosys proxy).
    pub timing: PathProxy,
    pub yosys_seconds: f64,
}

/// The fit report (`--json` prints it).
#[derive(Debug, Serialize, Clone)]
pub struct FitReport {
    pub part: String,
    pub board: String,
    pub totals: Resources,
    pub capacity: Resources,
    pub utilization: Resources,
    pub fits: bool,
    pub fit_limit: f64,
    pub modules: Vec<ModuleFit>,
}

/// The modules defined in a Verilog file, by name, with their text.
pub fn split_modules(verilog: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in verilog.lines() {
        if current.is_none() {
            if let Some(rest) = line.trim_start().strip_prefix("module ") {
                let name = rest.split(['(', ' ', ';']).next().unwrap_or("").to_string();
                current = Some((name, String::new()));
            }
        }
        if let Some((_, text)) = &mut current {
            text.push_str(line);
            text.push('\n');
            if line.trim_start().starts_with("endmodule") {
                let (name, text) = current.take().unwrap();
                out.insert(name, text);
            }
        }
    }
    out
}

/// How often each module is instantiated inside `text`.
fn instantiations(text: &str, modules: &BTreeMap<String, String>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    // Comments removed (an instance often follows `// Sub module instances`).
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    for line in code.split(';') {
        let mut words = line.split_whitespace();
        let (Some(m), Some(inst)) = (words.next(), words.next()) else {
            continue;
        };
        let inst_ok = inst
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '\\');
        if inst_ok && modules.contains_key(m) {
            *out.entry(m.to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// Total instance count of every module under `top`.
pub fn instance_counts(verilog: &str, top: &str) -> BTreeMap<String, u64> {
    let modules = split_modules(verilog);
    let children: BTreeMap<String, BTreeMap<String, u64>> = modules
        .iter()
        .map(|(n, t)| (n.clone(), instantiations(t, &modules)))
        .collect();
    let mut counts = BTreeMap::new();
    fn walk(
        m: &str,
        k: u64,
        children: &BTreeMap<String, BTreeMap<String, u64>>,
        counts: &mut BTreeMap<String, u64>,
    ) {
        *counts.entry(m.to_string()).or_insert(0) += k;
        if let Some(cs) = children.get(m) {
            for (c, n) in cs {
                walk(c, k * n, children, counts);
            }
        }
    }
    walk(top, 1, &children, &mut counts);
    counts
}

/// `verilog` with the bodies of `names` replaced by their port declarations under
/// `(* blackbox *)`.
pub fn black_box(verilog: &str, names: &[String]) -> String {
    let modules = split_modules(verilog);
    let mut out = String::new();
    for (name, text) in &modules {
        if names.contains(name) {
            out.push_str("(* blackbox *)\n");
            for line in text.lines() {
                let t = line.trim_start();
                if t.starts_with("module ")
                    || t.starts_with("input ")
                    || t.starts_with("output ")
                    || t.starts_with("endmodule")
                {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        } else {
            out.push_str(text);
        }
    }
    out
}

/// The operator modules the card instantiates (synthesized one by one).
pub fn operator_modules() -> Vec<String> {
    let mut v = vec![];
    for id in [FieldId::Fq, FieldId::Fr] {
        let m = FieldOperators::get(id).modules;
        v.extend([m.mul, m.add, m.sub]);
    }
    v
}

fn unit(name: &str, instances: u64, s: &Synthesis) -> ModuleFit {
    ModuleFit {
        name: name.to_string(),
        instances,
        lut: s.lut + s.lut_as_srl,
        ff: s.ff,
        dsp: s.dsp,
        bram36: s.bram36,
        timing: s.timing.clone(),
        yosys_seconds: s.seconds,
    }
}

/// The units of a design (top module `top`): its operator modules, each synthesized
/// once, and the rest with the operators black-boxed (yosys, cached in `cache`).
pub fn units_of(label: &str, verilog: &str, cache: &Path) -> Result<Vec<ModuleFit>> {
    let counts = instance_counts(verilog, "top");
    let modules = split_modules(verilog);
    let ops: Vec<String> = operator_modules()
        .into_iter()
        .filter(|m| counts.get(m).copied().unwrap_or(0) > 0)
        .collect();
    let mut units = vec![];
    eprintln!("yosys: {label} without its field operators ...");
    let rest = synthesize(label, &black_box(verilog, &ops), "top", Some(cache))?;
    units.push(unit(&format!("{label}_control"), 1, &rest));
    for m in &ops {
        eprintln!("yosys: {m} ...");
        let s = synthesize(m, &modules[m], m, Some(cache))?;
        units.push(unit(m, counts[m], &s));
    }
    Ok(units)
}

/// The whole of a design from its units: resources summed over instances, the
/// longest path of the worst unit.
pub fn combine(units: &[ModuleFit], seconds: f64) -> Synthesis {
    let worst = units
        .iter()
        .map(|u| u.timing.clone())
        .max_by(|a, b| a.delay_ns.total_cmp(&b.delay_ns))
        .unwrap_or_else(|| PathProxy::new(0, 0, 0));
    Synthesis {
        lut: units.iter().map(|u| u.instances * u.lut).sum(),
        lut_as_srl: 0,
        ff: units.iter().map(|u| u.instances * u.ff).sum(),
        dsp: units.iter().map(|u| u.instances * u.dsp).sum(),
        bram36: units.iter().map(|u| u.instances as f64 * u.bram36).sum(),
        carry4: 0,
        timing: worst,
        seconds,
    }
}

/// The card's units with their figures (yosys, cached in `cache`).
pub fn card_units(cache: &Path) -> Result<Vec<ModuleFit>> {
    let card = zkaccel_hdl::designs::generate("card").context("the card design")?;
    units_of("card", &card.verilog, cache)
}

/// The fit report for `part` from the card's units.
pub fn fit_report(part: &Part, units: Vec<ModuleFit>) -> FitReport {
    let mut totals = Resources::default();
    for u in &units {
        let k = u.instances as f64;
        totals.lut += k * u.lut as f64;
        totals.ff += k * u.ff as f64;
        totals.dsp += k * u.dsp as f64;
        totals.bram36 += k * u.bram36;
    }
    let capacity = Resources {
        lut: part.lut as f64,
        ff: part.ff as f64,
        dsp: part.dsp as f64,
        bram36: part.bram36 as f64,
    };
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let utilization = Resources {
        lut: round(totals.lut / capacity.lut),
        ff: round(totals.ff / capacity.ff),
        dsp: round(totals.dsp / capacity.dsp),
        bram36: round(totals.bram36 / capacity.bram36),
    };
    let fits = [
        utilization.lut,
        utilization.ff,
        utilization.dsp,
        utilization.bram36,
    ]
    .iter()
    .all(|&u| u <= FIT_LIMIT);
    FitReport {
        part: part.name.to_string(),
        board: part.board.to_string(),
        totals,
        capacity,
        utilization,
        fits,
        fit_limit: FIT_LIMIT,
        modules: units,
    }
}

/// The report as text.
pub fn fit_table(r: &FitReport) -> String {
    let mut s = format!(
        "card on {} ({}): {}\n\n{:<18} {:>5} {:>9} {:>9} {:>6} {:>7}  {}\n",
        r.part,
        r.board,
        if r.fits { "FITS" } else { "DOES NOT FIT" },
        "unit",
        "inst",
        "LUT",
        "FF",
        "DSP",
        "BRAM36",
        "slowest path (proxy)"
    );
    for m in &r.modules {
        s += &format!(
            "{:<18} {:>5} {:>9} {:>9} {:>6} {:>7.1}  {:<22} {:>4.2} ns{}\n",
            m.name,
            m.instances,
            m.lut,
            m.ff,
            m.dsp,
            m.bram36,
            m.timing.cells(),
            m.timing.delay_ns,
            if m.timing.meets_250mhz { "" } else { " OVER" }
        );
    }
    for m in r.modules.iter().filter(|m| !m.timing.meets_250mhz) {
        s += &format!(
            "  {}'s slowest path: {} -> {}\n",
            m.name, m.timing.from, m.timing.to
        );
    }
    let row = |name: &str, x: &Resources| {
        format!(
            "{:<24} {:>9.0} {:>9.0} {:>6.0} {:>7.1}\n",
            name, x.lut, x.ff, x.dsp, x.bram36
        )
    };
    s += "\n";
    s += &row("total", &r.totals);
    s += &row("capacity", &r.capacity);
    s += &format!(
        "{:<24} {:>8.1}% {:>8.1}% {:>5.1}% {:>6.1}%   (fits: every resource <= {:.0}%)\n",
        "utilization",
        100.0 * r.utilization.lut,
        100.0 * r.utilization.ff,
        100.0 * r.utilization.dsp,
        100.0 * r.utilization.bram36,
        100.0 * r.fit_limit
    );
    s += "(yosys synth_xilinx -family xcup, pre-place-and-route; timing is a proxy, not Vivado timing)\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "module top(clock);\n  input wire clock;\n  // Sub module instances\n  mid u1(.clock(clock));\n  mid u2(.clock(clock));\nendmodule // top\nmodule mid(clock);\n  input wire clock;\nleaf a(.clock(clock)); leaf b(.clock(clock));\nleaf c(.clock(clock));\nendmodule // mid\nmodule leaf(clock);\n  input wire clock;\n  reg x;\nendmodule // leaf\n";

    #[test]
    fn instances_multiply_down_the_hierarchy() {
        let c = instance_counts(V, "top");
        assert_eq!(c["top"], 1);
        assert_eq!(c["mid"], 2);
        assert_eq!(c["leaf"], 6, "three per mid, two of them on one line");
    }

    #[test]
    fn black_boxes_keep_only_ports() {
        let b = black_box(V, &["leaf".to_string()]);
        assert!(b.contains("(* blackbox *)\nmodule leaf(clock);\n  input wire clock;\nendmodule"));
        assert!(!b.contains("reg x;"));
        assert!(b.contains("mid u1"));
    }

    #[test]
    fn fit_is_judged_on_every_resource() {
        let part = zkaccel_spec::parts::part("xcvu9p").unwrap();
        let unit = |dsp| ModuleFit {
            name: "m".into(),
            instances: 10,
            lut: 1000,
            ff: 1000,
            dsp,
            bram36: 0.0,
            timing: PathProxy::new(1, 0, 0),
            yosys_seconds: 0.0,
        };
        assert!(fit_report(part, vec![unit(100)]).fits);
        let r = fit_report(part, vec![unit(600)]);
        assert!(!r.fits, "6000 of 6840 DSP is over 80%");
        assert_eq!(r.totals.dsp, 6000.0);
    }
}
