//! `zkaccel devices`: the candidate boards on this machine and whether zkaccel can use
//! them.

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use zkaccel_driver::pci::Host;

#[derive(Args)]
pub struct DevicesArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `--json` output.
#[derive(Serialize)]
struct DevicesReport {
    pci_functions_seen: usize,
    iommu: bool,
    candidates: Vec<Candidate>,
}

#[derive(Serialize)]
struct Candidate {
    address: String,
    vendor: String,
    device: String,
    board: Option<&'static str>,
    iommu_group: Option<u32>,
    driver: Option<String>,
    usable: bool,
    /// Why not, when not usable.
    reason: Option<String>,
}

pub fn run(a: DevicesArgs) -> Result<()> {
    let host = Host::default();
    let all = host.functions();
    let candidates: Vec<Candidate> = host
        .candidates()
        .into_iter()
        .map(|f| {
            let usable = host.usability(&f);
            Candidate {
                address: f.bdf.clone(),
                vendor: format!("{:04x}", f.vendor),
                device: format!("{:04x}", f.device),
                board: f.board,
                iommu_group: f.iommu_group,
                driver: f.driver.clone(),
                usable: usable.is_ok(),
                reason: usable.err().map(|e| zkaccel_driver::error_chain(&e)),
            }
        })
        .collect();
    if a.json {
        return super::print_json(&DevicesReport {
            pci_functions_seen: all.len(),
            iommu: host.has_iommu(),
            candidates,
        });
    }
    if candidates.is_empty() {
        println!(
            "no zkaccel boards on this machine (looked at {} PCI functions under {}; none is an AWS F1/F2 or Xilinx card or bound to vfio-pci). `zkaccel selftest --device sim` runs the simulator instead.",
            all.len(),
            host.pci_devices_dir().display()
        );
        return Ok(());
    }
    println!(
        "{:<14} {:<10} {:<6} {:<12} {:<8} {}",
        "address", "id", "group", "driver", "usable", "board"
    );
    for c in &candidates {
        println!(
            "{:<14} {}:{}  {:<6} {:<12} {:<8} {}",
            c.address,
            c.vendor,
            c.device,
            c.iommu_group
                .map(|g| g.to_string())
                .unwrap_or_else(|| "-".into()),
            c.driver.as_deref().unwrap_or("-"),
            if c.usable { "yes" } else { "no" },
            c.board.unwrap_or("bound to vfio-pci")
        );
        if let Some(why) = &c.reason {
            println!("    {why}");
        }
    }
    Ok(())
}
