//! The kernel VFIO transport (vfio-ioctls, type1 IOMMU container): BARs mmapped from
//! the device, memory decoding and bus mastering enabled, DMA buffers mapped through
//! the IOMMU at IOVAs the driver manages, MSI-X through eventfds, function-level reset.
//!
//! The preflight checks ([`crate::pci::Host::check_vfio_usable`], memlock) turn every
//! setup problem into an error that says what to do. This path has not run against a
//! board: no machine of this project has one. The shells above it are the same code
//! the simulator runs in CI.

use crate::device_spec::Bdf;
use crate::dma::{DmaBuffer, IovaAllocator};
use crate::pci::{memlock_limit, Host};
use crate::transport::{Eventfds, Transport};
use crate::DriverError;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;
use vfio_ioctls::{VfioContainer, VfioDevice, VfioOps};

/// VFIO's region index of PCI config space.
const CONFIG_REGION: u32 = 7;
/// VFIO's IRQ index of MSI-X.
const MSIX_INDEX: u32 = 2;
/// PCI command register offset and its memory-space / bus-master bits.
const PCI_COMMAND: u64 = 0x04;
const PCI_COMMAND_MEMORY: u16 = 1 << 1;
const PCI_COMMAND_MASTER: u16 = 1 << 2;
/// `VFIO_REGION_INFO_FLAG_MMAP`.
const REGION_FLAG_MMAP: u32 = 1 << 2;
/// At most this much of a BAR is mapped (F1's PCIS BAR is 128 GiB; zkaccel uses a
/// small window of it).
const MAX_BAR_MAP: u64 = 16 << 20;

/// Minimum locked-memory limit zkaccel asks for (DMA buffers are pinned).
pub const MIN_MEMLOCK_BYTES: u64 = 64 << 20;

/// How long a board operation may take (MMIO itself cannot hang: the shells time out
/// accesses, e.g. 8 µs on AWS F1; this bounds DMA completion waits).
pub const DEADLINE: Duration = Duration::from_secs(5);

/// An mmapped BAR.
struct MappedBar {
    ptr: *mut u8,
    len: usize,
    size: u64,
}

impl Drop for MappedBar {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: ptr/len come from a successful mmap.
            unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
        }
    }
}

/// A board opened through kernel VFIO.
pub struct VfioTransport {
    bdf: Bdf,
    container: Arc<VfioContainer>,
    device: VfioDevice,
    bars: Vec<MappedBar>,
    iovas: IovaAllocator,
}

// BAR mappings are device memory, accessed with volatile operations only.
unsafe impl Send for VfioTransport {}

impl VfioTransport {
    pub fn open(bdf: Bdf) -> Result<Self, DriverError> {
        let host = Host::default();
        host.check_vfio_usable(&bdf)?;
        if let Some(limit) = memlock_limit() {
            if limit < MIN_MEMLOCK_BYTES {
                return Err(DriverError::MemlockTooLow {
                    have: limit,
                    need: MIN_MEMLOCK_BYTES,
                });
            }
        }
        let vfio = |what: &str, e: crate::Cause| DriverError::Vfio {
            bdf: bdf.to_string(),
            what: what.to_string(),
            source: e,
        };
        let container = Arc::new(
            VfioContainer::new(None).map_err(|e| vfio("opening the VFIO container", e.into()))?,
        );
        let ops: Arc<dyn VfioOps> = container.clone();
        let device = VfioDevice::new(&host.device_dir(&bdf), ops, false)
            .map_err(|e| vfio("opening the device", e.into()))?;

        // Memory decoding and bus mastering on.
        let mut cmd = [0u8; 2];
        device.region_read(CONFIG_REGION, &mut cmd, PCI_COMMAND);
        let value = u16::from_le_bytes(cmd) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
        device.region_write(CONFIG_REGION, &value.to_le_bytes(), PCI_COMMAND);

        let mut bars = vec![];
        for index in 0..6u32 {
            let size = device.get_region_size(index);
            let flags = device.get_region_flags(index);
            let len = size.min(MAX_BAR_MAP) as usize;
            if size == 0 || flags & REGION_FLAG_MMAP == 0 {
                bars.push(MappedBar {
                    ptr: std::ptr::null_mut(),
                    len: 0,
                    size: 0,
                });
                continue;
            }
            let offset = device.get_region_offset(index);
            // SAFETY: mapping a VFIO region (or its start) at its offset on the device fd.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    device.as_raw_fd(),
                    offset as libc::off_t,
                )
            };
            if ptr == libc::MAP_FAILED {
                return Err(vfio(
                    &format!("mapping BAR{index}"),
                    std::io::Error::last_os_error().into(),
                ));
            }
            bars.push(MappedBar {
                ptr: ptr as *mut u8,
                len,
                size,
            });
        }
        Ok(VfioTransport {
            bdf,
            container,
            device,
            bars,
            iovas: IovaAllocator::default(),
        })
    }

    fn window(&self, bar: u32, offset: u64, len: usize) -> Result<*mut u8, DriverError> {
        let b = self
            .bars
            .get(bar as usize)
            .filter(|b| b.len > 0)
            .ok_or_else(|| DriverError::Vfio {
                bdf: self.bdf.to_string(),
                what: format!("accessing BAR{bar}"),
                source: "the BAR is absent or cannot be mmapped".into(),
            })?;
        if offset % 4 != 0 || len % 4 != 0 || offset as usize + len > b.len {
            return Err(DriverError::Vfio {
                bdf: self.bdf.to_string(),
                what: format!("accessing BAR{bar} at {offset:#x}+{len}"),
                source: format!("outside the mapped {} bytes or not 4-byte aligned", b.len).into(),
            });
        }
        // SAFETY: in bounds, checked above.
        Ok(unsafe { b.ptr.add(offset as usize) })
    }
}

