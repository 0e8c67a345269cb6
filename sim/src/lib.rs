//! The zkaccel simulator: every design of `zkaccel_hdl::designs` compiled by Verilator
//! and driven from Rust through a small safe runtime.
//!
//! ```no_run
//! use zkaccel_sim::Model;
//! let mut m = Model::new("fq_add").unwrap();
//! let a = m.port("a").unwrap();
//! m.set_u64(a, 5).unwrap();
//! m.tick();
//! ```
//!
//! Waveforms: set `ZKACCEL_TRACE=DIR` and every model created afterwards writes an FST
//! file `DIR/<design>-<pid>-<n>.fst` (open it with GTKWave or Surfer), or call
//! [`Model::trace_to`] for one model.

pub mod card;
pub mod dataflow;
pub mod fault;
pub mod pipeline;
pub mod point_add;

use num_bigint::BigUint;
use std::ffi::{c_char, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

mod generated {
    #![allow(clippy::all)]
    use super::{DesignInfo, PortInfo, VTable};
    use std::ffi::{c_char, c_void};
    include!(concat!(env!("OUT_DIR"), "/designs.rs"));
}
pub use generated::{DESIGNS, SIM_OPERATORS};

/// Environment variable naming a directory for FST waveforms of every model.
pub const TRACE_ENV: &str = "ZKACCEL_TRACE";

/// A port of a compiled design.
#[derive(Debug)]
pub struct PortInfo {
    pub name: &'static str,
    pub width: usize,
    pub output: bool,
}

#[doc(hidden)]
pub struct VTable {
    pub new: unsafe extern "C" fn() -> *mut c_void,
    pub free: unsafe extern "C" fn(*mut c_void),
    pub eval: unsafe extern "C" fn(*mut c_void),
    pub port: unsafe extern "C" fn(*mut c_void, u32) -> *mut c_void,
    pub trace_open: unsafe extern "C" fn(*mut c_void, *const c_char) -> i32,
    pub trace_dump: unsafe extern "C" fn(*mut c_void, u64),
}

/// A design compiled into this crate.
pub struct DesignInfo {
    pub name: &'static str,
    /// Pipeline latency in cycles, as the hardware generator declares it.
    pub latency: Option<usize>,
    /// The design's hash (see `zkaccel_hdl::designs::Design::hash`).
    pub hash: &'static str,
    pub ports: &'static [PortInfo],
    #[doc(hidden)]
    pub vtable: VTable,
}

impl DesignInfo {
    pub fn find(name: &str) -> Option<&'static DesignInfo> {
        DESIGNS.iter().find(|d| d.name == name)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no design named {name:?} is compiled into the simulator (known: {known})")]
    UnknownDesign { name: String, known: String },
    #[error("design {design} has no port {port:?}")]
    UnknownPort { design: &'static str, port: String },
    #[error("port {design}.{port} is an output and cannot be driven")]
    DrivingOutput {
        design: &'static str,
        port: &'static str,
    },
    #[error("value for {design}.{port} has {bits} bits but the port is {width} bits wide")]
    ValueTooWide {
        design: &'static str,
        port: &'static str,
        bits: usize,
        width: usize,
    },
    #[error("cannot open waveform file {path}: {reason}")]
    Trace { path: PathBuf, reason: String },
    #[error("{0}")]
    Protocol(String),
}

/// Index of a port in its design (from [`Model::port`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortId(usize);

static TRACE_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One instance of a Verilated design.
pub struct Model {
    info: &'static DesignInfo,
    handle: *mut c_void,
    ptrs: Vec<*mut c_void>,
    clock: Option<PortId>,
    time: u64,
    cycles: u64,
    tracing: bool,
}

// A Verilated model has no thread affinity; it is used from one thread at a time.
unsafe impl Send for Model {}

impl Model {
    /// Instantiates design `name`. If `ZKACCEL_TRACE` is set, starts a waveform.
    pub fn new(name: &str) -> Result<Model, SimError> {
        let info = DesignInfo::find(name).ok_or_else(|| SimError::UnknownDesign {
            name: name.to_string(),
            known: DESIGNS
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        // SAFETY: the vtable functions come from the generated shim for this design.
        let handle = unsafe { (info.vtable.new)() };
        let ptrs = (0..info.ports.len())
            .map(|i| unsafe { (info.vtable.port)(handle, i as u32) })
            .collect();
        let mut m = Model {
            info,
            handle,
            ptrs,
            clock: None,
            time: 0,
            cycles: 0,
            tracing: false,
        };
        m.clock = m.port("clock").ok();
        if let Some(dir) = std::env::var_os(TRACE_ENV) {
            let n = TRACE_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = Path::new(&dir).join(format!("{}-{}-{n}.fst", name, std::process::id()));
            m.trace_to(&path)?;
        }
        m.eval();
        Ok(m)
    }

    /// Writes an FST waveform of this model to `path` from now on.
    pub fn trace_to(&mut self, path: &Path) -> Result<(), SimError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| SimError::Trace {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        }
        let c = CString::new(path.to_string_lossy().as_bytes()).map_err(|e| SimError::Trace {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let rc = unsafe { (self.info.vtable.trace_open)(self.handle, c.as_ptr()) };
        if rc != 0 {
            return Err(SimError::Trace {
                path: path.to_path_buf(),
                reason: match rc {
                    -1 => "already tracing".into(),
                    -3 => format!(
                        "the {} model was built without waveform support; rebuild the simulator with ZKACCEL_SIM_TRACE=all",
                        self.info.name
                    ),
                    _ => "open failed".into(),
                },
            });
        }
        self.tracing = true;
        Ok(())
    }

    pub fn info(&self) -> &'static DesignInfo {
        self.info
    }

    /// Looks a port up by name.
    pub fn port(&self, name: &str) -> Result<PortId, SimError> {
        self.info
            .ports
            .iter()
            .position(|p| p.name == name)
            .map(PortId)
            .ok_or_else(|| SimError::UnknownPort {
                design: self.info.name,
                port: name.into(),
            })
    }

    fn words(width: usize) -> usize {
        width.div_ceil(32)
    }

    /// Drives an input port with a value given as little-endian 32-bit words.
    pub fn set_words(&mut self, port: PortId, words: &[u32]) -> Result<(), SimError> {
        let p = &self.info.ports[port.0];
        if p.output {
            return Err(SimError::DrivingOutput {
                design: self.info.name,
                port: p.name,
            });
        }
        let bits = words
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| 32 * i + 32 - w.leading_zeros() as usize)
            .unwrap_or(0);
        if bits > p.width {
            return Err(SimError::ValueTooWide {
                design: self.info.name,
                port: p.name,
                bits,
                width: p.width,
            });
        }
        let ptr = self.ptrs[port.0];
        let word = |i: usize| words.get(i).copied().unwrap_or(0);
        // SAFETY: ptr points at the port's storage, whose C type follows from its width
        // exactly as Verilator chose it (CData/SData/IData/QData/VlWide<N>).
        unsafe {
            match p.width {
                1..=8 => *(ptr as *mut u8) = word(0) as u8,
                9..=16 => *(ptr as *mut u16) = word(0) as u16,
                17..=32 => *(ptr as *mut u32) = word(0),
                33..=64 => *(ptr as *mut u64) = word(0) as u64 | (word(1) as u64) << 32,
                w => {
                    let dst = std::slice::from_raw_parts_mut(ptr as *mut u32, Self::words(w));
                    for (i, d) in dst.iter_mut().enumerate() {
                        *d = word(i);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads a port as little-endian 32-bit words (`ceil(width / 32)` of them).
    pub fn get_words(&self, port: PortId) -> Vec<u32> {
        let p = &self.info.ports[port.0];
        let ptr = self.ptrs[port.0];
        // SAFETY: as in set_words.
        unsafe {
            match p.width {
                1..=8 => vec![*(ptr as *const u8) as u32],
                9..=16 => vec![*(ptr as *const u16) as u32],
                17..=32 => vec![*(ptr as *const u32)],
                33..=64 => {
                    let v = *(ptr as *const u64);
                    vec![v as u32, (v >> 32) as u32]
                }
                w => std::slice::from_raw_parts(ptr as *const u32, Self::words(w)).to_vec(),
            }
        }
    }

    /// Drives a port with 64-bit little-endian limbs (ark-ff's `BigInt` layout).
    pub fn set_limbs(&mut self, port: PortId, limbs: &[u64]) -> Result<(), SimError> {
        let words: Vec<u32> = limbs
            .iter()
            .flat_map(|l| [*l as u32, (*l >> 32) as u32])
            .collect();
        self.set_words(port, &words)
    }

    /// Reads a port as 64-bit little-endian limbs.
    pub fn get_limbs(&self, port: PortId) -> Vec<u64> {
        let w = self.get_words(port);
        w.chunks(2)
            .map(|c| c[0] as u64 | (c.get(1).copied().unwrap_or(0) as u64) << 32)
            .collect()
    }

    pub fn set(&mut self, port: PortId, value: &BigUint) -> Result<(), SimError> {
        self.set_words(port, &value.to_u32_digits())
    }

    pub fn get(&self, port: PortId) -> BigUint {
        BigUint::from_slice(&self.get_words(port))
    }

    pub fn set_u64(&mut self, port: PortId, value: u64) -> Result<(), SimError> {
        self.set_words(port, &[value as u32, (value >> 32) as u32])
    }

    pub fn get_u64(&self, port: PortId) -> u64 {
        let w = self.get_words(port);
        w[0] as u64 | (w.get(1).copied().unwrap_or(0) as u64) << 32
    }

    pub fn set_bool(&mut self, port: PortId, value: bool) -> Result<(), SimError> {
        self.set_u64(port, value as u64)
    }

    pub fn get_bool(&self, port: PortId) -> bool {
        self.get_u64(port) != 0
    }

    /// Evaluates combinational logic after inputs changed.
    pub fn eval(&mut self) {
        unsafe { (self.info.vtable.eval)(self.handle) };
    }

    /// One clock cycle: evaluates the inputs set so far, then a rising edge. Outputs
    /// read afterwards show the state after the edge.
    pub fn tick(&mut self) {
        let clock = self.clock.expect("design has a clock port");
        let ptr = self.ptrs[clock.0] as *mut u8;
        unsafe { *ptr = 0 };
        self.eval();
        self.dump();
        unsafe { *ptr = 1 };
        self.eval();
        self.dump();
        self.cycles += 1;
    }

    fn dump(&mut self) {
        if self.tracing {
            unsafe { (self.info.vtable.trace_dump)(self.handle, self.time) };
        }
        self.time += 1;
    }

    /// Clock cycles simulated so far.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { (self.info.vtable.free)(self.handle) };
    }
}
