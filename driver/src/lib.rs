//! The zkaccel userspace driver.
//!
//! * [`RegisterBus`]: 32-bit register access, whatever carries it; card
//!   identification against the register map ([`identify`]).
//! * [`Device`]: a card with its data path, opened from a [`DeviceSpec`] by [`open`].
//! * [`transport::Transport`]: BAR access, DMA buffers, MSI-X, reset. Implemented by
//!   kernel VFIO ([`vfio::VfioTransport`], untested on hardware: no machine here has a
//!   board) and vfio-user ([`vfio_user::VfioUserTransport`]).
//! * [`shell::ShellCard`]: the board shells (F1-style BAR window, XDMA-style descriptor
//!   DMA with MSI-X or polled completion), written once over any transport.
//! * The in-process simulator ([`sim::SimCard`]) for fast tests.
//! * [`pci`]: discovery through sysfs and the checks that make VFIO usable.
//! * [`selftest`]: known-answer tests on a card.

pub mod device_spec;
pub mod dma;
pub mod pci;
pub mod selftest;
pub mod shell;
#[cfg(feature = "sim")]
pub mod sim;
pub mod transport;
pub mod vfio;
pub mod vfio_user;

pub use device_spec::{Bdf, DeviceSpec, DeviceSpecError};
use std::path::PathBuf;

use zkaccel_spec::regmap;

