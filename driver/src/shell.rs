//! Board shells: how the card's AXI ports appear in PCIe BARs. Shared by the driver
//! and by `zkaccel sim serve`, which models the shell at the AXI boundary.

/// AWS F1-style shell: BAR0 ("OCL") carries the AXI4-Lite register port; BAR4
/// ("PCIS") is the 512-bit data port. Here a write of N × 64 bytes into the BAR4 window
/// sends N beats into the card's data port (`s_data`, TLAST on the last), and a read of
/// N × 64 bytes returns the next N beats the card produced (`m_data`); beats that do
/// not exist read as all-ones, as a timed-out PCIS read does on F1.
pub mod f1 {
    /// BAR of the register port.
    pub const REG_BAR: u32 = 0;
    /// BAR of the data port.
    pub const DATA_BAR: u32 = 4;
    /// Size of the modelled data window, bytes.
    pub const DATA_WINDOW_BYTES: u64 = 64 << 10;
}

/// AWS F2 "Small Shell" (aws-fpga branch `f2`): the application function (PF0) has
/// BAR0 (64 MiB, "OCL": the card's AXI4-Lite registers), BAR2 (64 KiB, MSI-X, not
/// visible to the design) and BAR4 (128 GiB, "PCIS": 512-bit AXI4 into the design); no
/// BAR1 and **no shell DMA** (the XDMA shell is unsupported on F2). zkaccel moves bulk
/// data by host stores into BAR4 through a write-combining mapping and reads results
/// back from BAR4: the F1 data path ([`f1`]), chosen because it needs nothing in the
/// design beyond the PCIS port the card already has; a DMA engine in the card mastering
/// host memory over PCIM (physical addresses, no 4 KiB crossing) would free the CPU
/// and is the next step. The management function (PF1, `1d0f:9248`, the AWS mailbox)
/// is never touched. Loading an image changes the application function's IDs (cleared
/// slot `1d0f:9048`, a design `1d0f:F0xx`): the SDK removes and rescans the device, so
/// the vfio-pci binding must be redone after every `fpga-load-local-image`.
pub mod f2 {
    pub const REG_BAR: u32 = 0;
    /// MSI-X table (present on F2, absent from the F1-style model).
    pub const MSIX_BAR: u32 = 2;
    pub const MSIX_BAR_BYTES: u64 = 64 << 10;
    pub const DATA_BAR: u32 = 4;
    pub const VENDOR: u16 = 0x1d0f;
    /// The application function with no image loaded.
    pub const APP_PF_CLEARED: u16 = 0x9048;
    /// The management function: the AWS mailbox, never opened by zkaccel.
    pub const MGMT_PF: u16 = 0x9248;
    /// Device IDs a design may take (vendor 0x1d0f).
    pub const DESIGN_IDS: std::ops::RangeInclusive<u16> = 0xF000..=0xF0FF;
}

