//! The FPGA parts the card targets, with their capacities (AMD data sheets DS890 and
//! the Alveo/AWS product pages): the one table the fit report and the docs use.

use serde::Serialize;

/// Capacity of one FPGA part.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct Part {
    /// The part name as `--part` takes it.
    pub name: &'static str,
    /// Where users meet it.
    pub board: &'static str,
    /// CLB LUTs.
    pub lut: u64,
    /// CLB flip-flops.
    pub ff: u64,
    /// DSP48E2 slices.
    pub dsp: u64,
    /// 36 Kb block RAMs.
    pub bram36: u64,
}

/// The card fits a part when it uses at most this fraction of every resource (the rest
/// is for the shell, routing and timing closure).
pub const FIT_LIMIT: f64 = 0.80;

pub const PARTS: &[Part] = &[
    Part {
        name: "xcvu47p",
        board: "AWS F2 (VU47P)",
        lut: 1_303_680,
        ff: 2_607_360,
        dsp: 9_024,
        bram36: 2_016,
    },
    Part {
        name: "xcu250",
        board: "Alveo U250",
        lut: 1_728_000,
        ff: 3_456_000,
        dsp: 12_288,
        bram36: 2_688,
    },
    Part {
        name: "xcu55c",
        board: "Alveo U55C",
        lut: 1_303_680,
        ff: 2_607_360,
        dsp: 9_024,
        bram36: 2_016,
    },
    Part {
        name: "xcvu9p",
        board: "AWS F1 (VU9P)",
        lut: 1_182_240,
        ff: 2_364_480,
        dsp: 6_840,
        bram36: 2_160,
    },
];

/// The part named `name` (case-insensitive).
pub fn part(name: &str) -> Option<&'static Part> {
    PARTS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_found_by_name() {
        assert_eq!(part("XCVU47P").unwrap().dsp, 9_024);
        assert_eq!(part("xcvu9p").unwrap().dsp, 6_840);
        assert!(part("xc7a35t").is_none());
    }
}
