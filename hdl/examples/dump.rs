fn main() {
    let out = std::env::args().nth(1).expect("out dir");
    std::fs::create_dir_all(&out).unwrap();
    for d in zkaccel_hdl::designs::catalogue() {
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
