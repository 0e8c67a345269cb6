//! `zkaccel hdl generate | lint | estimate`: the hardware flow.

use crate::tools::{VERILATOR, YOSYS};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
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

/// Resource estimate of one design from yosys `synth_xilinx -family xcup`.
#[derive(Debug, Serialize, Clone)]
pub struct Estimate {
    pub block: String,
    /// LUTs (LUT1..LUT6), logic only.
    pub lut: u64,
    /// LUTs used as shift registers (SRL16E/SRLC32E).
    pub lut_as_srl: u64,
    /// Flip-flops (FDRE/FDSE/FDCE/FDPE).
    pub ff: u64,
    /// DSP48E2 blocks.
    pub dsp: u64,
    /// Block RAM in RAMB36 equivalents (RAMB18 counts one half).
    pub bram36: f64,
    /// Carry chains (yosys maps to CARRY4; Vivado would use CARRY8).
    pub carry4: u64,
    /// yosys run time.
    pub seconds: f64,
}

/// Runs yosys on one Verilog file and counts cells.
pub fn estimate_file(block: &str, file: &Path) -> Result<Estimate> {
    let yosys = YOSYS.find()?;
    let work = tempfile::tempdir()?;
    let stat = work.path().join("stat.json");
    let script = format!(
        "read_verilog {}; synth_xilinx -family xcup -top top -flatten -noiopad; tee -q -o {} stat -json",
        file.display(),
        stat.display()
    );
    let t = Instant::now();
    let out = Command::new(&yosys)
        .args(["-q", "-p", &script])
        .output()
        .with_context(|| format!("running {}", yosys.display()))?;
    let seconds = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "yosys failed on {block} ({}):\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stat)?)
        .context("yosys wrote no readable stat -json output")?;
    let cells = v["design"]["num_cells_by_type"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let count = |pred: &dyn Fn(&str) -> bool| -> u64 {
        cells
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum()
    };
    Ok(Estimate {
        block: block.to_string(),
        lut: count(&|k| k.starts_with("LUT")),
        lut_as_srl: count(&|k| k.starts_with("SRL")),
        ff: count(&|k| matches!(k, "FDRE" | "FDSE" | "FDCE" | "FDPE")),
        dsp: count(&|k| k.starts_with("DSP48")),
        bram36: count(&|k| k == "RAMB36E2") as f64 + count(&|k| k == "RAMB18E2") as f64 / 2.0,
        carry4: count(&|k| k.starts_with("CARRY")),
        seconds,
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
        out.push(estimate_file(&name, &file)?);
    }
    Ok(out)
}

/// The estimates as a text table.
pub fn estimate_table(rows: &[Estimate]) -> String {
    let mut s = format!(
        "{:<14} {:>9} {:>8} {:>9} {:>6} {:>7} {:>8} {:>8}\n",
        "block", "LUT", "LUT-SRL", "FF", "DSP", "BRAM36", "CARRY4", "yosys s"
    );
    for r in rows {
        s += &format!(
            "{:<14} {:>9} {:>8} {:>9} {:>6} {:>7} {:>8} {:>8.1}\n",
            r.block, r.lut, r.lut_as_srl, r.ff, r.dsp, r.bram36, r.carry4, r.seconds
        );
    }
    s
}
