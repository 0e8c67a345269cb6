//! A fully pipelined datapath described as a dataflow graph of field operations
//! (Montgomery multiply, modular add, modular subtract), scheduled as soon as possible
//! and generated to structural Verilog.
//!
//! Every operation of the graph gets its own hardware unit, so the datapath accepts a
//! new set of inputs every cycle. An operand that is ready before its partner waits in
//! a shift register ("delay"); all outputs leave together, `latency` cycles after the
//! inputs, with a valid bit and a tag that travel beside the data.
//!
//! Why structural Verilog rather than rust-hdl composition: rust-hdl emits one module
//! definition per *instance*, so a datapath of eleven multipliers would carry eleven
//! copies of the multiplier (and Verilator would compile each). Here the operator
//! blocks are generated once by rust-hdl (module `<field>_mont_mul` etc.) and
//! instantiated by name as often as the graph needs.
//!
//! The same graph is evaluated in software over any ark-ff field ([`Dataflow::evaluate`])
//! so the formula itself is checked against arkworks before any Verilog is built.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Index of a node in a [`Dataflow`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node(usize);

/// A field operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Graph input number `k`.
    Input(usize),
    Mul(Node, Node),
    Add(Node, Node),
    Sub(Node, Node),
}

impl Op {
    fn operands(&self) -> Vec<Node> {
        match *self {
            Op::Input(_) => vec![],
            Op::Mul(a, b) | Op::Add(a, b) | Op::Sub(a, b) => vec![a, b],
        }
    }
}

/// Latencies of the operator blocks, in cycles.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct OpLatency {
    pub mul: usize,
    pub add: usize,
    pub sub: usize,
}

/// The operator modules the generated Verilog instantiates. Each has ports
/// `clock, a, b, in_valid, out, out_valid`.
#[derive(Clone, Debug)]
pub struct OpModules {
    pub mul: String,
    pub add: String,
    pub sub: String,
}

/// A named dataflow graph.
#[derive(Clone, Debug, Default)]
pub struct Dataflow {
    nodes: Vec<(String, Op)>,
    inputs: Vec<Node>,
    outputs: Vec<(String, Node)>,
}

/// Resource and timing figures of a scheduled graph.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DataflowFigures {
    pub latency: usize,
    pub multipliers: usize,
    pub adders: usize,
    pub subtractors: usize,
    /// Words of delay registers inserted to balance operands (sum of delay depths).
    pub delay_words: usize,
}

impl Dataflow {
    pub fn input(&mut self, name: &str) -> Node {
        let n = self.push(name, Op::Input(self.inputs.len()));
        self.inputs.push(n);
        n
    }
    pub fn mul(&mut self, name: &str, a: Node, b: Node) -> Node {
        self.push(name, Op::Mul(a, b))
    }
    pub fn add(&mut self, name: &str, a: Node, b: Node) -> Node {
        self.push(name, Op::Add(a, b))
    }
    pub fn sub(&mut self, name: &str, a: Node, b: Node) -> Node {
        self.push(name, Op::Sub(a, b))
    }
    pub fn output(&mut self, name: &str, n: Node) {
        self.outputs.push((name.to_string(), n));
    }

