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
    let designs = zkaccel_hdl::designs::CATALOGUE.len();
    assert!(
        out.contains(&format!("all {designs} designs lint clean")),
        "{out}"
    );

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

/// Real yosys on the Fr adder: the timing proxy finds a path of LUTs and carry cells
/// between named registers, under the 250 MHz bound (its two 96-bit chunk stages).
#[test]
fn estimate_names_the_slowest_path() {
    let out = stdout_of(zkaccel().args(["hdl", "estimate", "--json", "--block", "fr_add"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let t = &v.as_array().unwrap()[0]["timing"];
    assert!(t["lut_levels"].as_u64().unwrap() >= 1, "{t}");
    assert!(t["carry4"].as_u64().unwrap() >= 1, "{t}");
    let delay = t["delay_ns"].as_f64().unwrap();
    assert!(delay > 0.6 && delay <= 4.0, "{t}");
    assert_eq!(t["meets_250mhz"], true, "{t}");
    for end in ["from", "to"] {
        let name = t[end].as_str().unwrap();
        assert!(!name.is_empty() && !name.starts_with("net "), "{end}: {t}");
    }
}

/// An unknown part is refused before any synthesis, naming the parts there are.
#[test]
fn fit_names_the_parts_it_knows() {
    let out = zkaccel()
        .args(["hdl", "fit", "--part", "xc7a35t"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    for p in ["xcvu47p", "xcu250", "xcu55c", "xcvu9p"] {
        assert!(e.contains(p), "{e}");
    }
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
    let out = stdout_of(zkaccel().args([
        "demo",
        "--pairs",
        "3000",
        "--msm-points",
        "16",
        "--seed",
        "7",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let blocks = v["blocks"].as_array().unwrap();
    // The six generated operators and their six simulation models.
    assert_eq!(blocks.len(), 12);
    for name in ["fq_mont_mul", "fq_mont_mul_model", "fr_sub", "fr_sub_model"] {
        assert!(
            blocks.iter().any(|b| b["design"] == name),
            "{name} in {blocks:?}"
        );
    }
    for b in blocks {
        assert_eq!(b["mismatches"], 0, "{b}");
        assert_eq!(b["pairs"], 3000);
        assert_eq!(b["results_per_cycle"].as_f64().unwrap(), 1.0, "{b}");
    }
    assert_eq!(v["msm"]["agrees_with_arkworks"], true, "{}", v["msm"]);
    assert!(v["msm"]["stats"]["adds"].as_u64().unwrap() > 0);
    let text =
        stdout_of(zkaccel().args(["demo", "--pairs", "100", "--msm-points", "0", "--seed", "7"]));
    assert!(text.contains("all 12 blocks agree with ark-ff"), "{text}");
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

fn stderr_of_failure(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "expected failure: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn msm_inputs(dir: &Path, n: usize, format: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let p = dir.join(format!("points-{format}.bin"));
    let s = dir.join("scalars.bin");
    stdout_of(
        zkaccel()
            .args([
                "bench",
                "msm-inputs",
                "--count",
                &n.to_string(),
                "--point-format",
                format,
                "--points",
            ])
            .arg(&p)
            .arg("--scalars")
            .arg(&s),
    );
    (p, s)
}

fn msm(p: &Path, s: &Path, extra: &[&str]) -> Command {
    let mut c = zkaccel();
    c.args(["msm", "--points"])
        .arg(p)
        .arg("--scalars")
        .arg(s)
        .args(extra);
    c
}

#[test]
fn msm_on_files_cpu_and_sim_agree_in_both_point_formats() {
    let t = tempfile::tempdir().unwrap();
    let (pc, s) = msm_inputs(t.path(), 20, "compressed");
    let (pu, _) = msm_inputs(t.path(), 20, "uncompressed");
    let last = |out: String| out.lines().last().unwrap().to_string();
    let cpu = last(stdout_of(&mut msm(&pc, &s, &["--backend", "cpu"])));
    assert_eq!(cpu.len(), 96);
    assert!(cpu.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        last(stdout_of(&mut msm(&pu, &s, &["--backend", "cpu"]))),
        cpu
    );
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&mut msm(
        &pu,
        &s,
        &["--backend", "sim", "--json"],
    )))
    .unwrap();
    assert_eq!(json["result"], cpu.as_str());
    assert!(json["cycles"].as_u64().unwrap() > 0);
    assert!(json["adder_utilization"].as_f64().unwrap() > 0.0);
    assert!(json["wall_time_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn msm_bad_inputs_name_what_and_where() {
    let t = tempfile::tempdir().unwrap();
    let (p, s) = msm_inputs(t.path(), 4, "uncompressed");
    let bytes = std::fs::read(&p).unwrap();
    // Truncated points.
    let trunc = t.path().join("trunc.bin");
    std::fs::write(&trunc, &bytes[..bytes.len() - 5]).unwrap();
    let e = stderr_of_failure(&mut msm(&trunc, &s, &["--point-format", "uncompressed"]));
    assert!(e.contains("truncated"), "{e}");
    // Point 2 off the curve (last byte of its y flipped).
    let mut bad = bytes.clone();
    bad[2 * 96 + 95] ^= 1;
    let offc = t.path().join("off.bin");
    std::fs::write(&offc, &bad).unwrap();
    let e = stderr_of_failure(&mut msm(&offc, &s, &[]));
    assert!(
        e.contains("point 2") && e.contains("not on the BLS12-381 G1 curve"),
        "{e}"
    );
    // Scalar 3 = r.
    let mut sc = std::fs::read(&s).unwrap();
    let r = hex_bytes("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    sc[96..128].copy_from_slice(&r);
    let big = t.path().join("big.bin");
    std::fs::write(&big, &sc).unwrap();
    let e = stderr_of_failure(&mut msm(&p, &big, &[]));
    assert!(
        e.contains("scalar 3") && e.contains("not below the group order"),
        "{e}"
    );
    // Count mismatch.
    let three = t.path().join("three.bin");
    std::fs::write(&three, &std::fs::read(&s).unwrap()[..96]).unwrap();
    let e = stderr_of_failure(&mut msm(&p, &three, &[]));
    assert!(e.contains("4 points") && e.contains("3 scalars"), "{e}");
    // Unknown backend.
    let e = stderr_of_failure(&mut msm(&p, &s, &["--backend", "gpu"]));
    assert!(e.contains("backend"), "{e}");
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

/// `zkaccel ntt` on the CPU and on the simulated card equals ark-poly for fft, ifft and
/// the coset forms at every size 2^1..2^12 on random input, and on zero and one-hot
/// inputs at a few sizes (the command is a process per call).
#[test]
fn ntt_on_files_equals_ark_poly_at_every_size() {
    use ark_bls12_381::Fr;
    use ark_ff::{FftField, One, UniformRand, Zero};
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use zkaccel_host::codec::{decode_fr, encode_scalars};
    let t = tempfile::tempdir().unwrap();
    let mut rng = ark_std::test_rng();
    let input = t.path().join("in.bin");
    let output = t.path().join("out.bin");
    for k in 1..=12u32 {
        let n = 1usize << k;
        let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let c = d.get_coset(Fr::GENERATOR).unwrap();
        let random: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut one_hot = vec![Fr::zero(); n];
        one_hot[n / 2] = Fr::one();
        for (name, v) in [
            ("random", random),
            ("zero", vec![Fr::zero(); n]),
            ("one-hot", one_hot),
        ] {
            if name != "random" && k % 4 != 1 {
                continue;
            }
            std::fs::write(&input, encode_scalars(&v)).unwrap();
            for (flags, want) in [
                (vec![], d.fft(&v)),
                (vec!["--inverse"], d.ifft(&v)),
                (vec!["--coset"], c.fft(&v)),
                (vec!["--coset", "--inverse"], c.ifft(&v)),
            ] {
                for backend in ["cpu", "sim"] {
                    stdout_of(
                        zkaccel()
                            .args(["ntt", "--backend", backend, "--input"])
                            .arg(&input)
                            .arg("--output")
                            .arg(&output)
                            .args(&flags),
                    );
                    let got = decode_fr(&std::fs::read(&output).unwrap(), "out", "value").unwrap();
                    assert_eq!(got, want, "2^{k} {name} {flags:?} on {backend}");
                    std::fs::remove_file(&output).unwrap();
                }
            }
        }
    }
}

#[test]
fn ntt_bad_inputs_and_unreachable_cards_are_clear_errors() {
    use ark_bls12_381::Fr;
    use zkaccel_host::codec::encode_scalars;
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in.bin");
    let output = t.path().join("out.bin");
    let ntt = |extra: &[&str]| {
        let mut c = zkaccel();
        c.args(["ntt", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .args(extra);
        c
    };
    std::fs::write(&input, encode_scalars(&vec![Fr::from(3u8); 12])).unwrap();
    let e = stderr_of_failure(&mut ntt(&[]));
    assert!(e.contains("power-of-two") && e.contains("12 values"), "{e}");
    let mut b = encode_scalars(&vec![Fr::from(3u8); 4]);
    b[64..96].copy_from_slice(&[0xFF; 32]);
    std::fs::write(&input, &b).unwrap();
    let e = stderr_of_failure(&mut ntt(&[]));
    assert!(
        e.contains("value 2") && e.contains("not below the group order"),
        "{e}"
    );
    std::fs::write(&input, &b[..70]).unwrap();
    assert!(stderr_of_failure(&mut ntt(&[])).contains("truncated"));
    std::fs::write(&input, encode_scalars(&vec![Fr::from(3u8); 4])).unwrap();
    let missing = t.path().join("no-such.sock");
    let e = stderr_of_failure(&mut ntt(&[
        "--backend",
        &format!("vfio-user:{}", missing.display()),
    ]));
    assert!(e.contains("no-such.sock"), "{e}");
    assert!(!output.exists(), "nothing written on failure");
}

fn groth16_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/groth16")
        .join(name)
}

#[test]
fn prove_verify_and_export_vkey_speak_snarkjs() {
    let t = tempfile::tempdir().unwrap();
    let (proof, public) = (t.path().join("proof.json"), t.path().join("public.json"));
    let out = stdout_of(
        zkaccel()
            .args(["prove", "--backend", "cpu", "--json", "--zkey"])
            .arg(groth16_fixture("sumsq.zkey"))
            .arg("--witness")
            .arg(groth16_fixture("sumsq.wtns"))
            .arg("--proof")
            .arg(&proof)
            .arg("--public")
            .arg(&public),
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["failures"].as_array().unwrap().len(), 0);
    assert_eq!(report["checks"].as_array().unwrap().len(), 3);
    assert!(report["checks_share"].as_f64().unwrap() > 0.0);
    // public.json byte for byte what snarkjs wrote for this witness.
    assert_eq!(
        std::fs::read(&public).unwrap(),
        std::fs::read(groth16_fixture("public.json")).unwrap()
    );
    let verify = |proof: &Path, public: &Path| {
        zkaccel()
            .args(["verify", "--vkey"])
            .arg(groth16_fixture("vkey.json"))
            .arg("--public")
            .arg(public)
            .arg("--proof")
            .arg(proof)
            .output()
            .unwrap()
    };
    assert!(verify(&proof, &public).status.success());
    // snarkjs's own proof verifies too.
    assert!(verify(&groth16_fixture("proof.json"), &public)
        .status
        .success());
    // Other public signals: exit status 1, "INVALID".
    std::fs::write(
        &public,
        "[\"1701412596683629979166366949774071716365\", \"6\"]",
    )
    .unwrap();
    let bad = verify(&proof, &public);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("INVALID"));
    // A malformed proof names the field.
    std::fs::write(
        &public,
        std::fs::read(groth16_fixture("public.json")).unwrap(),
    )
    .unwrap();
    let text = std::fs::read_to_string(&proof)
        .unwrap()
        .replacen("\"1\"", "\"2\"", 1);
    std::fs::write(&proof, text).unwrap();
    let e = verify(&proof, &public);
    assert!(!e.status.success());
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("pi_a: z is neither 1 nor 0"),
        "{}",
        String::from_utf8_lossy(&e.stderr)
    );
    // export-vkey: byte for byte snarkjs's `zkey export verificationkey`.
    let vk = t.path().join("vkey.json");
    stdout_of(
        zkaccel()
            .args(["zkey", "export-vkey"])
            .arg(groth16_fixture("sumsq.zkey"))
            .arg("--out")
            .arg(&vk),
    );
    assert_eq!(
        std::fs::read(&vk).unwrap(),
        std::fs::read(groth16_fixture("vkey.json")).unwrap()
    );
}

#[test]
fn prove_refuses_bad_inputs_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (proof, public) = (t.path().join("proof.json"), t.path().join("public.json"));
    let prove = |zkey: &Path, witness: &Path| {
        let mut c = zkaccel();
        c.args(["prove", "--zkey"])
            .arg(zkey)
            .arg("--witness")
            .arg(witness)
            .arg("--proof")
            .arg(&proof)
            .arg("--public")
            .arg(&public);
        stderr_of_failure(&mut c)
    };
    // A witness of another circuit (the MSM fixture's).
    let e = prove(
        &groth16_fixture("sumsq.zkey"),
        &groth16_fixture("../bits.wtns"),
    );
    assert!(
        e.contains("the witness has 4093 values; the proving key's circuit has 531 signals"),
        "{e}"
    );
    // A witness over BN254 (circom's default prime).
    let mut bn = std::fs::read(groth16_fixture("sumsq.wtns")).unwrap();
    let prime_at = 4 + 4 + 4 + 4 + 8 + 4;
    bn[prime_at..prime_at + 32].copy_from_slice(&{
        let mut b = num_bigint::BigUint::parse_bytes(
            b"21888242871839275222246405745257275088548364400416034343698204186575808495617",
            10,
        )
        .unwrap()
        .to_bytes_le();
        b.resize(32, 0);
        b
    });
    let bn_path = t.path().join("bn.wtns");
    std::fs::write(&bn_path, bn).unwrap();
    let e = prove(&groth16_fixture("sumsq.zkey"), &bn_path);
    assert!(e.contains("over BN254's (bn128's) scalar field r"), "{e}");
    // A truncated key.
    let cut = t.path().join("cut.zkey");
    let bytes = std::fs::read(groth16_fixture("sumsq.zkey")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let e = prove(&cut, &groth16_fixture("sumsq.wtns"));
    assert!(e.contains("cut.zkey: truncated at byte"), "{e}");
    // A witness that does not satisfy the circuit: no proof.
    let mut w = zkaccel_host::wtns::read(&groth16_fixture("sumsq.wtns")).unwrap();
    w[2] += ark_bls12_381::Fr::from(1u64);
    let bad = t.path().join("bad.wtns");
    std::fs::write(&bad, zkaccel_host::wtns::encode(&w)).unwrap();
    let e = prove(&groth16_fixture("sumsq.zkey"), &bad);
    assert!(
        e.contains("does not verify even when computed on the CPU"),
        "{e}"
    );
    assert!(!proof.exists() && !public.exists());
}

#[test]
fn kzg_commit_prove_verify_print_c_kzg_bytes() {
    use ark_ff::UniformRand;
    let t = tempfile::tempdir().unwrap();
    let mut rng = ark_std::test_rng();
    let values: Vec<ark_bls12_381::Fr> = (0..4096)
        .map(|_| ark_bls12_381::Fr::rand(&mut rng))
        .collect();
    let bytes = zkaccel_host::kzg::blob_bytes(&values);
    let blob = t.path().join("blob.bin");
    std::fs::write(&blob, &bytes).unwrap();
    let s = c_kzg::ethereum_kzg_settings(0);
    let b = c_kzg::Blob::from_bytes(&bytes).unwrap();
    let c = s.blob_to_kzg_commitment(&b).unwrap().to_bytes();
    let p = s.compute_blob_kzg_proof(&b, &c).unwrap().to_bytes();
    let hex = |x: &[u8]| x.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let last = |out: String| out.lines().last().unwrap().to_string();
    assert_eq!(
        last(stdout_of(
            zkaccel().args(["kzg", "commit", "--blob"]).arg(&blob)
        )),
        hex(&*c)
    );
    assert_eq!(
        last(stdout_of(
            zkaccel().args(["kzg", "prove", "--blob"]).arg(&blob)
        )),
        hex(&*p)
    );
    let verify = |commitment: &str, proof: &str| {
        zkaccel()
            .args(["kzg", "verify", "--blob"])
            .arg(&blob)
            .args(["--commitment", commitment, "--proof", proof])
            .output()
            .unwrap()
    };
    assert!(verify(&hex(&*c), &format!("0x{}", hex(&*p)))
        .status
        .success());
    let wrong = verify(&hex(&*p), &hex(&*p));
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("INVALID"));
    let garbage = verify("1234", &hex(&*p));
    assert!(String::from_utf8_lossy(&garbage.stderr).contains("--commitment: 4 characters"));
    // A blob with an element ≥ r, and a short one.
    let mut bad = bytes.clone();
    bad[32 * 7] = 0xff;
    std::fs::write(&blob, &bad).unwrap();
    let e = stderr_of_failure(zkaccel().args(["kzg", "commit", "--blob"]).arg(&blob));
    assert!(
        e.contains("field element 7 (byte 224) is not below r"),
        "{e}"
    );
    std::fs::write(&blob, &bytes[..1000]).unwrap();
    let e = stderr_of_failure(zkaccel().args(["kzg", "prove", "--blob"]).arg(&blob));
    assert!(e.contains("1000 bytes; a blob is 131072 bytes"), "{e}");
}