/// Names the error bits of an XDMA channel status word.
pub fn xdma_status_text(status: u32) -> String {
    use xdma::*;
    let names = [
        (STATUS_MAGIC_STOPPED, "bad descriptor magic"),
        (STATUS_INVALID_LENGTH, "invalid length"),
        (
            STATUS_READ_ERROR,
            "host memory read outside the mapped buffers",
        ),
        (
            STATUS_WRITE_ERROR,
            "host memory write outside the mapped buffers",
        ),
        (
            STATUS_DESC_ERROR,
            "descriptor fetch outside the mapped buffers",
        ),
    ];
    let v: Vec<&str> = names
        .iter()
        .filter(|(b, _)| status & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if v.is_empty() {
        "no error bit".into()
    } else {
        v.join(", ")
    }
}

/// Alveo XDMA-style shell (Xilinx PG195, the subset zkaccel uses): BAR0 carries the
/// card's AXI4-Lite register port (the XDMA "AXI-Lite master" BAR); BAR1 holds the DMA
/// engine's registers. One H2C channel feeds the card's `s_data` stream from host
/// memory, one C2H channel writes its `m_data` stream to host memory, each walking a
/// chain of 32-byte descriptors in host memory.
pub mod xdma {
    /// BAR of the card's registers.
    pub const REG_BAR: u32 = 0;
    /// BAR of the DMA engine's registers.
    pub const DMA_BAR: u32 = 1;
    pub const DMA_BAR_BYTES: u64 = 64 << 10;

    /// Channel register blocks (channel 0).
    pub const H2C_CHANNEL: u64 = 0x0000;
    pub const C2H_CHANNEL: u64 = 0x1000;
    /// SGDMA blocks (descriptor addresses), channel 0.
    pub const H2C_SGDMA: u64 = 0x4000;
    pub const C2H_SGDMA: u64 = 0x5000;

    /// Offsets inside a channel block.
    pub const CH_IDENTIFIER: u64 = 0x00;
    pub const CH_CONTROL: u64 = 0x04;
    pub const CH_CONTROL_W1S: u64 = 0x08;
    pub const CH_CONTROL_W1C: u64 = 0x0C;
    pub const CH_STATUS: u64 = 0x40;
    pub const CH_STATUS_RC: u64 = 0x44;
    pub const CH_COMPLETED_COUNT: u64 = 0x48;
    /// Offsets inside an SGDMA block.
    pub const SG_DESC_LO: u64 = 0x80;
    pub const SG_DESC_HI: u64 = 0x84;
    pub const SG_DESC_ADJACENT: u64 = 0x88;

    /// Control: run the channel.
    pub const CONTROL_RUN: u32 = 1 << 0;
    /// Identifier values: 0x1fc0 in bits 31:20... as PG195: H2C 0x1fc00006, C2H 0x1fc10006.
    pub const H2C_ID: u32 = 0x1fc0_0006;
    pub const C2H_ID: u32 = 0x1fc1_0006;

    /// Status bits.
    pub const STATUS_BUSY: u32 = 1 << 0;
    pub const STATUS_DESC_STOPPED: u32 = 1 << 1;
    pub const STATUS_DESC_COMPLETED: u32 = 1 << 2;
    pub const STATUS_MAGIC_STOPPED: u32 = 1 << 4;
    pub const STATUS_INVALID_LENGTH: u32 = 1 << 5;
    /// Host memory read or write outside every mapped DMA buffer.
    pub const STATUS_READ_ERROR: u32 = 1 << 9;
    pub const STATUS_WRITE_ERROR: u32 = 1 << 14;
    /// Descriptor fetch outside every mapped DMA buffer.
    pub const STATUS_DESC_ERROR: u32 = 1 << 19;
    pub const STATUS_ERRORS: u32 = STATUS_MAGIC_STOPPED
        | STATUS_INVALID_LENGTH
        | STATUS_READ_ERROR
        | STATUS_WRITE_ERROR
        | STATUS_DESC_ERROR;

    /// Descriptor: 32 bytes, little-endian.
    pub const DESC_BYTES: usize = 32;
    pub const DESC_MAGIC: u32 = 0xAD4B;
    pub const DESC_STOP: u32 = 1 << 0;
    pub const DESC_COMPLETED: u32 = 1 << 1;
    pub const DESC_EOP: u32 = 1 << 4;

    /// One descriptor.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Descriptor {
        pub control: u32,
        pub len: u32,
        pub src: u64,
        pub dst: u64,
        pub next: u64,
    }

    impl Descriptor {
        /// A descriptor with the magic and the given flags.
        pub fn new(flags: u32, len: u32, src: u64, dst: u64, next: u64) -> Self {
            Descriptor {
                control: DESC_MAGIC << 16 | flags,
                len,
                src,
                dst,
                next,
            }
        }
        pub fn to_bytes(&self) -> [u8; DESC_BYTES] {
            let mut b = [0u8; DESC_BYTES];
            b[0..4].copy_from_slice(&self.control.to_le_bytes());
            b[4..8].copy_from_slice(&self.len.to_le_bytes());
            b[8..16].copy_from_slice(&self.src.to_le_bytes());
            b[16..24].copy_from_slice(&self.dst.to_le_bytes());
            b[24..32].copy_from_slice(&self.next.to_le_bytes());
            b
        }
        pub fn from_bytes(b: &[u8; DESC_BYTES]) -> Self {
            let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
            let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
            Descriptor {
                control: u32_at(0),
                len: u32_at(4),
                src: u64_at(8),
                dst: u64_at(16),
                next: u64_at(24),
            }
        }
        pub fn magic_ok(&self) -> bool {
            self.control >> 16 == DESC_MAGIC
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        #[test]
        fn descriptor_round_trips() {
            let d = Descriptor::new(DESC_STOP | DESC_EOP, 4096, 0x1_0000_0000, 0, 0x1_0000_2000);
            assert_eq!(Descriptor::from_bytes(&d.to_bytes()), d);
            assert!(d.magic_ok());
            assert_eq!(d.to_bytes()[2..4], [0x4B, 0xAD]);
        }
    }
}

use crate::dma::DmaBuffer;
use crate::transport::{Eventfds, Transport};
use crate::{beat_from_bytes, beats_to_bytes, Beat, Device, DriverError, RegisterBus};
use std::time::{Duration, Instant};
use zkaccel_spec::regmap;

/// Which shell a card sits behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    F1,
    /// AWS F2: the F1 data path (BAR4 window), with an MSI-X BAR2 and no BAR1.
    F2,
    Xdma,
}

