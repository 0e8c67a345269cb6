//! The conflict queue: a first-word-fall-through FIFO with synchronous reset, holding
//! additions whose bucket is already in flight in the point adder.
//!
//! Storage is one RAM (registered read). The head is read one cycle ahead, so an entry
//! becomes visible at the head two cycles after it is pushed (`head_valid` accounts
//! for that); `full` counts every entry, visible or not.

use rust_hdl::prelude::*;

/// `D`: entry type; depth `2^AB`; `AB1 = AB + 1` (pointer width with wrap bit).
#[derive(LogicBlock)]
pub struct ConflictQueue<D: Synth, const AB: usize, const AB1: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub push: Signal<In, Bit>,
    pub data_in: Signal<In, D>,
    /// Remove the head; only when `head_valid`.
    pub pop: Signal<In, Bit>,
    pub head: Signal<Out, D>,
    pub head_valid: Signal<Out, Bit>,
    pub full: Signal<Out, Bit>,
    /// No entry at all (visible or not).
    pub empty: Signal<Out, Bit>,
    ram: RAM<D, AB>,
    wr: DFF<Bits<AB1>>,
    rd: DFF<Bits<AB1>>,
    wr_prev: DFF<Bits<AB1>>,
    rd_next: Signal<Local, Bits<AB1>>,
    depth: Constant<Bits<AB1>>,
}

impl<D: Synth, const AB: usize, const AB1: usize> Default for ConflictQueue<D, AB, AB1> {
    fn default() -> Self {
        assert_eq!(AB1, AB + 1);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            push: Default::default(),
            data_in: Default::default(),
            pop: Default::default(),
            head: Default::default(),
            head_valid: Default::default(),
            full: Default::default(),
            empty: Default::default(),
            ram: Default::default(),
            wr: Default::default(),
            rd: Default::default(),
            wr_prev: Default::default(),
            rd_next: Default::default(),
            depth: Constant::new((1u64 << AB).into()),
        }
    }
}

impl<D: Synth, const AB: usize, const AB1: usize> Logic for ConflictQueue<D, AB, AB1> {
    #[hdl_gen]
    fn update(&mut self) {
        self.wr.clock.next = self.clock.val();
        self.rd.clock.next = self.clock.val();
        self.wr_prev.clock.next = self.clock.val();
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();
        self.ram.write_enable.next = self.push.val();
        self.ram.write_address.next = self.wr.q.val().get_bits::<AB>(0);
        self.ram.write_data.next = self.data_in.val();
        self.rd_next.next = self.rd.q.val();
        if self.pop.val() {
            self.rd_next.next = self.rd.q.val() + 1;
        }
        self.ram.read_address.next = self.rd_next.val().get_bits::<AB>(0);
        self.head.next = self.ram.read_data.val();
        self.head_valid.next = self.wr_prev.q.val() != self.rd.q.val();
        self.full.next = (self.wr.q.val() - self.rd.q.val()) == self.depth.val();
        self.empty.next = self.wr.q.val() == self.rd.q.val();
        self.wr.d.next = self.wr.q.val();
        if self.push.val() {
            self.wr.d.next = self.wr.q.val() + 1;
        }
        self.rd.d.next = self.rd_next.val();
        self.wr_prev.d.next = self.wr.q.val();
        if self.reset.val() {
            self.wr.d.next = 0.into();
            self.rd.d.next = 0.into();
            self.wr_prev.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rust-model check (rust-hdl simulation): order, visibility delay, full, reset.
    #[test]
    fn fifo_order_and_flags() {
        let mut q: ConflictQueue<Bits<8>, 2, 3> = Default::default();
        q.connect_all();
        let mut sim = Simulation::new();
        sim.add_clock(5, |x: &mut Box<ConflictQueue<Bits<8>, 2, 3>>| {
            x.clock.next = !x.clock.val()
        });
        sim.add_testbench(move |mut ep: Sim<ConflictQueue<Bits<8>, 2, 3>>| {
            let mut x = ep.init()?;
            x.reset.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.reset.next = false;
            for v in 1..=4u64 {
                x.push.next = true;
                x.data_in.next = v.into();
                wait_clock_cycle!(ep, clock, x);
            }
            x.push.next = false;
            sim_assert!(ep, x.full.val(), x);
            wait_clock_cycle!(ep, clock, x);
            let mut got = vec![];
            for _ in 0..8 {
                if x.head_valid.val() {
                    got.push(x.head.val().index() as u64);
                    x.pop.next = true;
                } else {
                    x.pop.next = false;
                }
                wait_clock_cycle!(ep, clock, x);
            }
            x.pop.next = false;
            sim_assert_eq!(ep, got, vec![1, 2, 3, 4], x);
            sim_assert!(ep, x.empty.val() && !x.full.val(), x);
            ep.done(x)
        });
        sim.run(Box::new(q), 1000).unwrap();
    }
}
