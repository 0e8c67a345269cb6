//! `zkaccel sim serve`: the Verilator model of the card served as a vfio-user PCIe
//! device, behind an F1-style shell (`zkaccel_driver::shell::f1`) or an XDMA-style one
//! (`zkaccel_driver::shell::xdma`, engine in [`crate::xdma_model`]), both modelled at
//! the AXI boundary. Clients are served one after another; a client that disconnects or
//! is killed ends its session (its DMA mappings are dropped) and the next one is
//! accepted.

use crate::xdma_model::XdmaEngine;
use anyhow::{bail, Context, Result};
use std::collections::VecDeque;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use vfio_bindings::bindings::vfio::{
    vfio_region_info, VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE,
};
use vfio_bindings::bindings::vfio::{
    VFIO_IRQ_INFO_EVENTFD, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_PCI_MSIX_IRQ_INDEX,
};
use vfio_user::{DmaMapFlags, DmaUnmapFlags, IrqInfo, Server, ServerBackend, ServerRegion};
use zkaccel_driver::shell::{f1, f2, xdma};
use zkaccel_driver::{beat_from_bytes, beats_to_bytes};
use zkaccel_sim::card::{Beat, CardSim};
use zkaccel_sim::fault::{FaultInjector, FaultKind, FaultSpec};
use zkaccel_spec::{bus::resp, regmap};

/// Which shell the served card sits behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellKind {
    /// AWS F1 style: BAR0 registers, BAR4 512-bit data window.
    F1,
    /// AWS F2 Small Shell: BAR0 registers (OCL), BAR2 MSI-X, BAR4 data window (PCIS),
    /// no BAR1, no shell DMA.
    F2,
    /// Alveo XDMA style: BAR0 registers, BAR1 H2C/C2H descriptor engines doing DMA.
    Xdma,
}

/// The card behind the shell.
pub struct CardBackend {
    shell: ShellKind,
    card: CardSim,
    xdma: XdmaEngine,
    /// Beats the card produced that the host has not read yet.
    produced: VecDeque<Beat>,
    /// MSI-X vectors (eventfds): 0 = H2C channel stopped, 1 = C2H channel stopped.
    msix: Vec<Option<File>>,
    pub sessions: u64,
}

impl CardBackend {
    pub fn new(shell: ShellKind, trace: Option<&Path>) -> Result<Self> {
        let mut card = CardSim::new()?;
        if let Some(t) = trace {
            card.model.trace_to(t)?;
        }
        Ok(Self {
            shell,
            card,
            xdma: XdmaEngine::default(),
            produced: VecDeque::new(),
            msix: vec![None, None],
            sessions: 0,
        })
    }

    fn io_err(e: impl std::fmt::Display) -> std::io::Error {
        std::io::Error::other(e.to_string())
    }
}

