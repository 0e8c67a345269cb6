//! PCI discovery through sysfs, and the checks that decide whether zkaccel can use a
//! device through VFIO. The sysfs and /dev roots are parameters so tests can build a
//! fake tree.

use crate::device_spec::Bdf;
use crate::DriverError;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Known board functions.
pub const KNOWN_BOARDS: &[(u16, Option<u16>, &str)] = &[
    (0x1d0f, Some(0xf000), "AWS F1 FPGA application (PF0)"),
    (
        0x1d0f,
        Some(0x1042),
        "AWS F1 FPGA slot, cleared (no image loaded)",
    ),
    (
        0x1d0f,
        Some(crate::shell::f2::APP_PF_CLEARED),
        "AWS F2 FPGA application (PF0), slot cleared: after fpga-load-local-image it reappears with the design's IDs; bind it to vfio-pci again",
    ),
    (
        0x1d0f,
        Some(crate::shell::f2::MGMT_PF),
        "AWS F2 management function (PF1, the AWS mailbox): never used",
    ),
    (
        0x1d0f,
        Some(0x1041),
        "AWS F1 management function: never used",
    ),
    (0x10ee, None, "Xilinx device (Alveo/XDMA)"),
];

/// One PCI function as sysfs describes it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PciFunction {
    pub bdf: String,
    pub vendor: u16,
    pub device: u16,
    pub class: u32,
    /// The bound kernel driver, if any.
    pub driver: Option<String>,
    pub iommu_group: Option<u32>,
    /// What zkaccel takes this device for (`None`: not a board it knows).
    pub board: Option<&'static str>,
}

/// A sysfs tree (normally `/sys`) and a dev tree (normally `/dev`).
#[derive(Clone, Debug)]
pub struct Host {
    pub sys: PathBuf,
    pub dev: PathBuf,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            sys: "/sys".into(),
            dev: "/dev".into(),
        }
    }
}

fn read_hex(path: &Path) -> Option<u32> {
    let s = fs::read_to_string(path).ok()?;
    u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok()
}

fn link_name(path: &Path) -> Option<String> {
    fs::read_link(path)
        .ok()?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

impl Host {
    pub fn pci_devices_dir(&self) -> PathBuf {
        self.sys.join("bus/pci/devices")
    }

    /// The sysfs directory of a function.
    pub fn device_dir(&self, bdf: &Bdf) -> PathBuf {
        self.pci_devices_dir().join(bdf.to_string())
    }

    fn function(&self, name: &str) -> Option<PciFunction> {
        let dir = self.pci_devices_dir().join(name);
        let vendor = read_hex(&dir.join("vendor"))? as u16;
        let device = read_hex(&dir.join("device"))? as u16;
        let board = KNOWN_BOARDS
            .iter()
            .find(|(v, d, _)| *v == vendor && d.is_none_or(|d| d == device))
            .map(|(_, _, name)| *name)
            .or_else(|| {
                (vendor == crate::shell::f2::VENDOR
                    && crate::shell::f2::DESIGN_IDS.contains(&device))
                .then_some("AWS F1/F2 FPGA application (PF0) with a design loaded")
            });
        Some(PciFunction {
            bdf: name.to_string(),
            vendor,
            device,
            class: read_hex(&dir.join("class")).unwrap_or(0),
            driver: link_name(&dir.join("driver")),
            iommu_group: link_name(&dir.join("iommu_group")).and_then(|g| g.parse().ok()),
            board,
        })
    }

    /// Every PCI function, sorted by address. An absent sysfs gives an empty list.
    pub fn functions(&self) -> Vec<PciFunction> {
        let mut v: Vec<_> = fs::read_dir(self.pci_devices_dir())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| self.function(&e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a: &PciFunction, b| a.bdf.cmp(&b.bdf));
        v
    }

    /// Functions zkaccel would consider: known boards and anything bound to vfio-pci.
    pub fn candidates(&self) -> Vec<PciFunction> {
        self.functions()
            .into_iter()
            .filter(|f| f.board.is_some() || f.driver.as_deref() == Some("vfio-pci"))
            .collect()
    }

    /// The one function with this vendor:device ID.
    pub fn find_by_id(&self, vendor: u16, device: u16) -> Result<Bdf, DriverError> {
        let matches: Vec<PciFunction> = self
            .functions()
            .into_iter()
            .filter(|f| f.vendor == vendor && f.device == device)
            .collect();
        match matches.as_slice() {
            [one] => Ok(one.bdf.parse()?),
            [] => Err(DriverError::NoSuchId { vendor, device }),
            many => Err(DriverError::AmbiguousId {
                vendor,
                device,
                matches: many.iter().map(|f| f.bdf.clone()).collect(),
            }),
        }
    }

    /// Whether the machine exposes any IOMMU group.
    pub fn has_iommu(&self) -> bool {
        fs::read_dir(self.sys.join("kernel/iommu_groups"))
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    }

    /// Functions in an IOMMU group.
    pub fn group_members(&self, group: u32) -> Vec<String> {
        let dir = self
            .sys
            .join(format!("kernel/iommu_groups/{group}/devices"));
        let mut v: Vec<String> = fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Everything that must hold before VFIO can open `bdf`, checked in the order an
    /// operator fixes them. Returns the IOMMU group.
    pub fn check_vfio_usable(&self, bdf: &Bdf) -> Result<u32, DriverError> {
        let name = bdf.to_string();
        let f = self
            .function(&name)
            .ok_or_else(|| DriverError::DeviceNotFound {
                bdf: name.clone(),
                sysfs: self.device_dir(bdf),
            })?;
        if is_management_function(f.vendor, f.device) {
            return Err(DriverError::Unsupported {
                device: name,
                what: "the AWS management function (PF1, the AWS mailbox): zkaccel never touches it; use the application function (PF0)".into(),
            });
        }
        if f.driver.as_deref() != Some("vfio-pci") {
            return Err(DriverError::NotBoundToVfio {
                bdf: name,
                driver: f.driver,
            });
        }
        let Some(group) = f.iommu_group else {
            return Err(DriverError::NoIommu { bdf: name });
        };
        let blocking: Vec<(String, String)> = self
            .group_members(group)
            .into_iter()
            .filter(|m| *m != name)
            .filter_map(|m| {
                let d = self.function(&m).and_then(|f| f.driver);
                match d.as_deref() {
                    None | Some("vfio-pci") | Some("pci-stub") => None,
                    Some(other) => Some((m, other.to_string())),
                }
            })
            .collect();
        if !blocking.is_empty() {
            return Err(DriverError::GroupNotViable {
                bdf: name,
                group,
                blocking,
            });
        }
        for path in [
            self.dev.join("vfio/vfio"),
            self.dev.join(format!("vfio/{group}")),
        ] {
            match fs::OpenOptions::new().read(true).write(true).open(&path) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                    return Err(DriverError::NoPermission { path });
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(DriverError::VfioUnavailable {
                        path,
                        reason: "does not exist (is the vfio-pci module loaded? modprobe vfio-pci)"
                            .into(),
                        source: Some(e),
                    });
                }
                Err(e) => {
                    return Err(DriverError::VfioUnavailable {
                        path,
                        reason: e.to_string(),
                        source: Some(e),
                    })
                }
            }
        }
        Ok(group)
    }

    /// Whether zkaccel can use the function now, with the reason when not.
    pub fn usability(&self, f: &PciFunction) -> Result<(), DriverError> {
        let bdf: Bdf = f.bdf.parse()?;
        self.check_vfio_usable(&bdf).map(|_| ())
    }
}

