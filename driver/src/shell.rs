//! Board shells: how the card's AXI ports appear in PCIe BARs. Shared by the driver
//! and by `zkaccel sim serve`, which models the shell at the AXI boundary.

/// AWS F1-style shell: BAR0 ("OCL") carries the AXI4-Lite register port; BAR4
/// ("PCIS") is the 512-bit data port. Here a write of N × 64 bytes into the BAR4 window
/// sends N beats into the card's data port (`s_data`, TLAST on the last), and a read of
/// N × 64 bytes returns the next N beats the card produced (`m_data`); beats that do
/// not exist read as all-ones, as a timed-out PCIS read does on F1.
pub mod f1 {
    /// BAR of the register port.
    pub const REG_BAR: u32 = 0;
    /// BAR of the data port.
    pub const DATA_BAR: u32 = 4;
    /// Size of the modelled data window, bytes.
    pub const DATA_WINDOW_BYTES: u64 = 64 << 10;
}

/// Names the error bits of an XDMA channel status word.
pub fn xdma_status_text(status: u32) -> String {
    use xdma::*;
    let names = [
        (STATUS_MAGIC_STOPPED, "bad descriptor magic"),
        (STATUS_INVALID_LENGTH, "invalid length"),
        (STATUS_READ_ERROR, "host memory read outside the mapped buffers"),
        (STATUS_WRITE_ERROR, "host memory write outside the mapped buffers"),
        (STATUS_DESC_ERROR, "descriptor fetch outside the mapped buffers"),
    ];
    let v: Vec<&str> = names.iter().filter(|(b, _)| status & b != 0).map(|(_, n)| *n).collect();
    if v.is_empty() { "no error bit".into() } else { v.join(", ") }
}

/// Alveo XDMA-style shell (Xilinx PG195, the subset zkaccel uses): BAR0 carries the
/// card's AXI4-Lite register port (the XDMA "AXI-Lite master" BAR); BAR1 holds the DMA
/// engine's registers. One H2C channel feeds the card's `s_data` stream from host
/// memory, one C2H channel writes its `m_data` stream to host memory, each walking a
/// chain of 32-byte descriptors in host memory.
pub mod xdma {
    /// BAR of the card's registers.
    pub const REG_BAR: u32 = 0;
    /// BAR of the DMA engine's registers.
    pub const DMA_BAR: u32 = 1;
    pub const DMA_BAR_BYTES: u64 = 64 << 10;

    /// Channel register blocks (channel 0).
    pub const H2C_CHANNEL: u64 = 0x0000;
    pub const C2H_CHANNEL: u64 = 0x1000;
    /// SGDMA blocks (descriptor addresses), channel 0.
    pub const H2C_SGDMA: u64 = 0x4000;
    pub const C2H_SGDMA: u64 = 0x5000;

    /// Offsets inside a channel block.
    pub const CH_IDENTIFIER: u64 = 0x00;
    pub const CH_CONTROL: u64 = 0x04;
    pub const CH_CONTROL_W1S: u64 = 0x08;
    pub const CH_CONTROL_W1C: u64 = 0x0C;
    pub const CH_STATUS: u64 = 0x40;
    pub const CH_STATUS_RC: u64 = 0x44;
    pub const CH_COMPLETED_COUNT: u64 = 0x48;
    /// Offsets inside an SGDMA block.
    pub const SG_DESC_LO: u64 = 0x80;
    pub const SG_DESC_HI: u64 = 0x84;
    pub const SG_DESC_ADJACENT: u64 = 0x88;

    /// Control: run the channel.
    pub const CONTROL_RUN: u32 = 1 << 0;
    /// Identifier values: 0x1fc0 in bits 31:20... as PG195: H2C 0x1fc00006, C2H 0x1fc10006.
    pub const H2C_ID: u32 = 0x1fc0_0006;
    pub const C2H_ID: u32 = 0x1fc1_0006;

    /// Status bits.
    pub const STATUS_BUSY: u32 = 1 << 0;
    pub const STATUS_DESC_STOPPED: u32 = 1 << 1;
    pub const STATUS_DESC_COMPLETED: u32 = 1 << 2;
    pub const STATUS_MAGIC_STOPPED: u32 = 1 << 4;
    pub const STATUS_INVALID_LENGTH: u32 = 1 << 5;
    /// Host memory read or write outside every mapped DMA buffer.
    pub const STATUS_READ_ERROR: u32 = 1 << 9;
    pub const STATUS_WRITE_ERROR: u32 = 1 << 14;
    /// Descriptor fetch outside every mapped DMA buffer.
    pub const STATUS_DESC_ERROR: u32 = 1 << 19;
    pub const STATUS_ERRORS: u32 =
        STATUS_MAGIC_STOPPED | STATUS_INVALID_LENGTH | STATUS_READ_ERROR | STATUS_WRITE_ERROR | STATUS_DESC_ERROR;

    /// Descriptor: 32 bytes, little-endian.
    pub const DESC_BYTES: usize = 32;
    pub const DESC_MAGIC: u32 = 0xAD4B;
    pub const DESC_STOP: u32 = 1 << 0;
    pub const DESC_COMPLETED: u32 = 1 << 1;
    pub const DESC_EOP: u32 = 1 << 4;

    /// One descriptor.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Descriptor {
        pub control: u32,
        pub len: u32,
        pub src: u64,
        pub dst: u64,
        pub next: u64,
    }

    impl Descriptor {
        /// A descriptor with the magic and the given flags.
        pub fn new(flags: u32, len: u32, src: u64, dst: u64, next: u64) -> Self {
            Descriptor { control: DESC_MAGIC << 16 | flags, len, src, dst, next }
        }
        pub fn to_bytes(&self) -> [u8; DESC_BYTES] {
            let mut b = [0u8; DESC_BYTES];
            b[0..4].copy_from_slice(&self.control.to_le_bytes());
            b[4..8].copy_from_slice(&self.len.to_le_bytes());
            b[8..16].copy_from_slice(&self.src.to_le_bytes());
            b[16..24].copy_from_slice(&self.dst.to_le_bytes());
            b[24..32].copy_from_slice(&self.next.to_le_bytes());
            b
        }
        pub fn from_bytes(b: &[u8; DESC_BYTES]) -> Self {
            let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
            let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
            Descriptor { control: u32_at(0), len: u32_at(4), src: u64_at(8), dst: u64_at(16), next: u64_at(24) }
        }
        pub fn magic_ok(&self) -> bool {
            self.control >> 16 == DESC_MAGIC
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        #[test]
        fn descriptor_round_trips() {
            let d = Descriptor::new(DESC_STOP | DESC_EOP, 4096, 0x1_0000_0000, 0, 0x1_0000_2000);
            assert_eq!(Descriptor::from_bytes(&d.to_bytes()), d);
            assert!(d.magic_ok());
            assert_eq!(d.to_bytes()[2..4], [0x4B, 0xAD]);
        }
    }
}