    fn push(&mut self, name: &str, op: Op) -> Node {
        assert!(
            self.nodes.iter().all(|(n, _)| n != name),
            "node name {name} used twice"
        );
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "node name {name} is not a Verilog identifier"
        );
        self.nodes.push((name.to_string(), op));
        Node(self.nodes.len() - 1)
    }

    pub fn input_names(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .map(|n| self.nodes[n.0].0.as_str())
            .collect()
    }
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Evaluates the graph in software (for checking the formula against arkworks).
    pub fn evaluate<F: ark_ff::Field>(&self, inputs: &[F]) -> Vec<F> {
        assert_eq!(inputs.len(), self.inputs.len(), "input count");
        let mut v: Vec<F> = Vec::with_capacity(self.nodes.len());
        for (_, op) in &self.nodes {
            let x = match *op {
                Op::Input(k) => inputs[k],
                Op::Mul(a, b) => v[a.0] * v[b.0],
                Op::Add(a, b) => v[a.0] + v[b.0],
                Op::Sub(a, b) => v[a.0] - v[b.0],
            };
            v.push(x);
        }
        self.outputs.iter().map(|(_, n)| v[n.0]).collect()
    }

    /// ASAP schedule: the cycle at which each node's value is available (inputs at 0).
    pub fn ready_times(&self, lat: &OpLatency) -> Vec<usize> {
        let mut t = vec![0usize; self.nodes.len()];
        for (i, (_, op)) in self.nodes.iter().enumerate() {
            let start = op.operands().iter().map(|n| t[n.0]).max().unwrap_or(0);
            t[i] = start
                + match op {
                    Op::Input(_) => 0,
                    Op::Mul(..) => lat.mul,
                    Op::Add(..) => lat.add,
                    Op::Sub(..) => lat.sub,
                };
        }
        t
    }

    /// For every node, the delays (in cycles) at which its value is read.
    fn taps(&self, lat: &OpLatency) -> (Vec<usize>, usize, BTreeMap<usize, Vec<usize>>) {
        let t = self.ready_times(lat);
        let latency = self.outputs.iter().map(|(_, n)| t[n.0]).max().unwrap_or(0);
        let mut taps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut need = |node: Node, at: usize| {
            let d = at - t[node.0];
            let e = taps.entry(node.0).or_default();
            if !e.contains(&d) {
                e.push(d);
            }
        };
        for (_, op) in &self.nodes {
            let ops = op.operands();
            if let Some(start) = ops.iter().map(|n| t[n.0]).max() {
                for n in ops {
                    need(n, start);
                }
            }
        }
        for (_, n) in &self.outputs {
            need(*n, latency);
        }
        (t, latency, taps)
    }

    pub fn figures(&self, lat: &OpLatency) -> DataflowFigures {
        let (_, latency, taps) = self.taps(lat);
        let count = |f: fn(&Op) -> bool| self.nodes.iter().filter(|(_, o)| f(o)).count();
        DataflowFigures {
            latency,
            multipliers: count(|o| matches!(o, Op::Mul(..))),
            adders: count(|o| matches!(o, Op::Add(..))),
            subtractors: count(|o| matches!(o, Op::Sub(..))),
            delay_words: taps
                .values()
                .map(|d| d.iter().copied().max().unwrap_or(0))
                .sum(),
        }
    }

    /// Structural Verilog for the graph as module `module_name` with ports `clock`,
    /// one `[word_bits-1:0]` input per graph input and output per graph output,
    /// `in_valid`/`out_valid` and `in_tag`/`out_tag` (`tag_bits` wide) that travel
    /// with the data. The operator modules must be defined elsewhere in the file.
    pub fn verilog(
        &self,
        module_name: &str,
        word_bits: usize,
        tag_bits: usize,
        lat: &OpLatency,
        modules: &OpModules,
    ) -> String {
        let (_t, latency, taps) = self.taps(lat);
        let hi = word_bits - 1;
        let th = tag_bits - 1;
        // Internal values are `n_<node>`; graph inputs are the ports themselves.
        let name = |n: Node| match self.nodes[n.0].1 {
            Op::Input(_) => self.nodes[n.0].0.clone(),
            _ => format!("n_{}", self.nodes[n.0].0),
        };
        let mut v = String::new();
        let mut ports = vec!["input wire clock".to_string()];
        for n in &self.inputs {
            ports.push(format!("input wire [{hi}:0] {}", name(*n)));
        }
        ports.push("input wire in_valid".into());
        ports.push(format!("input wire [{th}:0] in_tag"));
        for (o, _) in &self.outputs {
            ports.push(format!("output wire [{hi}:0] {o}"));
        }
        ports.push("output wire out_valid".into());
        ports.push(format!("output wire [{th}:0] out_tag"));
        writeln!(
            v,
            "// Generated by zkaccel-hdl ec::dataflow: {} multipliers, latency {latency} cycles.",
            self.figures(lat).multipliers
        )
        .unwrap();
        // Non-ANSI header (as rust-hdl writes it), so one port parser reads every design.
        let names: Vec<&str> = ports
            .iter()
            .map(|p| p.rsplit(' ').next().unwrap())
            .collect();
        writeln!(v, "module {module_name}({});", names.join(",")).unwrap();
        for p in &ports {
            writeln!(v, "    {p};").unwrap();
        }
        // Node values (inputs are ports already).
        for (i, (_, op)) in self.nodes.iter().enumerate() {
            if !matches!(op, Op::Input(_)) {
                let n = name(Node(i));
                writeln!(v, "wire [{hi}:0] {n};").unwrap();
                writeln!(v, "wire {n}_valid_unused;").unwrap();
            }
        }
        // Delay chains: one shift register per node that some reader needs late, read
        // at taps. Packed vectors (no loops), so any depth simulates and synthesizes.
        let tap = |node: Node, d: usize| -> String {
            if d == 0 {
                name(node)
            } else {
                format!(
                    "{}_dly[{}:{}]",
                    name(node),
                    word_bits * d - 1,
                    word_bits * (d - 1)
                )
            }
        };
        for (&node, ds) in &taps {
            let depth = ds.iter().copied().max().unwrap_or(0);
            if depth == 0 {
                continue;
            }
            let n = name(Node(node));
            v.push_str(&shift_register(
                &format!("{n}_dly"),
                &n,
                word_bits,
                depth,
                false,
            ));
        }
        // Operators.
        let (t, _, _) = self.taps(lat);
        for (i, (_, op)) in self.nodes.iter().enumerate() {
            let n = name(Node(i));
            let (module, a, b) = match *op {
                Op::Input(_) => continue,
                Op::Mul(a, b) => (&modules.mul, a, b),
                Op::Add(a, b) => (&modules.add, a, b),
                Op::Sub(a, b) => (&modules.sub, a, b),
            };
            let start = t[a.0].max(t[b.0]);
            writeln!(
                v,
                "{module} u_{n}(.clock(clock), .a({}), .b({}), .in_valid(1'b1), .out({n}), .out_valid({n}_valid_unused));",
                tap(a, start - t[a.0]),
                tap(b, start - t[b.0])
            )
            .unwrap();
        }
        // Outputs, aligned.
        for (o, n) in &self.outputs {
            writeln!(v, "assign {o} = {};", tap(*n, latency - t[n.0])).unwrap();
        }
        // Valid and tag.
        v.push_str(&shift_register(
            "tag_dly", "in_tag", tag_bits, latency, false,
        ));
        v.push_str(&shift_register("valid_dly", "in_valid", 1, latency, true));
        writeln!(
            v,
            "assign out_tag = tag_dly[{}:{}];\nassign out_valid = valid_dly[{}];",
            tag_bits * latency - 1,
            tag_bits * (latency - 1),
            latency - 1
        )
        .unwrap();
        writeln!(v, "endmodule // {module_name}").unwrap();
        v
    }
}

