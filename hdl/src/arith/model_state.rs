//! A rust-hdl field that holds state for a block's Rust simulation model.
//!
//! Blocks whose Verilog is hand-written (`Verilog::Wrapper`) still need a cycle-accurate
//! Rust model for rust-hdl's simulator. rust-hdl requires every field of a block to be a
//! `Block`, so model state (a pipeline of values) lives in this wrapper, which is
//! invisible to Verilog generation.

use rust_hdl::prelude::*;

#[derive(Clone, Debug, Default)]
pub struct ModelState<T>(pub T);

impl<T> Logic for ModelState<T> {
    fn update(&mut self) {}
    fn connect(&mut self) {}
    fn hdl(&self) -> Verilog {
        Verilog::Empty
    }
}

impl<T> Block for ModelState<T> {
    fn connect_all(&mut self) {}
    fn update_all(&mut self) {}
    fn has_changed(&self) -> bool {
        false
    }
    fn accept(&self, _name: &str, _probe: &mut dyn Probe) {}
}
