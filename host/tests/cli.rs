//! The `zkaccel` command line, run as a user would.

use assert_cmd::Command;
use std::path::Path;

fn zkaccel() -> Command {
    Command::cargo_bin("zkaccel").unwrap()
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn generate(dir: &Path) -> serde_json::Value {
    stdout_of(zkaccel().args(["hdl", "generate", "--out"]).arg(dir));
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn generate_writes_verilog_and_manifest() {
    let t = tempfile::tempdir().unwrap();
    let m = generate(t.path());
    let designs = m["designs"].as_array().unwrap();
    let names: Vec<&str> = designs
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for want in [
        "dsp_tile",
        "fq_add",
        "fq_sub",
        "fq_mont_mul",
        "fr_add",
        "fr_sub",
        "fr_mont_mul",
        "card",
    ] {
        assert!(names.contains(&want), "{want} missing from manifest");
    }
    for d in designs {
        let file = t.path().join(d["file"].as_str().unwrap());
        let v = std::fs::read_to_string(&file).unwrap();
        assert!(v.contains("module top("));
        assert!(!d["ports"].as_array().unwrap().is_empty());
        assert_eq!(
            d["hash"].as_str().unwrap().len(),
            if d["name"] == "card" { 16 } else { 64 }
        );
    }
    let mm = designs.iter().find(|d| d["name"] == "fq_mont_mul").unwrap();
    assert!(mm["latency"].as_u64().unwrap() > 0);
    assert!(mm["dsp_tiles"].as_u64().unwrap() > 300);
    assert_eq!(
        m["card_design_hash"].as_str().unwrap(),
        format!("{:016x}", zkaccel_driver::expected_design_hash())
    );
    assert!(t.path().join("waivers.vlt").is_file());
}

#[test]
fn lint_is_clean_and_catches_a_new_warning() {
    let t = tempfile::tempdir().unwrap();
    generate(t.path());
    let out = stdout_of(zkaccel().args(["hdl", "lint", "--dir"]).arg(t.path()));
    assert!(out.contains("all 8 designs lint clean"), "{out}");

    // A blocking assignment in clocked logic is not waived: lint must fail and say where.
    let f = t.path().join("fq_add.v");
    let v = std::fs::read_to_string(&f).unwrap();
    let v = v.replacen(
        "endmodule // top",
        "reg injected;\nalways @(posedge clock) injected = in_valid;\nendmodule // top",
        1,
    );
    std::fs::write(&f, v).unwrap();
    let out = zkaccel()
        .args(["hdl", "lint", "--dir"])
        .arg(t.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fq_add       WARNINGS"), "{text}");
    assert!(text.contains("BLKSEQ"), "{text}");
}

#[test]
fn lint_of_a_directory_without_manifest_says_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let out = zkaccel()
        .args(["hdl", "lint", "--dir"])
        .arg(t.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zkaccel hdl generate --out"));
}

#[test]
fn missing_tools_are_named_with_their_install_command() {
    let out = zkaccel()
        .env("VERILATOR", "/nonexistent/verilator")
        .args(["hdl", "lint"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("Verilator is not installed") && e.contains("apt-get install -y verilator"),
        "{e}"
    );

    let out = zkaccel()
        .env("YOSYS", "/nonexistent/yosys")
        .args(["hdl", "estimate", "--block", "dsp_tile"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("yosys is not installed") && e.contains("apt-get install -y yosys"),
        "{e}"
    );
}

/// Real yosys on the leaf tile: it must map to exactly one DSP48E2.
#[test]
fn estimate_maps_the_tile_to_one_dsp() {
    let out = stdout_of(zkaccel().args(["hdl", "estimate", "--json", "--block", "dsp_tile"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = &v.as_array().unwrap()[0];
    assert_eq!(row["block"], "dsp_tile");
    assert_eq!(row["dsp"], 1, "{row}");
    assert_eq!(row["lut"], 0, "{row}");
}

#[test]
fn estimate_table_and_unknown_block() {
    let out = stdout_of(zkaccel().args(["hdl", "estimate", "--block", "fr_add"]));
    assert!(out.lines().next().unwrap().contains("DSP"), "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with("fr_add"))
        .expect("fr_add row");
    let lut: u64 = row.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(
        lut > 255,
        "a 256-bit modular adder needs more than {lut} LUTs"
    );

    let out = zkaccel()
        .args(["hdl", "estimate", "--block", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("blocks are: dsp_tile"));
}

#[test]
fn demo_agrees_with_arkworks() {
    let out = stdout_of(zkaccel().args(["demo", "--pairs", "3000", "--seed", "7", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 6);
    for b in blocks {
        assert_eq!(b["mismatches"], 0, "{b}");
        assert_eq!(b["pairs"], 3000);
        assert_eq!(b["results_per_cycle"].as_f64().unwrap(), 1.0, "{b}");
    }
    let text = stdout_of(zkaccel().args(["demo", "--pairs", "100", "--seed", "7"]));
    assert!(text.contains("all 6 blocks agree with ark-ff"), "{text}");
    let out = zkaccel().args(["demo", "--pairs", "0"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn devices_on_a_machine_without_boards_says_so_and_succeeds() {
    let out = stdout_of(zkaccel().arg("devices"));
    // CI machines have no boards; a developer machine with one prints a table instead.
    assert!(
        out.contains("no zkaccel boards on this machine") || out.starts_with("address"),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of(zkaccel().args(["devices", "--json"]))).unwrap();
    assert!(v["candidates"].is_array());
}

#[test]
fn selftest_passes_on_the_simulator() {
    let out = stdout_of(zkaccel().args(["selftest", "--device", "sim"]));
    assert!(out.contains("pass identify"), "{out}");
    assert!(out.contains("pass data-port loopback"), "{out}");
    assert!(out.contains("sim: all checks passed"), "{out}");
}

#[test]
fn selftest_of_a_missing_or_unsupported_device_fails_clearly() {
    let out = zkaccel()
        .args(["selftest", "--device", "vfio:0000:7f:1f.7"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("no PCI device at 0000:7f:1f.7"), "{e}");
    assert!(!e.contains("panicked"), "{e}");

    let out = zkaccel()
        .args(["selftest", "--device", "vfio:1234:5678"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no PCI function has ID 1234:5678"));

    let out = zkaccel()
        .args(["selftest", "--device", "board7"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown device \"board7\""));

    let out = zkaccel()
        .args(["selftest", "--device", "vfio-user:/tmp/none.sock"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zkaccel sim serve --socket"));
}
