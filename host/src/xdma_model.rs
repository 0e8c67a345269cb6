//! The XDMA shell's DMA engine, modelled at the AXI boundary for `zkaccel sim serve`:
//! one H2C and one C2H channel walking descriptor chains in host memory that the
//! client mapped over vfio-user (`zkaccel_driver::shell::xdma` has the register map).
//! Every host-memory access must fall inside one mapped buffer; anything else stops the
//! channel with an error bit, as an IOMMU fault would.

use std::collections::VecDeque;
use std::fs::File;
use std::os::fd::AsRawFd;
use zkaccel_driver::shell::xdma::*;
use zkaccel_driver::{beat_from_bytes, beats_to_bytes};
use zkaccel_sim::card::Beat;

/// Host memory the client mapped for DMA.
struct Mapping {
    iova: u64,
    len: u64,
    ptr: *mut u8,
    _file: File,
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: from a successful mmap of len bytes.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len as usize) };
    }
}

#[derive(Default)]
pub struct DmaSpace {
    maps: Vec<Mapping>,
}

impl DmaSpace {
    pub fn map(&mut self, file: File, offset: u64, iova: u64, len: u64) -> std::io::Result<()> {
        if len == 0
            || self
                .maps
                .iter()
                .any(|m| iova < m.iova + m.len && m.iova < iova + len)
        {
            return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
        }
        // SAFETY: mapping the client's memfd; checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                offset as libc::off_t,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        self.maps.push(Mapping {
            iova,
            len,
            ptr: ptr as *mut u8,
            _file: file,
        });
        Ok(())
    }
    pub fn unmap(&mut self, iova: u64, len: u64) {
        self.maps.retain(|m| !(m.iova == iova && m.len == len));
    }
    pub fn clear(&mut self) {
        self.maps.clear();
    }
    fn find(&self, iova: u64, len: u64) -> Option<&Mapping> {
        self.maps.iter().find(|m| {
            iova >= m.iova
                && iova
                    .checked_add(len)
                    .is_some_and(|end| end <= m.iova + m.len)
        })
    }
    pub fn read(&self, iova: u64, len: usize) -> Option<Vec<u8>> {
        let m = self.find(iova, len as u64)?;
        // SAFETY: inside the mapping.
        Some(
            unsafe { std::slice::from_raw_parts(m.ptr.add((iova - m.iova) as usize), len) }
                .to_vec(),
        )
    }
    pub fn write(&self, iova: u64, data: &[u8]) -> bool {
        match self.find(iova, data.len() as u64) {
            Some(m) => {
                // SAFETY: inside the mapping.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        data.as_ptr(),
                        m.ptr.add((iova - m.iova) as usize),
                        data.len(),
                    )
                };
                true
            }
            None => false,
        }
    }
}

/// One DMA channel's registers and progress.
#[derive(Default, Debug)]
pub struct Channel {
    pub control: u32,
    pub status: u32,
    pub completed: u32,
    pub desc_addr: u64,
    pub adjacent: u32,
    /// Address of the descriptor to process next while running.
    pos: Option<u64>,
    /// The channel stopped since its interrupt was last raised.
    pub irq_pending: bool,
}

impl Channel {
    fn set_control(&mut self, value: u32) {
        let was = self.control & CONTROL_RUN != 0;
        self.control = value;
        let now = value & CONTROL_RUN != 0;
        if now && !was {
            self.pos = Some(self.desc_addr);
            self.completed = 0;
            self.status = STATUS_BUSY;
        } else if !now {
            self.pos = None;
            self.status &= !STATUS_BUSY;
        }
    }
    fn stop(&mut self, bits: u32) {
        self.irq_pending = true;
        self.pos = None;
        self.status = (self.status & !STATUS_BUSY) | bits;
    }
    fn fetch(&mut self, dma: &DmaSpace) -> Option<(u64, Descriptor)> {
        let at = self.pos?;
        let Some(bytes) = dma.read(at, DESC_BYTES) else {
            self.stop(STATUS_DESC_ERROR);
            return None;
        };
        let d = Descriptor::from_bytes(bytes.as_slice().try_into().expect("32 bytes"));
        if !d.magic_ok() {
            self.stop(STATUS_MAGIC_STOPPED);
            return None;
        }
        if d.len == 0 || d.len % 64 != 0 {
            self.stop(STATUS_INVALID_LENGTH);
            return None;
        }
        Some((at, d))
    }
    fn advance(&mut self, d: &Descriptor) {
        self.completed += 1;
        if d.control & DESC_STOP != 0 {
            self.stop(STATUS_DESC_STOPPED | STATUS_DESC_COMPLETED);
        } else {
            self.pos = Some(d.next);
        }
    }
}

/// Bounded work per register access, so a descriptor loop cannot hang the server.
const MAX_DESCRIPTORS_PER_PUMP: usize = 4096;

