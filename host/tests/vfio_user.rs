//! The driver against `zkaccel sim serve` over vfio-user, as a board would be reached:
//! clients in a row, a hung server, a client killed mid-job.

use std::path::{Path, PathBuf};
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
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("card.sock");
        let child = Command::new(bin())
            .args(["sim", "serve", "--socket"])
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !socket.exists() {
            assert!(t.elapsed() < Duration::from_secs(30), "server did not create its socket");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, _dir: dir, socket }
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
    Command::new(bin()).args(["selftest", "--device", spec]).args(extra).output().unwrap()
}

fn passed(o: &Output) -> bool {
    o.status.success() && String::from_utf8_lossy(&o.stdout).contains("all checks passed")
}

#[test]
fn two_clients_in_a_row_pass_selftest() {
    let s = Server::start();
    for i in 0..2 {
        let o = selftest(&s.spec(), &[]);
        assert!(passed(&o), "client {i}: {}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("pass data-port loopback"));
    }
}

#[test]
fn a_server_that_stops_answering_gives_a_deadline_error() {
    let s = Server::start();
    // Connect first, then freeze the server: the next request must time out.
    let spec = s.spec();
    let mut child = Command::new(bin())
        .args(["selftest", "--device", &spec, "--deadline-ms", "1500", "--repeat", "100000"])
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
        assert!(t.elapsed() < Duration::from_secs(30), "client hung on a stopped server");
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
    assert!(passed(&o), "{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

#[test]
fn missing_socket_and_busy_path_are_clear_errors() {
    let o = selftest("vfio-user:/nonexistent/card.sock", &[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("zkaccel sim serve --socket"));

    let s = Server::start();
    let o = Command::new(bin()).args(["sim", "serve", "--socket"]).arg(&s.socket).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    let o = Command::new(bin()).args(["sim", "serve", "--shell", "xdma", "--socket"]).arg(Path::new("/tmp/zk-xdma-never.sock")).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("XDMA shell is not modelled yet"));
}
