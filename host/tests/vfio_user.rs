//! The driver against `zkaccel sim serve` over vfio-user, as a board would be reached:
//! clients in a row, a hung server, a client killed mid-job.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zkaccel"))
}

struct Server {
    child: Child,
    _dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Server {
    fn start() -> Server {
        Self::start_with("f1")
    }
    fn start_with(shell: &str) -> Server {
        Self::start_args(shell, &[])
    }
    fn start_args(shell: &str, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("card.sock");
        let child = Command::new(bin())
            .args(["sim", "serve", "--shell", shell, "--socket"])
            .arg(&socket)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !socket.exists() {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "server did not create its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            child,
            _dir: dir,
            socket,
        }
    }
    fn spec(&self) -> String {
        format!("vfio-user:{}", self.socket.display())
    }
    fn signal(&self, sig: i32) {
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn selftest(spec: &str, extra: &[&str]) -> Output {
    Command::new(bin())
        .args(["selftest", "--device", spec])
        .args(extra)
        .output()
        .unwrap()
}

fn passed(o: &Output) -> bool {
    o.status.success() && String::from_utf8_lossy(&o.stdout).contains("all checks passed")
}

#[test]
fn two_clients_in_a_row_pass_selftest_behind_each_shell() {
    for shell in ["f1", "f2", "xdma"] {
        let s = Server::start_with(shell);
        for i in 0..2 {
            let o = selftest(&s.spec(), &[]);
            assert!(
                passed(&o),
                "{shell} client {i}: {}\n{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(String::from_utf8_lossy(&o.stdout).contains("pass data-port loopback"));
            if shell == "xdma" {
                assert!(
                    String::from_utf8_lossy(&o.stdout).contains("completion by MSI-X interrupt")
                );
            }
            if shell == "f2" {
                assert!(String::from_utf8_lossy(&o.stdout).contains("no shell DMA"));
            }
        }
    }
}

#[test]
fn xdma_completion_by_polling_and_by_interrupt_agree() {
    use zkaccel_driver::vfio_user::VfioUserCard;
    use zkaccel_driver::Device;
    let s = Server::start_with("xdma");
    let mut card = VfioUserCard::open(&s.socket, Duration::from_secs(10)).unwrap();
    let beats: Vec<zkaccel_driver::Beat> = (0..300u64).map(|i| [i ^ 0x5555; 8]).collect();
    for interrupts in [true, false, true] {
        card.set_use_interrupts(interrupts);
        assert_eq!(card.completion().contains("interrupt"), interrupts);
        assert_eq!(card.data_loopback(&beats).unwrap(), beats);
    }
}

#[test]
fn dma_outside_mapped_buffers_is_refused_and_the_card_stays_usable() {
    use zkaccel_driver::shell::xdma::{self, Descriptor};
    use zkaccel_driver::shell::Shell;
    use zkaccel_driver::vfio_user::VfioUserCard;
    use zkaccel_driver::DriverError;
    let s = Server::start_with("xdma");
    let mut card = VfioUserCard::open(&s.socket, Duration::from_secs(10)).unwrap();
    assert_eq!(card.shell(), Shell::Xdma);
    let buf = card.dma_buffer(4096).unwrap();
    let flags = xdma::DESC_STOP | xdma::DESC_EOP;
    let fault = |r: Result<u32, DriverError>| match r {
        Err(DriverError::DmaFault { status, .. }) => status,
        other => panic!("expected a DMA fault, got {other:?}"),
    };
    // Source entirely outside every mapping.
    let st = fault(card.run_h2c_descriptor(Descriptor::new(flags, 64, 0xdead_0000, 0, 0)));
    assert_ne!(st & xdma::STATUS_READ_ERROR, 0, "{st:#x}");
    // Source starting inside a buffer but running past its end.
    let st = fault(card.run_h2c_descriptor(Descriptor::new(flags, 8192, buf.iova(), 0, 0)));
    assert_ne!(st & xdma::STATUS_READ_ERROR, 0, "{st:#x}");
    // Descriptor chain at an unmapped address.
    let st = fault(card.run_h2c_chain_at(0xbeef_0000));
    assert_ne!(st & xdma::STATUS_DESC_ERROR, 0, "{st:#x}");
    // Bad magic, bad length.
    let mut bad = Descriptor::new(flags, 64, buf.iova(), 0, 0);
    bad.control = 0x1234_0000 | flags;
    assert_ne!(
        fault(card.run_h2c_descriptor(bad)) & xdma::STATUS_MAGIC_STOPPED,
        0
    );
    let st = fault(card.run_h2c_descriptor(Descriptor::new(flags, 100, buf.iova(), 0, 0)));
    assert_ne!(st & xdma::STATUS_INVALID_LENGTH, 0, "{st:#x}");
    let msg = DriverError::DmaFault {
        device: "x".into(),
        channel: "H2C",
        status: xdma::STATUS_READ_ERROR,
    }
    .to_string();
    assert!(msg.contains("outside the mapped buffers"), "{msg}");
    // A valid transfer inside the buffer is accepted, and the card still loops data.
    assert_eq!(
        card.run_h2c_descriptor(Descriptor::new(flags, 64, buf.iova(), 0, 0))
            .unwrap(),
        1
    );
    // Its beat now waits in the shell's output. Recovery (stop engines, soft reset)
    // leaves the card usable on the same connection.
    zkaccel_driver::recover(&mut card).unwrap();
    let checks = zkaccel_driver::selftest::run(&mut card);
    assert!(checks.iter().all(|c| c.passed != Some(false)), "{checks:?}");
    drop(card);
    let o = selftest(&s.spec(), &[]);
    assert!(
        passed(&o),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_server_that_stops_answering_gives_a_deadline_error() {
    let s = Server::start();
    // Connect first, then freeze the server: the next request must time out.
    let spec = s.spec();
    let mut child = Command::new(bin())
        .args([
            "selftest",
            "--device",
            &spec,
            "--deadline-ms",
            "1500",
            "--repeat",
            "100000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    s.signal(libc::SIGSTOP);
    let t = Instant::now();
    let o = loop {
        if let Some(_) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "client hung on a stopped server"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert!(err.contains("missed its deadline"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_client_killed_mid_job_leaves_a_usable_card() {
    let s = Server::start();
    let spec = s.spec();
    let mut victim = Command::new(bin())
        .args(["selftest", "--device", &spec, "--repeat", "100000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    victim.kill().unwrap();
    victim.wait().unwrap();
    let o = selftest(&spec, &[]);
    assert!(
        passed(&o),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn missing_socket_and_busy_path_are_clear_errors() {
    let o = selftest("vfio-user:/nonexistent/card.sock", &[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("zkaccel sim serve --socket"));

    let s = Server::start();
    let o = Command::new(bin())
        .args(["sim", "serve", "--socket"])
        .arg(&s.socket)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
}

/// Writes random MSM inputs (`n` points, compressed) and returns the file paths.
fn msm_files(dir: &std::path::Path, n: usize, seed: u64) -> (PathBuf, PathBuf) {
    use zkaccel_host::codec::{encode_points, encode_scalars, PointFormat};
    let (b, s) = zkaccel_host::msm::random_instance(n, seed);
    let p = dir.join("points.bin");
    let k = dir.join("scalars.bin");
    std::fs::write(&p, encode_points(&b, PointFormat::Compressed)).unwrap();
    std::fs::write(&k, encode_scalars(&s)).unwrap();
    (p, k)
}

fn msm_result(backend: &str, p: &std::path::Path, k: &std::path::Path) -> String {
    let o = Command::new(bin())
        .args(["msm", "--backend", backend, "--points"])
        .arg(p)
        .arg("--scalars")
        .arg(k)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "msm on {backend}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    out.lines().last().unwrap().to_string()
}

#[test]
fn msm_through_vfio_user_equals_the_cpu_behind_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    let (p, k) = msm_files(dir.path(), 40, 21);
    let want = msm_result("cpu", &p, &k);
    assert_eq!(want.len(), 96);
    for shell in ["f1", "f2", "xdma"] {
        let server = Server::start_with(shell);
        assert_eq!(msm_result(&server.spec(), &p, &k), want, "shell {shell}");
    }
}

/// `zkaccel ntt` through vfio-user against `zkaccel sim serve`, behind each shell,
/// writes the same file as the CPU (fft and coset ifft of 2^8 values).
#[test]
fn ntt_through_vfio_user_equals_the_cpu_behind_each_shell() {
    use ark_bls12_381::Fr;
    use ark_ff::UniformRand;
    use zkaccel_host::codec::encode_scalars;
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ark_std::test_rng();
    let values: Vec<Fr> = (0..256).map(|_| Fr::rand(&mut rng)).collect();
    let input = dir.path().join("in.bin");
    std::fs::write(&input, encode_scalars(&values)).unwrap();
    let run = |backend: &str, flags: &[&str], out: &str| -> Vec<u8> {
        let output = dir.path().join(out);
        let o = Command::new(bin())
            .args(["ntt", "--backend", backend, "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .args(flags)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "ntt on {backend}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        std::fs::read(&output).unwrap()
    };
    for flags in [&[][..], &["--coset", "--inverse"][..]] {
        let want = run("cpu", flags, "cpu.bin");
        for shell in ["f1", "xdma"] {
            let server = Server::start_with(shell);
            assert_eq!(
                run(&server.spec(), flags, "card.bin"),
                want,
                "shell {shell} {flags:?}"
            );
        }
    }
}

/// `zkaccel sim serve --fault` over vfio-user: a card that flips a bit in every NTT
/// output, or hangs, or falls off the bus; `zkaccel ntt` and `zkaccel msm` still write
/// the CPU's result, and say on stderr what failed and where the job went.
#[test]
fn faults_served_over_vfio_user_are_reported_and_the_result_is_right() {
    use ark_bls12_381::Fr;
    use ark_ff::UniformRand;
    use zkaccel_host::codec::encode_scalars;
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ark_std::test_rng();
    let values: Vec<Fr> = (0..64).map(|_| Fr::rand(&mut rng)).collect();
    let input = dir.path().join("in.bin");
    std::fs::write(&input, encode_scalars(&values)).unwrap();
    let ntt = |backend: &str, out: &str| -> (Vec<u8>, String) {
        let output = dir.path().join(out);
        let o = Command::new(bin())
            .args(["ntt", "--json", "--backend", backend, "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "ntt on {backend}: {stderr}");
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(json["board"]["jobs"].as_u64().unwrap() >= 1, "{json}");
        (std::fs::read(&output).unwrap(), stderr)
    };
    let want = std::fs::read({
        let output = dir.path().join("cpu.bin");
        let o = Command::new(bin())
            .args(["ntt", "--backend", "cpu", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        assert!(o.status.success());
        output
    })
    .unwrap();
    for fault in ["ntt-bitflip", "hang", "all-ones", "transfer-error"] {
        let server = Server::start_args("f1", &["--fault", fault, "--seed", "5"]);
        let (got, stderr) = ntt(&server.spec(), "card.bin");
        assert_eq!(got, want, "{fault}");
        assert!(
            stderr.contains("warning: ntt on vfio-user:") && stderr.contains("computed on the CPU"),
            "{fault}: {stderr}"
        );
    }
    let (p, k) = msm_files(dir.path(), 24, 9);
    let want = msm_result("cpu", &p, &k);
    let server = Server::start_args("xdma", &["--fault", "msm-bitflip"]);
    assert_eq!(msm_result(&server.spec(), &p, &k), want);
    // A bad fault is refused with the kinds named.
    let o = Command::new(bin())
        .args([
            "sim",
            "serve",
            "--socket",
            "/tmp/zkaccel-unused.sock",
            "--fault",
            "melt",
        ])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("unknown fault") && e.contains("msm-bitflip"),
        "{e}"
    );
}

/// `--backend` with a list of `sim serve` instances: the MSM is split over the boards
/// and equals the CPU's; an NTT runs on one of them; a board that falls off the bus
/// leaves service and the job still completes on the others; `--json` reports each
/// board's counters.
#[test]
fn a_list_of_boards_shares_the_work_and_survives_a_dead_one() {
    let dir = tempfile::tempdir().unwrap();
    let (p, k) = msm_files(dir.path(), 96, 33);
    let want = msm_result("cpu", &p, &k);
    let a = Server::start_with("f1");
    let b = Server::start_with("xdma");
    let list = format!("{},{}", a.spec(), b.spec());
    assert_eq!(msm_result(&list, &p, &k), want);
    let json = |backend: &str| -> (serde_json::Value, String) {
        let o = Command::new(bin())
            .args(["msm", "--json", "--backend", backend, "--points"])
            .arg(&p)
            .arg("--scalars")
            .arg(&k)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "msm on {backend}: {stderr}");
        (serde_json::from_slice(&o.stdout).unwrap(), stderr)
    };
    let (j, _) = json(&list);
    let boards = j["boards"].as_array().unwrap();
    assert_eq!(boards.len(), 2, "{j}");
    for board in boards {
        assert_eq!(board["jobs"].as_u64(), Some(1), "{j}");
        assert_eq!(board["failures"].as_u64(), Some(0), "{j}");
    }
    assert_eq!(j["points"].as_u64(), Some(96), "{j}");
    // A third board that is off the bus: its share is retried, then computed on the
    // CPU; after three failures in a row it is out of service (within one process the
    // MSM is run once, so here: failures recorded, the result right).
    let dead = Server::start_args("f1", &["--fault", "all-ones"]);
    let list3 = format!("{},{},{}", a.spec(), dead.spec(), b.spec());
    let (j, stderr) = json(&list3);
    assert_eq!(j["result"].as_str().unwrap(), want, "{j}");
    let boards = j["boards"].as_array().unwrap();
    assert_eq!(boards.len(), 3);
    assert!(boards[1]["failures"].as_u64().unwrap() >= 1, "{j}");
    assert_eq!(boards[0]["failures"].as_u64(), Some(0), "{j}");
    assert!(stderr.contains("computed on the CPU"), "{stderr}");
    // A list entry that is not a card is refused before anything runs.
    let o = Command::new(bin())
        .args(["msm", "--backend", &format!("{},cpu", a.spec()), "--points"])
        .arg(&p)
        .arg("--scalars")
        .arg(&k)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cpu cannot be one of a list"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
