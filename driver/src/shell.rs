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