/// A card behind a shell, over any transport: the one implementation of register
/// access, the data path, DMA descriptors, completion and recovery for every device.
pub struct ShellCard<T: Transport> {
    t: T,
    shell: Shell,
    /// MSI-X eventfds (H2C, C2H) when the device offers them.
    msix: Option<Eventfds>,
    use_interrupts: bool,
    /// DMA buffers (source, destination, descriptors), reused across transfers.
    xdma_buffers: Option<(DmaBuffer, DmaBuffer, DmaBuffer)>,
}

impl<T: Transport> ShellCard<T> {
    /// Tells the shell from the device's BARs, resets the function (so a card left
    /// mid-job by a killed host starts clean) and enables MSI-X where offered.
    pub fn new(mut t: T) -> Result<Self, DriverError> {
        let reg_bytes = t.bar_size(f1::REG_BAR);
        if reg_bytes < regmap::WINDOW_BYTES as u64 {
            return Err(DriverError::Unsupported {
                device: t.name(),
                what: format!("a device whose BAR{} has {reg_bytes} bytes (a zkaccel card's register window needs {})", f1::REG_BAR, regmap::WINDOW_BYTES),
            });
        }
        let shell = if t.bar_size(xdma::DMA_BAR) >= xdma::DMA_BAR_BYTES {
            Shell::Xdma
        } else if t.bar_size(f1::DATA_BAR) >= f1::DATA_WINDOW_BYTES {
            if t.bar_size(f2::MSIX_BAR) >= f2::MSIX_BAR_BYTES {
                Shell::F2
            } else {
                Shell::F1
            }
        } else {
            return Err(DriverError::Unsupported {
                device: t.name(),
                what: format!(
                    "a device with neither an XDMA engine in BAR{} nor an F1 data window in BAR{}",
                    xdma::DMA_BAR,
                    f1::DATA_BAR
                ),
            });
        };
        t.function_reset()?;
        let mut card = ShellCard {
            t,
            shell,
            msix: None,
            use_interrupts: false,
            xdma_buffers: None,
        };
        if shell == Shell::Xdma && card.t.msix_vectors() >= 2 {
            let fds = Eventfds::new(2)?;
            card.t.enable_msix(&fds)?;
            card.msix = Some(fds);
            card.use_interrupts = true;
        }
        Ok(card)
    }

    pub fn shell(&self) -> Shell {
        self.shell
    }

    pub fn transport(&mut self) -> &mut T {
        &mut self.t
    }

    /// Waits for DMA completion on MSI-X interrupts (when the device has them) or by
    /// polling the channel status.
    pub fn set_use_interrupts(&mut self, on: bool) {
        self.use_interrupts = on && self.msix.is_some();
    }

    /// Allocates a DMA buffer mapped for the device.
    pub fn dma_buffer(&mut self, len: usize) -> Result<DmaBuffer, DriverError> {
        self.t.dma_alloc(len)
    }