/// AWS's management functions (F2 `1d0f:9248`, F1 `1d0f:1041`): never opened.
pub fn is_management_function(vendor: u16, device: u16) -> bool {
    vendor == 0x1d0f && (device == crate::shell::f2::MGMT_PF || device == 0x1041)
}

/// The locked-memory limit (soft), in bytes; `None` = unlimited.
pub fn memlock_limit() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut r) };
    if rc != 0 || r.rlim_cur == libc::RLIM_INFINITY {
        None
    } else {
        Some(r.rlim_cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    struct FakeHost {
        _t: tempfile::TempDir,
        host: Host,
    }

    fn fake() -> FakeHost {
        let t = tempfile::tempdir().unwrap();
        let host = Host {
            sys: t.path().join("sys"),
            dev: t.path().join("dev"),
        };
        fs::create_dir_all(host.pci_devices_dir()).unwrap();
        fs::create_dir_all(host.sys.join("bus/pci/drivers/vfio-pci")).unwrap();
        fs::create_dir_all(host.sys.join("bus/pci/drivers/ixgbe")).unwrap();
        fs::create_dir_all(host.dev.join("vfio")).unwrap();
        fs::write(host.dev.join("vfio/vfio"), "").unwrap();
        FakeHost { _t: t, host }
    }

    fn add(
        h: &Host,
        bdf: &str,
        vendor: u16,
        device: u16,
        driver: Option<&str>,
        group: Option<u32>,
    ) {
        let dir = h.pci_devices_dir().join(bdf);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("vendor"), format!("0x{vendor:04x}\n")).unwrap();
        fs::write(dir.join("device"), format!("0x{device:04x}\n")).unwrap();
        fs::write(dir.join("class"), "0x058000\n").unwrap();
        if let Some(d) = driver {
            symlink(h.sys.join("bus/pci/drivers").join(d), dir.join("driver")).unwrap();
        }
        if let Some(g) = group {
            let gdir = h.sys.join(format!("kernel/iommu_groups/{g}/devices"));
            fs::create_dir_all(&gdir).unwrap();
            symlink(&dir, gdir.join(bdf)).unwrap();
            symlink(
                h.sys.join(format!("kernel/iommu_groups/{g}")),
                dir.join("iommu_group"),
            )
            .unwrap();
            fs::write(h.dev.join(format!("vfio/{g}")), "").unwrap();
        }
    }

    #[test]
    fn empty_machine_has_no_candidates() {
        let f = fake();
        assert!(f.host.candidates().is_empty());
        assert!(!f.host.has_iommu());
        let none = Host {
            sys: "/nonexistent".into(),
            dev: "/nonexistent".into(),
        };
        assert!(none.functions().is_empty());
    }

    #[test]
    fn f2_functions_are_recognised_and_the_management_function_never_used() {
        let f = fake();
        let h = &f.host;
        // F2: the application function with a design, a cleared slot, and the
        // management function, all bound to vfio-pci in their own groups.
        add(h, "0000:34:00.0", 0x1d0f, 0xf010, Some("vfio-pci"), Some(3));
        add(h, "0000:34:00.1", 0x1d0f, 0x9248, Some("vfio-pci"), Some(4));
        add(h, "0000:35:00.0", 0x1d0f, 0x9048, Some("vfio-pci"), Some(5));
        let c = h.candidates();
        let board = |bdf: &str| c.iter().find(|f| f.bdf == bdf).unwrap().board.unwrap();
        assert!(board("0000:34:00.0").contains("design loaded"));
        assert!(board("0000:34:00.1").contains("management function"));
        assert!(board("0000:35:00.0").contains("bind it to vfio-pci again"));
        assert!(h
            .check_vfio_usable(&"0000:34:00.0".parse().unwrap())
            .is_ok());
        let e = h
            .check_vfio_usable(&"0000:34:00.1".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("never touches it"), "{e}");
    }

    #[test]
    fn finds_boards_and_explains_why_they_are_not_usable() {
        let f = fake();
        let h = &f.host;
        add(h, "0000:00:1f.0", 0x8086, 0x1234, Some("ixgbe"), Some(1));
        add(h, "0000:17:00.0", 0x1d0f, 0xf000, Some("vfio-pci"), Some(7));
        add(h, "0000:18:00.0", 0x1d0f, 0x1042, None, Some(8));
        add(h, "0000:19:00.0", 0x10ee, 0x903f, Some("vfio-pci"), None);
        add(h, "0000:1a:00.0", 0x10ee, 0x903f, Some("vfio-pci"), Some(1));
        let c = h.candidates();
        assert_eq!(
            c.iter().map(|f| f.bdf.as_str()).collect::<Vec<_>>(),
            [
                "0000:17:00.0",
                "0000:18:00.0",
                "0000:19:00.0",
                "0000:1a:00.0"
            ]
        );
        assert_eq!(c[0].board, Some("AWS F1 FPGA application (PF0)"));
        assert_eq!(c[0].iommu_group, Some(7));

        assert_eq!(
            h.check_vfio_usable(&"0000:17:00.0".parse().unwrap())
                .unwrap(),
            7
        );
        let e = h
            .check_vfio_usable(&"0000:18:00.0".parse().unwrap())
            .unwrap_err();
        assert!(
            matches!(e, DriverError::NotBoundToVfio { driver: None, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("driver_override"), "{e}");
        let e = h
            .check_vfio_usable(&"0000:19:00.0".parse().unwrap())
            .unwrap_err();
        assert!(matches!(e, DriverError::NoIommu { .. }));
        assert!(e.to_string().contains("enable_unsafe_noiommu_mode"), "{e}");
        let e = h
            .check_vfio_usable(&"0000:1a:00.0".parse().unwrap())
            .unwrap_err();
        match &e {
            DriverError::GroupNotViable {
                group: 1, blocking, ..
            } => assert_eq!(
                blocking,
                &[("0000:00:1f.0".to_string(), "ixgbe".to_string())]
            ),
            other => panic!("{other}"),
        }
        let e = h
            .check_vfio_usable(&"0000:99:00.0".parse().unwrap())
            .unwrap_err();
        assert!(matches!(e, DriverError::DeviceNotFound { .. }));

        assert_eq!(
            h.find_by_id(0x1d0f, 0xf000).unwrap().to_string(),
            "0000:17:00.0"
        );
        let e = h.find_by_id(0x10ee, 0x903f).unwrap_err().to_string();
        assert!(
            e.contains("2 functions") && e.contains("0000:19:00.0, 0000:1a:00.0"),
            "{e}"
        );
        assert!(h
            .find_by_id(0x1234, 0x5678)
            .unwrap_err()
            .to_string()
            .contains("no PCI function"));
    }

    #[test]
    fn missing_group_device_is_reported() {
        let f = fake();
        add(
            &f.host,
            "0000:17:00.0",
            0x1d0f,
            0xf000,
            Some("vfio-pci"),
            Some(7),
        );
        fs::remove_file(f.host.dev.join("vfio/7")).unwrap();
        let e = f
            .host
            .check_vfio_usable(&"0000:17:00.0".parse().unwrap())
            .unwrap_err();
        assert!(matches!(e, DriverError::VfioUnavailable { .. }), "{e}");
    }
}
