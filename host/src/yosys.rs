//! yosys as the resource and timing estimator: `synth_xilinx -family xcup` for cell
//! counts, then a timing proxy from the same netlist.
//!
//! **Timing proxy.** After synthesis the registers, DSP48E2 and block RAM cells and
//! shift-register LUTs are deleted (each is a clocked path end) and the netlist is
//! written as JSON; [`crate::netlist_path`] finds the combinational path with the
//! largest modelled delay between two path ends: [`PATH_BASE_NS`] (clock to output,
//! setup, the first net) plus [`LUT_LEVEL_NS`] per LUT level (cell and net),
//! [`CARRY4_NS`] per CARRY4 (yosys maps carries to CARRY4; Vivado packs two into one
//! CARRY8) and [`MUXF_NS`] per MUXF7/8, against the 4.0 ns of 250 MHz, with the
//! names of the nets it starts and ends on. These are typical UltraScale+ (-2)
//! figures, not a timing analysis: a block under the bound has short logic between
//! its registers, which is what closing 250 MHz needs; placement, routing congestion
//! and SLR crossings are judged only by Vivado. (Until December 2026 the proxy was
//! yosys `ltp -noff`, the path with the most cells, which can miss a slower path of
//! fewer cells.)
//!
//! **Shift registers.** yosys 0.23 ignores the `shreg_extract = "no"` attribute Vivado
//! honours (it stays on the `reg`'s wire, not on the flip-flop cell), so the script
//! stops `synth_xilinx` before its `fine` step (where shift registers are first
//! mapped), marks the flip-flops driving such wires `keep` (`xilinx_srl` leaves kept
//! cells alone) and goes on: the registers the arithmetic generator marks stay
//! flip-flops in the estimate as they would in Vivado
//! (`zkaccel_hdl::arith::netlist::SHIFT_REGISTER_MIN_CYCLES`).
//!
//! Results are cached on disk by the SHA-256 of the Verilog, the top module and this
//! script, so a module is synthesized once.

use crate::netlist_path::{slowest_path, CellDelays, SlowestPath};
use crate::tools::YOSYS;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Fixed part of a register-to-register path: clock to output, setup, first net (ns).
pub const PATH_BASE_NS: f64 = 0.6;
/// One LUT level with its net (ns).
pub const LUT_LEVEL_NS: f64 = 0.45;
/// One CARRY4 (four bits of carry chain) (ns).
pub const CARRY4_NS: f64 = 0.06;
/// One MUXF7/MUXF8 (ns).
pub const MUXF_NS: f64 = 0.15;
/// The clock period the proxy is held against: 250 MHz.
pub const PERIOD_NS: f64 = 4.0;

/// The slowest register-to-register path after synthesis (by modelled delay).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PathProxy {
    pub lut_levels: u64,
    pub carry4: u64,
    pub muxf: u64,
    /// Modelled delay (ns).
    pub delay_ns: f64,
    /// `delay_ns ≤ PERIOD_NS`.
    pub meets_250mhz: bool,
    /// The net the path starts on (a register's output, a port, a black box's output).
    #[serde(default)]
    pub from: String,
    /// A net the path's last cell drives.
    #[serde(default)]
    pub to: String,
}

impl PathProxy {
    pub fn new(lut_levels: u64, carry4: u64, muxf: u64) -> Self {
        let delay_ns = PATH_BASE_NS
            + LUT_LEVEL_NS * lut_levels as f64
            + CARRY4_NS * carry4 as f64
            + MUXF_NS * muxf as f64;
        Self {
            lut_levels,
            carry4,
            muxf,
            delay_ns: (delay_ns * 100.0).round() / 100.0,
            meets_250mhz: delay_ns <= PERIOD_NS,
            from: String::new(),
            to: String::new(),
        }
    }

    /// The proxy of a path found in a netlist.
    pub fn of(path: &SlowestPath) -> Self {
        Self {
            from: path.from.clone(),
            to: path.to.clone(),
            ..Self::new(path.lut_levels, path.carry4, path.muxf)
        }
    }

    /// The cells on the path, e.g. `8 LUT + 20 MUXF`.
    pub fn cells(&self) -> String {
        let mut parts = vec![format!("{} LUT", self.lut_levels)];
        if self.carry4 > 0 {
            parts.push(format!("{} CARRY4", self.carry4));
        }
        if self.muxf > 0 {
            parts.push(format!("{} MUXF", self.muxf));
        }
        parts.join(" + ")
    }
}

/// The cell delays of the model, for [`crate::netlist_path`].
pub const CELL_DELAYS: CellDelays = CellDelays {
    lut: LUT_LEVEL_NS,
    carry: CARRY4_NS,
    muxf: MUXF_NS,
};

