//! Where a job runs: the CPU, or a card named by a device specification.

use zkaccel_driver::{DeviceSpec, DeviceSpecError};

/// Where an MSM or NTT runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// This machine's CPU: blst's Pippenger for MSMs, ark-poly for NTTs.
    Cpu,
    /// A card: `sim`, `vfio-user:PATH`, `vfio:BDF` or `vfio:VVVV:DDDD`.
    Device(DeviceSpec),
}

/// Why a backend name was not understood (shown whole by the argument parser, so the
/// reason is part of the message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("backend {given:?}: expected cpu, sim, vfio-user:PATH or vfio:BDF ({reason})")]
pub struct BackendParseError {
    pub given: String,
    pub reason: DeviceSpecError,
}

impl std::str::FromStr for Backend {
    type Err = BackendParseError;
    fn from_str(s: &str) -> Result<Self, BackendParseError> {
        if s == "cpu" {
            return Ok(Backend::Cpu);
        }
        s.parse::<DeviceSpec>()
            .map(Backend::Device)
            .map_err(|reason| BackendParseError {
                given: s.to_string(),
                reason,
            })
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Cpu => write!(f, "cpu"),
            Backend::Device(d) => write!(f, "{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_form() {
        for s in ["cpu", "sim", "vfio-user:/tmp/a.sock", "vfio:0000:17:00.0"] {
            assert_eq!(s.parse::<Backend>().unwrap().to_string(), s);
        }
        let e = "gpu".parse::<Backend>().unwrap_err();
        assert_eq!(e.given, "gpu");
        assert!(matches!(e.reason, DeviceSpecError::Unknown(_)));
        assert!(e.to_string().contains("unknown device"), "{e}");
    }
}
