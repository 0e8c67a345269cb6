//! Bus widths of the card's ports.

/// Data width of the AXI4-Lite register port, in bits.
pub const AXIL_DATA_BITS: usize = 32;
/// Address width of the AXI4-Lite register port, in bits (byte addresses).
pub const AXIL_ADDR_BITS: usize = 32;
/// Byte-enable (write strobe) width of the AXI4-Lite register port.
pub const AXIL_STRB_BITS: usize = AXIL_DATA_BITS / 8;
/// Width of the bulk data port, in bits: AWS F1's PCIS port and the Alveo XDMA
/// AXI-Stream/AXI-MM data path are both 512 bits wide.
pub const DATA_PORT_BITS: usize = 512;
/// Bytes per beat on the bulk data port.
pub const DATA_PORT_BYTES: usize = DATA_PORT_BITS / 8;

/// AXI response codes (AMBA AXI4 spec, xRESP).
pub mod resp {
    /// Normal access success.
    pub const OKAY: u8 = 0b00;
    /// Slave error: the address exists but the access is not allowed (e.g. a write to a
    /// read-only register).
    pub const SLVERR: u8 = 0b10;
    /// Decode error: nothing is mapped at this address.
    pub const DECERR: u8 = 0b11;
}
