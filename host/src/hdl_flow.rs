//! `zkaccel hdl generate | lint | estimate`: the hardware flow.

use crate::tools::VERILATOR;
use crate::yosys::{default_cache_dir, synthesize, Synthesis};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use zkaccel_hdl::designs::{self, Design};

/// File name of the waivers written beside the generated Verilog.
pub const WAIVERS_FILE: &str = "waivers.vlt";
/// File name of the manifest.
pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Serialize)]
struct ManifestEntry<'a> {
    #[serde(flatten)]
    design: &'a Design,
    file: String,
}

#[derive(Serialize)]
struct Manifest<'a> {
    generator: String,
    card_design_hash: String,
    lint_waivers: &'static str,
    designs: Vec<ManifestEntry<'a>>,
}

/// Writes the Verilog of every design, the lint waivers and `manifest.json` into `out`.
/// Returns the designs written.
pub fn generate(out: &Path) -> Result<Vec<Design>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let all = designs::catalogue();
    let mut entries = vec![];
    for d in &all {
        let file = format!("{}.v", d.name);
        let path = out.join(&file);
        std::fs::write(&path, &d.verilog).with_context(|| format!("writing {}", path.display()))?;
        entries.push(ManifestEntry { design: d, file });
    }
    std::fs::write(out.join(WAIVERS_FILE), zkaccel_hdl::LINT_WAIVERS)?;
    let card = all
        .iter()
        .find(|d| d.name == "card")
        .expect("card is catalogued");
    let manifest = Manifest {
        generator: format!("zkaccel-hdl {}", env!("CARGO_PKG_VERSION")),
        card_design_hash: card.hash.clone(),
        lint_waivers: WAIVERS_FILE,
        designs: entries,
    };
    std::fs::write(
        out.join(MANIFEST_FILE),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    Ok(all)
}

/// A directory of generated Verilog: the given one, or a fresh temporary one.
pub struct VerilogDir {
    pub path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl VerilogDir {
    pub fn open_or_generate(dir: Option<&Path>) -> Result<Self> {
        match dir {
            Some(d) => {
                if !d.join(MANIFEST_FILE).is_file() {
                    bail!(
                        "{} holds no {MANIFEST_FILE}: generate it first with `zkaccel hdl generate --out {}`",
                        d.display(),
                        d.display()
                    );
                }
                Ok(Self {
                    path: d.to_path_buf(),
                    _temp: None,
                })
            }
            None => {
                let t = tempfile::tempdir()?;
                generate(t.path())?;
                Ok(Self {
                    path: t.path().to_path_buf(),
                    _temp: Some(t),
                })
            }
        }
    }

    /// (design name, Verilog file) pairs listed by the manifest.
    pub fn designs(&self) -> Result<Vec<(String, PathBuf)>> {
        let text = std::fs::read_to_string(self.path.join(MANIFEST_FILE))?;
        let v: serde_json::Value = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not valid JSON",
                self.path.join(MANIFEST_FILE).display()
            )
        })?;
        let list = v["designs"]
            .as_array()
            .context("manifest has no designs list")?;
        list.iter()
            .map(|d| {
                let name = d["name"]
                    .as_str()
                    .context("design without name")?
                    .to_string();
                let file = self
                    .path
                    .join(d["file"].as_str().context("design without file")?);
                Ok((name, file))
            })
            .collect()
    }
}

/// Lint result of one design.
#[derive(Debug, Serialize)]
pub struct LintReport {
    pub design: String,
    pub clean: bool,
    /// Verilator's warnings and errors (empty when clean).
    pub messages: Vec<String>,
}

/// `verilator --lint-only -Wall` over every design, with the waivers file.
pub fn lint(dir: &VerilogDir) -> Result<Vec<LintReport>> {
    let verilator = VERILATOR.find()?;
    let waivers = dir.path.join(WAIVERS_FILE);
    if !waivers.is_file() {
        std::fs::write(&waivers, zkaccel_hdl::LINT_WAIVERS)?;
    }
    let mut reports = vec![];
    for (name, file) in dir.designs()? {
        let out = Command::new(&verilator)
            .args(["--lint-only", "-Wall", "--top-module", "top"])
            .arg(&waivers)
            .arg(&file)
            .output()
            .with_context(|| format!("running {}", verilator.display()))?;
        let messages: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with('%'))
            .map(str::to_string)
            .collect();
        reports.push(LintReport {
            design: name,
            clean: out.status.success() && messages.is_empty(),
            messages,
        });
    }
    Ok(reports)
}

