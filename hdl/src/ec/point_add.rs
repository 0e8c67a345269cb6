//! The G1 point adder: complete mixed addition on BLS12-381 G1 (y² = x³ + 4 over Fq),
//! fully pipelined, one addition issued per cycle.
//!
//! Formula: Renes–Costello–Batina 2016, Algorithm 8 (complete mixed addition for
//! short Weierstrass curves with a = 0), homogeneous projective coordinates
//! (x = X/Z, y = Y/Z). `P1 = (X1:Y1:Z1)` is any point including the identity
//! (0:1:0); `P2 = (x2, y2)` is an affine point (never the identity — the host drops
//! identity bases, which add nothing). The formula is complete on E(Fq) because the
//! group order h·r is odd (no 2-torsion), so doubling (P1 = P2), P + (−P) and the
//! identity need no special case and no branch: exactly what a pipeline wants.
//!
//! Cost: 11 Montgomery multiplications and 2 multiplications by b3 = 3·b = 12, done as
//! additions (12x = 8x + 4x), plus 10 additions/subtractions.
//! Values are in ark-ff's Montgomery form (R = 2^384) like everywhere on the card.

use super::dataflow::{Dataflow, DataflowFigures, Node, OpLatency};
use super::operators::FieldOperators;
use crate::spec::field::FieldId;

/// The formula as a dataflow graph. Inputs `x1, y1, z1, x2, y2`; outputs `x3, y3, z3`.
pub fn mixed_add_graph() -> Dataflow {
    let mut g = Dataflow::default();
    let x1 = g.input("x1");
    let y1 = g.input("y1");
    let z1 = g.input("z1");
    let x2 = g.input("x2");
    let y2 = g.input("y2");
    // Names follow the paper's steps; SSA names where the paper reuses a register.
    let t0 = g.mul("t0", x1, x2); // 1
    let t1 = g.mul("t1", y1, y2); // 2
    let t3a = g.add("t3a", x2, y2); // 3
    let t4a = g.add("t4a", x1, y1); // 4
    let t3b = g.mul("t3b", t3a, t4a); // 5
    let t4b = g.add("t4b", t0, t1); // 6
    let t3 = g.sub("t3", t3b, t4b); // 7
    let t4c = g.mul("t4c", y2, z1); // 8
    let t4 = g.add("t4", t4c, y1); // 9
    let y3a = g.mul("y3a", x2, z1); // 10
    let y3b = g.add("y3b", y3a, x1); // 11
    let x3a = g.add("x3a", t0, t0); // 12
    let t0b = g.add("t0b", x3a, t0); // 13: 3·t0
    let t2 = times_b3(&mut g, "z1b3", z1); // 14
    let z3a = g.add("z3a", t1, t2); // 15
    let t1b = g.sub("t1b", t1, t2); // 16
    let y3c = times_b3(&mut g, "y3b3", y3b); // 17
    let x3b = g.mul("x3b", t4, y3c); // 18
    let t2b = g.mul("t2b", t3, t1b); // 19
    let x3 = g.sub("x3", t2b, x3b); // 20
    let y3d = g.mul("y3d", y3c, t0b); // 21
    let t1c = g.mul("t1c", t1b, z3a); // 22
    let y3 = g.add("y3", t1c, y3d); // 23
    let t0c = g.mul("t0c", t0b, t3); // 24
    let z3b = g.mul("z3b", z3a, t4); // 25
    let z3 = g.add("z3", z3b, t0c); // 26
    g.output("x3", x3);
    g.output("y3", y3);
    g.output("z3", z3);
    g
}

/// 12·x = 8x + 4x with three doublings and one addition.
fn times_b3(g: &mut Dataflow, name: &str, x: Node) -> Node {
    let x2 = g.add(&format!("{name}_2"), x, x);
    let x4 = g.add(&format!("{name}_4"), x2, x2);
    let x8 = g.add(&format!("{name}_8"), x4, x4);
    g.add(name, x8, x4)
}

/// Latencies of the Fq operators this build uses.
pub fn fq_op_latency() -> OpLatency {
    FieldOperators::get(FieldId::Fq).latency
}

/// Figures of the point adder (latency, operator counts, delay registers).
pub fn point_add_figures() -> DataflowFigures {
    mixed_add_graph().figures(&fq_op_latency())
}

/// DSP tiles of the point adder (11 multipliers).
pub fn point_add_dsp_tiles() -> usize {
    FieldOperators::get(FieldId::Fq).mul_dsp_tiles * point_add_figures().multipliers
}

/// The point adder as module `module_name` (tag `tag_bits` wide), followed by the
/// operator modules it instantiates. Ports: `clock, x1, y1, z1, x2, y2, in_valid,
/// in_tag, x3, y3, z3, out_valid, out_tag`.
pub fn point_add_verilog(module_name: &str, tag_bits: usize, with_cores: bool) -> String {
    FieldOperators::get(FieldId::Fq).verilog(&mixed_add_graph(), module_name, tag_bits, with_cores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::{Fq, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{Field, One, UniformRand, Zero};

    /// Homogeneous (X:Y:Z) -> affine, via the software graph's output.
    fn to_affine(x: Fq, y: Fq, z: Fq) -> G1Affine {
        if z.is_zero() {
            return G1Affine::identity();
        }
        let zi = z.inverse().unwrap();
        G1Affine::new(x * zi, y * zi)
    }

    fn add(p1: (Fq, Fq, Fq), p2: G1Affine) -> G1Affine {
        let (x2, y2) = p2.xy().unwrap();
        let o = mixed_add_graph().evaluate(&[p1.0, p1.1, p1.2, x2, y2]);
        to_affine(o[0], o[1], o[2])
    }

    fn proj(p: G1Affine, scale: Fq) -> (Fq, Fq, Fq) {
        match p.xy() {
            Some((x, y)) => (x * scale, y * scale, scale),
            None => (Fq::zero(), scale, Fq::zero()),
        }
    }

    #[test]
    fn formula_matches_arkworks_on_every_case() {
        let mut rng = ark_std::test_rng();
        for _ in 0..50 {
            let p: G1Affine = G1Projective::rand(&mut rng).into_affine();
            let q: G1Affine = G1Projective::rand(&mut rng).into_affine();
            let s = Fq::rand(&mut rng);
            assert_eq!(add(proj(p, s), q), (p + q).into_affine(), "P + Q");
            assert_eq!(add(proj(q, s), q), (q + q).into_affine(), "P + P");
            assert_eq!(add(proj(-q, s), q), G1Affine::identity(), "-P + P");
            assert_eq!(add(proj(G1Affine::identity(), s), q), q, "O + P");
            assert_eq!(add(proj(G1Affine::identity(), Fq::one()), q), q, "O + P");
        }
    }

    #[test]
    fn figures() {
        let f = point_add_figures();
        assert_eq!(f.multipliers, 11);
        let lat = fq_op_latency();
        // Two multiplier levels plus at most six additions on the critical path.
        assert!(
            f.latency > 2 * lat.mul && f.latency <= 2 * lat.mul + 6 * lat.add,
            "{f:?}"
        );
    }

    #[test]
    fn verilog_defines_every_module_once() {
        let v = point_add_verilog("g1_add", 12, true);
        for m in ["zk_fq_mont_mul", "zk_fq_add", "zk_fq_sub", "g1_add"] {
            assert_eq!(v.matches(&format!("module {m}(")).count(), 1, "{m}");
        }
        assert!(!v.contains("module top"), "no rust-hdl top left");
    }
}
