//! The slowest register-to-register path of a synthesized netlist, by modelled delay.
//!
//! yosys writes the netlist (`write_json`) after the clocked cells (flip-flops,
//! DSP48E2, block RAM, shift-register LUTs) have been deleted, so every path starts
//! at a net nothing drives (a register's output, a port, a black box's output) and
//! ends where no combinational cell reads on. Each LUT, carry and wide-mux cell adds
//! its delay; any other cell (a black-boxed operator, say) breaks the path, as a
//! register would. The path with the largest total delay is returned with its cells
//! counted by kind and the names of the nets it starts and ends on.
//!
//! This replaces `ltp -noff`, which finds the path with the most *cells*: a path of
//! 24 carry cells outranks one of 8 LUTs and 20 wide muxes that is 2 ns slower.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Delay of one cell of each kind (ns).
#[derive(Debug, Clone, Copy)]
pub struct CellDelays {
    pub lut: f64,
    pub carry: f64,
    pub muxf: f64,
}

/// The slowest path found.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowestPath {
    pub lut_levels: u64,
    pub carry4: u64,
    pub muxf: u64,
    /// Sum of the cells' delays (without the fixed register overhead).
    pub cells_ns: f64,
    /// The net the path starts on (a register output, port or black-box output).
    pub from: String,
    /// A net the path's last cell drives.
    pub to: String,
}

#[derive(Deserialize)]
struct Netlist {
    modules: HashMap<String, Module>,
}

#[derive(Deserialize)]
struct Module {
    #[serde(default)]
    cells: BTreeMap<String, Cell>,
    #[serde(default)]
    netnames: BTreeMap<String, NetName>,
}

#[derive(Deserialize)]
struct Cell {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    port_directions: HashMap<String, String>,
    #[serde(default)]
    connections: BTreeMap<String, Vec<Bit>>,
}

#[derive(Deserialize)]
struct NetName {
    bits: Vec<Bit>,
    #[serde(default)]
    hide_name: u8,
}

/// A bit of a connection: a net number, or a constant ("0", "1", "x", "z").
#[derive(Deserialize)]
#[serde(untagged)]
enum Bit {
    Net(u64),
    #[allow(dead_code)]
    Const(String),
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Lut,
    Carry,
    Muxf,
}

fn kind_of(cell_type: &str) -> Option<Kind> {
    match cell_type {
        t if t.starts_with("LUT") => Some(Kind::Lut),
        // An inverter is a LUT1 to Vivado.
        "INV" => Some(Kind::Lut),
        t if t.starts_with("CARRY") => Some(Kind::Carry),
        t if t.starts_with("MUXF") => Some(Kind::Muxf),
        _ => None,
    }
}

struct Node {
    kind: Kind,
    inputs: Vec<u64>,
    outputs: Vec<u64>,
}

