//! A scheduled bit-vector netlist: the representation every arithmetic block is
//! generated from.
//!
//! A block is built as a list of nodes, each a bit vector of a fixed width computed by
//! one operation (concatenation, inversion, 3:2 compression, a short sum, a DSP tile
//! of a cascade column, a reduction, a multiplexer) from parts of earlier nodes. A node is either a
//! wire (combinational, ready in the cycle of its operands) or a register (ready one
//! cycle later). The builder knows the cycle at which every node is valid and delays
//! operands automatically (shift registers, shared per node part) so that every
//! operation reads values of the same input; the result is a pipeline that accepts one
//! input per cycle with a fixed latency.
//!
//! The same netlist is
//! * emitted as one flat Verilog module ([`Netlist::verilog`]), the hardware, and
//! * evaluated in Rust over [`BigUint`]s ([`Netlist::evaluate`]), so the arithmetic of
//!   a generator (Karatsuba recombination, constant multiplication, carry handling)
//!   is checked against ark-ff in plain unit tests before Verilator runs the Verilog.
//!
//! Every Verilog expression is assigned to a vector of exactly its node's width, with
//! operands no wider than that (parts are sliced explicitly), so Verilog's
//! context-dependent widths never change a result: `+` is a sum modulo `2^width`,
//! `~` inverts exactly the operand's bits.

use super::dsp_tile::{
    cascade_tile_verilog, CASCADE_P_BITS, CASCADE_SHIFT, TILE_A_BITS, TILE_B_BITS,
};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Delay lines at least this many cycles long may become shift-register LUTs
/// (SRL16E/SRLC32E, one LUT per bit for up to 32 cycles); every other register of a
/// netlist is marked `shreg_extract = "no"` and stays a flip-flop. The card is
/// LUT-bound (48 % of the F2 part's LUTs and 27 % of its flip-flops with the short
/// chains in SRLs, 44 % and 39 % without; docs/architecture.md), and the short chains
/// synthesis would otherwise pack into SRLs — a multiplier's 2–5-cycle skews, and
/// pipeline registers whose bits only pass through a stage — cost 3–6 flip-flops per
/// LUT saved, slots a CLB already holding the logic's LUTs has free (8 LUTs and 16
/// flip-flops per CLB). A flip-flop's clock-to-out is also far shorter than an SRL's,
/// at the start of every path it begins.
pub const SHIFT_REGISTER_MIN_CYCLES: usize = 8;

/// Index of a node in a [`Netlist`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(usize);

/// An operand: a bit range of a node, a run of zeros, or a constant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// Bits `[lo, lo + width)` of `node`.
    Part {
        node: NodeId,
        lo: usize,
        width: usize,
    },
    Zeros(usize),
    Const {
        value: BigUint,
        width: usize,
    },
}

impl Operand {
    pub fn width(&self) -> usize {
        match self {
            Operand::Part { width, .. } | Operand::Const { width, .. } => *width,
            Operand::Zeros(w) => *w,
        }
    }
    /// Bits `[lo, lo + width)` of this operand.
    pub fn slice(&self, lo: usize, width: usize) -> Operand {
        assert!(
            lo + width <= self.width() && width > 0,
            "slice [{lo}, +{width}) of a {}-bit operand",
            self.width()
        );
        match self {
            Operand::Part { node, lo: l, .. } => Operand::Part {
                node: *node,
                lo: l + lo,
                width,
            },
            Operand::Zeros(_) => Operand::Zeros(width),
            Operand::Const { value, .. } => Operand::Const {
                value: (value >> lo) & mask(width),
                width,
            },
        }
    }
    pub fn constant(value: &BigUint, width: usize) -> Operand {
        assert!(
            value.bits() as usize <= width,
            "constant wider than {width} bits"
        );
        Operand::Const {
            value: value.clone(),
            width,
        }
    }
    fn node(&self) -> Option<NodeId> {
        match self {
            Operand::Part { node, .. } => Some(*node),
            _ => None,
        }
    }
}

