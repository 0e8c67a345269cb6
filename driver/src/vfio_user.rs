//! The vfio-user transport: a card (normally `zkaccel sim serve`) served over a UNIX
//! socket looks to the driver like a PCIe device, behind an F1-style shell
//! ([`crate::shell::f1`]: data through a BAR window) or an XDMA-style one
//! ([`crate::shell::xdma`]: data by DMA from buffers the driver maps at IOVAs it
//! manages), told apart by their BARs.
//!
//! The vfio_user client blocks on its socket with no timeout, so it runs on an I/O
//! thread and every request waits at most [`DEFAULT_DEADLINE`]: a server that stops
//! answering gives [`DriverError::Deadline`], never a hang. After a missed deadline
//! the connection is abandoned and every later call fails at once.

use crate::dma::{DmaBuffer, IovaAllocator};
use crate::shell::{f1, xdma};
use crate::{Beat, Device, DriverError, RegisterBus};
use std::time::Instant;
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
    DmaMap { fd: i32, iova: u64, len: u64 },
    /// Hand eventfds to the device as MSI-X vectors 0..n.
    SetMsix { fds: Vec<i32> },
}

/// `VFIO_PCI_MSIX_IRQ_INDEX`, `VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER`.
const MSIX_INDEX: u32 = 2;
const SET_EVENTFD_TRIGGER: u32 = (1 << 2) | (1 << 5);

/// The shell a served card sits behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    F1,
    Xdma,
}

type Reply = Result<Vec<u8>, String>;

