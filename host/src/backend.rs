//! Where a job runs: the CPU, or a card named by a device specification.

use zkaccel_driver::{DeviceSpec, DeviceSpecError};

/// Where an MSM or NTT runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// This machine's CPU: blst's Pippenger for MSMs, ark-poly for NTTs.
    Cpu,
    /// A card: `sim`, `vfio-user:PATH`, `vfio:BDF` or `vfio:VVVV:DDDD`.
    Device(DeviceSpec),
    /// Several cards, comma-separated (`vfio-user:a.sock,vfio:0000:17:00.0`): the work
    /// is spread over them ([`crate::board_pool`]).
    Boards(Vec<DeviceSpec>),
}

/// Why a backend name was not understood (shown whole by the argument parser, so the
/// reason is part of the message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("backend {given:?}: expected cpu, sim, vfio-user:PATH, vfio:BDF, or a comma-separated list of cards ({reason})")]
pub struct BackendParseError {
    pub given: String,
    pub reason: BackendProblem,
}

/// What is wrong with a backend name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendProblem {
    #[error(transparent)]
    Device(#[from] DeviceSpecError),
    #[error("list entry {index} is empty")]
    EmptyEntry { index: usize },
    #[error("cpu cannot be one of a list of cards (a board's failed work goes to the CPU anyway)")]
    CpuInList,
    #[error("{0} is listed twice")]
    Repeated(String),
}

impl std::str::FromStr for Backend {
    type Err = BackendParseError;
    fn from_str(s: &str) -> Result<Self, BackendParseError> {
        let fail = |reason: BackendProblem| BackendParseError {
            given: s.to_string(),
            reason,
        };
        if s == "cpu" {
            return Ok(Backend::Cpu);
        }
        if !s.contains(',') {
            return s
                .parse::<DeviceSpec>()
                .map(Backend::Device)
                .map_err(|e| fail(e.into()));
        }
        let mut specs: Vec<DeviceSpec> = vec![];
        for (index, entry) in s.split(',').enumerate() {
            let entry = entry.trim();
            if entry.is_empty() {
                return Err(fail(BackendProblem::EmptyEntry { index }));
            }
            if entry == "cpu" {
                return Err(fail(BackendProblem::CpuInList));
            }
            let spec = entry.parse::<DeviceSpec>().map_err(|e| fail(e.into()))?;
            if specs.contains(&spec) {
                return Err(fail(BackendProblem::Repeated(entry.to_string())));
            }
            specs.push(spec);
        }
        Ok(Backend::Boards(specs))
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Cpu => write!(f, "cpu"),
            Backend::Device(d) => write!(f, "{d}"),
            Backend::Boards(list) => {
                let names: Vec<String> = list.iter().map(|d| d.to_string()).collect();
                write!(f, "{}", names.join(","))
            }
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
        assert!(matches!(
            e.reason,
            BackendProblem::Device(DeviceSpecError::Unknown(_))
        ));
        assert!(e.to_string().contains("unknown device"), "{e}");
    }

    #[test]
    fn a_list_is_several_boards() {
        let s = "vfio-user:/tmp/a.sock,vfio-user:/tmp/b.sock,vfio:0000:17:00.0";
        let b = s.parse::<Backend>().unwrap();
        assert!(matches!(&b, Backend::Boards(l) if l.len() == 3), "{b:?}");
        assert_eq!(b.to_string(), s);
        let problem = |s: &str| s.parse::<Backend>().unwrap_err().reason;
        assert_eq!(problem("sim,,sim"), BackendProblem::EmptyEntry { index: 1 });
        assert_eq!(problem("sim,cpu"), BackendProblem::CpuInList);
        assert_eq!(
            problem("vfio-user:/a,vfio-user:/a"),
            BackendProblem::Repeated("vfio-user:/a".into())
        );
        assert!(matches!(
            problem("vfio-user:/a,gpu"),
            BackendProblem::Device(DeviceSpecError::Unknown(_))
        ));
    }
}