    fn dma_reg_read(&mut self, offset: u64) -> Result<u32, DriverError> {
        let mut d = [0u8; 4];
        self.t.bar_read(
            xdma::DMA_BAR,
            offset,
            &mut d,
            "reading a DMA engine register",
        )?;
        Ok(u32::from_le_bytes(d))
    }

    fn dma_reg_write(&mut self, offset: u64, value: u32) -> Result<(), DriverError> {
        self.t.bar_write(
            xdma::DMA_BAR,
            offset,
            &value.to_le_bytes(),
            "writing a DMA engine register",
        )
    }

    /// Starts the channel at `channel`/`sgdma` on the descriptor chain at `first`.
    fn start_channel(&mut self, channel: u64, sgdma: u64, first: u64) -> Result<(), DriverError> {
        self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
        if let Some(m) = &self.msix {
            m.clear();
        }
        self.dma_reg_write(sgdma + xdma::SG_DESC_LO, first as u32)?;
        self.dma_reg_write(sgdma + xdma::SG_DESC_HI, (first >> 32) as u32)?;
        self.dma_reg_write(sgdma + xdma::SG_DESC_ADJACENT, 0)?;
        self.dma_reg_write(channel + xdma::CH_CONTROL_W1S, xdma::CONTROL_RUN)
    }

    /// Waits until a channel stops (interrupt or polling), then stops it; an error bit
    /// or the deadline is an error naming the channel.
    fn finish_channel(
        &mut self,
        name: &'static str,
        channel: u64,
        started: Instant,
    ) -> Result<u32, DriverError> {
        let vector = if channel == xdma::H2C_CHANNEL { 0 } else { 1 };
        let deadline = started + self.t.deadline();
        loop {
            if self.use_interrupts {
                let fired = self.msix.as_ref().is_some_and(|m| m.wait(vector, deadline));
                if !fired {
                    self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                    return Err(DriverError::Deadline {
                        device: self.t.name(),
                        what: format!("waiting for the {name} DMA interrupt"),
                        after: self.t.deadline(),
                    });
                }
            }
            let status = self.dma_reg_read(channel + xdma::CH_STATUS)?;
            if status & xdma::STATUS_ERRORS != 0 {
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Err(DriverError::DmaFault {
                    device: self.t.name(),
                    channel: name,
                    status,
                });
            }
            if status & xdma::STATUS_BUSY == 0 {
                let done = self.dma_reg_read(channel + xdma::CH_COMPLETED_COUNT)?;
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Ok(done);
            }
            if Instant::now() > deadline {
                self.dma_reg_write(channel + xdma::CH_CONTROL_W1C, xdma::CONTROL_RUN)?;
                return Err(DriverError::Deadline {
                    device: self.t.name(),
                    what: format!("waiting for the {name} DMA channel"),
                    after: self.t.deadline(),
                });
            }
            if !self.use_interrupts {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
    }

    fn require_xdma(&self, what: &str) -> Result<(), DriverError> {
        if self.shell != Shell::Xdma {
            return Err(DriverError::Unsupported {
                device: self.t.name(),
                what: format!("{what} (needs the XDMA shell)"),
            });
        }
        Ok(())
    }

    /// Runs one H2C descriptor as given (diagnostics and fault tests): the descriptor is
    /// placed in a mapped buffer, but its addresses are used as they are.
    pub fn run_h2c_descriptor(&mut self, d: xdma::Descriptor) -> Result<u32, DriverError> {
        self.require_xdma("running a raw descriptor")?;
        let mut desc = self.dma_buffer(xdma::DESC_BYTES)?;
        desc.bytes_mut()[..xdma::DESC_BYTES].copy_from_slice(&d.to_bytes());
        self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, desc.iova())?;
        self.finish_channel("H2C", xdma::H2C_CHANNEL, Instant::now())
    }

    /// Runs the H2C channel on a descriptor chain at an arbitrary IOVA (fault tests).
    pub fn run_h2c_chain_at(&mut self, first: u64) -> Result<u32, DriverError> {
        self.require_xdma("running a raw descriptor chain")?;
        self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, first)?;
        self.finish_channel("H2C", xdma::H2C_CHANNEL, Instant::now())
    }