/// `reg [width*depth-1:0] reg_name` shifting `input` in at the bottom every cycle;
/// stage `k` (0-based) is bits `[width*(k+1)-1 : width*k]`.
pub(crate) fn shift_register(
    reg_name: &str,
    input: &str,
    width: usize,
    depth: usize,
    init_zero: bool,
) -> String {
    let bits = width * depth;
    let mut v = format!("reg [{}:0] {reg_name};\n", bits - 1);
    if init_zero {
        v.push_str(&format!("initial {reg_name} = {bits}'d0;\n"));
    }
    if depth == 1 {
        v.push_str(&format!("always @(posedge clock) {reg_name} <= {input};\n"));
    } else {
        v.push_str(&format!(
            "always @(posedge clock) {reg_name} <= {{{reg_name}[{}:0], {input}}};\n",
            width * (depth - 1) - 1
        ));
    }
    v
}

/// Renames the modules of a rust-hdl generated design (`top`, `top$child`, ...) so the
/// design can be instantiated as `name` beside others in one file.
pub fn rename_top(verilog: &str, name: &str) -> String {
    verilog
        .replace("module top(", &format!("module {name}("))
        .replace("endmodule // top\n", &format!("endmodule // {name}\n"))
        .replace("top$", &format!("{name}$"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::Fq;
    use ark_ff::UniformRand;

    fn sample() -> Dataflow {
        let mut g = Dataflow::default();
        let a = g.input("a");
        let b = g.input("b");
        let c = g.input("c");
        let ab = g.mul("ab", a, b);
        let s = g.add("s", ab, c);
        let d = g.sub("d", s, a);
        g.output("y", d);
        g.output("z", c);
        g
    }

    #[test]
    fn schedule_is_asap_and_outputs_align() {
        let g = sample();
        let lat = OpLatency {
            mul: 10,
            add: 2,
            sub: 3,
        };
        assert_eq!(g.ready_times(&lat), vec![0, 0, 0, 10, 12, 15]);
        let f = g.figures(&lat);
        assert_eq!(f.latency, 15);
        assert_eq!((f.multipliers, f.adders, f.subtractors), (1, 1, 1));
        // c waits 10 for s, 15 for the output (one chain, depth 15); a waits 12 for d.
        assert_eq!(f.delay_words, 15 + 12);
    }

    #[test]
    fn evaluation_matches_the_formula() {
        let g = sample();
        let mut rng = ark_std::test_rng();
        let (a, b, c) = (Fq::rand(&mut rng), Fq::rand(&mut rng), Fq::rand(&mut rng));
        assert_eq!(g.evaluate(&[a, b, c]), vec![a * b + c - a, c]);
    }

    #[test]
    fn verilog_instantiates_each_operator_once_and_balances() {
        let g = sample();
        let lat = OpLatency {
            mul: 10,
            add: 2,
            sub: 3,
        };
        let m = OpModules {
            mul: "m".into(),
            add: "p".into(),
            sub: "s".into(),
        };
        let v = g.verilog("top", 8, 4, &lat, &m);
        assert!(v.contains("m u_n_ab(.clock(clock), .a(a), .b(b)"), "{v}");
        assert!(v.contains("p u_n_s(.clock(clock), .a(n_ab), .b(c_dly[79:72])"));
        assert!(v.contains("s u_n_d(.clock(clock), .a(n_s), .b(a_dly[95:88])"));
        assert!(v.contains("assign z = c_dly[119:112];"));
        assert!(v.contains("assign y = n_d;"));
    }

    #[test]
    fn rename_keeps_children_distinct() {
        let v = "module top(\n);\ntop$x x();\nendmodule // top\nmodule top$x(\n);\nendmodule // top$x\n";
        let r = rename_top(v, "fq_add");
        assert!(!r.contains("top"), "{r}");
        assert!(r.contains("module fq_add$x("));
    }
}
