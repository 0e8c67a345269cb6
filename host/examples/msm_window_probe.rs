//! Measures one MSM window on the simulated card: card cycles spent taking the digits,
//! additions issued, engine-active cycles. `cargo run -p zkaccel-host --example msm_window_probe -- N C`
use zkaccel_driver::{read_cycles, DeviceSpec};
use zkaccel_spec::msm::{
    coordinate_beat, digit_beat, encode_digit, mode, msm_control, DIGITS_PER_BEAT,
};
use zkaccel_spec::regmap;

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (n, c) = (
        args.first().copied().unwrap_or(1024),
        args.get(1).copied().unwrap_or(11) as u32,
    );
    let mut dev = zkaccel_driver::open(&DeviceSpec::Sim)?;
    let (bases, _) = zkaccel_host::msm::random_instance(n, 1);
    let mut beats = vec![];
    for p in &bases {
        let [x, y] = zkaccel_host::g1::affine_words(p).unwrap();
        beats.push(coordinate_beat(&x));
        beats.push(coordinate_beat(&y));
    }
    dev.write32(&regmap::MSM_MODE, mode::LOAD_BASES)?;
    dev.write32(&regmap::MSM_BASE_INDEX, 0)?;
    dev.data_write(&beats)?;
    // Digits (1..=half, or negative) applied to one window; all buckets reachable.
    let half = 1i64 << (c - 1);
    let mut x = 12345u64;
    let digits: Vec<u16> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = (x % (2 * half as u64)) as i64 - half + 1; // -half+1 ..= half
            encode_digit(if d == 0 { 1 } else { d as i32 })
        })
        .collect();
    let dbeats: Vec<[u64; 8]> = digits.chunks(DIGITS_PER_BEAT).map(digit_beat).collect();
    dev.write32(&regmap::MSM_CONTROL, msm_control::CLEAR_BUCKETS)?;
    dev.write32(&regmap::MSM_BASE_INDEX, 0)?;
    dev.write32(&regmap::MSM_DIGITS_PER_BASE, 1)?;
    dev.write32(&regmap::MSM_MODE, mode::DIGITS)?;
    let t0 = read_cycles(dev.as_mut())?;
    dev.data_write(&dbeats)?;
    let t1 = read_cycles(dev.as_mut())?;
    let adds_at_t1 = dev.read32(&regmap::MSM_ADDS)?;
    let mut polls = 0;
    while dev.read32(&regmap::MSM_STATUS)? & 1 == 0 {
        polls += 1;
    }
    let t2 = read_cycles(dev.as_mut())?;
    let adds = dev.read32(&regmap::MSM_ADDS)?;
    let active = dev.read32(&regmap::MSM_ACTIVE_CYCLES)?;
    println!("n {n} c {c}: digits taken in {} cycles (adds by then {adds_at_t1}), idle after {} more ({polls} polls); adds {adds}, active {active}, utilization {:.3}",
        t1 - t0, t2 - t1, adds as f64 / active as f64);
    Ok(())
}
