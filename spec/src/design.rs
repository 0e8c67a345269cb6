//! What a card built from this revision reports about itself.

/// The card's design hash, as read from DESIGN_HASH_HI:LO: the first 8 bytes
/// (little-endian) of the SHA-256 of the card's generated Verilog (generated with a
/// hash of 0). The driver's `identify` compares a card's register with this.
///
/// Pinned to the generator by `zkaccel-hdl`'s test
/// `designs::tests::spec_design_hash_is_the_generated_cards`: when the card changes,
/// that test fails and prints the new value to put here.
pub const CARD_DESIGN_HASH: u64 = 0x57eb2cafb043e5f1;
