//! The card's register map (AXI4-Lite, 32-bit registers, byte addresses).
//!
//! This table is the single definition of every register: the HDL register file
//! decodes exactly these offsets (see `card::axil_regfile`), the simulator and the
//! driver read and write through these constants, and `docs/architecture.md` is
//! checked against it by a test. No offset is written anywhere else.
//!
//! Unmapped addresses: reads return 0 with a DECERR response; writes are dropped with
//! DECERR. Writes to read-only registers are dropped with SLVERR. Either sets
//! `STATUS.BUS_ERROR` and records the address in `BUS_ERROR_ADDR` until cleared
//! through `CONTROL.CLEAR_ERRORS`.

/// How software may access a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Access {
    /// Read-only; writes are refused with SLVERR and leave the value unchanged.
    ReadOnly,
    /// Read-write with byte strobes.
    ReadWrite,
    /// Write-only command bits; reads return 0.
    WriteOnlyPulse,
}

/// One 32-bit register.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Register {
    pub name: &'static str,
    /// Byte offset from the start of the register BAR window.
    pub offset: u32,
    pub access: Access,
    /// Value after reset, for registers with a fixed reset value (0 for counters).
    pub reset: u32,
    pub doc: &'static str,
}

/// "ZKAC" in ASCII.
pub const MAGIC_VALUE: u32 = 0x5A4B_4143;
/// Register-map/card version: major in bits 31..16, minor in 15..0.
pub const VERSION_VALUE: u32 = 0x0001_0000;

/// `STATUS` bits.
pub mod status {
    /// The card is out of reset and answering.
    pub const READY: u32 = 1 << 0;
    /// A bus access was refused (unmapped address or write to a read-only register)
    /// since the last `CONTROL.CLEAR_ERRORS`.
    pub const BUS_ERROR: u32 = 1 << 1;
}

/// `CONTROL` bits (write 1 to act; they read back as 0).
pub mod control {
    /// Clear `STATUS.BUS_ERROR` and `BUS_ERROR_ADDR`.
    pub const CLEAR_ERRORS: u32 = 1 << 0;
    /// Reset the data-port beat counter.
    pub const CLEAR_DATA_BEATS: u32 = 1 << 1;
    /// Soft reset: stops and empties the data path and engines, clears SCRATCH, the
    /// error state and DATA_BEATS. The cycle counter and the identity registers keep
    /// running. The bus stays usable: the write that asks for it completes normally.
    pub const SOFT_RESET: u32 = 1 << 2;
}

/// `CAPABILITIES` bits: which engines this build of the card contains.
pub mod capabilities {
    /// Data port loopback (every card has it).
    pub const DATA_LOOPBACK: u32 = 1 << 0;
    /// MSM engine (registers MSM_*, formats in `spec::msm`).
    pub const MSM: u32 = 1 << 1;
    /// NTT engine (registers NTT_*, formats in `spec::ntt`).
    pub const NTT: u32 = 1 << 2;
}

pub const MAGIC: Register = Register {
    name: "MAGIC",
    offset: 0x000,
    access: Access::ReadOnly,
    reset: MAGIC_VALUE,
    doc: "Identifies a zkaccel card: 0x5A4B4143 (\"ZKAC\").",
};
pub const VERSION: Register = Register {
    name: "VERSION",
    offset: 0x004,
    access: Access::ReadOnly,
    reset: VERSION_VALUE,
    doc: "Register-map version: major[31:16], minor[15:0].",
};
pub const DESIGN_HASH_LO: Register = Register {
    name: "DESIGN_HASH_LO",
    offset: 0x008,
    access: Access::ReadOnly,
    reset: 0,
    doc:
        "Low 32 bits of the design hash (SHA-256 of the generated Verilog with the hash set to 0).",
};
pub const DESIGN_HASH_HI: Register = Register {
    name: "DESIGN_HASH_HI",
    offset: 0x00C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "High 32 bits of the design hash.",
};
pub const SCRATCH: Register = Register {
    name: "SCRATCH",
    offset: 0x010,
    access: Access::ReadWrite,
    reset: 0,
    doc: "Free for software: bus tests and liveness checks.",
};
pub const CAPABILITIES: Register = Register {
    name: "CAPABILITIES",
    offset: 0x014,
    access: Access::ReadOnly,
    reset: capabilities::DATA_LOOPBACK | capabilities::MSM | capabilities::NTT,
    doc: "Engines present in this build (see `capabilities`).",
};
pub const CYCLES_LO: Register = Register {
    name: "CYCLES_LO",
    offset: 0x018,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Free-running cycle counter, low word. Reading it latches the high word into CYCLES_HI, so LO then HI is an atomic 64-bit read.",
};
pub const CYCLES_HI: Register = Register {
    name: "CYCLES_HI",
    offset: 0x01C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "High word of the cycle counter as latched by the last read of CYCLES_LO.",
};
pub const STATUS: Register = Register {
    name: "STATUS",
    offset: 0x020,
    access: Access::ReadOnly,
    reset: status::READY,
    doc: "Card status (see `status`).",
};
pub const CONTROL: Register = Register {
    name: "CONTROL",
    offset: 0x024,
    access: Access::WriteOnlyPulse,
    reset: 0,
    doc: "Commands, write 1 to act (see `control`). Reads return 0.",
};
pub const BUS_ERROR_ADDR: Register = Register {
    name: "BUS_ERROR_ADDR",
    offset: 0x028,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Byte address of the first refused access since the last CLEAR_ERRORS.",
};
pub const DATA_BEATS: Register = Register {
    name: "DATA_BEATS",
    offset: 0x02C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "512-bit beats accepted on the data port since reset or CLEAR_DATA_BEATS (wraps at 2^32).",
};

