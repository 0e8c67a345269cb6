//! The vfio-user transport: a card (normally `zkaccel sim serve`) served over a UNIX
//! socket looks to the driver like a PCIe device with an F1-style shell
//! ([`crate::shell::f1`]).
//!
//! The vfio_user client blocks on its socket with no timeout, so it runs on an I/O
//! thread and every request waits at most [`DEFAULT_DEADLINE`]: a server that stops
//! answering gives [`DriverError::Deadline`], never a hang. After a missed deadline
//! the connection is abandoned and every later call fails at once.

use crate::shell::f1;
use crate::{Beat, Device, DriverError, RegisterBus};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;
use zkaccel_hdl::spec::regmap;

/// How long one request may take.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

enum Req {
    Read { region: u32, offset: u64, len: usize },
    Write { region: u32, offset: u64, data: Vec<u8> },
    Reset,
}

type Reply = Result<Vec<u8>, String>;

pub struct VfioUserCard {
    path: PathBuf,
    tx: Sender<(Req, Sender<Reply>)>,
    deadline: Duration,
    dead: Option<String>,
}

impl VfioUserCard {
    /// Connects, checks the regions of an F1-style shell, and resets the device so a
    /// card left mid-job by a killed client starts clean.
    pub fn open(path: &Path, deadline: Duration) -> Result<Self, DriverError> {
        let device = format!("vfio-user:{}", path.display());
        if !path.exists() {
            return Err(DriverError::Unresponsive {
                device,
                reason: "no socket at this path (start one with `zkaccel sim serve --socket PATH`)".into(),
            });
        }
        let (ready_tx, ready_rx) = channel::<Result<(), String>>();
        let (tx, rx) = channel::<(Req, Sender<Reply>)>();
        let p = path.to_path_buf();
        std::thread::Builder::new()
            .name("zkaccel-vfio-user".into())
            .spawn(move || io_thread(&p, ready_tx, rx))
            .map_err(|e| DriverError::Unresponsive { device: device.clone(), reason: e.to_string() })?;
        match ready_rx.recv_timeout(deadline) {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => return Err(DriverError::Unresponsive { device, reason }),
            Err(_) => return Err(DriverError::Deadline { device, what: "connecting".into(), after: deadline }),
        }
        let mut card = VfioUserCard { path: path.to_path_buf(), tx, deadline, dead: None };
        card.call(Req::Reset, "resetting the device")?;
        Ok(card)
    }

    fn call(&mut self, req: Req, what: &str) -> Result<Vec<u8>, DriverError> {
        if let Some(why) = &self.dead {
            return Err(DriverError::Unresponsive { device: self.device(), reason: why.clone() });
        }
        let (rtx, rrx) = channel();
        if self.tx.send((req, rtx)).is_err() {
            self.dead = Some("the connection is closed".into());
            return Err(DriverError::Unresponsive { device: self.device(), reason: "the connection is closed".into() });
        }
        match rrx.recv_timeout(self.deadline) {
            Ok(Ok(data)) => Ok(data),
            Ok(Err(reason)) => {
                self.dead = Some(reason.clone());
                Err(DriverError::Unresponsive { device: self.device(), reason })
            }
            Err(RecvTimeoutError::Timeout) => {
                self.dead = Some(format!("it missed the deadline while {what}"));
                Err(DriverError::Deadline { device: self.device(), what: what.into(), after: self.deadline })
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.dead = Some("the connection is closed".into());
                Err(DriverError::Unresponsive { device: self.device(), reason: "the connection is closed".into() })
            }
        }
    }
}

fn io_thread(path: &Path, ready: Sender<Result<(), String>>, rx: Receiver<(Req, Sender<Reply>)>) {
    let mut client = match vfio_user::Client::new(path) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot connect: {e}")));
            return;
        }
    };
    let check = |client: &vfio_user::Client, index: u32, min: u64| -> Result<(), String> {
        match client.region(index) {
            Some(r) if r.size >= min => Ok(()),
            Some(r) => Err(format!("BAR{index} has {} bytes, an F1-style shell needs {min}", r.size)),
            None => Err(format!("the device has no BAR{index}; is this a zkaccel card with an F1-style shell?")),
        }
    };
    if let Err(e) = check(&client, f1::REG_BAR, regmap::WINDOW_BYTES as u64).and_then(|_| check(&client, f1::DATA_BAR, f1::DATA_WINDOW_BYTES)) {
        let _ = ready.send(Err(e));
        return;
    }
    let _ = ready.send(Ok(()));
    while let Ok((req, reply)) = rx.recv() {
        let r = match req {
            Req::Read { region, offset, len } => {
                let mut buf = vec![0u8; len];
                client.region_read(region, offset, &mut buf).map(|_| buf)
            }
            Req::Write { region, offset, data } => client.region_write(region, offset, &data).map(|_| vec![]),
            Req::Reset => client.reset().map(|_| vec![]),
        };
        let failed = r.is_err();
        let _ = reply.send(r.map_err(|e| e.to_string()));
        if failed {
            return;
        }
    }
    let _ = client.shutdown();
}

impl RegisterBus for VfioUserCard {
    fn device(&self) -> String {
        format!("vfio-user:{}", self.path.display())
    }
    fn read32(&mut self, reg: &'static regmap::Register) -> Result<u32, DriverError> {
        let d = self.call(Req::Read { region: f1::REG_BAR, offset: reg.offset as u64, len: 4 }, "reading a register")?;
        Ok(u32::from_le_bytes(d[..4].try_into().expect("4 bytes")))
    }
    /// PCIe writes are posted: a refused write is not reported here but recorded by
    /// the card in STATUS.BUS_ERROR / BUS_ERROR_ADDR.
    fn write32(&mut self, reg: &'static regmap::Register, value: u32) -> Result<(), DriverError> {
        self.call(Req::Write { region: f1::REG_BAR, offset: reg.offset as u64, data: value.to_le_bytes().to_vec() }, "writing a register")?;
        Ok(())
    }
}

impl Device for VfioUserCard {
    fn data_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError> {
        let max_beats = (f1::DATA_WINDOW_BYTES / 64) as usize;
        let mut out = Vec::with_capacity(beats.len());
        for chunk in beats.chunks(max_beats) {
            let data: Vec<u8> = chunk.iter().flat_map(|b| b.iter().flat_map(|w| w.to_le_bytes())).collect();
            self.call(Req::Write { region: f1::DATA_BAR, offset: 0, data }, "writing the data port")?;
            let back = self.call(Req::Read { region: f1::DATA_BAR, offset: 0, len: chunk.len() * 64 }, "reading the data port")?;
            for b in back.chunks(64) {
                let mut beat = [0u64; 8];
                for (i, w) in b.chunks(8).enumerate() {
                    beat[i] = u64::from_le_bytes(w.try_into().expect("8 bytes"));
                }
                out.push(beat);
            }
        }
        Ok(out)
    }
}