impl Transport for VfioTransport {
    fn name(&self) -> String {
        format!("vfio:{}", self.bdf)
    }
    fn bar_size(&self, bar: u32) -> u64 {
        self.bars.get(bar as usize).map(|b| b.size).unwrap_or(0)
    }
    fn bar_read(
        &mut self,
        bar: u32,
        offset: u64,
        data: &mut [u8],
        _what: &str,
    ) -> Result<(), DriverError> {
        let p = self.window(bar, offset, data.len())? as *const u32;
        for (i, chunk) in data.chunks_mut(4).enumerate() {
            // SAFETY: inside the mapped window, aligned.
            let v = unsafe { std::ptr::read_volatile(p.add(i)) };
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        Ok(())
    }
    fn bar_write(
        &mut self,
        bar: u32,
        offset: u64,
        data: &[u8],
        _what: &str,
    ) -> Result<(), DriverError> {
        let p = self.window(bar, offset, data.len())? as *mut u32;
        for (i, chunk) in data.chunks(4).enumerate() {
            let v = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
            // SAFETY: inside the mapped window, aligned.
            unsafe { std::ptr::write_volatile(p.add(i), v) };
        }
        Ok(())
    }
    fn dma_alloc(&mut self, len: usize) -> Result<DmaBuffer, DriverError> {
        let iova = self.iovas.alloc(len);
        let buf = DmaBuffer::new(len, iova)?;
        // SAFETY: the buffer stays mapped in this process for as long as the caller
        // holds it; the device may access it concurrently, which is what it is for.
        unsafe { self.container.vfio_dma_map(iova, buf.len(), buf.host_ptr()) }.map_err(|e| {
            DriverError::Vfio {
                bdf: self.bdf.to_string(),
                what: format!(
                    "mapping {} bytes for DMA at IOVA {iova:#x} (is the locked-memory limit high enough?)",
                    buf.len()
                ),
                source: e.into(),
            }
        })?;
        Ok(buf)
    }
    fn msix_vectors(&self) -> u32 {
        self.device
            .get_irq_info(MSIX_INDEX)
            .map(|i| i.count)
            .unwrap_or(0)
    }
    fn enable_msix(&mut self, fds: &Eventfds) -> Result<(), DriverError> {
        self.device
            .enable_msix(fds.events())
            .map_err(|e| DriverError::Vfio {
                bdf: self.bdf.to_string(),
                what: "enabling MSI-X".into(),
                source: e.into(),
            })
    }
    fn function_reset(&mut self) -> Result<(), DriverError> {
        self.device.reset();
        Ok(())
    }
    fn deadline(&self) -> Duration {
        DEADLINE
    }
}
