//! Generates the Verilog of every catalogued design (zkaccel-hdl), verilates it, writes
//! a small C ABI shim per design, and compiles everything into this crate.
//!
//! * The Verilator runtime (verilated.cpp, threads, FST writer) is compiled once and
//!   shared by all models.
//! * Each model is compiled with its own prefix (`Vzk_<name>`), so all designs link into
//!   one binary.
//! * Models are built with FST tracing compiled in (it costs nothing at run time until a
//!   test turns it on with `ZKACCEL_TRACE=DIR`), except the three that contain whole
//!   field-operator sets (`g1_add`, `fr_butterfly`, `card`), whose trace code is two
//!   thirds of their C++ and of the simulator's build time. `ZKACCEL_SIM_TRACE=all`
//!   compiles tracing into those too, `ZKACCEL_SIM_TRACE=none` into no model.
//!
//! * The point adder (`g1_add`) and the card are built with the field operators'
//!   simulation models (`zkaccel_hdl::arith::sim_model`: same ports, latencies and
//!   function, a few hundred word operations per cycle instead of ~100k gates), which
//!   makes them several times faster to compile and to simulate. The generated
//!   operators are simulated standalone and inside `fr_butterfly`; the models are built
//!   standalone too (`<operator>_model`) and tested against ark-ff like the generated
//!   ones. `ZKACCEL_SIM_OPERATORS=rtl` builds `g1_add` and the card with the generated
//!   operators (about 6 more minutes of C++ and a card ~10 times slower).
//!
//! Environment: `VERILATOR` (path of the verilator binary, default `verilator` on PATH),
//! `VERILATOR_ROOT` (default: asked from `verilator --getenv VERILATOR_ROOT`),
//! `ZKACCEL_SIM_OPT` (C++ optimisation level for the models, default 2).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../hdl/lint/waivers.vlt");
    println!("cargo:rerun-if-env-changed=VERILATOR");
    println!("cargo:rerun-if-env-changed=VERILATOR_ROOT");
    println!("cargo:rerun-if-env-changed=ZKACCEL_SIM_OPT");
    println!("cargo:rerun-if-env-changed=ZKACCEL_SIM_TRACE");
    println!("cargo:rerun-if-env-changed=ZKACCEL_SIM_OPERATORS");
    let operators = match std::env::var("ZKACCEL_SIM_OPERATORS").as_deref() {
        Ok("rtl") => zkaccel_hdl::designs::SimOperators::Rtl,
        Ok("models") | Err(_) => zkaccel_hdl::designs::SimOperators::Models,
        Ok(other) => {
            panic!("ZKACCEL_SIM_OPERATORS={other:?}: expected 'models' (default) or 'rtl'")
        }
    };
    let trace_mode = std::env::var("ZKACCEL_SIM_TRACE").unwrap_or_default();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let verilator = std::env::var("VERILATOR").unwrap_or_else(|_| "verilator".into());
    let root = verilator_root(&verilator);
    let include = root.join("include");
    let opt = std::env::var("ZKACCEL_SIM_OPT").unwrap_or_else(|_| "2".into());
    let waivers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hdl/lint/waivers.vlt");

    // Everything a compiled model depends on besides its own Verilog: a model whose
    // stamp matches is reused from the previous build in this OUT_DIR (a change in one
    // block then rebuilds only the designs it is part of).
    // (comment lines excluded: editing the documentation does not rebuild the models)
    let build_script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
    let waiver_text = std::fs::read_to_string(&waivers).unwrap_or_default();
    let common = format!("{build_script}\n{waiver_text}\n{opt}\n{}\n", root.display());
    // Compiled models live beside the per-build OUT_DIRs (target/<profile>/build/), so a
    // change to zkaccel-hdl (which gives this script a new OUT_DIR) still finds them.
    let cache = out.join("../../zkaccel-sim-models");
    std::fs::create_dir_all(&cache).unwrap();
    let cache = cache.canonicalize().unwrap();
    println!("cargo:rustc-link-search=native={}", cache.display());

    // The runtime, once.
    let rt_stamp = cache.join("zkaccel_verilated_rt.stamp");
    if !stamp_matches(&rt_stamp, &common, &cache.join("libzkaccel_verilated_rt.a")) {
        let _ = std::fs::remove_file(&rt_stamp);
        let mut rt = base_build(&include, &opt, true);
        rt.out_dir(&cache).cargo_metadata(false);
        for f in [
            "verilated.cpp",
            "verilated_threads.cpp",
            "verilated_fst_c.cpp",
        ] {
            rt.file(include.join(f));
        }
        rt.compile("zkaccel_verilated_rt");
        std::fs::write(&rt_stamp, stamp_of(&common)).unwrap();
    }
    println!("cargo:rustc-link-lib=static=zkaccel_verilated_rt");

    // The operator models' DPI functions (C++ generated from the field constants).
    let dpi_source = zkaccel_hdl::arith::sim_model::dpi_c_source();
    let dpi_text = format!("{common}{dpi_source}");
    let dpi_stamp = cache.join("zkaccel_sim_dpi.stamp");
    if !stamp_matches(&dpi_stamp, &dpi_text, &cache.join("libzkaccel_sim_dpi.a")) {
        let _ = std::fs::remove_file(&dpi_stamp);
        let file = cache.join("zkaccel_sim_dpi.cpp");
        std::fs::write(&file, &dpi_source).unwrap();
        let mut b = base_build(&include, &opt, false);
        b.file(&file).out_dir(&cache).cargo_metadata(false);
        b.compile("zkaccel_sim_dpi");
        std::fs::write(&dpi_stamp, stamp_of(&dpi_text)).unwrap();
    }
    println!("cargo:rustc-link-lib=static=zkaccel_sim_dpi");

    let mut table = String::new();
    let mut externs = String::new();
    writeln!(table, "pub static DESIGNS: &[DesignInfo] = &[").unwrap();
    let designs = zkaccel_hdl::designs::simulation_catalogue(operators);
    for d in &designs {
        let dir = cache.join("models").join(d.name);
        let prefix = format!("Vzk_{}", d.name);
        let lib_name = format!("zkaccel_model_{}", d.name);
        let traced = match trace_mode.as_str() {
            "all" => true,
            "none" => false,
            _ => !matches!(d.name, "g1_add" | "fr_butterfly" | "card"),
        };
        let stamp_text = format!("{common}traced={traced}\n{}", d.verilog);
        let stamp = cache.join(format!("{lib_name}.stamp"));
        if stamp_matches(&stamp, &stamp_text, &cache.join(format!("lib{lib_name}.a"))) {
            println!("cargo:rustc-link-lib=static={lib_name}");
            let header = std::fs::read_to_string(dir.join(format!("{prefix}.h"))).unwrap();
            let ports = parse_ports(&header);
            emit_tables(&mut externs, &mut table, d, &ports);
            continue;
        }
        let _ = std::fs::remove_file(&stamp);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let vfile = dir.join(format!("{}.v", d.name));
        std::fs::write(&vfile, &d.verilog).unwrap();
        let status = Command::new(&verilator)
            .args(["--cc", "--prefix", &prefix, "--top-module", "top"])
            .args(["-O3", "--x-assign", "fast", "--x-initial", "fast"])
            .args(if traced {
                &["--trace-fst"][..]
            } else {
                &[][..]
            })
            .args(["-Wall", "-Wno-fatal"])
            .arg(&waivers)
            .arg("-Mdir")
            .arg(&dir)
            .arg(&vfile)
            .status()
            .unwrap_or_else(|e| missing_verilator(&verilator, e));
        assert!(
            status.success(),
            "verilator failed on design {} ({})",
            d.name,
            vfile.display()
        );

        let header = std::fs::read_to_string(dir.join(format!("{prefix}.h"))).unwrap();
        let ports = parse_ports(&header);
        let shim = dir.join(format!("{}_shim.cpp", d.name));
        std::fs::write(&shim, shim_source(d.name, &prefix, &ports, traced)).unwrap();

        let mut cpps: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cpp"))
            .collect();
        cpps.sort();
        // Verilator's `__Slow` files hold code that runs once (construction, initial
        // values, constant pools' users at start-up): half of a netlist model's C++ and
        // most of the card's (its ROM and memory initialisers). They are compiled
        // without optimisation, as Verilator's own makefiles do with OPT_SLOW.
        let (slow, fast): (Vec<_>, Vec<_>) = cpps.into_iter().partition(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains("__Slow"))
        });
        let mut s = base_build(&include, "0", traced);
        s.include(&dir)
            .files(&slow)
            .out_dir(cache.join("slow").join(d.name))
            .cargo_metadata(false);
        let slow_objects = if slow.is_empty() {
            vec![]
        } else {
            s.compile_intermediates()
        };
        let mut b = base_build(&include, &opt, traced);
        b.include(&dir).files(&fast).objects(&slow_objects);
        b.out_dir(&cache).cargo_metadata(false);
        b.compile(&lib_name);
        std::fs::write(&stamp, stamp_of(&stamp_text)).unwrap();
        println!("cargo:rustc-link-lib=static={lib_name}");
        emit_tables(&mut externs, &mut table, d, &ports);
    }
    writeln!(table, "];").unwrap();
    writeln!(
        table,
        "/// Which field operators `g1_add` and `card` were built with: \"models\" or \"rtl\".\npub const SIM_OPERATORS: &str = {:?};",
        match operators {
            zkaccel_hdl::designs::SimOperators::Rtl => "rtl",
            zkaccel_hdl::designs::SimOperators::Models => "models",
        }
    )
    .unwrap();
    std::fs::write(out.join("designs.rs"), format!("{externs}\n{table}")).unwrap();
    println!("cargo:rustc-link-lib=stdc++");
    println!("cargo:rustc-link-lib=z");
    println!("cargo:rustc-link-lib=pthread");
}

