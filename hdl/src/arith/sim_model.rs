//! Simulation models of the field operators: the same ports, the same latency and
//! bit for bit the same function as the generated Montgomery multiplier
//! ([`super::mont_mul`]) and modular adder/subtractor ([`super::mod_add`]), written
//! with Verilog's wide operators instead of DSP tiles and compressor trees.
//!
//! They exist for simulation speed only: Verilator evaluates one of these in a few
//! hundred word operations per cycle, where the generated multiplier is ~90k register
//! bits and as many gates. The simulator builds the point adder and the card with them
//! by default (`ZKACCEL_SIM_OPERATORS=rtl` builds them with the generated operators),
//! and tests them against ark-ff exactly like the generated operators, which are
//! tested standalone and inside the Fr butterfly. They are never synthesized: yosys and
//! the fit report see only the generated operators.
//!
//! The function matches for every input, reduced or not: the multiplier reads the low
//! `modulus_bits` of each operand, forms `t = (a·b + m·p) / R mod 2^w` with
//! `m = a·b·N' mod R`, and returns `t − p` unless its top bit is set; the adder and
//! subtractor form `a ± b` and `a ± b ∓ p` modulo `2^w` and select on the top bit.

use super::mod_add::{mod_add_sub_latency, AddSub};
use super::mont_mul::mont_mul_figures;
use crate::spec::field::{FieldId, FieldSpec};
use std::fmt::Write;

/// The ports and the delay line shared by the models: the result computed from this
/// cycle's inputs is written into a ring of `latency` entries and read `latency`
/// cycles later; `out_valid` is `in_valid` delayed likewise (starting at zero).
/// `body` declares `result` (the value to delay); `at_edge` is run in the clocked block
/// just before `result` is stored (a DPI call that computes it, or nothing).
fn model_module(
    name: &str,
    w: usize,
    latency: usize,
    comment: &str,
    body: &str,
    at_edge: &str,
) -> String {
    assert!(
        latency >= 1,
        "an operator model needs a latency of at least one cycle"
    );
    let ptr_bits = usize::BITS as usize - (latency.max(2) - 1).leading_zeros() as usize;
    let mut v = String::new();
    for line in comment.lines() {
        writeln!(v, "// {line}").unwrap();
    }
    writeln!(v, "module {name}(clock,a,b,in_valid,out,out_valid);").unwrap();
    writeln!(v, "    input wire clock;").unwrap();
    writeln!(v, "    input wire [{}:0] a;", w - 1).unwrap();
    writeln!(v, "    input wire [{}:0] b;", w - 1).unwrap();
    writeln!(v, "    input wire in_valid;").unwrap();
    writeln!(v, "    output wire [{}:0] out;", w - 1).unwrap();
    writeln!(v, "    output wire out_valid;").unwrap();
    v.push_str(body);
    writeln!(v, "reg [{}:0] ring [0:{}];", w - 1, latency - 1).unwrap();
    writeln!(v, "reg [{}:0] valid_line;", latency - 1).unwrap();
    writeln!(v, "initial valid_line = {latency}'d0;").unwrap();
    writeln!(v, "reg [{}:0] at;", ptr_bits - 1).unwrap();
    writeln!(v, "initial at = {ptr_bits}'d0;").unwrap();
    writeln!(v, "always @(posedge clock) begin").unwrap();
    if !at_edge.is_empty() {
        writeln!(v, "    {at_edge}").unwrap();
    }
    writeln!(v, "    ring[at] <= result;").unwrap();
    if latency == 1 {
        writeln!(v, "    valid_line <= in_valid;").unwrap();
    } else {
        writeln!(
            v,
            "    valid_line <= {{valid_line[{}:0], in_valid}};",
            latency - 2
        )
        .unwrap();
    }
    writeln!(
        v,
        "    at <= (at == {ptr_bits}'d{}) ? {ptr_bits}'d0 : at + {ptr_bits}'d1;",
        latency - 1
    )
    .unwrap();
    writeln!(v, "end").unwrap();
    writeln!(v, "assign out = ring[at];").unwrap();
    writeln!(v, "assign out_valid = valid_line[{}];", latency - 1).unwrap();
    writeln!(v, "endmodule // {name}").unwrap();
    v
}

/// The C function (DPI) that computes the field's Montgomery product for the model.
fn mont_mul_dpi_name(id: FieldId) -> String {
    format!("zkaccel_mont_mul_{}", FieldSpec::get(id).name)
}