/// The slowest path through the combinational cells of module `top` in a yosys JSON
/// netlist. `None` when the module has no combinational cell.
pub fn slowest_path(
    netlist_json: &str,
    top: &str,
    delays: CellDelays,
) -> Result<Option<SlowestPath>> {
    let netlist: Netlist =
        serde_json::from_str(netlist_json).context("reading yosys's JSON netlist")?;
    let module = netlist
        .modules
        .get(top)
        .with_context(|| format!("the netlist has no module {top}"))?;
    let mut nodes = vec![];
    for cell in module.cells.values() {
        let Some(kind) = kind_of(&cell.kind) else {
            continue;
        };
        let (mut inputs, mut outputs) = (vec![], vec![]);
        for (port, bits) in &cell.connections {
            let nets = bits.iter().filter_map(|b| match b {
                Bit::Net(n) => Some(*n),
                Bit::Const(_) => None,
            });
            match cell.port_directions.get(port).map(String::as_str) {
                Some("output") => outputs.extend(nets),
                Some("input") => inputs.extend(nets),
                _ => {}
            }
        }
        nodes.push(Node {
            kind,
            inputs,
            outputs,
        });
    }
    if nodes.is_empty() {
        return Ok(None);
    }
    let mut driver: HashMap<u64, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for &b in &n.outputs {
            if let Some(other) = driver.insert(b, i) {
                if other != i {
                    bail!("net {b} has two combinational drivers in {top}");
                }
            }
        }
    }
    let delay = |k: Kind| match k {
        Kind::Lut => delays.lut,
        Kind::Carry => delays.carry,
        Kind::Muxf => delays.muxf,
    };
    // arrival[i]: the delay at node i's outputs; pred[i]: the input net it came by.
    const UNSEEN: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; nodes.len()];
    let mut arrival = vec![0.0f64; nodes.len()];
    let mut pred: Vec<Option<u64>> = vec![None; nodes.len()];
    for root in 0..nodes.len() {
        if state[root] != UNSEEN {
            continue;
        }
        // Depth-first with an explicit stack: (node, next input to look at).
        let mut stack = vec![(root, 0usize)];
        state[root] = OPEN;
        while let Some(&mut (i, ref mut next)) = stack.last_mut() {
            if *next < nodes[i].inputs.len() {
                let b = nodes[i].inputs[*next];
                *next += 1;
                if let Some(&d) = driver.get(&b) {
                    match state[d] {
                        UNSEEN => {
                            state[d] = OPEN;
                            stack.push((d, 0));
                        }
                        OPEN => bail!(
                            "a combinational loop in {top} (through net {})",
                            net_name(module, b)
                        ),
                        _ => {}
                    }
                }
                continue;
            }
            let mut best = 0.0;
            let mut by = nodes[i].inputs.first().copied();
            for &b in &nodes[i].inputs {
                if let Some(&d) = driver.get(&b) {
                    if arrival[d] > best {
                        best = arrival[d];
                        by = Some(b);
                    }
                }
            }
            arrival[i] = best + delay(nodes[i].kind);
            pred[i] = by;
            state[i] = DONE;
            stack.pop();
        }
    }
    let end = (0..nodes.len())
        .max_by(|&a, &b| arrival[a].total_cmp(&arrival[b]))
        .expect("nodes is not empty");
    let (mut lut, mut carry, mut muxf) = (0, 0, 0);
    let mut at = end;
    // The nets between the path's cells, from the end back.
    let mut inner = vec![];
    let from = loop {
        match nodes[at].kind {
            Kind::Lut => lut += 1,
            Kind::Carry => carry += 1,
            Kind::Muxf => muxf += 1,
        }
        match pred[at] {
            Some(b) => match driver.get(&b) {
                Some(&d) => {
                    inner.push(b);
                    at = d
                }
                None => break net_name(module, b),
            },
            None => break "a constant".to_string(),
        }
    };
    // The end's own output when it has a visible name, else the visible net nearest
    // the end (synthesis names a carry chain's outputs `$auto$…`).
    let to = nodes[end]
        .outputs
        .iter()
        .chain(&inner)
        .find_map(|&b| visible_name(module, b))
        .or_else(|| nodes[end].outputs.first().map(|&b| net_name(module, b)))
        .unwrap_or_default();
    Ok(Some(SlowestPath {
        lut_levels: lut,
        carry4: carry,
        muxf,
        cells_ns: arrival[end],
        from,
        to,
    }))
}

/// The net's best name when it has a visible one.
fn visible_name(module: &Module, bit: u64) -> Option<String> {
    best_name(module, bit).and_then(|(hidden, name)| (!hidden).then_some(name))
}

/// The best name of a net bit, or `net N` when it has none.
fn net_name(module: &Module, bit: u64) -> String {
    best_name(module, bit)
        .map(|(_, name)| name)
        .unwrap_or_else(|| format!("net {bit}"))
}