/// The underlying error a driver error was caused by (kept as its `source()`; the
/// messages do not repeat it, so a chain prints each cause once).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error and its causes on one line (`outer: cause: cause`), for reports that hold
/// a message rather than the error.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("register access to {name} (offset {offset:#x}) was refused by the card (AXI response {resp:#04b})")]
    BusError {
        name: &'static str,
        offset: u32,
        resp: u8,
    },
    #[error("the device at {device} is not a zkaccel card: MAGIC reads {found:#010x}, expected {expected:#010x}")]
    NotACard {
        device: String,
        found: u32,
        expected: u32,
    },
    #[error("the card at {device} speaks register-map version {found_major}.{found_minor}; this build speaks {want_major}.x")]
    VersionMismatch {
        device: String,
        found_major: u16,
        found_minor: u16,
        want_major: u16,
    },
    #[error("the card at {device} runs design {found:016x}, which this build of zkaccel does not know (it was built for {expected:016x}); load the matching bitstream or use the zkaccel build that generated it")]
    UnknownDesign {
        device: String,
        found: u64,
        expected: u64,
    },
    #[error("device {device} did not answer: {reason}")]
    Unresponsive { device: String, reason: String },
    #[error("device {device}: {what} failed")]
    Transport {
        device: String,
        what: String,
        #[source]
        source: Cause,
    },
    #[error("no PCI device at {bdf} ({} does not exist); `zkaccel devices` lists the boards on this machine", sysfs.display())]
    DeviceNotFound { bdf: String, sysfs: PathBuf },
    #[error("{bdf} is bound to {}, not vfio-pci. Bind it (as root): echo {bdf} > /sys/bus/pci/devices/{bdf}/driver/unbind; echo vfio-pci > /sys/bus/pci/devices/{bdf}/driver_override; echo {bdf} > /sys/bus/pci/drivers_probe  (see docs/bring-up.md)", driver.as_deref().map(|d| format!("driver {d}")).unwrap_or_else(|| "no driver".into()))]
    NotBoundToVfio { bdf: String, driver: Option<String> },
    #[error("{bdf} has no IOMMU group: this machine exposes no IOMMU (enable VT-d/AMD-Vi and boot with intel_iommu=on or amd_iommu=on). VFIO's no-IOMMU mode (modprobe vfio enable_unsafe_noiommu_mode=1) would let the device DMA anywhere in memory and taints the kernel; zkaccel does not support it yet")]
    NoIommu { bdf: String },
    #[error("IOMMU group {group} of {bdf} is not viable: every device in it must be bound to vfio-pci (or to no driver), but {}", fmt_blocking(blocking))]
    GroupNotViable {
        bdf: String,
        group: u32,
        blocking: Vec<(String, String)>,
    },
    #[error("no permission to open {}: run as root, or give your user the VFIO group device (chown $USER {})", path.display(), path.display())]
    NoPermission { path: PathBuf },
    #[error("cannot use {}: {reason}", path.display())]
    VfioUnavailable {
        path: PathBuf,
        reason: String,
        #[source]
        source: Option<std::io::Error>,
    },
    #[error("the locked-memory limit is {have} bytes but DMA buffers need at least {need}: raise it with `ulimit -l unlimited` (or memlock in /etc/security/limits.conf)")]
    MemlockTooLow { have: u64, need: u64 },
    #[error("VFIO failed on {bdf} while {what}")]
    Vfio {
        bdf: String,
        what: String,
        #[source]
        source: Cause,
    },
    #[error(transparent)]
    Spec(#[from] DeviceSpecError),
    #[error("no PCI function has ID {vendor:04x}:{device:04x} on this machine (`zkaccel devices` lists the boards)")]
    NoSuchId { vendor: u16, device: u16 },
    #[error("{} functions have ID {vendor:04x}:{device:04x} ({}); name one by address, e.g. vfio:{}", matches.len(), matches.join(", "), matches[0])]
    AmbiguousId {
        vendor: u16,
        device: u16,
        matches: Vec<String>,
    },
    #[error("{device}: {what} is not supported yet")]
    Unsupported { device: String, what: String },
    #[error("{device}: {what} is not in this build: it was built without the `{feature}` feature (build zkaccel with its default features for it)")]
    NotInThisBuild {
        device: String,
        what: &'static str,
        feature: &'static str,
    },
    #[error("{device}: the {channel} DMA channel stopped with an error (status {status:#010x}: {}); a descriptor or buffer address outside every mapped DMA buffer, a bad descriptor, or a bad length", crate::shell::xdma_status_text(*status))]
    DmaFault {
        device: String,
        channel: &'static str,
        status: u32,
    },
    #[error("DMA buffer: {what}")]
    Dma {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create an eventfd for MSI-X interrupts")]
    Eventfd {
        #[source]
        source: std::io::Error,
    },
    #[error("{device}: {register} = {value:#x} still {} bit(s) {mask:#x} after {waited:?}; the engine is hung or the job is larger than the deadline allows", if *until_set { "lacks" } else { "has" })]
    StatusTimeout {
        device: String,
        register: &'static str,
        mask: u32,
        /// Waiting for the bits to be set (true) or cleared (false).
        until_set: bool,
        value: u32,
        waited: std::time::Duration,
    },
    #[error("{device} missed its deadline of {after:?} while {what}; the device is hung or the connection is stuck (reset or restart it)")]
    Deadline {
        device: String,
        what: String,
        after: std::time::Duration,
    },
}

fn fmt_blocking(b: &[(String, String)]) -> String {
    b.iter()
        .map(|(d, drv)| format!("{d} is bound to {drv}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A 512-bit data-port beat as 64-bit little-endian limbs.
pub type Beat = [u64; zkaccel_spec::bus::DATA_PORT_BITS / 64];

/// A beat from its 64 bytes as they sit in host memory or a BAR (little-endian).
pub fn beat_from_bytes(bytes: &[u8]) -> Beat {
    let mut beat = [0u64; 8];
    for (w, b) in beat.iter_mut().zip(bytes.chunks_exact(8)) {
        *w = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    beat
}

/// Beats as the bytes that carry them (64 per beat, little-endian).
pub fn beats_to_bytes<'a>(beats: impl IntoIterator<Item = &'a Beat>) -> Vec<u8> {
    beats
        .into_iter()
        .flat_map(|b| b.iter().flat_map(|w| w.to_le_bytes()))
        .collect()
}

/// A card: registers plus the bulk data path.
pub trait Device: RegisterBus {
    /// Sends `beats` through the card's data port and returns what comes back (the
    /// loopback of this card build).
    fn data_loopback(&mut self, beats: &[Beat]) -> Result<Vec<Beat>, DriverError>;
    /// Pushes `beats` into the card's data port (bases, digits: whatever MSM_MODE
    /// routes them to). Output the card produces meanwhile is kept for `data_read`.
    fn data_write(&mut self, beats: &[Beat]) -> Result<(), DriverError>;
    /// Reads `n` beats the card produces on its data port (bucket readout). Fails with
    /// a clear error if the card produces fewer.
    fn data_read(&mut self, n: usize) -> Result<Vec<Beat>, DriverError>;
    /// How data moves and how completion is signalled.
    fn completion(&self) -> &'static str {
        "in-process"
    }
    /// Stops the shell's DMA engines, if it has any.
    fn stop_engines(&mut self) -> Result<(), DriverError> {
        Ok(())
    }
    /// Function-level reset of the whole device.
    fn function_reset(&mut self) -> Result<(), DriverError>;
}

/// Brings a card back to a known state after a fault or a killed job: stops the DMA
/// engines, soft-resets the card (CONTROL.SOFT_RESET) and identifies it; if it still
/// does not answer as a zkaccel card, resets the function and identifies it again.
pub fn recover(dev: &mut dyn Device) -> Result<CardIdentity, DriverError> {
    let soft = dev
        .stop_engines()
        .and_then(|_| dev.write32(&regmap::CONTROL, regmap::control::SOFT_RESET))
        .and_then(|_| identify(dev));
    match soft {
        Ok(id) => Ok(id),
        Err(DriverError::Deadline { .. }) | Err(DriverError::Unresponsive { .. }) => soft,
        Err(_) => {
            dev.function_reset()?;
            identify(dev)
        }
    }
}

/// Polls `status` until the bits in `mask` are set (`until_set`) or clear, for at most
/// `deadline`; returns the last value read. The one place that waits for an engine.
pub fn wait_status(
    dev: &mut dyn Device,
    status: &'static regmap::Register,
    mask: u32,
    until_set: bool,
    deadline: std::time::Duration,
) -> Result<u32, DriverError> {
    let t = std::time::Instant::now();
    loop {
        let value = dev.read32(status)?;
        // All-ones is what a read of a device that left the bus returns: if MAGIC
        // reads wrong too, say so now instead of waiting out the deadline.
        if value == u32::MAX && dev.read32(&regmap::MAGIC)? != regmap::MAGIC_VALUE {
            return Err(DriverError::Unresponsive {
                device: dev.device(),
                reason: format!(
                    "{} and MAGIC read all-ones: the card is off the bus",
                    status.name
                ),
            });
        }
        if (value & mask != 0) == until_set {
            return Ok(value);
        }
        if t.elapsed() > deadline {
            return Err(DriverError::StatusTimeout {
                device: dev.device(),
                register: status.name,
                mask,
                until_set,
                value,
                waited: t.elapsed(),
            });
        }
    }
}

/// Makes an engine usable before a job: if its status register lacks the `idle` bit (a
/// client killed mid-job left it busy), soft-resets the card and waits up to `wait`
/// for the bit.
pub fn idle_engine(
    dev: &mut dyn Device,
    status: &'static regmap::Register,
    idle: u32,
    wait: std::time::Duration,
) -> Result<(), DriverError> {
    if dev.read32(status)? & idle != 0 {
        return Ok(());
    }
    dev.write32(&regmap::CONTROL, regmap::control::SOFT_RESET)?;
    wait_status(dev, status, idle, true, wait).map(|_| ())
}

/// Opens the device a spec names, with the default deadline per request.
pub fn open(spec: &DeviceSpec) -> Result<Box<dyn Device>, DriverError> {
    open_with_deadline(spec, vfio_user::DEFAULT_DEADLINE)
}

/// Opens the device a spec names; a request that takes longer than `deadline` fails
/// with [`DriverError::Deadline`] (transports that can hang: vfio-user).
pub fn open_with_deadline(
    spec: &DeviceSpec,
    deadline: std::time::Duration,
) -> Result<Box<dyn Device>, DriverError> {
    match spec {
        #[cfg(feature = "sim")]
        DeviceSpec::Sim => Ok(Box::new(sim::SimCard::new()?)),
        #[cfg(not(feature = "sim"))]
        DeviceSpec::Sim => Err(DriverError::NotInThisBuild {
            device: "sim".into(),
            what: "the simulator",
            feature: "sim",
        }),
        DeviceSpec::Vfio(bdf) => Ok(Box::new(shell::ShellCard::new(vfio::VfioTransport::open(
            *bdf,
        )?)?)),
        DeviceSpec::VfioId { vendor, device } => {
            let bdf = pci::Host::default().find_by_id(*vendor, *device)?;
            Ok(Box::new(shell::ShellCard::new(vfio::VfioTransport::open(
                bdf,
            )?)?))
        }
        DeviceSpec::VfioUser(path) => Ok(Box::new(vfio_user::VfioUserCard::open(path, deadline)?)),
    }
}

/// 32-bit register access to one card, whatever carries it.
pub trait RegisterBus {
    /// A human-readable name of the device (for messages).
    fn device(&self) -> String;
    fn read32(&mut self, reg: &'static regmap::Register) -> Result<u32, DriverError>;
    fn write32(&mut self, reg: &'static regmap::Register, value: u32) -> Result<(), DriverError>;
}

/// What a card says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardIdentity {
    pub version: u32,
    pub design_hash: u64,
    pub capabilities: u32,
}

/// The design hash of the card this revision generates (a build-time constant of the
/// spec, pinned to the generated Verilog by the generator's tests).
pub fn expected_design_hash() -> u64 {
    zkaccel_spec::design::CARD_DESIGN_HASH
}

/// Reads MAGIC, VERSION and the design hash, and refuses a device that is not a
/// zkaccel card, speaks another register-map major version, or runs a design this build
/// does not know.
pub fn identify(bus: &mut dyn RegisterBus) -> Result<CardIdentity, DriverError> {
    let magic = bus.read32(&regmap::MAGIC)?;
    if magic != regmap::MAGIC_VALUE {
        return Err(DriverError::NotACard {
            device: bus.device(),
            found: magic,
            expected: regmap::MAGIC_VALUE,
        });
    }
    let version = bus.read32(&regmap::VERSION)?;
    if version >> 16 != regmap::VERSION_VALUE >> 16 {
        return Err(DriverError::VersionMismatch {
            device: bus.device(),
            found_major: (version >> 16) as u16,
            found_minor: version as u16,
            want_major: (regmap::VERSION_VALUE >> 16) as u16,
        });
    }
    let lo = bus.read32(&regmap::DESIGN_HASH_LO)? as u64;
    let hi = bus.read32(&regmap::DESIGN_HASH_HI)? as u64;
    let design_hash = hi << 32 | lo;
    let expected = expected_design_hash();
    if design_hash != expected {
        return Err(DriverError::UnknownDesign {
            device: bus.device(),
            found: design_hash,
            expected,
        });
    }
    let capabilities = bus.read32(&regmap::CAPABILITIES)?;
    Ok(CardIdentity {
        version,
        design_hash,
        capabilities,
    })
}

/// Reads the card's 64-bit cycle counter (LO latches HI, so the pair is consistent).
pub fn read_cycles(bus: &mut dyn RegisterBus) -> Result<u64, DriverError> {
    let lo = bus.read32(&regmap::CYCLES_LO)? as u64;
    let hi = bus.read32(&regmap::CYCLES_HI)? as u64;
    Ok(hi << 32 | lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A register file in memory, for testing the protocol layer alone.
    struct MockBus(HashMap<u32, u32>);

    impl RegisterBus for MockBus {
        fn device(&self) -> String {
            "mock".into()
        }
        fn read32(&mut self, reg: &'static regmap::Register) -> Result<u32, DriverError> {
            self.0
                .get(&reg.offset)
                .copied()
                .ok_or(DriverError::BusError {
                    name: reg.name,
                    offset: reg.offset,
                    resp: 3,
                })
        }
        fn write32(
            &mut self,
            reg: &'static regmap::Register,
            value: u32,
        ) -> Result<(), DriverError> {
            self.0.insert(reg.offset, value);
            Ok(())
        }
    }

    fn good() -> MockBus {
        let h = expected_design_hash();
        MockBus(HashMap::from([
            (regmap::MAGIC.offset, regmap::MAGIC_VALUE),
            (regmap::VERSION.offset, regmap::VERSION_VALUE),
            (regmap::DESIGN_HASH_LO.offset, h as u32),
            (regmap::DESIGN_HASH_HI.offset, (h >> 32) as u32),
            (regmap::CAPABILITIES.offset, 1),
        ]))
    }

    #[test]
    fn identifies_a_known_card() {
        let id = identify(&mut good()).unwrap();
        assert_eq!(id.design_hash, expected_design_hash());
    }

    #[test]
    fn refuses_wrong_magic_version_and_design() {
        let mut b = good();
        b.0.insert(regmap::MAGIC.offset, 0xFFFF_FFFF);
        assert!(matches!(
            identify(&mut b),
            Err(DriverError::NotACard {
                found: 0xFFFF_FFFF,
                ..
            })
        ));
        let mut b = good();
        b.0.insert(regmap::VERSION.offset, 0x0002_0000);
        assert!(matches!(
            identify(&mut b),
            Err(DriverError::VersionMismatch { found_major: 2, .. })
        ));
        let mut b = good();
        b.0.insert(regmap::DESIGN_HASH_HI.offset, 0x1234);
        let e = identify(&mut b).unwrap_err();
        assert!(matches!(e, DriverError::UnknownDesign { .. }));
        assert!(e.to_string().contains("does not know"));
    }
}
