//! Writes the Verilog of every catalogued design into a directory:
//! `cargo run -p zkaccel-hdl --example dump -- DIR [--simulation]` (`--simulation`: what
//! the simulator builds, including the operator models and the test harnesses).
fn main() {
    let out = std::env::args().nth(1).expect("out dir");
    let simulation = std::env::args().any(|a| a == "--simulation");
    std::fs::create_dir_all(&out).unwrap();
    let designs = if simulation {
        zkaccel_hdl::designs::simulation_catalogue(zkaccel_hdl::designs::SimOperators::Models)
    } else {
        zkaccel_hdl::designs::catalogue()
    };
    for d in designs {
        std::fs::write(format!("{out}/{}.v", d.name), &d.verilog).unwrap();
        println!(
            "{} latency={:?} tiles={} ports={}",
            d.name,
            d.latency,
            d.dsp_tiles,
            d.ports.len()
        );
    }
}