/// A content stamp (not cryptographic; it only has to notice a change).
fn stamp_of(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    format!("{:016x} {}", h.finish(), text.len())
}

fn stamp_matches(stamp: &Path, text: &str, lib: &Path) -> bool {
    lib.exists() && std::fs::read_to_string(stamp).is_ok_and(|s| s == stamp_of(text))
}

fn emit_tables(
    externs: &mut String,
    table: &mut String,
    d: &zkaccel_hdl::designs::Design,
    ports: &[Port],
) {
    let n = d.name;
    writeln!(
        externs,
        "extern \"C\" {{
    fn zk_{n}_new() -> *mut c_void;
    fn zk_{n}_free(m: *mut c_void);
    fn zk_{n}_eval(m: *mut c_void);
    fn zk_{n}_port(m: *mut c_void, index: u32) -> *mut c_void;
    fn zk_{n}_trace_open(m: *mut c_void, path: *const c_char) -> i32;
    fn zk_{n}_trace_dump(m: *mut c_void, time: u64);
}}"
    )
    .unwrap();
    let port_list: Vec<String> = ports
        .iter()
        .map(|p| {
            format!(
                "PortInfo {{ name: {:?}, width: {}, output: {} }}",
                p.name, p.width, p.output
            )
        })
        .collect();
    writeln!(
            table,
            "    DesignInfo {{ name: {n:?}, latency: {:?}, hash: {:?}, ports: &[{}],
        vtable: VTable {{ new: zk_{n}_new, free: zk_{n}_free, eval: zk_{n}_eval, port: zk_{n}_port, trace_open: zk_{n}_trace_open, trace_dump: zk_{n}_trace_dump }} }},",
            d.latency,
            d.hash,
            port_list.join(", ")
        )
        .unwrap();
}