/// Cell counts and the timing proxy of one module.
#[derive(Debug, Serialize, Deserialize, Clone)]
pub struct Synthesis {
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
    pub timing: PathProxy,
    /// yosys run time when it ran (a cached result keeps the time it took then).
    pub seconds: f64,
}

const SCRIPT_VERSION: &str = "zkaccel-yosys-5";

/// Where results are cached: `$ZKACCEL_YOSYS_CACHE`, else `$XDG_CACHE_HOME/zkaccel/yosys`,
/// else `~/.cache/zkaccel/yosys`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ZKACCEL_YOSYS_CACHE") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("zkaccel").join("yosys")
}

/// Synthesizes `verilog` with top module `top` (cached in `cache` when given).
pub fn synthesize(
    label: &str,
    verilog: &str,
    top: &str,
    cache: Option<&Path>,
) -> Result<Synthesis> {
    // yosys must be there even when the result is cached: the cache is not the tool.
    let yosys = YOSYS.find()?;
    let key = {
        let mut h = Sha256::new();
        h.update(SCRIPT_VERSION);
        h.update(top);
        h.update(verilog);
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let cached = cache.map(|c| c.join(format!("{key}.json")));
    if let Some(path) = &cached {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(s) = serde_json::from_str::<Synthesis>(&text) {
                return Ok(s);
            }
        }
    }
    let work = tempfile::tempdir()?;
    let src = work.path().join("design.v");
    std::fs::write(&src, verilog)?;
    let stat = work.path().join("stat.json");
    let net = work.path().join("netlist.json");
    let script = format!(
        "read_verilog {src}; synth_xilinx -family xcup -top {top} -flatten -noiopad -run :fine; \
         select -set no_srl w:* a:shreg_extract=no %i %ci1:+[Q] t:$dff %i; \
         setattr -set keep 1 @no_srl; \
         synth_xilinx -family xcup -top {top} -flatten -noiopad -run fine:; \
         tee -q -o {stat} stat -json; \
         delete t:DSP48E2 t:RAMB* t:SRL* t:FD* t:BUFG* t:URAM*; write_json {net}",
        src = src.display(),
        stat = stat.display(),
        net = net.display()
    );
    let t = Instant::now();
    let out = Command::new(&yosys)
        .args(["-q", "-p", &script])
        .output()
        .with_context(|| format!("running {}", yosys.display()))?;
    let seconds = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "yosys failed on {label}:\n{}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // For looking at a path by hand: `ZKACCEL_YOSYS_KEEP=DIR` keeps each run's Verilog,
    // statistics and netlist there (`TOP.v`, `TOP.stat.json`, `TOP.netlist.json`).
    if let Some(keep) = std::env::var_os("ZKACCEL_YOSYS_KEEP") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep)?;
        for (from, ext) in [(&src, "v"), (&stat, "stat.json"), (&net, "netlist.json")] {
            std::fs::copy(from, keep.join(format!("{top}.{ext}")))
                .with_context(|| format!("keeping {} in {}", from.display(), keep.display()))?;
        }
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
    let netlist = std::fs::read_to_string(&net).context("yosys wrote no netlist")?;
    let timing = match slowest_path(&netlist, top, CELL_DELAYS)
        .with_context(|| format!("the timing proxy of {label}"))?
    {
        Some(path) => PathProxy::of(&path),
        None => PathProxy::new(0, 0, 0),
    };
    let s = Synthesis {
        lut: count(&|k| k.starts_with("LUT")),
        lut_as_srl: count(&|k| k.starts_with("SRL")),
        ff: count(&|k| matches!(k, "FDRE" | "FDSE" | "FDCE" | "FDPE")),
        dsp: count(&|k| k.starts_with("DSP48")),
        bram36: count(&|k| k == "RAMB36E2") as f64 + count(&|k| k == "RAMB18E2") as f64 / 2.0,
        carry4: count(&|k| k.starts_with("CARRY")),
        timing,
        seconds,
    };
    if let Some(path) = &cached {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the yosys cache {}", dir.display()))?;
        }
        // Written whole, then renamed: a reader never sees a partial entry.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&s)?)?;
        std::fs::rename(&tmp, path)?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_modelled_by_cell_kind() {
        let p = PathProxy::new(1, 2, 1);
        assert!((p.delay_ns - (0.6 + 0.45 + 0.12 + 0.15)).abs() < 1e-9);
        assert!(p.meets_250mhz);
        assert_eq!(p.cells(), "1 LUT + 2 CARRY4 + 1 MUXF");
        assert!(!PathProxy::new(8, 0, 0).meets_250mhz);
        assert_eq!(PathProxy::new(8, 0, 0).cells(), "8 LUT");
    }
}
