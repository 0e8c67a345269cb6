//! Device specifications as operators write them: `vfio:0000:17:00.0`,
//! `vfio-user:/path/to.sock`, `sim`.

use std::fmt;
use std::path::PathBuf;

/// A PCI address: domain:bus:device.function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bdf {
    pub domain: u16,
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl fmt::Display for Bdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.device, self.function
        )
    }
}

/// Why a device specification (or a PCI address in one) was not understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceSpecError {
    #[error("{0:?} is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:17:00.0)")]
    BadAddress(String),
    #[error("vfio-user: needs a socket path, e.g. vfio-user:/tmp/zkaccel.sock")]
    NoSocketPath,
    #[error("unknown device {0:?}: use vfio:DDDD:BB:DD.F or vfio:VVVV:DDDD (a board by address or by vendor:device ID), vfio-user:/path/to.sock (a served simulator) or sim")]
    Unknown(String),
}

impl std::str::FromStr for Bdf {
    type Err = DeviceSpecError;
    /// Accepts `0000:17:00.0` and the short form `17:00.0` (domain 0).
    fn from_str(s: &str) -> Result<Self, DeviceSpecError> {
        let bad = || DeviceSpecError::BadAddress(s.to_string());
        let (head, func) = s.rsplit_once('.').ok_or_else(bad)?;
        let parts: Vec<&str> = head.split(':').collect();
        let (domain, bus, device) = match parts.as_slice() {
            [d, b, v] => (*d, *b, *v),
            [b, v] => ("0", *b, *v),
            _ => return Err(bad()),
        };
        let hex = |x: &str, max: u32| u32::from_str_radix(x, 16).ok().filter(|v| *v <= max);
        Ok(Bdf {
            domain: hex(domain, 0xFFFF).ok_or_else(bad)? as u16,
            bus: hex(bus, 0xFF).ok_or_else(bad)? as u8,
            device: hex(device, 0x1F).ok_or_else(bad)? as u8,
            function: hex(func, 0x7).ok_or_else(bad)? as u8,
        })
    }
}

/// Which device to talk to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceSpec {
    /// A board through the kernel's vfio-pci driver.
    Vfio(Bdf),
    /// The one board with this vendor:device ID, through vfio-pci.
    VfioId { vendor: u16, device: u16 },
    /// A (simulated) card served over a vfio-user UNIX socket.
    VfioUser(PathBuf),
    /// The in-process simulator.
    Sim,
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSpec::Vfio(b) => write!(f, "vfio:{b}"),
            DeviceSpec::VfioId { vendor, device } => write!(f, "vfio:{vendor:04x}:{device:04x}"),
            DeviceSpec::VfioUser(p) => write!(f, "vfio-user:{}", p.display()),
            DeviceSpec::Sim => write!(f, "sim"),
        }
    }
}

impl std::str::FromStr for DeviceSpec {
    type Err = DeviceSpecError;
    fn from_str(s: &str) -> Result<Self, DeviceSpecError> {
        if s == "sim" {
            return Ok(DeviceSpec::Sim);
        }
        if let Some(rest) = s.strip_prefix("vfio-user:") {
            if rest.is_empty() {
                return Err(DeviceSpecError::NoSocketPath);
            }
            return Ok(DeviceSpec::VfioUser(PathBuf::from(rest)));
        }
        if let Some(rest) = s.strip_prefix("vfio:") {
            if let Some((v, d)) = rest.split_once(':') {
                let id = |x: &str| {
                    (x.len() == 4)
                        .then(|| u16::from_str_radix(x, 16).ok())
                        .flatten()
                };
                if !rest.contains('.') {
                    if let (Some(vendor), Some(device)) = (id(v), id(d)) {
                        return Ok(DeviceSpec::VfioId { vendor, device });
                    }
                }
            }
            return Ok(DeviceSpec::Vfio(rest.parse()?));
        }
        Err(DeviceSpecError::Unknown(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!("sim".parse::<DeviceSpec>().unwrap(), DeviceSpec::Sim);
        assert_eq!(
            "vfio:0000:17:00.0".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::Vfio(Bdf {
                domain: 0,
                bus: 0x17,
                device: 0,
                function: 0
            })
        );
        assert_eq!(
            "vfio:17:1f.7".parse::<DeviceSpec>().unwrap().to_string(),
            "vfio:0000:17:1f.7"
        );
        assert_eq!(
            "vfio:1d0f:f000".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::VfioId {
                vendor: 0x1d0f,
                device: 0xf000
            }
        );
        assert_eq!(
            "vfio:1d0f:f000".parse::<DeviceSpec>().unwrap().to_string(),
            "vfio:1d0f:f000"
        );
        assert_eq!(
            "vfio-user:/tmp/a.sock".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::VfioUser("/tmp/a.sock".into())
        );
    }

    #[test]
    fn rejects_bad_specs_with_a_reason() {
        for bad in [
            "",
            "vfio:",
            "vfio:0000:17:00",
            "vfio:0000:17:20.0",
            "vfio:0000:17:00.8",
            "vfio-user:",
            "board",
        ] {
            let e = bad.parse::<DeviceSpec>().unwrap_err();
            assert!(!e.to_string().is_empty(), "{bad}");
        }
        assert_eq!(
            "vfio:zz:00.0".parse::<DeviceSpec>().unwrap_err(),
            DeviceSpecError::BadAddress("zz:00.0".into())
        );
        assert_eq!(
            "vfio-user:".parse::<DeviceSpec>().unwrap_err(),
            DeviceSpecError::NoSocketPath
        );
        assert!(matches!(
            "board".parse::<DeviceSpec>().unwrap_err(),
            DeviceSpecError::Unknown(_)
        ));
    }
}