/// The operation that computes a node.
#[derive(Clone, Debug)]
pub enum Op {
    /// Module input number `k`.
    Input(usize),
    /// Parts placed least significant first.
    Concat(Vec<Operand>),
    /// Bitwise inversion of exactly the operand's bits.
    Not(Operand),
    /// Bitwise `a ^ b ^ c` (the sum output of a 3:2 compressor).
    Xor3(Operand, Operand, Operand),
    /// Bitwise majority (the carry output of a 3:2 compressor, before its shift).
    Maj3(Operand, Operand, Operand),
    /// `a + b + ...` modulo `2^width`: a carry chain (short: callers keep it short).
    Sum(Vec<Operand>),
    /// One DSP tile (`a` at most [`TILE_A_BITS`], `b` at most [`TILE_B_BITS`]) of a
    /// cascade column: `a · b + (prev >> 17)`, `prev` the whole of
    /// the column's previous tile (read through the DSP48E2's `PCIN`, so never
    /// delayed), or `a · b` for a column's first tile (`None`). See
    /// [`super::dsp_tile::cascade_tile_verilog`].
    CascadeTile {
        a: Operand,
        b: Operand,
        prev: Option<Operand>,
    },
    /// Bitwise `a & b` / `a | b`.
    And(Operand, Operand),
    Or(Operand, Operand),
    /// One bit: any bit of the operand set / all bits set.
    OrReduce(Operand),
    AndReduce(Operand),
    /// `sel ? one : zero`, `sel` one bit.
    Mux {
        sel: Operand,
        one: Operand,
        zero: Operand,
    },
    /// A plain copy (a register stage when the node is registered).
    Copy(Operand),
}

#[derive(Clone, Debug)]
struct NodeDef {
    name: String,
    width: usize,
    /// Cycle (after the inputs) at which the node holds the value for input 0.
    at: usize,
    registered: bool,
    /// Registers that must start at zero (valid bits).
    init_zero: bool,
    /// A delay line's register: the operand it delays ([`Netlist::at`]).
    delays: Option<Operand>,
    op: Op,
}

/// Cost and timing figures of a netlist.
#[derive(Clone, Debug, Default, serde::Serialize, PartialEq, Eq)]
pub struct NetlistFigures {
    /// Input-to-output latency in cycles.
    pub latency: usize,
    /// DSP tiles (26 × 17 products).
    pub dsp_tiles: usize,
    /// Register bits (flip-flops), delay lines included.
    pub register_bits: usize,
    /// Bits of 3:2 compression (each about one LUT).
    pub compressor_bits: usize,
    /// Bits of carry-propagate sums.
    pub carry_chain_bits: usize,
    /// The longest carry chain in one stage, in bits.
    pub longest_carry_chain: usize,
}

/// A netlist under construction (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Netlist {
    nodes: Vec<NodeDef>,
    inputs: Vec<(String, NodeId)>,
    outputs: Vec<(String, Operand)>,
    delays: HashMap<(Operand, usize), Operand>,
}

pub(crate) fn mask(width: usize) -> BigUint {
    (BigUint::one() << width) - 1u32
}

impl Netlist {
    /// A module input of `width` bits, valid at cycle 0.
    pub fn input(&mut self, name: &str, width: usize) -> Operand {
        let k = self.inputs.len();
        let id = self.push(name, width, 0, false, Op::Input(k));
        self.inputs.push((name.to_string(), id));
        self.full(id)
    }

    /// A module output (all outputs must be valid in the same cycle: the latency).
    pub fn output(&mut self, name: &str, value: Operand) {
        self.outputs.push((name.to_string(), value));
    }

    /// The whole of node `id` as an operand.
    pub fn full(&self, id: NodeId) -> Operand {
        Operand::Part {
            node: id,
            lo: 0,
            width: self.nodes[id.0].width,
        }
    }

