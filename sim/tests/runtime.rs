//! The simulator runtime: port access of every width, errors, waveforms.

use num_bigint::BigUint;
use zkaccel_sim::{Model, SimError, DESIGNS};

#[test]
fn every_design_instantiates_and_exposes_its_clock() {
    for d in DESIGNS {
        let m = Model::new(d.name).unwrap();
        assert!(m.port("clock").is_ok(), "{}", d.name);
    }
}

#[test]
fn ports_of_every_width_round_trip() {
    let mut m = Model::new("card").unwrap();
    for (name, width) in [
        ("reset", 1),
        ("s_axil_wstrb", 4),
        ("s_axil_wdata", 32),
        ("s_data_tdata", 512),
    ] {
        let p = m.port(name).unwrap();
        assert_eq!(
            m.info()
                .ports
                .iter()
                .find(|q| q.name == name)
                .unwrap()
                .width,
            width
        );
        let v = (BigUint::from(1u8) << width) - 1u8;
        m.set(p, &v).unwrap();
        assert_eq!(m.get(p), v, "{name}");
        let v = BigUint::from(1u8) << (width / 2);
        m.set(p, &v).unwrap();
        assert_eq!(m.get(p), v, "{name}");
    }
    let mut a = Model::new("fq_add").unwrap();
    let p = a.port("a").unwrap();
    let limbs = [1u64, 2, 3, 4, 5, 0x0fff_ffff_ffff_ffff];
    a.set_limbs(p, &limbs).unwrap();
    assert_eq!(a.get_limbs(p), limbs);
}

#[test]
fn bad_port_use_is_an_error_not_a_panic() {
    let mut m = Model::new("fq_add").unwrap();
    assert!(matches!(
        Model::new("nope"),
        Err(SimError::UnknownDesign { .. })
    ));
    assert!(matches!(m.port("nope"), Err(SimError::UnknownPort { .. })));
    let out = m.port("out").unwrap();
    assert!(matches!(
        m.set_u64(out, 1),
        Err(SimError::DrivingOutput { .. })
    ));
    let a = m.port("a").unwrap();
    let too_wide = BigUint::from(1u8) << 384;
    let e = m.set(a, &too_wide).unwrap_err();
    assert!(
        matches!(
            e,
            SimError::ValueTooWide {
                bits: 385,
                width: 384,
                ..
            }
        ),
        "{e}"
    );
    let v = m.port("in_valid").unwrap();
    assert!(matches!(
        m.set_u64(v, 2),
        Err(SimError::ValueTooWide { .. })
    ));
}

#[test]
fn waveform_is_written_on_request() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("w/fq_add.fst");
    {
        let mut m = Model::new("fq_add").unwrap();
        m.trace_to(&path).unwrap();
        assert!(
            m.trace_to(&path).is_err(),
            "a second trace on one model is refused"
        );
        for _ in 0..10 {
            m.tick();
        }
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 100, "FST file has {} bytes", bytes.len());
}