/// The simulation model of the field's Montgomery multiplier as module `name`. The
/// product is computed once per clock edge by a C function over 64-bit limbs
/// ([`dpi_c_source`]), imported through the DPI: Verilator's wide multiplications
/// would cost ~20 µs per cycle and per multiplier.
pub fn mont_mul_model_verilog(id: FieldId, name: &str) -> String {
    let f = FieldSpec::get(id);
    let w = f.word_bits;
    let latency = mont_mul_figures(id).latency;
    let dpi = mont_mul_dpi_name(id);
    let mut body = String::new();
    writeln!(
        body,
        "import \"DPI-C\" function void {dpi}(input bit [{h}:0] a, input bit [{h}:0] b, output bit [{h}:0] product);",
        h = w - 1
    )
    .unwrap();
    writeln!(body, "reg [{}:0] result;", w - 1).unwrap();
    let at_edge = format!("{dpi}(a, b, result);");
    model_module(
        name,
        w,
        latency,
        &format!(
            "Simulation model of the {} Montgomery multiplier (zkaccel-hdl arith::sim_model):\n\
             same ports, latency ({latency} cycles) and function as the generated one; not for synthesis.",
            f.name
        ),
        &body,
        &at_edge,
    )
}

/// C++ source of the models' DPI functions: for each field,
/// `zkaccel_mont_mul_<field>(a, b, product)` computing exactly what the generated
/// multiplier computes (see the module docs), over 64-bit limbs. Compiled once into the
/// simulator's runtime library.
pub fn dpi_c_source() -> String {
    let mut c = String::from(
        "// Generated by zkaccel-hdl arith::sim_model::dpi_c_source: the operator models' DPI functions.\n\
         #include <stdint.h>\n\
         typedef unsigned __int128 u128;\n\
         // out = x*y over n limbs: all 2n limbs, or only the low n (out zeroed by the caller).\n\
         static void mul(const uint64_t* x, const uint64_t* y, uint64_t* out, int n, int low_only) {\n\
           for (int i = 0; i < n; i++) {\n\
             uint64_t carry = 0;\n\
             for (int j = 0; j < n && (!low_only || i + j < n); j++) {\n\
               u128 v = (u128)x[i] * y[j] + out[i + j] + carry;\n\
               out[i + j] = (uint64_t)v; carry = (uint64_t)(v >> 64);\n\
             }\n\
             if (!low_only) out[i + n] = carry;\n\
           }\n\
         }\n\
         // t = (a'b' + m p) / R mod R, m = a'b' N' mod R, out = (t - p) unless its top bit is set.\n\
         static void mont_mul(const uint32_t* a32, const uint32_t* b32, uint32_t* out32, int n, int bits,\n\
                              const uint64_t* p, const uint64_t* np) {\n\
           uint64_t a[6] = {0}, b[6] = {0}, t[12] = {0}, m[6] = {0}, u[12] = {0}, s[6], d[6];\n\
           for (int i = 0; i < n; i++) {\n\
             a[i] = (uint64_t)a32[2 * i] | ((uint64_t)a32[2 * i + 1] << 32);\n\
             b[i] = (uint64_t)b32[2 * i] | ((uint64_t)b32[2 * i + 1] << 32);\n\
           }\n\
           for (int i = 0; i < n; i++) {\n\
             int lo = bits - 64 * i;\n\
             uint64_t keep = lo >= 64 ? ~0ull : (lo <= 0 ? 0 : ((1ull << lo) - 1));\n\
             a[i] &= keep; b[i] &= keep;\n\
           }\n\
           mul(a, b, t, n, 0);\n\
           mul(t, np, m, n, 1);\n\
           mul(m, p, u, n, 0);\n\
           uint64_t carry = 0;\n\
           for (int i = 0; i < 2 * n; i++) {\n\
             u128 x = (u128)t[i] + u[i] + carry;\n\
             if (i >= n) s[i - n] = (uint64_t)x;\n\
             carry = (uint64_t)(x >> 64);\n\
           }\n\
           uint64_t borrow = 0;\n\
           for (int i = 0; i < n; i++) {\n\
             u128 x = (u128)s[i] - p[i] - borrow;\n\
             d[i] = (uint64_t)x; borrow = (uint64_t)(x >> 64) ? 1 : 0;\n\
           }\n\
           const uint64_t* r = (d[n - 1] >> 63) ? s : d;\n\
           for (int i = 0; i < n; i++) { out32[2 * i] = (uint32_t)r[i]; out32[2 * i + 1] = (uint32_t)(r[i] >> 32); }\n\
         }\n",
    );
    for id in [FieldId::Fq, FieldId::Fr] {
        let f = FieldSpec::get(id);
        let n = f.word_bits / 64;
        assert_eq!(n * 64, f.word_bits);
        let limbs = |v: &num_bigint::BigUint| -> String {
            let mut d = v.to_u64_digits();
            d.resize(n, 0);
            d.iter()
                .map(|x| format!("0x{x:016x}ull"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = f.name;
        writeln!(
            c,
            "static const uint64_t P_{name}[{n}] = {{{}}};",
            limbs(&f.modulus)
        )
        .unwrap();
        writeln!(
            c,
            "static const uint64_t NP_{name}[{n}] = {{{}}};",
            limbs(&f.n_prime)
        )
        .unwrap();
        writeln!(
            c,
            "extern \"C\" void {}(const uint32_t* a, const uint32_t* b, uint32_t* product) {{\n  mont_mul(a, b, product, {n}, {}, P_{name}, NP_{name});\n}}",
            mont_mul_dpi_name(id),
            f.modulus_bits
        )
        .unwrap();
    }
    c
}

/// The simulation model of the field's modular adder or subtractor as module `name`.
pub fn mod_add_sub_model_verilog(id: FieldId, kind: AddSub, name: &str) -> String {
    let f = FieldSpec::get(id);
    let w = f.word_bits;
    let latency = mod_add_sub_latency(id, kind);
    let mut body = String::new();
    writeln!(body, "localparam [{}:0] P = {w}'h{:x};", w - 1, f.modulus).unwrap();
    let (what, plain, corrected, select) = match kind {
        AddSub::Add => ("adder", "a + b", "a + b - P", "c[W] ? s : c"),
        AddSub::Sub => ("subtractor", "a - b", "a - b + P", "s[W] ? c : s"),
    };
    writeln!(body, "wire [{}:0] s = {plain};", w - 1).unwrap();
    writeln!(body, "wire [{}:0] c = {corrected};", w - 1).unwrap();
    writeln!(
        body,
        "wire [{}:0] result = {};",
        w - 1,
        select.replace('W', &(w - 1).to_string())
    )
    .unwrap();
    model_module(
        name,
        w,
        latency,
        &format!(
            "Simulation model of the {} modular {what} (zkaccel-hdl arith::sim_model):\n\
             same ports, latency ({latency} cycles) and function as the generated one; not for synthesis.",
            f.name
        ),
        &body,
        "",
    )
}

/// `verilog` (a design that instantiates the field operators, e.g. the card) with the
/// definitions of every generated operator module it contains replaced by its
/// simulation model. Instances, ports and latencies are unchanged.
pub fn with_operator_models(verilog: &str) -> String {
    let mut v = verilog.to_string();
    for id in [FieldId::Fq, FieldId::Fr] {
        let ops = crate::ec::operators::FieldOperators::get(id);
        let m = &ops.modules;
        let models = [
            (m.mul.clone(), mont_mul_model_verilog(id, &m.mul)),
            (
                m.add.clone(),
                mod_add_sub_model_verilog(id, AddSub::Add, &m.add),
            ),
            (
                m.sub.clone(),
                mod_add_sub_model_verilog(id, AddSub::Sub, &m.sub),
            ),
        ];
        for (name, model) in models {
            v = replace_module(&v, &name, &model);
        }
    }
    v
}

/// Replaces module `name` (with the comment lines right above it) by `text`, if present.
fn replace_module(verilog: &str, name: &str, text: &str) -> String {
    let Some(start) = verilog.find(&format!("\nmodule {name}(")) else {
        return verilog.to_string();
    };
    let end_marker = format!("endmodule // {name}\n");
    let end = start
        + verilog[start..]
            .find(&end_marker)
            .unwrap_or_else(|| panic!("module {name} has no '{}'", end_marker.trim()))
        + end_marker.len();
    // Back over the comment block that introduces the module.
    let mut begin = start + 1;
    while let Some(prev_end) = verilog[..begin - 1].rfind('\n') {
        if verilog[prev_end + 1..begin].starts_with("//") {
            begin = prev_end + 1;
        } else {
            break;
        }
    }
    format!("{}{}{}", &verilog[..begin], text, &verilog[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_replace_the_generated_operators() {
        let v = crate::ec::point_add::point_add_verilog("g1", 8, true);
        let m = with_operator_models(&v);
        assert!(m.contains("module zk_fq_mont_mul("));
        assert!(m.contains("Simulation model of the fq Montgomery multiplier"));
        assert!(!m.contains("Generated by zkaccel-hdl arith::mont_mul"));
        assert_eq!(m.matches("module zk_fq_add(").count(), 1);
        assert!(
            m.len() < v.len() / 10,
            "models are small: {} vs {}",
            m.len(),
            v.len()
        );
        // The graph itself is untouched.
        let graph_end = v.find("endmodule // g1").unwrap();
        assert_eq!(&m[..graph_end], &v[..graph_end]);
    }
}