fn base_build(include: &Path, opt: &str, traced: bool) -> cc::Build {
    let mut b = cc::Build::new();
    b.cpp(true)
        .std("gnu++17")
        .opt_level_str(opt)
        .include(include)
        .include(include.join("vltstd"))
        .define("VM_COVERAGE", "0")
        .define("VM_SC", "0")
        .define("VM_TRACE", if traced { "1" } else { "0" })
        .define("VM_TRACE_FST", "1")
        .define("VM_TRACE_VCD", "0")
        .flag_if_supported("-faligned-new")
        .flag_if_supported("-fcf-protection=none")
        .debug(false)
        .warnings(false)
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-unused-variable")
        .flag_if_supported("-Wno-bool-operation")
        .flag_if_supported("-Wno-sign-compare")
        .flag_if_supported("-Wno-shadow");
    b
}

fn missing_verilator(cmd: &str, e: std::io::Error) -> ! {
    panic!(
        "\n\nzkaccel-sim needs Verilator (5.006 or newer) to build the simulator, and `{cmd}` could not be run: {e}.\n\
         Install it with:  apt-get install -y verilator   (Debian/Ubuntu)\n\
         or point the VERILATOR environment variable at a verilator binary.\n\n"
    )
}

fn verilator_root(verilator: &str) -> PathBuf {
    if let Ok(r) = std::env::var("VERILATOR_ROOT") {
        return PathBuf::from(r);
    }
    let out = Command::new(verilator)
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .unwrap_or_else(|e| missing_verilator(verilator, e));
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        root.join("include/verilated.cpp").exists(),
        "Verilator runtime not found under {} (set VERILATOR_ROOT)",
        root.display()
    );
    root
}