/// The engine: H2C and C2H channel 0.
#[derive(Default)]
pub struct XdmaEngine {
    pub h2c: Channel,
    pub c2h: Channel,
    pub dma: DmaSpace,
}

impl XdmaEngine {
    fn channel(&mut self, offset: u64) -> Option<(&mut Channel, u64, bool)> {
        match offset {
            o if (H2C_CHANNEL..H2C_CHANNEL + 0x100).contains(&o) => {
                Some((&mut self.h2c, o - H2C_CHANNEL, false))
            }
            o if (C2H_CHANNEL..C2H_CHANNEL + 0x100).contains(&o) => {
                Some((&mut self.c2h, o - C2H_CHANNEL, false))
            }
            o if (H2C_SGDMA..H2C_SGDMA + 0x100).contains(&o) => {
                Some((&mut self.h2c, o - H2C_SGDMA, true))
            }
            o if (C2H_SGDMA..C2H_SGDMA + 0x100).contains(&o) => {
                Some((&mut self.c2h, o - C2H_SGDMA, true))
            }
            _ => None,
        }
    }

    pub fn read(&mut self, offset: u64) -> u32 {
        let is_c2h = (C2H_CHANNEL..C2H_CHANNEL + 0x100).contains(&offset);
        let Some((ch, reg, sg)) = self.channel(offset) else {
            return 0xFFFF_FFFF;
        };
        match (sg, reg) {
            (false, CH_IDENTIFIER) => {
                if is_c2h {
                    C2H_ID
                } else {
                    H2C_ID
                }
            }
            (false, CH_CONTROL) => ch.control,
            (false, CH_STATUS) => ch.status,
            (false, CH_STATUS_RC) => {
                let s = ch.status;
                ch.status &= STATUS_BUSY;
                s
            }
            (false, CH_COMPLETED_COUNT) => ch.completed,
            (true, SG_DESC_LO) => ch.desc_addr as u32,
            (true, SG_DESC_HI) => (ch.desc_addr >> 32) as u32,
            (true, SG_DESC_ADJACENT) => ch.adjacent,
            _ => 0,
        }
    }

    /// A register write; then the channels make what progress they can.
    pub fn write(
        &mut self,
        offset: u64,
        value: u32,
        card: &mut dyn FnMut(&[Beat], usize) -> Vec<Beat>,
        produced: &mut VecDeque<Beat>,
    ) {
        if let Some((ch, reg, sg)) = self.channel(offset) {
            match (sg, reg) {
                (false, CH_CONTROL) => ch.set_control(value),
                (false, CH_CONTROL_W1S) => ch.set_control(ch.control | value),
                (false, CH_CONTROL_W1C) => ch.set_control(ch.control & !value),
                (true, SG_DESC_LO) => ch.desc_addr = (ch.desc_addr & !0xFFFF_FFFF) | value as u64,
                (true, SG_DESC_HI) => {
                    ch.desc_addr = (ch.desc_addr & 0xFFFF_FFFF) | (value as u64) << 32
                }
                (true, SG_DESC_ADJACENT) => ch.adjacent = value,
                _ => {}
            }
        }
        self.pump(card, produced);
    }

    /// `card(beats, 0)` pushes beats into the card and returns its output meanwhile;
    /// `card(&[], n)` asks the card for up to `n` more output beats.
    fn pump(
        &mut self,
        card: &mut dyn FnMut(&[Beat], usize) -> Vec<Beat>,
        produced: &mut VecDeque<Beat>,
    ) {
        for _ in 0..MAX_DESCRIPTORS_PER_PUMP {
            let Some((_, d)) = self.h2c.fetch(&self.dma) else {
                break;
            };
            let Some(bytes) = self.dma.read(d.src, d.len as usize) else {
                self.h2c.stop(STATUS_READ_ERROR);
                break;
            };
            let beats: Vec<Beat> = bytes.chunks(64).map(beat_from_bytes).collect();
            produced.extend(card(&beats, 0));
            self.h2c.advance(&d);
        }
        for _ in 0..MAX_DESCRIPTORS_PER_PUMP {
            let Some((_, d)) = self.c2h.fetch(&self.dma) else {
                break;
            };
            let n = d.len as usize / 64;
            if produced.len() < n {
                let more = card(&[], n - produced.len());
                produced.extend(more);
            }
            if produced.len() < n {
                break; // waits for the card, stays busy
            }
            let bytes = beats_to_bytes(produced.iter().take(n));
            if !self.dma.write(d.dst, &bytes) {
                self.c2h.stop(STATUS_WRITE_ERROR);
                break;
            }
            produced.drain(..n);
            self.c2h.advance(&d);
        }
    }

    /// Channel and engine reset (function-level reset); DMA mappings stay.
    pub fn reset(&mut self) {
        self.h2c = Channel::default();
        self.c2h = Channel::default();
    }
}
