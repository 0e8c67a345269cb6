//! The vfio-user transport: a card (normally `zkaccel sim serve`) served over a UNIX
//! socket looks to the driver like a PCIe device: BARs, DMA buffers the driver maps at
//! IOVAs it manages (memfd-backed, so the server maps the same pages), MSI-X through
//! eventfds, and reset. The shells above it are in [`crate::shell`].
//!
//! The vfio_user client blocks on its socket with no timeout, so it runs on an I/O
//! thread and every request waits at most [`DEFAULT_DEADLINE`]: a server that stops
//! answering gives [`DriverError::Deadline`], never a hang. After a missed deadline
//! the connection is abandoned and every later call fails at once.

use crate::dma::{DmaBuffer, IovaAllocator};
use crate::shell::ShellCard;
use crate::transport::{Eventfds, Transport};
use crate::DriverError;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// How long one request may take.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

enum Req {
    Read {
        region: u32,
        offset: u64,
        len: usize,
    },
    Write {
        region: u32,
        offset: u64,
        data: Vec<u8>,
    },
    Reset,
    DmaMap {
        fd: i32,
        iova: u64,
        len: u64,
    },
    /// Hand eventfds to the device as MSI-X vectors 0..n.
    SetMsix {
        fds: Vec<i32>,
    },
}

/// `VFIO_PCI_MSIX_IRQ_INDEX`, `VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER`.
const MSIX_INDEX: u32 = 2;
const SET_EVENTFD_TRIGGER: u32 = (1 << 2) | (1 << 5);

type Reply = Result<Vec<u8>, String>;

/// A device served over vfio-user, reached through an I/O thread with deadlines.
pub struct VfioUserTransport {
    path: PathBuf,
    tx: Sender<(Req, Sender<Reply>)>,
    deadline: Duration,
    dead: Option<String>,
    bars: [u64; 6],
    msix: u32,
    iovas: IovaAllocator,
}

/// A card behind a shell, over vfio-user.
pub type VfioUserCard = ShellCard<VfioUserTransport>;

impl ShellCard<VfioUserTransport> {
    /// Connects to a served card and sets it up (see [`ShellCard::new`]).
    pub fn open(path: &Path, deadline: Duration) -> Result<Self, DriverError> {
        ShellCard::new(VfioUserTransport::connect(path, deadline)?)
    }
}

impl VfioUserTransport {
    pub fn connect(path: &Path, deadline: Duration) -> Result<Self, DriverError> {
        let device = format!("vfio-user:{}", path.display());
        if !path.exists() {
            return Err(DriverError::Unresponsive {
                device,
                reason: "no socket at this path (start one with `zkaccel sim serve --socket PATH`)"
                    .into(),
            });
        }
        let (ready_tx, ready_rx) = channel::<Result<([u64; 6], u32), String>>();
        let (tx, rx) = channel::<(Req, Sender<Reply>)>();
        let p = path.to_path_buf();
        std::thread::Builder::new()
            .name("zkaccel-vfio-user".into())
            .spawn(move || io_thread(&p, ready_tx, rx))
            .map_err(|e| DriverError::Transport {
                device: device.clone(),
                what: "starting the vfio-user I/O thread".into(),
                source: e.into(),
            })?;
        let (bars, msix) = match ready_rx.recv_timeout(deadline) {
            Ok(Ok(v)) => v,
            Ok(Err(reason)) => return Err(DriverError::Unresponsive { device, reason }),
            Err(_) => {
                return Err(DriverError::Deadline {
                    device,
                    what: "connecting".into(),
                    after: deadline,
                })
            }
        };
        Ok(VfioUserTransport {
            path: path.to_path_buf(),
            tx,
            deadline,
            dead: None,
            bars,
            msix,
            iovas: IovaAllocator::default(),
        })
    }