pub const MSM_MODE: Register = Register {
    name: "MSM_MODE",
    offset: 0x040,
    access: Access::ReadWrite,
    reset: 0,
    doc: "What the data port carries: 0 loopback, 1 load bases, 2 digits, 3 readout (`spec::msm::mode`). Writable only while MSM_STATUS.IDLE (else SLVERR).",
};
pub const MSM_BASE_INDEX: Register = Register {
    name: "MSM_BASE_INDEX",
    offset: 0x044,
    access: Access::ReadWrite,
    reset: 0,
    doc: "Index of the next base to load (mode 1) or of the base the next digit applies to (mode 2); advances as beats are consumed. Writable only while MSM_STATUS.IDLE, or in mode 2 while MSM_STATUS.DIGITS_CONSUMED (a pass may go on with other bases; else SLVERR).",
};
pub const MSM_CONTROL: Register = Register {
    name: "MSM_CONTROL",
    offset: 0x048,
    access: Access::WriteOnlyPulse,
    reset: 0,
    doc: "MSM commands, write 1 to act: CLEAR_BUCKETS, START_READOUT (`spec::msm::msm_control`). Only while MSM_STATUS.IDLE (else SLVERR). Reads return 0.",
};
pub const MSM_STATUS: Register = Register {
    name: "MSM_STATUS",
    offset: 0x04C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "MSM status: IDLE, DIGIT_RANGE, BASE_RANGE, DIGITS_CONSUMED (`spec::msm::msm_status`).",
};
pub const MSM_READOUT_COUNT: Register = Register {
    name: "MSM_READOUT_COUNT",
    offset: 0x050,
    access: Access::ReadWrite,
    reset: 0,
    doc: "Buckets streamed out by START_READOUT, from bucket 0.",
};
pub const MSM_ADDS: Register = Register {
    name: "MSM_ADDS",
    offset: 0x054,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Point additions issued since CLEAR_BUCKETS.",
};
pub const MSM_ACTIVE_CYCLES: Register = Register {
    name: "MSM_ACTIVE_CYCLES",
    offset: 0x058,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Cycles the engine was not idle since CLEAR_BUCKETS.",
};
pub const MSM_BUCKETS: Register = Register {
    name: "MSM_BUCKETS",
    offset: 0x05C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Buckets in this build (largest digit magnitude).",
};
pub const MSM_BASE_CAPACITY: Register = Register {
    name: "MSM_BASE_CAPACITY",
    offset: 0x060,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Base points the card memory holds.",
};
pub const MSM_ADDER_LATENCY: Register = Register {
    name: "MSM_ADDER_LATENCY",
    offset: 0x064,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Point adder pipeline latency in cycles.",
};
pub const MSM_DIGITS_PER_BASE: Register = Register {
    name: "MSM_DIGITS_PER_BASE",
    offset: 0x068,
    access: Access::ReadWrite,
    reset: 0,
    doc: "Digits applied to each base before MSM_BASE_INDEX advances in mode 2 (bits 7:0; 0 and 1 both mean one): a pass of k windows streams each point's k digits in a row, one base read per digit, no copies of the bases in card memory. Writing it or MSM_BASE_INDEX restarts the count. Writable only while MSM_STATUS.IDLE or MSM_STATUS.DIGITS_CONSUMED (else SLVERR).",
};