    /// The cycle at which an operand is valid (constants: any, reported as 0).
    pub fn ready(&self, o: &Operand) -> usize {
        o.node().map(|n| self.nodes[n.0].at).unwrap_or(0)
    }

    /// `o` delayed to be valid at cycle `at` (≥ its own cycle), through a shift
    /// register shared by every reader of the same part.
    pub fn at(&mut self, o: &Operand, at: usize) -> Operand {
        let Some(_) = o.node() else {
            return o.clone();
        };
        let now = self.ready(o);
        assert!(at >= now, "operand valid at {now} is needed at {at}");
        if at == now {
            return o.clone();
        }
        if let Some(d) = self.delays.get(&(o.clone(), at)) {
            return d.clone();
        }
        // Wiring (a concatenation, an inversion) is rebuilt from delayed sources rather
        // than delayed itself: the sources' delay lines are shared by every reader and
        // the zero padding of a concatenation costs no register.
        if let Operand::Part { node, lo, width } = o {
            let def = self.nodes[node.0].clone();
            let (lo, width) = (*lo, *width);
            let rebuilt = match (&def.op, def.registered) {
                (Op::Not(a), false) => Some(Op::Not(self.at(&a.slice(lo, width), at))),
                (Op::Concat(parts), false) => {
                    // Only the parts under the requested bits.
                    let mut out = vec![];
                    let mut base = 0;
                    for p in parts {
                        let (s, e) = (base.max(lo), (base + p.width()).min(lo + width));
                        if s < e {
                            out.push(self.at(&p.slice(s - base, e - s), at));
                        }
                        base += p.width();
                    }
                    Some(Op::Concat(out))
                }
                _ => None,
            };
            if let Some(op) = rebuilt {
                let stem = def
                    .name
                    .rsplit_once('_')
                    .map(|x| x.0)
                    .unwrap_or(&def.name)
                    .to_string();
                let id = self.push(&stem, width, at, false, op);
                let d = self.full(id);
                self.delays.insert((o.clone(), at), d.clone());
                return d;
            }
        }
        let prev = self.at(o, at - 1);
        let init = match o {
            Operand::Part { node, .. } => self.nodes[node.0].init_zero,
            _ => false,
        };
        let source = match o {
            Operand::Part { node, .. } => self.nodes[node.0].name.clone(),
            _ => unreachable!(),
        };
        let name = format!(
            "{}_d{}",
            source.rsplit_once('_').map(|x| x.0).unwrap_or(&source),
            at
        );
        let id = self.push(&name, o.width(), at, true, Op::Copy(prev));
        self.nodes[id.0].init_zero = init;
        self.nodes[id.0].delays = Some(o.clone());
        let d = self.full(id);
        self.delays.insert((o.clone(), at), d.clone());
        d
    }

    /// Adds an operation; its operands are delayed to the cycle of the latest one.
    /// A registered node is valid one cycle after its operands.
    pub fn op(&mut self, name: &str, width: usize, registered: bool, op: Op) -> Operand {
        let operands = op_operands(&op);
        let t = operands.iter().map(|o| self.ready(o)).max().unwrap_or(0);
        if let Op::CascadeTile { prev: Some(p), .. } = &op {
            let whole = matches!(p, Operand::Part { node, lo: 0, width }
                if *width == self.nodes[node.0].width);
            assert!(
                whole && self.ready(p) == t && !self.is_wire(p),
                "{name}: a cascade tile's operands must be ready by its predecessor's cycle \
                 (PCIN cannot be delayed)"
            );
        }
        let mut aligned = op;
        for o in op_operands_mut(&mut aligned) {
            *o = self.at(o, t);
        }
        check_widths(&aligned, width);
        let id = self.push(name, width, t + registered as usize, registered, aligned);
        self.full(id)
    }

    /// A register stage holding `o`.
    pub fn reg(&mut self, name: &str, o: &Operand) -> Operand {
        self.op(name, o.width(), true, Op::Copy(o.clone()))
    }