/// The best name of a net bit and whether it is a generated one (`$…`): a visible
/// name before a generated one, the shortest among equals; with the bit's index when
/// the name is a bus.
fn best_name(module: &Module, bit: u64) -> Option<(bool, String)> {
    let mut best: Option<(bool, usize, String)> = None;
    for (name, n) in &module.netnames {
        let Some(pos) = n
            .bits
            .iter()
            .position(|b| matches!(b, Bit::Net(x) if *x == bit))
        else {
            continue;
        };
        let hidden = n.hide_name != 0 || name.starts_with('$');
        let shown = if n.bits.len() > 1 {
            format!("{name}[{pos}]")
        } else {
            name.clone()
        };
        let key = (hidden, shown.len(), shown);
        if best.as_ref().map_or(true, |b| key < *b) {
            best = Some(key);
        }
    }
    best.map(|(hidden, _, name)| (hidden, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: CellDelays = CellDelays {
        lut: 0.45,
        carry: 0.06,
        muxf: 0.15,
    };

    fn cell(kind: &str, inputs: &[u64], output: u64) -> String {
        let ins: Vec<String> = inputs
            .iter()
            .enumerate()
            .map(|(k, b)| format!("\"I{k}\": [{b}]"))
            .collect();
        let dirs: Vec<String> = (0..inputs.len())
            .map(|k| format!("\"I{k}\": \"input\""))
            .collect();
        format!(
            "{{\"type\": \"{kind}\", \"port_directions\": {{{}, \"O\": \"output\"}}, \"connections\": {{{}, \"O\": [{output}]}}}}",
            dirs.join(", "),
            ins.join(", ")
        )
    }

    /// Net 2 (`a`) feeds a chain of seven carry cells to net 25; net 3 (`b`) feeds
    /// three LUTs to net 32 (`slow`). By cell count the carry chain is longer; by
    /// delay the LUTs are (1.35 ns against 0.42 ns).
    fn netlist() -> String {
        let mut cells = vec![];
        cells.push(format!("\"c0\": {}", cell("CARRY4", &[2], 15)));
        let mut prev = 15;
        for k in 1..6 {
            cells.push(format!("\"c{k}\": {}", cell("CARRY4", &[prev, 9], 15 + k)));
            prev = 15 + k;
        }
        cells.push(format!("\"tail\": {}", cell("CARRY4", &[prev], 25)));
        cells.push(format!("\"l0\": {}", cell("LUT1", &[3], 30)));
        cells.push(format!("\"l1\": {}", cell("LUT3", &[30, 2, 4], 31)));
        cells.push(format!("\"l2\": {}", cell("LUT1", &[31], 32)));
        cells.push(format!("\"box\": {}", cell("zk_fq_mont_mul", &[32], 40)));
        cells.push(format!("\"after\": {}", cell("LUT1", &[40], 41)));
        format!(
            "{{\"modules\": {{\"top\": {{\"cells\": {{{}}}, \"netnames\": {{\
             \"a\": {{\"hide_name\": 0, \"bits\": [2]}}, \"b\": {{\"hide_name\": 0, \"bits\": [3]}}, \
             \"$auto$x\": {{\"hide_name\": 1, \"bits\": [32]}}, \"chain\": {{\"hide_name\": 0, \"bits\": [18]}}, \"slow\": {{\"hide_name\": 0, \"bits\": [31, 32]}}}}}}}}}}",
            cells.join(", ")
        )
    }

    #[test]
    fn the_slowest_path_is_found_by_delay_not_by_cell_count() {
        let p = slowest_path(&netlist(), "top", D).unwrap().unwrap();
        assert_eq!((p.lut_levels, p.carry4, p.muxf), (3, 0, 0));
        assert!((p.cells_ns - 1.35).abs() < 1e-9, "{}", p.cells_ns);
        assert_eq!(p.from, "b");
        assert_eq!(p.to, "slow[1]");
    }

    #[test]
    fn carry_cells_win_when_they_are_slower() {
        let slow_carry = CellDelays { carry: 0.5, ..D };
        let p = slowest_path(&netlist(), "top", slow_carry)
            .unwrap()
            .unwrap();
        assert_eq!((p.lut_levels, p.carry4), (0, 7));
        assert_eq!(p.from, "a");
        // The chain's end (net 25) has no name: the named net nearest it.
        assert_eq!(p.to, "chain");
    }

    #[test]
    fn a_loop_and_a_missing_module_are_named() {
        let looped = format!(
            "{{\"modules\": {{\"top\": {{\"cells\": {{\"x\": {}, \"y\": {}}}, \"netnames\": {{\"n\": {{\"bits\": [5]}}}}}}}}}}",
            cell("LUT1", &[6], 5),
            cell("LUT1", &[5], 6)
        );
        let e = slowest_path(&looped, "top", D).unwrap_err().to_string();
        assert!(e.contains("combinational loop"), "{e}");
        let e = slowest_path(&netlist(), "other", D)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no module other"), "{e}");
        assert!(slowest_path("{\"modules\": {\"top\": {}}}", "top", D)
            .unwrap()
            .is_none());
    }
}