    /// Puts `beats` in the H2C source buffer and writes one H2C descriptor (for the
    /// beats) and one C2H descriptor (for `read` beats) into the descriptor buffer,
    /// growing the buffers if needed. Returns the IOVA of the H2C descriptor; the C2H
    /// descriptor follows it.
    fn xdma_prepare(&mut self, beats: &[Beat], read: usize) -> Result<u64, DriverError> {
        let bytes = beats.len().max(read) * 64;
        let fits = self
            .xdma_buffers
            .as_ref()
            .is_some_and(|(s, _, _)| s.len() >= bytes);
        if !fits {
            let src = self.dma_buffer(bytes)?;
            let dst = self.dma_buffer(bytes)?;
            let desc = self.dma_buffer(2 * xdma::DESC_BYTES)?;
            self.xdma_buffers = Some((src, dst, desc));
        }
        let flags = xdma::DESC_STOP | xdma::DESC_EOP | xdma::DESC_COMPLETED;
        let (src, dst, desc) = self.xdma_buffers.as_mut().expect("allocated above");
        src.bytes_mut()[..beats.len() * 64].copy_from_slice(&beats_to_bytes(beats));
        let h2c = xdma::Descriptor::new(flags, (beats.len() * 64) as u32, src.iova(), 0, 0);
        let c2h = xdma::Descriptor::new(flags, (read * 64) as u32, 0, dst.iova(), 0);
        desc.bytes_mut()[..32].copy_from_slice(&h2c.to_bytes());
        desc.bytes_mut()[32..64].copy_from_slice(&c2h.to_bytes());
        Ok(desc.iova())
    }

    /// The first `n` beats of the C2H destination buffer.
    fn xdma_received(&self, n: usize) -> Vec<Beat> {
        let (_, dst, _) = self.xdma_buffers.as_ref().expect("prepared");
        dst.bytes()[..n * 64]
            .chunks(64)
            .map(beat_from_bytes)
            .collect()
    }

    /// Loopback: both channels run at once (C2H started first), as the card's output
    /// follows its input.
    fn xdma_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError> {
        let desc_iova = self.xdma_prepare(beats, beats.len())?;
        let started = Instant::now();
        self.start_channel(xdma::C2H_CHANNEL, xdma::C2H_SGDMA, desc_iova + 32)?;
        self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, desc_iova)?;
        self.finish_channel("H2C", xdma::H2C_CHANNEL, started)?;
        self.finish_channel("C2H", xdma::C2H_CHANNEL, started)?;
        Ok(self.xdma_received(beats.len()))
    }

    /// One XDMA transfer: `beats` host-to-card (H2C) if any, then `read` beats
    /// card-to-host (C2H) if any, each as a single descriptor with completion as set.
    fn xdma_transfer(&mut self, beats: &[Beat], read: usize) -> Result<Vec<Beat>, DriverError> {
        let desc_iova = self.xdma_prepare(beats, read)?;
        let started = Instant::now();
        if !beats.is_empty() {
            self.start_channel(xdma::H2C_CHANNEL, xdma::H2C_SGDMA, desc_iova)?;
            self.finish_channel("H2C", xdma::H2C_CHANNEL, started)?;
        }
        if read == 0 {
            return Ok(vec![]);
        }
        self.start_channel(xdma::C2H_CHANNEL, xdma::C2H_SGDMA, desc_iova + 32)?;
        self.finish_channel("C2H", xdma::C2H_CHANNEL, started)?;
        Ok(self.xdma_received(read))
    }

    /// Beats the F1 data window (BAR4) carries per access.
    const F1_WINDOW_BEATS: usize = (f1::DATA_WINDOW_BYTES / 64) as usize;

    /// Writes up to a window of beats to the F1 data window.
    fn f1_write(&mut self, chunk: &[Beat]) -> Result<(), DriverError> {
        self.t.bar_write(
            f1::DATA_BAR,
            0,
            &beats_to_bytes(chunk),
            "writing the data port",
        )
    }

    /// Reads `n` beats (at most a window) from the F1 data window.
    fn f1_read(&mut self, n: usize) -> Result<Vec<Beat>, DriverError> {
        let mut back = vec![0u8; n * 64];
        self.t
            .bar_read(f1::DATA_BAR, 0, &mut back, "reading the data port")?;
        Ok(back.chunks(64).map(beat_from_bytes).collect())
    }

    fn f1_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError> {
        let mut out = Vec::with_capacity(beats.len());
        for chunk in beats.chunks(Self::F1_WINDOW_BEATS) {
            self.f1_write(chunk)?;
            out.extend(self.f1_read(chunk.len())?);
        }
        Ok(out)
    }
}