    /// Marks the register behind `o` (and the delay lines copied from it) to start at
    /// zero: for valid bits.
    pub fn init_zero(&mut self, o: &Operand) {
        if let Some(n) = o.node() {
            self.nodes[n.0].init_zero = true;
        }
    }

    fn push(&mut self, name: &str, width: usize, at: usize, registered: bool, op: Op) -> NodeId {
        assert!(width > 0, "node {name} has no bits");
        self.nodes.push(NodeDef {
            name: format!("{name}_{}", self.nodes.len()),
            width,
            at,
            registered,
            init_zero: false,
            delays: None,
            op,
        });
        NodeId(self.nodes.len() - 1)
    }

    /// Whether `o` is (part of) a combinational node: neither a register nor an input.
    pub fn is_wire(&self, o: &Operand) -> bool {
        match o.node() {
            Some(id) => {
                let d = &self.nodes[id.0];
                !d.registered && !matches!(d.op, Op::Input(_))
            }
            None => false,
        }
    }

    /// The latency: the cycle at which the outputs are valid.
    pub fn latency(&self) -> usize {
        let ts: Vec<usize> = self.outputs.iter().map(|(_, o)| self.ready(o)).collect();
        let l = ts.iter().copied().max().unwrap_or(0);
        assert!(
            ts.iter().all(|&t| t == l),
            "outputs leave in different cycles: {ts:?}"
        );
        l
    }

    pub fn figures(&self) -> NetlistFigures {
        let mut f = NetlistFigures {
            latency: self.latency(),
            ..Default::default()
        };
        for n in &self.nodes {
            if n.registered {
                f.register_bits += n.width;
            }
            match &n.op {
                Op::CascadeTile { .. } => f.dsp_tiles += 1,
                Op::Xor3(..) => f.compressor_bits += n.width,
                Op::Sum(..) => {
                    f.carry_chain_bits += n.width;
                    f.longest_carry_chain = f.longest_carry_chain.max(n.width);
                }
                _ => {}
            }
        }
        f
    }