/// Resource estimate and timing proxy of one design from yosys
/// `synth_xilinx -family xcup` (see [`crate::yosys`]).
#[derive(Debug, Serialize, Clone)]
pub struct Estimate {
    pub block: String,
    #[serde(flatten)]
    pub synthesis: Synthesis,
}

/// Runs yosys on one Verilog file (cached by its hash in [`default_cache_dir`]).
pub fn estimate_file(block: &str, file: &Path) -> Result<Estimate> {
    let verilog =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let synthesis = synthesize(block, &verilog, "top", Some(&default_cache_dir()))?;
    Ok(Estimate {
        block: block.to_string(),
        synthesis,
    })
}

/// One design: synthesized whole, or, when it instantiates field operators (the point
/// adder, the butterfly, the card), as the sum of its units (see [`crate::hdl_fit`]):
/// each operator synthesized once and multiplied by its instance count, the rest with
/// the operators black-boxed. LUT-SRL and CARRY4 are then folded into LUT.
pub fn estimate_design(block: &str, file: &Path) -> Result<Estimate> {
    let verilog =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let counts = crate::hdl_fit::instance_counts(&verilog, "top");
    let composite = crate::hdl_fit::operator_modules()
        .iter()
        .any(|m| counts.get(m).copied().unwrap_or(0) > 0);
    if !composite {
        return estimate_file(block, file);
    }
    let t = std::time::Instant::now();
    let units = crate::hdl_fit::units_of(block, &verilog, &default_cache_dir())?;
    Ok(Estimate {
        block: block.to_string(),
        synthesis: crate::hdl_fit::combine(&units, t.elapsed().as_secs_f64()),
    })
}

/// Estimates the named blocks (all when `blocks` is empty), reporting progress on stderr.
pub fn estimate(dir: &VerilogDir, blocks: &[String]) -> Result<Vec<Estimate>> {
    let all = dir.designs()?;
    for b in blocks {
        if !all.iter().any(|(n, _)| n == b) {
            bail!(
                "no block named {b:?}; blocks are: {}",
                all.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let mut out = vec![];
    for (name, file) in all {
        if !blocks.is_empty() && !blocks.contains(&name) {
            continue;
        }
        eprintln!("yosys: synthesizing {name} ...");
        out.push(estimate_design(&name, &file)?);
    }
    Ok(out)
}

/// The estimates as a text table.
pub fn estimate_table(rows: &[Estimate]) -> String {
    let mut s = format!(
        "{:<14} {:>9} {:>8} {:>9} {:>6} {:>7} {:>8}  {:<31} {:>8}\n",
        "block",
        "LUT",
        "LUT-SRL",
        "FF",
        "DSP",
        "BRAM36",
        "CARRY4",
        "slowest path (proxy)",
        "yosys s"
    );
    for r in rows {
        let y = &r.synthesis;
        s += &format!(
            "{:<14} {:>9} {:>8} {:>9} {:>6} {:>7} {:>8}  {:<22} {:>4.2} ns{} {:>8.1}\n",
            r.block,
            y.lut,
            y.lut_as_srl,
            y.ff,
            y.dsp,
            y.bram36,
            y.carry4,
            y.timing.cells(),
            y.timing.delay_ns,
            if y.timing.meets_250mhz {
                "     "
            } else {
                " OVER"
            },
            y.seconds
        );
    }
    let over: Vec<&Estimate> = rows
        .iter()
        .filter(|r| !r.synthesis.timing.meets_250mhz)
        .collect();
    s += &format!(
        "slowest path: register to register after yosys synthesis, modelled at {} ns + {} ns per LUT level + {} ns per CARRY4 (+ {} ns per MUXF) against {} ns (250 MHz); a proxy, not Vivado timing.\n",
        crate::yosys::PATH_BASE_NS,
        crate::yosys::LUT_LEVEL_NS,
        crate::yosys::CARRY4_NS,
        crate::yosys::MUXF_NS,
        crate::yosys::PERIOD_NS
    );
    if over.is_empty() {
        s += "every block is under the bound\n";
    } else {
        for r in over {
            s += &format!(
                "over the bound: {} ({} -> {})\n",
                r.block, r.synthesis.timing.from, r.synthesis.timing.to
            );
        }
    }
    s
}
