//! DMA buffers: page-aligned, fd-backed (memfd) host memory at IOVAs the driver
//! manages. The fd lets a vfio-user server map the same pages (vfio-user servers do not
//! take DMA_READ/DMA_WRITE messages); kernel VFIO maps the same memory by address.

use crate::DriverError;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub const PAGE: u64 = 4096;

/// One DMA buffer.
pub struct DmaBuffer {
    fd: OwnedFd,
    ptr: *mut u8,
    len: usize,
    iova: u64,
}

unsafe impl Send for DmaBuffer {}

impl DmaBuffer {
    /// Allocates `len` bytes (rounded up to pages), zeroed, for the device to see at `iova`.
    pub fn new(len: usize, iova: u64) -> Result<Self, DriverError> {
        let len = (len.max(1) as u64).div_ceil(PAGE) * PAGE;
        let fail = |what: &str| DriverError::Dma {
            what: what.to_string(),
            source: std::io::Error::last_os_error(),
        };
        let name = CString::new("zkaccel-dma").expect("no NUL");
        // SAFETY: plain syscalls; results checked.
        let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(fail("memfd_create"));
        }
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(fail("sizing the DMA buffer"));
        }
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(fail("mapping the DMA buffer"));
        }
        Ok(DmaBuffer {
            fd,
            ptr: ptr as *mut u8,
            len: len as usize,
            iova,
        })
    }
    pub fn iova(&self) -> u64 {
        self.iova
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Host address of the buffer, for mapping it through the kernel's IOMMU.
    pub fn host_ptr(&self) -> *mut u8 {
        self.ptr
    }
    pub fn fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }
    /// The buffer's bytes. The device may write them while a transfer runs: read them
    /// only after the transfer completed.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: ptr/len from mmap, valid for the buffer's life.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above; &mut self gives exclusive host access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for DmaBuffer {
    fn drop(&mut self) {
        // SAFETY: from a successful mmap.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// Hands out IOVA ranges: page-aligned, never reused within a session, with a guard
/// page between buffers so an overrun faults instead of touching the neighbour.
#[derive(Debug)]
pub struct IovaAllocator {
    next: u64,
}

impl Default for IovaAllocator {
    fn default() -> Self {
        IovaAllocator { next: 1 << 32 }
    }
}

impl IovaAllocator {
    pub fn alloc(&mut self, len: usize) -> u64 {
        let iova = self.next;
        self.next += (len as u64).div_ceil(PAGE) * PAGE + PAGE;
        iova
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_page_sized_zeroed_and_writable() {
        let mut a = IovaAllocator::default();
        let i1 = a.alloc(100);
        let i2 = a.alloc(PAGE as usize);
        assert_eq!(i1 % PAGE, 0);
        assert!(i2 >= i1 + 2 * PAGE, "guard page between buffers");
        let mut b = DmaBuffer::new(100, i1).unwrap();
        assert_eq!(b.len(), PAGE as usize);
        assert!(b.bytes().iter().all(|x| *x == 0));
        b.bytes_mut()[99] = 7;
        assert_eq!(b.bytes()[99], 7);
    }
}