    /// Evaluates the netlist in software: the values of the outputs for one set of
    /// inputs (timing is ignored: every node computes its function).
    pub fn evaluate(&self, inputs: &[BigUint]) -> Vec<BigUint> {
        assert_eq!(inputs.len(), self.inputs.len(), "input count");
        let mut v: Vec<BigUint> = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let get = |o: &Operand| -> BigUint {
                match o {
                    Operand::Part { node, lo, width } => (&v[node.0] >> *lo) & mask(*width),
                    Operand::Zeros(_) => BigUint::zero(),
                    Operand::Const { value, .. } => value.clone(),
                }
            };
            let m = mask(n.width);
            let x = match &n.op {
                Op::Input(k) => inputs[*k].clone() & &m,
                Op::Concat(parts) => {
                    let mut acc = BigUint::zero();
                    let mut sh = 0;
                    for p in parts {
                        acc |= get(p) << sh;
                        sh += p.width();
                    }
                    acc
                }
                Op::Not(a) => get(a) ^ mask(a.width()),
                Op::Xor3(a, b, c) => get(a) ^ get(b) ^ get(c),
                Op::Maj3(a, b, c) => {
                    let (a, b, c) = (get(a), get(b), get(c));
                    (&a & &b) | (&a & &c) | (&b & &c)
                }
                Op::Sum(xs) => xs.iter().map(get).fold(BigUint::zero(), |s, x| s + x),
                Op::CascadeTile { a, b, prev } => {
                    get(a) * get(b)
                        + prev
                            .as_ref()
                            .map(|p| get(p) >> CASCADE_SHIFT)
                            .unwrap_or_default()
                }
                Op::And(a, b) => get(a) & get(b),
                Op::Or(a, b) => get(a) | get(b),
                Op::OrReduce(a) => BigUint::from((!get(a).is_zero()) as u32),
                Op::AndReduce(a) => BigUint::from((get(a) == mask(a.width())) as u32),
                Op::Mux { sel, one, zero } => {
                    if get(sel).is_zero() {
                        get(zero)
                    } else {
                        get(one)
                    }
                }
                Op::Copy(a) => get(a),
            };
            v.push(x & m);
        }
        self.outputs
            .iter()
            .map(|(_, o)| match o {
                Operand::Part { node, lo, width } => (&v[node.0] >> *lo) & mask(*width),
                Operand::Zeros(_) => BigUint::zero(),
                Operand::Const { value, .. } => value.clone(),
            })
            .collect()
    }

    fn operand_verilog(&self, o: &Operand) -> String {
        match o {
            Operand::Part { node, lo, width } => {
                let n = &self.nodes[node.0];
                if *lo == 0 && *width == n.width {
                    n.name.clone()
                } else if *width == 1 {
                    format!("{}[{lo}]", n.name)
                } else {
                    format!("{}[{}:{lo}]", n.name, lo + width - 1)
                }
            }
            Operand::Zeros(w) => format!("{w}'d0"),
            Operand::Const { value, width } => format!("{width}'h{}", value.to_str_radix(16)),
        }
    }

    /// The netlist as one Verilog module with ports `clock`, the inputs and the
    /// outputs (non-ANSI header, as rust-hdl writes it).
    pub fn verilog(&self, module_name: &str, comment: &str) -> String {
        let mut v = String::new();
        let latency = self.latency();
        for line in comment.lines() {
            writeln!(v, "// {line}").unwrap();
        }
        let mut names = vec!["clock".to_string()];
        names.extend(self.inputs.iter().map(|(n, _)| n.clone()));
        names.extend(self.outputs.iter().map(|(n, _)| n.clone()));
        writeln!(v, "module {module_name}({});", names.join(",")).unwrap();
        writeln!(v, "    input wire clock;").unwrap();
        for (name, id) in &self.inputs {
            writeln!(v, "    input wire {}{name};", range(self.nodes[id.0].width)).unwrap();
        }
        for (name, o) in &self.outputs {
            writeln!(v, "    output wire {}{name};", range(o.width())).unwrap();
        }
        writeln!(v, "// latency {latency} cycles").unwrap();
        // How long each delayed operand's delay line is (its last register's cycle
        // less the operand's own).
        let mut delay_cycles: HashMap<&Operand, usize> = HashMap::new();
        for n in &self.nodes {
            if let Some(o) = &n.delays {
                let c = delay_cycles.entry(o).or_default();
                *c = (*c).max(n.at - self.ready(o));
            }
        }
        for n in &self.nodes {
            let r = range(n.width);
            let expr = match &n.op {
                Op::Input(k) => {
                    writeln!(v, "wire {r}{} = {};", n.name, self.inputs[*k].0).unwrap();
                    continue;
                }
                Op::Concat(parts) => {
                    let ps: Vec<String> = parts
                        .iter()
                        .rev()
                        .map(|p| self.operand_verilog(p))
                        .collect();
                    format!("{{{}}}", ps.join(", "))
                }
                Op::Not(a) => format!("~{}", self.operand_verilog(a)),
                Op::Xor3(a, b, c) => format!(
                    "{} ^ {} ^ {}",
                    self.operand_verilog(a),
                    self.operand_verilog(b),
                    self.operand_verilog(c)
                ),
                Op::Maj3(a, b, c) => {
                    let (a, b, c) = (
                        self.operand_verilog(a),
                        self.operand_verilog(b),
                        self.operand_verilog(c),
                    );
                    format!("({a} & {b}) | ({a} & {c}) | ({b} & {c})")
                }
                Op::Sum(xs) => xs
                    .iter()
                    .map(|x| self.operand_verilog(x))
                    .collect::<Vec<_>>()
                    .join(" + "),
                Op::CascadeTile { a, b, prev } => {
                    assert!(n.registered, "a DSP tile is registered");
                    let prev = prev.as_ref().map(|p| {
                        let pn = &self.nodes[p.node().expect("a tile").0];
                        (pn.name.clone(), pn.width)
                    });
                    write!(
                        v,
                        "{}",
                        cascade_tile_verilog(
                            &n.name,
                            n.width,
                            &self.operand_verilog(a),
                            a.width(),
                            &self.operand_verilog(b),
                            b.width(),
                            prev.as_ref().map(|(name, w)| (name.as_str(), *w)),
                        )
                    )
                    .unwrap();
                    continue;
                }
                Op::And(a, b) => {
                    format!("{} & {}", self.operand_verilog(a), self.operand_verilog(b))
                }
                Op::Or(a, b) => {
                    format!("{} | {}", self.operand_verilog(a), self.operand_verilog(b))
                }
                Op::OrReduce(a) => format!("|{}", self.operand_verilog(a)),
                Op::AndReduce(a) => format!("&{}", self.operand_verilog(a)),
                Op::Mux { sel, one, zero } => format!(
                    "{} ? {} : {}",
                    self.operand_verilog(sel),
                    self.operand_verilog(one),
                    self.operand_verilog(zero)
                ),
                Op::Copy(a) => self.operand_verilog(a),
            };
            if n.registered {
                let long_delay = n
                    .delays
                    .as_ref()
                    .is_some_and(|o| delay_cycles[o] >= SHIFT_REGISTER_MIN_CYCLES);
                if !long_delay {
                    writeln!(v, "(* shreg_extract = \"no\" *)").unwrap();
                }
                writeln!(v, "reg {r}{};", n.name).unwrap();
                if n.init_zero {
                    writeln!(v, "initial {} = {}'d0;", n.name, n.width).unwrap();
                }
                writeln!(v, "always @(posedge clock) {} <= {expr};", n.name).unwrap();
            } else {
                writeln!(v, "wire {r}{} = {expr};", n.name).unwrap();
            }
        }
        for (name, o) in &self.outputs {
            writeln!(v, "assign {name} = {};", self.operand_verilog(o)).unwrap();
        }
        writeln!(v, "endmodule // {module_name}").unwrap();
        v
    }
}