impl ServerBackend for CardBackend {
    // The vfio_user client does not read error replies to region accesses, so these
    // always answer with data: a refused register read returns all-ones (as PCIe does
    // for an unsupported request), and the card records the refusal in STATUS.
    fn region_read(&mut self, region: u32, offset: u64, data: &mut [u8]) -> std::io::Result<()> {
        data.fill(0xFF);
        match region {
            f1::REG_BAR if data.len() == 4 && offset % 4 == 0 && offset < u32::MAX as u64 => {
                let (v, r) = self.card.read(offset as u32).map_err(Self::io_err)?;
                if r == resp::OKAY {
                    data.copy_from_slice(&v.to_le_bytes());
                }
            }
            xdma::DMA_BAR if self.shell == ShellKind::Xdma && data.len() == 4 => {
                data.copy_from_slice(&self.xdma.read(offset).to_le_bytes());
            }
            f1::DATA_BAR if self.shell != ShellKind::Xdma => {
                let want = data.len().div_ceil(64);
                if self.produced.len() < want {
                    let more = self
                        .card
                        .receive(want - self.produced.len())
                        .map_err(Self::io_err)?;
                    self.produced.extend(more);
                }
                for chunk in data.chunks_mut(64) {
                    if let Some(beat) = self.produced.pop_front() {
                        chunk.copy_from_slice(&beats_to_bytes([&beat]));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn region_write(&mut self, region: u32, offset: u64, data: &[u8]) -> std::io::Result<()> {
        match region {
            f1::REG_BAR if data.len() == 4 && offset % 4 == 0 && offset < u32::MAX as u64 => {
                let v = u32::from_le_bytes(data.try_into().expect("4 bytes"));
                // Posted write: the response is the card's business (STATUS.BUS_ERROR).
                self.card
                    .write(offset as u32, v, 0xF)
                    .map_err(Self::io_err)?;
                // `produced` stands for beats back-pressured inside the card's output
                // path, which a soft reset empties.
                if offset == regmap::CONTROL.offset as u64 && v & regmap::control::SOFT_RESET != 0 {
                    self.produced.clear();
                }
            }
            xdma::DMA_BAR if self.shell == ShellKind::Xdma && data.len() == 4 => {
                let v = u32::from_le_bytes(data.try_into().expect("4 bytes"));
                let CardBackend {
                    card,
                    xdma,
                    produced,
                    ..
                } = self;
                let mut run = |beats: &[Beat], pull: usize| {
                    let r = if beats.is_empty() {
                        card.receive(pull)
                    } else {
                        card.send(beats)
                    };
                    r.unwrap_or_else(|e| {
                        tracing::error!("card data port: {e}");
                        vec![]
                    })
                };
                xdma.write(offset, v, &mut run, produced);
                for (vector, ch) in [&mut self.xdma.h2c, &mut self.xdma.c2h]
                    .into_iter()
                    .enumerate()
                {
                    if std::mem::take(&mut ch.irq_pending) {
                        if let Some(Some(fd)) = self.msix.get_mut(vector) {
                            let _ = fd.write_all(&1u64.to_ne_bytes());
                        }
                    }
                }
            }
            f1::DATA_BAR if self.shell != ShellKind::Xdma && data.len() % 64 == 0 => {
                let beats: Vec<Beat> = data.chunks(64).map(beat_from_bytes).collect();
                let out = self.card.send(&beats).map_err(Self::io_err)?;
                self.produced.extend(out);
            }
            _ => tracing::warn!(
                region,
                offset,
                len = data.len(),
                "write outside the shell's windows dropped"
            ),
        }
        Ok(())
    }

    /// Host memory for DMA: only fd-backed (memfd) regions, never overlapping.
    fn dma_map(
        &mut self,
        _f: DmaMapFlags,
        offset: u64,
        iova: u64,
        size: u64,
        fd: Option<File>,
    ) -> std::io::Result<()> {
        let file = fd.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "DMA regions must be fd-backed",
            )
        })?;
        self.xdma.dma.map(file, offset, iova, size)
    }
    fn dma_unmap(&mut self, _f: DmaUnmapFlags, iova: u64, size: u64) -> std::io::Result<()> {
        self.xdma.dma.unmap(iova, size);
        Ok(())
    }
    /// Function-level reset: the card's reset, and the shell's buffered beats dropped.
    fn reset(&mut self) -> std::io::Result<()> {
        self.produced.clear();
        self.xdma.reset();
        self.card.function_reset().map_err(Self::io_err)
    }
    /// MSI-X: eventfds for the DMA channels' completion; anything else disables them.
    fn set_irqs(
        &mut self,
        index: u32,
        flags: u32,
        start: u32,
        count: u32,
        fds: Vec<File>,
    ) -> std::io::Result<()> {
        if index != VFIO_PCI_MSIX_IRQ_INDEX {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "only MSI-X is offered",
            ));
        }
        if flags & VFIO_IRQ_SET_DATA_EVENTFD != 0 && fds.len() == count as usize {
            for (i, fd) in fds.into_iter().enumerate() {
                if let Some(slot) = self.msix.get_mut(start as usize + i) {
                    *slot = Some(fd);
                }
            }
        } else {
            for slot in self
                .msix
                .iter_mut()
                .skip(start as usize)
                .take(count.max(1) as usize)
            {
                *slot = None;
            }
        }
        Ok(())
    }
}

