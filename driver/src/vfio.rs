//! The kernel VFIO transport (vfio-ioctls, type1 IOMMU container): maps the card's
//! register BAR and enables memory decoding and bus mastering.
//!
//! What is here: the preflight checks with operator-facing errors (see
//! [`crate::pci::Host::check_vfio_usable`]), opening the device, the register BAR
//! mmap and 32-bit register access with bounds checks. Not yet: DMA buffers and IOVA
//! management, MSI-X, function-level reset (issue 3). This path has not run against a
//! board: no machine of this project has one.

use crate::device_spec::Bdf;
use crate::pci::{memlock_limit, Host};
use crate::{DriverError, RegisterBus};
use std::sync::Arc;
use vfio_ioctls::{VfioContainer, VfioDevice, VfioOps};
use zkaccel_hdl::spec::regmap;

/// VFIO's region index of PCI config space.
const CONFIG_REGION: u32 = 7;
/// PCI command register offset and its memory-space / bus-master bits.
const PCI_COMMAND: u64 = 0x04;
const PCI_COMMAND_MEMORY: u16 = 1 << 1;
const PCI_COMMAND_MASTER: u16 = 1 << 2;
/// `VFIO_REGION_INFO_FLAG_MMAP`.
const REGION_FLAG_MMAP: u32 = 1 << 2;

/// Minimum locked-memory limit zkaccel asks for (DMA buffers are pinned).
pub const MIN_MEMLOCK_BYTES: u64 = 64 << 20;

/// An mmapped BAR.
struct MappedBar {
    ptr: *mut u8,
    len: usize,
}

impl Drop for MappedBar {
    fn drop(&mut self) {
        // SAFETY: ptr/len come from a successful mmap.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// A board opened through kernel VFIO.
pub struct VfioCard {
    bdf: Bdf,
    _container: Arc<VfioContainer>,
    device: VfioDevice,
    regs: MappedBar,
}

// The BAR mapping is device memory accessed with volatile operations only.
unsafe impl Send for VfioCard {}

impl VfioCard {
    /// Opens `bdf`, with the register window in BAR `reg_bar` (0 on AWS F1 and F2).
    pub fn open(bdf: Bdf, reg_bar: u32) -> Result<Self, DriverError> {
        let host = Host::default();
        host.check_vfio_usable(&bdf)?;
        if let Some(limit) = memlock_limit() {
            if limit < MIN_MEMLOCK_BYTES {
                return Err(DriverError::MemlockTooLow { have: limit, need: MIN_MEMLOCK_BYTES });
            }
        }
        let vfio = |what: &str, e: &dyn std::fmt::Display| DriverError::Vfio { bdf: bdf.to_string(), what: what.to_string(), reason: e.to_string() };
        let container = Arc::new(VfioContainer::new(None).map_err(|e| vfio("opening the VFIO container", &e))?);
        let ops: Arc<dyn VfioOps> = container.clone();
        let device = VfioDevice::new(&host.device_dir(&bdf), ops, false).map_err(|e| vfio("opening the device", &e))?;

        // Memory decoding and bus mastering on.
        let mut cmd = [0u8; 2];
        device.region_read(CONFIG_REGION, &mut cmd, PCI_COMMAND);
        let value = u16::from_le_bytes(cmd) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
        device.region_write(CONFIG_REGION, &value.to_le_bytes(), PCI_COMMAND);

        let flags = device.get_region_flags(reg_bar);
        let size = device.get_region_size(reg_bar) as usize;
        let offset = device.get_region_offset(reg_bar);
        if size < regmap::WINDOW_BYTES as usize {
            return Err(vfio("mapping the register BAR", &format!("BAR{reg_bar} has {size} bytes, the register window needs {}", regmap::WINDOW_BYTES)));
        }
        if flags & REGION_FLAG_MMAP == 0 {
            return Err(vfio("mapping the register BAR", &format!("BAR{reg_bar} cannot be mmapped")));
        }
        use std::os::fd::AsRawFd;
        // SAFETY: mapping a VFIO region of the given size at its offset on the device fd.
        let ptr = unsafe {
            libc::mmap(std::ptr::null_mut(), size, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, device.as_raw_fd(), offset as libc::off_t)
        };
        if ptr == libc::MAP_FAILED {
            return Err(vfio("mapping the register BAR", &std::io::Error::last_os_error()));
        }
        Ok(VfioCard { bdf, _container: container, device, regs: MappedBar { ptr: ptr as *mut u8, len: size } })
    }

    fn reg_ptr(&self, reg: &regmap::Register) -> Result<*mut u32, DriverError> {
        let off = reg.offset as usize;
        if off % 4 != 0 || off + 4 > self.regs.len {
            return Err(DriverError::BusError { name: reg.name, offset: reg.offset, resp: 0b11 });
        }
        // SAFETY: in bounds and aligned, checked above.
        Ok(unsafe { self.regs.ptr.add(off) as *mut u32 })
    }

    /// Function-level reset through VFIO.
    pub fn reset(&self) {
        self.device.reset();
    }
}

impl crate::Device for VfioCard {
    fn data_loopback(&mut self, _beats: &[crate::Beat]) -> Result<Vec<crate::Beat>, DriverError> {
        Err(DriverError::Unsupported { device: self.device(), what: "DMA through VFIO".into() })
    }
    fn function_reset(&mut self) -> Result<(), DriverError> {
        self.reset();
        Ok(())
    }
}

impl RegisterBus for VfioCard {
    fn device(&self) -> String {
        format!("vfio:{}", self.bdf)
    }
    fn read32(&mut self, reg: &'static regmap::Register) -> Result<u32, DriverError> {
        let p = self.reg_ptr(reg)?;
        // SAFETY: p points into the mapped BAR.
        Ok(u32::from_le(unsafe { std::ptr::read_volatile(p) }))
    }
    fn write32(&mut self, reg: &'static regmap::Register, value: u32) -> Result<(), DriverError> {
        let p = self.reg_ptr(reg)?;
        // SAFETY: p points into the mapped BAR.
        unsafe { std::ptr::write_volatile(p, value.to_le()) };
        Ok(())
    }
}