fn range(width: usize) -> String {
    if width == 1 {
        String::new()
    } else {
        format!("[{}:0] ", width - 1)
    }
}

fn op_operands(op: &Op) -> Vec<Operand> {
    let mut op = op.clone();
    op_operands_mut(&mut op)
        .into_iter()
        .map(|o| o.clone())
        .collect()
}

fn op_operands_mut(op: &mut Op) -> Vec<&mut Operand> {
    match op {
        Op::Input(_) => vec![],
        Op::Concat(ps) | Op::Sum(ps) => ps.iter_mut().collect(),
        Op::Not(a) | Op::OrReduce(a) | Op::AndReduce(a) | Op::Copy(a) => vec![a],
        Op::Xor3(a, b, c) | Op::Maj3(a, b, c) => vec![a, b, c],
        Op::And(a, b) | Op::Or(a, b) => vec![a, b],
        Op::Mux { sel, one, zero } => vec![sel, one, zero],
        Op::CascadeTile { a, b, prev } => {
            let mut v = vec![a, b];
            v.extend(prev.as_mut());
            v
        }
    }
}

/// Operands never wider than the node (see the module docs), and the operation's own
/// width rules.
fn check_widths(op: &Op, width: usize) {
    match op {
        Op::Input(_) => {}
        Op::Concat(ps) => assert_eq!(
            ps.iter().map(Operand::width).sum::<usize>(),
            width,
            "concatenation width"
        ),
        Op::Not(a) | Op::Copy(a) => assert_eq!(a.width(), width, "{op:?}"),
        Op::OrReduce(_) | Op::AndReduce(_) => assert_eq!(width, 1),
        Op::CascadeTile { a, b, prev } => {
            assert!(
                a.width() <= TILE_A_BITS && b.width() <= TILE_B_BITS,
                "tile operands"
            );
            assert!(width <= CASCADE_P_BITS, "a cascade tile's P is 48 bits");
            if let Some(p) = prev {
                assert!(p.width() > CASCADE_SHIFT && p.width() - CASCADE_SHIFT <= width);
            }
        }
        Op::Mux { sel, one, zero } => {
            assert_eq!(sel.width(), 1);
            assert!(one.width() <= width && zero.width() <= width);
        }
        _ => {
            for o in op_operands(op) {
                assert!(
                    o.width() <= width,
                    "operand of {} bits in a {width}-bit node",
                    o.width()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_align_operands_and_are_shared() {
        let mut n = Netlist::default();
        let a = n.input("a", 8);
        let b = n.input("b", 8);
        let a1 = n.reg("a1", &a);
        let a2 = n.reg("a2", &a1);
        let s = n.op("s", 9, true, Op::Sum(vec![a2.clone(), b.clone()]));
        let t = n.op("t", 9, true, Op::Sum(vec![a2, b.clone()]));
        assert_eq!(n.ready(&s), 3);
        n.output("s", s);
        n.output("t", t);
        // b is delayed once, to cycle 2, and shared by both sums.
        assert_eq!(n.figures().register_bits, 8 + 8 + 8 * 2 + 9 + 9);
        let out = n.evaluate(&[BigUint::from(200u32), BigUint::from(100u32)]);
        assert_eq!(out, vec![BigUint::from(300u32), BigUint::from(300u32)]);
        let v = n.verilog("m", "test");
        assert!(v.contains("module m(clock,a,b,s,t);"), "{v}");
    }

    #[test]
    fn only_long_delay_lines_may_become_shift_registers() {
        let mut n = Netlist::default();
        let a = n.input("a", 8);
        let b = n.input("b", 8);
        let long = SHIFT_REGISTER_MIN_CYCLES;
        let mut late = n.reg("late", &a);
        for _ in 1..long {
            late = n.reg("late", &late);
        }
        // b waits `long` cycles for the chain (a delay line), a waits 2 for `short`.
        let s = n.op("s", 9, true, Op::Sum(vec![late, b]));
        let short = n.reg("short", &a);
        let short = n.reg("short", &short);
        let t = n.op("t", 9, true, Op::Sum(vec![short, a.clone()]));
        let t = n.at(&t, n.ready(&s));
        n.output("s", s);
        n.output("t", t);
        let v = n.verilog("m", "test");
        let lines: Vec<&str> = v.lines().collect();
        let marked = |name_prefix: &str| -> (usize, usize) {
            let regs: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].starts_with("reg ") && lines[i].contains(name_prefix))
                .collect();
            let kept = regs
                .iter()
                .filter(|&&i| lines[i - 1] == "(* shreg_extract = \"no\" *)")
                .count();
            (regs.len(), kept)
        };
        // b's delay line (`b_d1` … `b_d8`): long enough, left to synthesis.
        let (b_regs, b_kept) = marked(" b_d");
        assert_eq!((b_regs, b_kept), (long, 0), "{v}");
        // a's two-cycle line (for t) and every pipeline register: flip-flops.
        let (a_regs, a_kept) = marked(" a_d");
        assert!(a_regs > 0 && a_kept == a_regs, "{v}");
        let (pipe, pipe_kept) = marked(" late_");
        assert_eq!((pipe, pipe_kept), (long, long), "{v}");
        let out = n.evaluate(&[BigUint::from(200u32), BigUint::from(100u32)]);
        assert_eq!(out, vec![BigUint::from(300u32), BigUint::from(400u32)]);
    }

    #[test]
    #[should_panic(expected = "outputs leave in different cycles")]
    fn misaligned_outputs_are_refused() {
        let mut n = Netlist::default();
        let a = n.input("a", 8);
        let a1 = n.reg("a1", &a);
        n.output("x", a);
        n.output("y", a1);
        n.latency();
    }
}