impl<T: Transport> RegisterBus for ShellCard<T> {
    fn device(&self) -> String {
        self.t.name()
    }
    fn read32(&mut self, reg: &'static regmap::Register) -> Result<u32, DriverError> {
        let mut d = [0u8; 4];
        self.t
            .bar_read(f1::REG_BAR, reg.offset as u64, &mut d, "reading a register")?;
        Ok(u32::from_le_bytes(d))
    }
    /// PCIe writes are posted: a refused write is not reported here but recorded by
    /// the card in STATUS.BUS_ERROR / BUS_ERROR_ADDR.
    fn write32(&mut self, reg: &'static regmap::Register, value: u32) -> Result<(), DriverError> {
        self.t.bar_write(
            f1::REG_BAR,
            reg.offset as u64,
            &value.to_le_bytes(),
            "writing a register",
        )
    }
}

impl<T: Transport> Device for ShellCard<T> {
    fn completion(&self) -> &'static str {
        match (self.shell, self.use_interrupts) {
            (Shell::Xdma, true) => "XDMA descriptors, completion by MSI-X interrupt",
            (Shell::Xdma, false) => "XDMA descriptors, completion by polling",
            (Shell::F1, _) => "F1 BAR window",
            (Shell::F2, _) => "F2 BAR4 (PCIS) window, write-combined stores, no shell DMA",
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
        self.t.function_reset()
    }
    fn data_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError> {
        match self.shell {
            Shell::Xdma => self.xdma_loopback(beats),
            Shell::F1 | Shell::F2 => self.f1_loopback(beats),
        }
    }
    fn data_write(&mut self, beats: &[Beat]) -> Result<(), DriverError> {
        match self.shell {
            Shell::Xdma => self.xdma_transfer(beats, 0).map(|_| ()),
            Shell::F1 | Shell::F2 => beats
                .chunks(Self::F1_WINDOW_BEATS)
                .try_for_each(|c| self.f1_write(c)),
        }
    }
    fn data_read(&mut self, n: usize) -> Result<Vec<Beat>, DriverError> {
        match self.shell {
            Shell::Xdma => self.xdma_transfer(&[], n),
            Shell::F1 | Shell::F2 => {
                let mut out = Vec::with_capacity(n);
                while out.len() < n {
                    let k = (n - out.len()).min(Self::F1_WINDOW_BEATS);
                    out.extend(self.f1_read(k)?);
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod mock_tests {
    use super::*;
    use crate::dma::IovaAllocator;
    use std::collections::HashMap;

    /// A device in memory: BAR sizes as given, register BAR answering the identity of a
    /// known card, an F1 data window that echoes, an XDMA engine that never finishes.
    struct Mock {
        bars: [u64; 6],
        regs: HashMap<u64, u32>,
        window: Vec<u8>,
        iovas: IovaAllocator,
        resets: u32,
    }

    impl Mock {
        fn new(bars: [u64; 6]) -> Self {
            let h = crate::expected_design_hash();
            let regs = HashMap::from([
                (regmap::MAGIC.offset as u64, regmap::MAGIC_VALUE),
                (regmap::VERSION.offset as u64, regmap::VERSION_VALUE),
                (regmap::DESIGN_HASH_LO.offset as u64, h as u32),
                (regmap::DESIGN_HASH_HI.offset as u64, (h >> 32) as u32),
            ]);
            Mock {
                bars,
                regs,
                window: vec![],
                iovas: IovaAllocator::default(),
                resets: 0,
            }
        }
    }

    impl Transport for Mock {
        fn name(&self) -> String {
            "mock".into()
        }
        fn bar_size(&self, bar: u32) -> u64 {
            self.bars[bar as usize]
        }
        fn bar_read(
            &mut self,
            bar: u32,
            offset: u64,
            data: &mut [u8],
            _: &str,
        ) -> Result<(), DriverError> {
            match bar {
                0 => data
                    .copy_from_slice(&self.regs.get(&offset).copied().unwrap_or(0).to_le_bytes()),
                4 => data.copy_from_slice(&self.window[..data.len()]),
                // XDMA engine: always busy.
                1 => data.copy_from_slice(&xdma::STATUS_BUSY.to_le_bytes()),
                _ => data.fill(0xFF),
            }
            Ok(())
        }
        fn bar_write(
            &mut self,
            bar: u32,
            offset: u64,
            data: &[u8],
            _: &str,
        ) -> Result<(), DriverError> {
            match bar {
                0 => {
                    self.regs
                        .insert(offset, u32::from_le_bytes(data.try_into().unwrap()));
                }
                4 => self.window = data.to_vec(),
                _ => {}
            }
            Ok(())
        }
        fn dma_alloc(&mut self, len: usize) -> Result<DmaBuffer, DriverError> {
            DmaBuffer::new(len, self.iovas.alloc(len))
        }
        fn msix_vectors(&self) -> u32 {
            0
        }
        fn enable_msix(&mut self, _: &Eventfds) -> Result<(), DriverError> {
            Ok(())
        }
        fn function_reset(&mut self) -> Result<(), DriverError> {
            self.resets += 1;
            Ok(())
        }
        fn deadline(&self) -> Duration {
            Duration::from_millis(200)
        }
    }

    #[test]
    fn tells_shells_apart_and_refuses_unknown_layouts() {
        let f1 = ShellCard::new(Mock::new([4096, 0, 0, 0, f1::DATA_WINDOW_BYTES, 0])).unwrap();
        assert_eq!(f1.shell(), Shell::F1);
        let x = ShellCard::new(Mock::new([4096, xdma::DMA_BAR_BYTES, 0, 0, 0, 0])).unwrap();
        assert_eq!(x.shell(), Shell::Xdma);
        // F2: no BAR1, MSI-X in BAR2, the data window in BAR4.
        let f2 = Mock::new([4096, 0, f2::MSIX_BAR_BYTES, 0, f1::DATA_WINDOW_BYTES, 0]);
        let mut f2 = ShellCard::new(f2).unwrap();
        assert_eq!(f2.shell(), Shell::F2);
        assert!(f2.completion().contains("no shell DMA"));
        let beats: Vec<Beat> = (0..4u64).map(|i| [i; 8]).collect();
        assert_eq!(f2.data_loopback(&beats).unwrap(), beats);
        let e = ShellCard::new(Mock::new([16, 0, 0, 0, f1::DATA_WINDOW_BYTES, 0]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("register window"), "{e}");
        let e = ShellCard::new(Mock::new([4096, 0, 0, 0, 0, 0]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("neither an XDMA engine"), "{e}");
    }

    #[test]
    fn opening_resets_the_function_and_identifies() {
        let mut c = ShellCard::new(Mock::new([4096, 0, 0, 0, f1::DATA_WINDOW_BYTES, 0])).unwrap();
        assert_eq!(c.transport().resets, 1);
        crate::identify(&mut c).unwrap();
        let beats: Vec<Beat> = (0..4u64).map(|i| [i; 8]).collect();
        assert_eq!(c.data_loopback(&beats).unwrap(), beats);
    }

    #[test]
    fn a_dma_engine_that_never_finishes_gives_a_deadline_error() {
        let mut c = ShellCard::new(Mock::new([4096, xdma::DMA_BAR_BYTES, 0, 0, 0, 0])).unwrap();
        let t = Instant::now();
        let e = c.data_loopback(&[[1u64; 8]]).unwrap_err();
        assert!(matches!(e, DriverError::Deadline { .. }), "{e}");
        assert!(e.to_string().contains("H2C"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5));
        // Recovery stops the engines and identifies the card again.
        crate::recover(&mut c).unwrap();
    }
}