pub const NTT_CONFIG: Register = Register {
    name: "NTT_CONFIG",
    offset: 0x080,
    access: Access::ReadWrite,
    reset: 0,
    doc: "The next NTT job: log2 size [4:0], INVERSE [8], COSET [9] (`spec::ntt::ntt_config`). Writable only while NTT_STATUS.IDLE (else SLVERR).",
};
pub const NTT_CONTROL: Register = Register {
    name: "NTT_CONTROL",
    offset: 0x084,
    access: Access::WriteOnlyPulse,
    reset: 0,
    doc: "NTT commands, write 1 to act: START (`spec::ntt::ntt_control`): the data port then belongs to the NTT engine until the job's last output beat. Only while NTT_STATUS.IDLE (else SLVERR). Reads return 0.",
};
pub const NTT_STATUS: Register = Register {
    name: "NTT_STATUS",
    offset: 0x088,
    access: Access::ReadOnly,
    reset: 0,
    doc: "NTT status: IDLE, LOADING, COMPUTING, OUTPUT, CONFIG_ERROR (`spec::ntt::ntt_status`).",
};
pub const NTT_BUTTERFLIES: Register = Register {
    name: "NTT_BUTTERFLIES",
    offset: 0x08C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Butterflies issued by the current or last job.",
};
pub const NTT_ISSUE_CYCLES: Register = Register {
    name: "NTT_ISSUE_CYCLES",
    offset: 0x090,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Cycles from the job's first butterfly to its last one issued (inclusive, stage gaps included).",
};
pub const NTT_JOB_CYCLES: Register = Register {
    name: "NTT_JOB_CYCLES",
    offset: 0x094,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Cycles from START to the job's last output beat (includes waiting for the host).",
};
pub const NTT_MAX_LOG_SIZE: Register = Register {
    name: "NTT_MAX_LOG_SIZE",
    offset: 0x098,
    access: Access::ReadOnly,
    reset: 0,
    doc: "log2 of the largest transform in this build (K).",
};
pub const NTT_PIPELINE_LATENCY: Register = Register {
    name: "NTT_PIPELINE_LATENCY",
    offset: 0x09C,
    access: Access::ReadOnly,
    reset: 0,
    doc: "Cycles from a butterfly's issue to the write of its results (twiddle multiplier, memory read, butterfly).",
};

/// Every register, in address order.
pub const REGISTERS: &[Register] = &[
    MAGIC,
    VERSION,
    DESIGN_HASH_LO,
    DESIGN_HASH_HI,
    SCRATCH,
    CAPABILITIES,
    CYCLES_LO,
    CYCLES_HI,
    STATUS,
    CONTROL,
    BUS_ERROR_ADDR,
    DATA_BEATS,
    MSM_MODE,
    MSM_BASE_INDEX,
    MSM_CONTROL,
    MSM_STATUS,
    MSM_READOUT_COUNT,
    MSM_ADDS,
    MSM_ACTIVE_CYCLES,
    MSM_BUCKETS,
    MSM_BASE_CAPACITY,
    MSM_ADDER_LATENCY,
    MSM_DIGITS_PER_BASE,
    NTT_CONFIG,
    NTT_CONTROL,
    NTT_STATUS,
    NTT_BUTTERFLIES,
    NTT_ISSUE_CYCLES,
    NTT_JOB_CYCLES,
    NTT_MAX_LOG_SIZE,
    NTT_PIPELINE_LATENCY,
];

/// Size of the register window in bytes; everything from here up is unmapped.
pub const WINDOW_BYTES: u32 = 0x1000;

/// Looks up the register at a byte offset.
pub fn at(offset: u32) -> Option<&'static Register> {
    REGISTERS.iter().find(|r| r.offset == offset)
}

/// Looks up a register by name (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static Register> {
    REGISTERS.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_unique_aligned_and_in_window() {
        for (i, a) in REGISTERS.iter().enumerate() {
            assert_eq!(a.offset % 4, 0, "{} not word aligned", a.name);
            assert!(a.offset < WINDOW_BYTES, "{} outside window", a.name);
            for b in &REGISTERS[i + 1..] {
                assert_ne!(
                    a.offset, b.offset,
                    "{} and {} share an offset",
                    a.name, b.name
                );
                assert_ne!(a.name, b.name);
            }
        }
        assert!(REGISTERS.windows(2).all(|w| w[0].offset < w[1].offset));
    }

    /// docs/architecture.md's register table says what this table says.
    #[test]
    fn architecture_doc_matches_the_map() {
        let doc = include_str!("../../docs/architecture.md");
        let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| 0x")).collect();
        assert_eq!(
            rows.len(),
            REGISTERS.len(),
            "one documented row per register"
        );
        for r in REGISTERS {
            let access = match r.access {
                Access::ReadOnly => "RO",
                Access::ReadWrite => "RW",
                Access::WriteOnlyPulse => "W1",
            };
            let prefix =
                format!("| {:#05X} | {} | {} |", r.offset, r.name, access).replace("0X", "0x");
            let row = rows
                .iter()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("docs/architecture.md has no row starting {prefix:?}"));
            let reset = row.split('|').nth(4).unwrap().trim();
            if reset != "–" {
                assert_eq!(
                    reset,
                    format!("{:#010X}", r.reset).replace("0X", "0x"),
                    "{}",
                    r.name
                );
            }
        }
    }
}
