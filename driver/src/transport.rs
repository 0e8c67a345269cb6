//! The transport: what carries BAR accesses, DMA mappings, interrupts and resets to a
//! device. Kernel VFIO ([`crate::vfio::VfioTransport`]) and vfio-user
//! ([`crate::vfio_user::VfioUserTransport`]) implement it; the board shells
//! ([`crate::shell::ShellCard`]) are written once above it, so the simulator served
//! over vfio-user runs the same shell code as a board.

use crate::dma::DmaBuffer;
use crate::DriverError;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};
use vmm_sys_util::eventfd::{EventFd, EFD_NONBLOCK};

pub trait Transport: Send {
    /// The device, as the operator names it (`vfio:0000:17:00.0`, `vfio-user:/x.sock`).
    fn name(&self) -> String;
    /// Size of a BAR in bytes; 0 when the device has no such BAR.
    fn bar_size(&self, bar: u32) -> u64;
    fn bar_read(
        &mut self,
        bar: u32,
        offset: u64,
        data: &mut [u8],
        what: &str,
    ) -> Result<(), DriverError>;
    fn bar_write(
        &mut self,
        bar: u32,
        offset: u64,
        data: &[u8],
        what: &str,
    ) -> Result<(), DriverError>;
    /// Allocates a DMA buffer and maps it for the device at a fresh IOVA.
    fn dma_alloc(&mut self, len: usize) -> Result<DmaBuffer, DriverError>;
    /// MSI-X vectors the device offers.
    fn msix_vectors(&self) -> u32;
    /// Routes MSI-X vectors `0..fds.len()` to these eventfds.
    fn enable_msix(&mut self, fds: &Eventfds) -> Result<(), DriverError>;
    /// Function-level reset.
    fn function_reset(&mut self) -> Result<(), DriverError>;
    /// How long one operation may take before the device is declared hung.
    fn deadline(&self) -> Duration;
}

/// Eventfds that receive MSI-X vectors.
pub struct Eventfds(Vec<EventFd>);

impl Eventfds {
    pub fn new(n: usize) -> Result<Self, DriverError> {
        (0..n)
            .map(|_| EventFd::new(EFD_NONBLOCK).map_err(|source| DriverError::Eventfd { source }))
            .collect::<Result<Vec<_>, _>>()
            .map(Eventfds)
    }
    pub fn raw(&self) -> Vec<RawFd> {
        self.0.iter().map(|e| e.as_raw_fd()).collect()
    }
    pub fn events(&self) -> Vec<&EventFd> {
        self.0.iter().collect()
    }
    /// Forgets interrupts that already fired.
    pub fn clear(&self) {
        for e in &self.0 {
            let _ = e.read();
        }
    }
    /// Waits for `vector` until `deadline`; false when it did not fire in time.
    pub fn wait(&self, vector: usize, deadline: Instant) -> bool {
        let fd = self.0[vector].as_raw_fd();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let n = unsafe {
                libc::poll(
                    &mut p,
                    1,
                    left.as_millis().clamp(1, i32::MAX as u128) as i32,
                )
            };
            if n > 0 && self.0[vector].read().is_ok() {
                return true;
            }
        }
    }
}