    fn call(&mut self, req: Req, what: &str) -> Result<Vec<u8>, DriverError> {
        if let Some(why) = &self.dead {
            return Err(DriverError::Unresponsive {
                device: self.name(),
                reason: why.clone(),
            });
        }
        let (rtx, rrx) = channel();
        if self.tx.send((req, rtx)).is_err() {
            self.dead = Some("the connection is closed".into());
            return Err(DriverError::Unresponsive {
                device: self.name(),
                reason: "the connection is closed".into(),
            });
        }
        match rrx.recv_timeout(self.deadline) {
            Ok(Ok(data)) => Ok(data),
            Ok(Err(reason)) => {
                self.dead = Some(reason.clone());
                Err(DriverError::Unresponsive {
                    device: self.name(),
                    reason,
                })
            }
            Err(RecvTimeoutError::Timeout) => {
                self.dead = Some(format!("it missed the deadline while {what}"));
                Err(DriverError::Deadline {
                    device: self.name(),
                    what: what.into(),
                    after: self.deadline,
                })
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.dead = Some("the connection is closed".into());
                Err(DriverError::Unresponsive {
                    device: self.name(),
                    reason: "the connection is closed".into(),
                })
            }
        }
    }
}

impl Transport for VfioUserTransport {
    fn name(&self) -> String {
        format!("vfio-user:{}", self.path.display())
    }
    fn bar_size(&self, bar: u32) -> u64 {
        self.bars.get(bar as usize).copied().unwrap_or(0)
    }
    fn bar_read(
        &mut self,
        bar: u32,
        offset: u64,
        data: &mut [u8],
        what: &str,
    ) -> Result<(), DriverError> {
        let d = self.call(
            Req::Read {
                region: bar,
                offset,
                len: data.len(),
            },
            what,
        )?;
        data.copy_from_slice(&d);
        Ok(())
    }
    fn bar_write(
        &mut self,
        bar: u32,
        offset: u64,
        data: &[u8],
        what: &str,
    ) -> Result<(), DriverError> {
        self.call(
            Req::Write {
                region: bar,
                offset,
                data: data.to_vec(),
            },
            what,
        )?;
        Ok(())
    }
    fn dma_alloc(&mut self, len: usize) -> Result<DmaBuffer, DriverError> {
        let iova = self.iovas.alloc(len);
        let buf = DmaBuffer::new(len, iova)?;
        self.call(
            Req::DmaMap {
                fd: buf.fd(),
                iova,
                len: buf.len() as u64,
            },
            "mapping a DMA buffer",
        )?;
        Ok(buf)
    }
    fn msix_vectors(&self) -> u32 {
        self.msix
    }
    fn enable_msix(&mut self, fds: &Eventfds) -> Result<(), DriverError> {
        self.call(Req::SetMsix { fds: fds.raw() }, "enabling MSI-X")?;
        Ok(())
    }
    fn function_reset(&mut self) -> Result<(), DriverError> {
        self.call(Req::Reset, "resetting the device")?;
        Ok(())
    }
    fn deadline(&self) -> Duration {
        self.deadline
    }
}

fn io_thread(
    path: &Path,
    ready: Sender<Result<([u64; 6], u32), String>>,
    rx: Receiver<(Req, Sender<Reply>)>,
) {
    let mut client = match vfio_user::Client::new(path) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot connect: {e}")));
            return;
        }
    };
    let mut bars = [0u64; 6];
    for (i, b) in bars.iter_mut().enumerate() {
        *b = client.region(i as u32).map(|r| r.size).unwrap_or(0);
    }
    let msix = client
        .get_irq_info(MSIX_INDEX)
        .map(|i| i.count)
        .unwrap_or(0);
    let _ = ready.send(Ok((bars, msix)));
    while let Ok((req, reply)) = rx.recv() {
        let r = match req {
            Req::Read {
                region,
                offset,
                len,
            } => {
                let mut buf = vec![0u8; len];
                client.region_read(region, offset, &mut buf).map(|_| buf)
            }
            Req::Write {
                region,
                offset,
                data,
            } => client.region_write(region, offset, &data).map(|_| vec![]),
            Req::Reset => client.reset().map(|_| vec![]),
            Req::DmaMap { fd, iova, len } => client.dma_map(0, iova, len, fd).map(|_| vec![]),
            Req::SetMsix { fds } => client
                .set_irqs(MSIX_INDEX, SET_EVENTFD_TRIGGER, 0, fds.len() as u32, &fds)
                .map(|_| vec![]),
        };
        let failed = r.is_err();
        let _ = reply.send(r.map_err(|e| e.to_string()));
        if failed {
            return;
        }
    }
    let _ = client.shutdown();
}