fn region(index: u32, size: u64) -> ServerRegion {
    let flags = if size > 0 {
        VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE
    } else {
        0
    };
    ServerRegion {
        region_info: vfio_region_info {
            argsz: std::mem::size_of::<vfio_region_info>() as u32,
            flags,
            index,
            cap_offset: 0,
            size,
            offset: 0,
        },
        sparse_areas: vec![],
        mmap_fd: None,
    }
}

/// Serves until killed (or, with `max_sessions`, after that many clients).
pub fn serve(
    socket: &Path,
    shell: ShellKind,
    trace: Option<PathBuf>,
    max_sessions: Option<u64>,
    faults: Vec<FaultSpec>,
    seed: u64,
) -> Result<()> {
    if socket.exists() {
        bail!(
            "{} already exists: another server may be using it; remove it or choose another path",
            socket.display()
        );
    }
    // BAR0..BAR5, ROM, config, VGA: the regions of a vfio PCI device.
    let regions: Vec<ServerRegion> = (0..9)
        .map(|i| match (shell, i) {
            (_, 0) => region(i, regmap::WINDOW_BYTES as u64),
            (ShellKind::F1 | ShellKind::F2, i) if i == f1::DATA_BAR => {
                region(i, f1::DATA_WINDOW_BYTES)
            }
            (ShellKind::F2, i) if i == f2::MSIX_BAR => region(i, f2::MSIX_BAR_BYTES),
            (ShellKind::Xdma, i) if i == xdma::DMA_BAR => region(i, xdma::DMA_BAR_BYTES),
            (_, 7) => region(i, 256),
            _ => region(i, 0),
        })
        .collect();
    // INTx and MSI: none; MSI-X: two vectors (XDMA shell only).
    let msix = if shell == ShellKind::Xdma { 2 } else { 0 };
    let irqs = vec![
        IrqInfo {
            index: 0,
            flags: 0,
            count: 0,
        },
        IrqInfo {
            index: 1,
            flags: 0,
            count: 0,
        },
        IrqInfo {
            index: VFIO_PCI_MSIX_IRQ_INDEX,
            flags: VFIO_IRQ_INFO_EVENTFD,
            count: msix,
        },
    ];
    let server = Server::new(socket, true, irqs, regions)
        .with_context(|| format!("listening on {}", socket.display()))?;
    let mut backend = CardBackend::new(shell, trace.as_deref())?;
    eprintln!(
        "zkaccel sim serve: card ({shell:?} shell) on vfio-user socket {}",
        socket.display()
    );
    if !faults.is_empty() {
        let names: Vec<String> = faults
            .iter()
            .map(|f| format!("{} at rate {}", f.kind, f.rate))
            .collect();
        eprintln!("injecting faults (seed {seed}): {}", names.join(", "));
        backend.card.set_faults(FaultInjector::new(faults, seed));
    }
    loop {
        let r = server.run(&mut backend);
        backend.sessions += 1;
        backend.xdma.dma.clear();
        backend.msix.iter_mut().for_each(|m| *m = None);
        match r {
            Ok(()) => eprintln!("client {} disconnected", backend.sessions),
            Err(e) => eprintln!("client {} session ended: {e}", backend.sessions),
        }
        if let Some(f) = backend.card.faults() {
            let c = f.counts();
            let per: Vec<String> = FaultKind::ALL
                .iter()
                .map(|k| format!("{k} {}", c.of(*k)))
                .collect();
            eprintln!(
                "faults so far: {} jobs, injected {}",
                c.jobs,
                per.join(", ")
            );
        }
        if max_sessions.is_some_and(|m| backend.sessions >= m) {
            return Ok(());
        }
    }
}