pub struct VfioUserCard {
    path: PathBuf,
    tx: Sender<(Req, Sender<Reply>)>,
    deadline: Duration,
    dead: Option<String>,
    shell: Shell,
    iovas: IovaAllocator,
    /// Buffers mapped into the device: (source, destination, descriptors), reused.
    xdma_buffers: Option<(DmaBuffer, DmaBuffer, DmaBuffer)>,
    /// MSI-X eventfds (H2C, C2H) when the device offers them.
    msix: Option<[std::os::fd::OwnedFd; 2]>,
    /// Wait for DMA completion on the interrupt (else poll the status register).
    use_interrupts: bool,
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
        let (ready_tx, ready_rx) = channel::<Result<(Shell, u32), String>>();
        let (tx, rx) = channel::<(Req, Sender<Reply>)>();
        let p = path.to_path_buf();
        std::thread::Builder::new()
            .name("zkaccel-vfio-user".into())
            .spawn(move || io_thread(&p, ready_tx, rx))
            .map_err(|e| DriverError::Unresponsive { device: device.clone(), reason: e.to_string() })?;
        let (shell, msix_vectors) = match ready_rx.recv_timeout(deadline) {
            Ok(Ok(v)) => v,
            Ok(Err(reason)) => return Err(DriverError::Unresponsive { device, reason }),
            Err(_) => return Err(DriverError::Deadline { device, what: "connecting".into(), after: deadline }),
        };
        let mut card = VfioUserCard {
            path: path.to_path_buf(),
            tx,
            deadline,
            dead: None,
            shell,
            iovas: IovaAllocator::default(),
            xdma_buffers: None,
            msix: None,
            use_interrupts: false,
        };
        card.call(Req::Reset, "resetting the device")?;
        if shell == Shell::Xdma && msix_vectors >= 2 {
            let make = || -> Result<std::os::fd::OwnedFd, DriverError> {
                // SAFETY: plain syscall; checked.
                let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
                if fd < 0 {
                    return Err(DriverError::Dma { what: format!("eventfd: {}", std::io::Error::last_os_error()) });
                }
                Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
            };
            let fds = [make()?, make()?];
            use std::os::fd::AsRawFd;
            card.call(Req::SetMsix { fds: fds.iter().map(|f| f.as_raw_fd()).collect() }, "enabling MSI-X")?;
            card.msix = Some(fds);
            card.use_interrupts = true;
        }
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

fn io_thread(path: &Path, ready: Sender<Result<(Shell, u32), String>>, rx: Receiver<(Req, Sender<Reply>)>) {
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
    let shell = check(&client, f1::REG_BAR, regmap::WINDOW_BYTES as u64).and_then(|_| {
        if check(&client, xdma::DMA_BAR, xdma::DMA_BAR_BYTES).is_ok() {
            Ok(Shell::Xdma)
        } else {
            check(&client, f1::DATA_BAR, f1::DATA_WINDOW_BYTES).map(|_| Shell::F1).map_err(|e| {
                format!("{e}; and no XDMA engine in BAR{} either", xdma::DMA_BAR)
            })
        }
    });
    let shell = match shell {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let msix = client.get_irq_info(MSIX_INDEX).map(|i| i.count).unwrap_or(0);
    let _ = ready.send(Ok((shell, msix)));
    while let Ok((req, reply)) = rx.recv() {
        let r = match req {
            Req::Read { region, offset, len } => {
                let mut buf = vec![0u8; len];
                client.region_read(region, offset, &mut buf).map(|_| buf)
            }
            Req::Write { region, offset, data } => client.region_write(region, offset, &data).map(|_| vec![]),
            Req::Reset => client.reset().map(|_| vec![]),
            Req::DmaMap { fd, iova, len } => client.dma_map(0, iova, len, fd).map(|_| vec![]),
            Req::SetMsix { fds } => client.set_irqs(MSIX_INDEX, SET_EVENTFD_TRIGGER, 0, fds.len() as u32, &fds).map(|_| vec![]),
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

impl VfioUserCard {
    pub fn shell(&self) -> Shell {
        self.shell
    }

    /// Waits for DMA completion on MSI-X interrupts (when the device has them) or by
    /// polling the channel status.
    pub fn set_use_interrupts(&mut self, on: bool) {
        self.use_interrupts = on && self.msix.is_some();
    }

    /// Drains the eventfds so an old interrupt is not taken for a new completion.
    fn clear_interrupts(&self) {
        if let Some(fds) = &self.msix {
            use std::os::fd::AsRawFd;
            for f in fds {
                let mut v = 0u64;
                // SAFETY: reading 8 bytes into a u64 from a non-blocking eventfd.
                unsafe { libc::read(f.as_raw_fd(), &mut v as *mut u64 as *mut libc::c_void, 8) };
            }
        }
    }

    /// Waits until MSI-X `vector` fires, or the deadline. Returns false on timeout.
    fn wait_interrupt(&self, vector: usize, started: Instant) -> bool {
        let Some(fds) = &self.msix else { return false };
        use std::os::fd::AsRawFd;
        let fd = fds[vector].as_raw_fd();
        loop {
            let left = self.deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                return false;
            }
            let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut p, 1, left.as_millis().clamp(1, i32::MAX as u128) as i32) };
            if n > 0 {
                let mut v = 0u64;
                unsafe { libc::read(fd, &mut v as *mut u64 as *mut libc::c_void, 8) };
                return true;
            }
        }
    }

    /// Allocates a DMA buffer and maps it into the device at a fresh IOVA.
    pub fn dma_buffer(&mut self, len: usize) -> Result<DmaBuffer, DriverError> {
        let iova = self.iovas.alloc(len);
        let buf = DmaBuffer::new(len, iova)?;
        self.call(Req::DmaMap { fd: buf.fd(), iova, len: buf.len() as u64 }, "mapping a DMA buffer")?;
        Ok(buf)
    }

    fn dma_reg_read(&mut self, offset: u64) -> Result<u32, DriverError> {
        let d = self.call(Req::Read { region: xdma::DMA_BAR, offset, len: 4 }, "reading a DMA engine register")?;
        Ok(u32::from_le_bytes(d[..4].try_into().expect("4 bytes")))
    }

    fn dma_reg_write(&mut self, offset: u64, value: u32) -> Result<(), DriverError> {
        self.call(Req::Write { region: xdma::DMA_BAR, offset, data: value.to_le_bytes().to_vec() }, "writing a DMA engine register")?;
        Ok(())
    }

    /// Starts the channel at `channel`/`sgdma` on the descriptor chain at `first`.
    fn start_channel(&mut self, channel: u64, sgdma: u64, first: u64) -> Result<(), DriverError> {
        self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
        self.clear_interrupts();
        self.dma_reg_write(sgdma + xdma::SG_DESC_LO, first as u32)?;
        self.dma_reg_write(sgdma + xdma::SG_DESC_HI, (first >> 32) as u32)?;
        self.dma_reg_write(sgdma + xdma::SG_DESC_ADJACENT, 0)?;
        self.dma_reg_write(channel + xdma::CH_CONTROL_W1S, xdma::CONTROL_RUN)
    }

    /// Polls a channel until it stops, then stops it; an error bit or the deadline is an
    /// error naming the channel.
    fn finish_channel(&mut self, name: &'static str, channel: u64, started: Instant) -> Result<u32, DriverError> {
        let vector = if channel == xdma::H2C_CHANNEL { 0 } else { 1 };
        loop {
            if self.use_interrupts && !self.wait_interrupt(vector, started) {
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Err(DriverError::Deadline { device: self.device(), what: format!("waiting for the {name} DMA interrupt"), after: self.deadline });
            }
            let status = self.dma_reg_read(channel + xdma::CH_STATUS)?;
            if status & xdma::STATUS_ERRORS != 0 {
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Err(DriverError::DmaFault { device: self.device(), channel: name, status });
            }
            if status & xdma::STATUS_BUSY == 0 {
                let done = self.dma_reg_read(channel + xdma::CH_COMPLETED_COUNT)?;
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Ok(done);
            }
            if started.elapsed() > self.deadline {
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Err(DriverError::Deadline { device: self.device(), what: format!("waiting for the {name} DMA channel"), after: self.deadline });
            }
            if !self.use_interrupts {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
    }

    /// Runs one H2C descriptor as given (diagnostics and fault tests): the descriptor is
    /// placed in a mapped buffer, but its source address is used as is.
    pub fn run_h2c_descriptor(&mut self, d: xdma::Descriptor) -> Result<u32, DriverError> {
        let mut desc = self.dma_buffer(xdma::DESC_BYTES)?;
        desc.bytes_mut()[..xdma::DESC_BYTES].copy_from_slice(&d.to_bytes());
        self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, desc.iova())?;
        self.finish_channel("H2C", xdma::H2C_CHANNEL, Instant::now())
    }

    /// Runs one H2C channel on a descriptor chain at an arbitrary IOVA (fault tests).
    pub fn run_h2c_chain_at(&mut self, first: u64) -> Result<u32, DriverError> {
        self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, first)?;
        self.finish_channel("H2C", xdma::H2C_CHANNEL, Instant::now())
    }

    fn xdma_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError> {
        let bytes = beats.len() * 64;
        let fits = self.xdma_buffers.as_ref().is_some_and(|(s, _, _)| s.len() >= bytes);
        if !fits {
            let src = self.dma_buffer(bytes)?;
            let dst = self.dma_buffer(bytes)?;
            let desc = self.dma_buffer(2 * xdma::DESC_BYTES)?;
            self.xdma_buffers = Some((src, dst, desc));
        }
        let (mut src, dst, mut desc) = self.xdma_buffers.take().expect("allocated above");
        for (i, b) in beats.iter().enumerate() {
            for (j, w) in b.iter().enumerate() {
                src.bytes_mut()[64 * i + 8 * j..64 * i + 8 * j + 8].copy_from_slice(&w.to_le_bytes());
            }
        }
        let flags = xdma::DESC_STOP | xdma::DESC_EOP | xdma::DESC_COMPLETED;
        let h2c = xdma::Descriptor::new(flags, bytes as u32, src.iova(), 0, 0);
        let c2h = xdma::Descriptor::new(flags, bytes as u32, 0, dst.iova(), 0);
        desc.bytes_mut()[..32].copy_from_slice(&h2c.to_bytes());
        desc.bytes_mut()[32..64].copy_from_slice(&c2h.to_bytes());
        let (desc_iova, result) = (desc.iova(), ());
        let _ = result;
        self.xdma_buffers = Some((src, dst, desc));
        let started = Instant::now();
        self.start_channel(xdma::C2H_CHANNEL, xdma::C2H_SGDMA, desc_iova + 32)?;
        self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, desc_iova)?;
        self.finish_channel("H2C", xdma::H2C_CHANNEL, started)?;
        self.finish_channel("C2H", xdma::C2H_CHANNEL, started)?;
        let (_, dst, _) = self.xdma_buffers.as_ref().expect("kept");
        Ok(dst.bytes()[..bytes]
            .chunks(64)
            .map(|c| {
                let mut beat = [0u64; 8];
                for (i, w) in c.chunks(8).enumerate() {
                    beat[i] = u64::from_le_bytes(w.try_into().expect("8 bytes"));
                }
                beat
            })
            .collect())
    }
}

impl Device for VfioUserCard {
    fn completion(&self) -> &'static str {
        match (self.shell, self.use_interrupts) {
            (Shell::Xdma, true) => "XDMA descriptors, completion by MSI-X interrupt",
            (Shell::Xdma, false) => "XDMA descriptors, completion by polling",
            (Shell::F1, _) => "F1 BAR window",
        }
    }
    fn stop_engines(&mut self) -> Result<(), DriverError> {
        if self.shell == Shell::Xdma {
            self.dma_reg_write(xdma::H2C_CHANNEL + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
            self.dma_reg_write(xdma::C2H_CHANNEL + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
        }
        Ok(())
    }
    fn function_reset(&mut self) -> Result<(), DriverError> {
        self.call(Req::Reset, "resetting the device")?;
        Ok(())
    }
    fn data_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError> {
        if self.shell == Shell::Xdma {
            return self.xdma_loopback(beats);
        }
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