struct Port {
    name: String,
    width: usize,
    output: bool,
}

/// Reads `VL_IN8(&clock,0,0);`-style port declarations from the Verilated header.
fn parse_ports(header: &str) -> Vec<Port> {
    let mut ports = vec![];
    for line in header.lines() {
        let line = line.trim();
        let Some(open) = line.find('(') else { continue };
        let mac = &line[..open];
        let (output, kind) = if let Some(k) = mac.strip_prefix("VL_IN") {
            (false, k)
        } else if let Some(k) = mac.strip_prefix("VL_OUT") {
            (true, k)
        } else {
            continue;
        };
        // VL_IN8/16/IN/64/W: the C++ storage follows from the width, as the runtime knows.
        if !matches!(kind, "8" | "16" | "" | "64" | "W") {
            continue;
        }
        let args: Vec<&str> = line[open + 1..line.rfind(')').unwrap()]
            .split(',')
            .collect();
        let name = args[0].trim().trim_start_matches('&').to_string();
        let msb: usize = args[1].trim().parse().unwrap();
        let lsb: usize = args[2].trim().parse().unwrap();
        ports.push(Port {
            name,
            width: msb - lsb + 1,
            output,
        });
    }
    ports
}

fn shim_source(name: &str, prefix: &str, ports: &[Port], traced: bool) -> String {
    let mut cases = String::new();
    for (i, p) in ports.iter().enumerate() {
        writeln!(
            cases,
            "        case {i}: return (void*)&m->top->{};",
            p.name
        )
        .unwrap();
    }
    format!(
        r#"// Generated by zkaccel-sim's build script: C ABI for design {name}.
#include "{prefix}.h"
#include "verilated.h"
#include "verilated_fst_c.h"
#include <cstdint>

namespace {{
struct Instance {{
    VerilatedContext* ctx;
    {prefix}* top;
    VerilatedFstC* trace;
}};
}}

extern "C" {{
void* zk_{name}_new() {{
    Instance* m = new Instance;
    m->ctx = new VerilatedContext;
    m->ctx->traceEverOn(true);
    m->top = new {prefix}(m->ctx, "top");
    m->trace = nullptr;
    return m;
}}
void zk_{name}_free(void* p) {{
    Instance* m = static_cast<Instance*>(p);
    if (m->trace) {{ m->trace->close(); delete m->trace; }}
    m->top->final();
    delete m->top;
    delete m->ctx;
    delete m;
}}
void zk_{name}_eval(void* p) {{ static_cast<Instance*>(p)->top->eval(); }}
void* zk_{name}_port(void* p, uint32_t index) {{
    Instance* m = static_cast<Instance*>(p);
    switch (index) {{
{cases}        default: return nullptr;
    }}
}}
int zk_{name}_trace_open(void* p, const char* path) {{
{trace_open}
}}
void zk_{name}_trace_dump(void* p, uint64_t time) {{
    Instance* m = static_cast<Instance*>(p);
    if (m->trace) m->trace->dump(time);
}}
}}
"#,
        trace_open = if traced {
            "    Instance* m = static_cast<Instance*>(p);
    if (m->trace) return -1;
    m->trace = new VerilatedFstC;
    m->top->trace(m->trace, 99);
    m->trace->open(path);
    return m->trace->isOpen() ? 0 : -2;"
        } else {
            "    (void)p; (void)path;
    return -3;"
        }
    )
}
