//! The NTT unit: the engine's registers (NTT_* in the register map), two memory banks,
//! the twiddle and stage-constant tables, the address generator and the datapath
//! (twiddle multiplier + butterfly) — one streaming radix-2 core for sizes
//! 2^1 ..= 2^MAX_LOG_SIZE. Formats and the arithmetic are in `spec::ntt`.
//!
//! **Job.** START (NTT_CONTROL) takes the data port; the unit loads n/2 beats, runs
//! log n stages of n/2 butterflies at one per cycle, drains the pipeline and streams
//! n/2 beats out, then gives the port back.
//!
//! **Memory.** Element address `a` lives in bank `parity(a)` at row `a >> 1`. The two
//! elements of a butterfly differ in one address bit, so they are always in different
//! banks: each bank serves one read and one write per cycle (simple dual-port RAM).
//! The two elements of a beat also differ in one bit (bit 0 in natural order, the top
//! bit in bit-reversed order), so loads and readout move a beat per cycle too.
//!
//! **Order.** Forward jobs store element `i` at `bitrev(i)` and run decimation in time,
//! ending in natural order; inverse jobs store in natural order, run decimation in
//! frequency and read element `i` from `bitrev(i)`. The permutations are address
//! wiring on the load and readout ports: they cost no cycle and no memory, which is
//! why they are on the card rather than on the host.
//!
//! **Pipeline** (from the address generator's issue at cycle t): the twiddle table
//! and stage constant are read at t and multiplied (`M` cycles); the addresses wait
//! in a delay line and read the banks at `t + M`; the butterfly (`B` cycles) takes
//! `a`, `b` and the twiddle at `t + M + 1` and its results are written at
//! `t + M + 1 + B` to the addresses that travel with it as its tag.

use super::address_generator::NttAddressGenerator;
use super::bit_reverse::BitReverse;
use super::datapath_core::NttDatapathCore;
use crate::arith::delay_line::DelayLine;
use crate::card::data_port::Beat;
use crate::card::register_constants::{addr, word, Addr, Word};
use crate::card::register_decode::RegisterDecode;
use crate::spec::ntt::timing;
use crate::spec::ntt::{
    limbs, ntt_control, ntt_status, stage_constant_table, twiddle_table, BANK_ADDR_BITS,
    MAX_LOG_SIZE, STAGE_CONST_ADDR_BITS,
};
use crate::spec::regmap;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use std::collections::BTreeMap;

const K: usize = MAX_LOG_SIZE;
const BA: usize = BANK_ADDR_BITS;
/// The butterfly's tag: `{hi, lo}` addresses.
const TAG: usize = 2 * K;
/// The issue delay line's word: `{valid, hi, lo}`.
const ISSUE: usize = 2 * K + 1;
type Elem = Bits<256>;

/// `state` values.
const IDLE: u64 = 0;
const LOADING: u64 = 1;
const COMPUTING: u64 = 2;
const OUTPUT: u64 = 3;

fn element(x: ark_bls12_381::Fr) -> Elem {
    let l = limbs(x);
    BigUint::from_slice(
        &l.iter()
            .flat_map(|w| [*w as u32, (*w >> 32) as u32])
            .collect::<Vec<_>>(),
    )
    .into()
}
fn rom<const N: usize>(values: Vec<ark_bls12_381::Fr>) -> SyncROM<Elem, N> {
    let map: BTreeMap<Bits<N>, Elem> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| ((i as u64).into(), element(v)))
        .collect();
    SyncROM::new(map)
}

/// Cycles from a butterfly's issue to the write of its results.
pub fn pipeline_latency() -> usize {
    NttDatapathCore::<TAG>::multiplier_latency() + 1 + NttDatapathCore::<TAG>::butterfly_latency()
}

#[derive(LogicBlock)]
pub struct NttUnit {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // Register access, forwarded by the register file (as for the MSM unit).
    pub reg_raddr: Signal<In, Addr>,
    pub reg_rdata: Signal<Out, Word>,
    pub reg_rhit: Signal<Out, Bit>,
    pub reg_waddr: Signal<In, Addr>,
    pub reg_whit: Signal<Out, Bit>,
    pub reg_wro: Signal<Out, Bit>,
    pub reg_write: Signal<In, Bit>,
    pub reg_wdata: Signal<In, Word>,
    pub reg_wmask: Signal<In, Word>,
    /// A job holds the data port (the card top routes it here).
    pub active: Signal<Out, Bit>,
    pub s_tdata: Signal<In, Beat>,
    pub s_tvalid: Signal<In, Bit>,
    pub s_tready: Signal<Out, Bit>,
    pub m_tdata: Signal<Out, Beat>,
    pub m_tlast: Signal<Out, Bit>,
    pub m_tvalid: Signal<Out, Bit>,
    pub m_tready: Signal<In, Bit>,

    bank0: RAM<Elem, BA>,
    bank1: RAM<Elem, BA>,
    twiddles: SyncROM<Elem, K>,
    constants: SyncROM<Elem, STAGE_CONST_ADDR_BITS>,
    core: NttDatapathCore<TAG>,
    agen: NttAddressGenerator,
    issue_delay: DelayLine<Bits<ISSUE>>,
    load_reverse: BitReverse<K>,
    output_reverse: BitReverse<K>,
    next_reverse: BitReverse<K>,
    /// The eight NTT_* registers, in the order of the decode's values.
    decode: RegisterDecode<8, 256, 256>,
    // Registers.
    job_config: DFF<Bits<10>>,
    state: DFF<Bits<2>>,
    config_error: DFF<Bit>,
    butterflies: DFF<Bits<32>>,
    issue_cycles: DFF<Bits<32>>,
    job_cycles: DFF<Bits<32>>,
    beat: DFF<Bits<K>>,
    drain: DFF<Bits<8>>,
    rd_valid: DFF<Bit>,
    rd_tag: DFF<Bits<TAG>>,
    rd_swap: DFF<Bit>,
    ro_cur: DFF<Bits<K>>,
    /// `ro_cur + 1`, registered: the addresses of both beats that may be presented
    /// next are computed from registers, and `m_tready` only chooses between them.
    ro_next: DFF<Bits<K>>,
    ro_valid: DFF<Bit>,
    ro_swap: DFF<Bit>,
    // Constants.
    at_config: Constant<Addr>,
    at_control: Constant<Addr>,
    max_log_value: Constant<Word>,
    latency_value: Constant<Word>,
    drain_cycles: Constant<Bits<8>>,
    ctl_start: Constant<Word>,
    st_idle: Constant<Word>,
    st_loading: Constant<Word>,
    st_computing: Constant<Word>,
    st_output: Constant<Word>,
    st_config_error: Constant<Word>,
    s_idle: Constant<Bits<2>>,
    s_loading: Constant<Bits<2>>,
    s_computing: Constant<Bits<2>>,
    s_output: Constant<Bits<2>>,
    k_bits: Constant<Bits<4>>,
    max_log: Constant<Bits<5>>,
    one: Constant<Bits<K>>,
    // Locals.
    log_n: Signal<Local, Bits<4>>,
    log_field: Signal<Local, Bits<5>>,
    inverse: Signal<Local, Bit>,
    coset: Signal<Local, Bit>,
    half: Signal<Local, Bits<K>>,
    shift_down: Signal<Local, Bits<4>>,
    /// `half − 1`: the last load beat and the last readout beat.
    last_beat: Signal<Local, Bits<K>>,
    /// The job's sizes, registered from NTT_CONFIG (which cannot change during a job:
    /// it is written only while idle, and a job starts with a later register write),
    /// so the shifts and the subtraction are not in front of the beat compares.
    half_r: DFF<Bits<K>>,
    shift_down_r: DFF<Bits<4>>,
    last_beat_r: DFF<Bits<K>>,
    idle: Signal<Local, Bit>,
    status_value: Signal<Local, Word>,
    guarded: Signal<Local, Bit>,
    refused: Signal<Local, Bit>,
    start: Signal<Local, Bit>,
    load_fire: Signal<Local, Bit>,
    load_i0: Signal<Local, Bits<K>>,
    load_a0: Signal<Local, Bits<K>>,
    load_a1: Signal<Local, Bits<K>>,
    load_swap: Signal<Local, Bit>,
    const_addr: Signal<Local, Bits<STAGE_CONST_ADDR_BITS>>,
    issue_word: Signal<Local, Bits<ISSUE>>,
    rd_word: Signal<Local, Bits<ISSUE>>,
    rd_lo: Signal<Local, Bits<K>>,
    rd_hi: Signal<Local, Bits<K>>,
    rd_lo_swap: Signal<Local, Bit>,
    wr_tag: Signal<Local, Bits<TAG>>,
    wr_lo: Signal<Local, Bits<K>>,
    wr_hi: Signal<Local, Bits<K>>,
    wr_swap: Signal<Local, Bit>,
    ro_present: Signal<Local, Bits<K>>,
    ro_advance: Signal<Local, Bit>,
    ro_cur_i0: Signal<Local, Bits<K>>,
    ro_next_i0: Signal<Local, Bits<K>>,
    ro_cur_b0: Signal<Local, Bits<K>>,
    ro_next_b0: Signal<Local, Bits<K>>,
    ro_cur_parity: Signal<Local, Bit>,
    ro_next_parity: Signal<Local, Bit>,
    ro_b0: Signal<Local, Bits<K>>,
    ro_b1: Signal<Local, Bits<K>>,
    ro_next_swap: Signal<Local, Bit>,
    ro_e0: Signal<Local, Elem>,
    ro_e1: Signal<Local, Elem>,
}

impl Default for NttUnit {
    fn default() -> Self {
        let latency = pipeline_latency();
        Self {
            clock: Default::default(),
            reset: Default::default(),
            reg_raddr: Default::default(),
            reg_rdata: Default::default(),
            reg_rhit: Default::default(),
            reg_waddr: Default::default(),
            reg_whit: Default::default(),
            reg_wro: Default::default(),
            reg_write: Default::default(),
            reg_wdata: Default::default(),
            reg_wmask: Default::default(),
            active: Default::default(),
            s_tdata: Default::default(),
            s_tvalid: Default::default(),
            s_tready: Default::default(),
            m_tdata: Default::default(),
            m_tlast: Default::default(),
            m_tvalid: Default::default(),
            m_tready: Default::default(),
            bank0: Default::default(),
            bank1: Default::default(),
            twiddles: rom(twiddle_table()),
            constants: rom(stage_constant_table()),
            core: Default::default(),
            agen: NttAddressGenerator::new(timing::hazard_cycles(pipeline_latency())),
            issue_delay: DelayLine::new(NttDatapathCore::<TAG>::multiplier_latency()),
            load_reverse: Default::default(),
            output_reverse: Default::default(),
            next_reverse: Default::default(),
            decode: RegisterDecode::new([
                &regmap::NTT_CONFIG,
                &regmap::NTT_CONTROL,
                &regmap::NTT_STATUS,
                &regmap::NTT_BUTTERFLIES,
                &regmap::NTT_ISSUE_CYCLES,
                &regmap::NTT_JOB_CYCLES,
                &regmap::NTT_MAX_LOG_SIZE,
                &regmap::NTT_PIPELINE_LATENCY,
            ]),
            job_config: Default::default(),
            state: Default::default(),
            config_error: Default::default(),
            butterflies: Default::default(),
            issue_cycles: Default::default(),
            job_cycles: Default::default(),
            beat: Default::default(),
            drain: Default::default(),
            rd_valid: Default::default(),
            rd_tag: Default::default(),
            rd_swap: Default::default(),
            ro_cur: Default::default(),
            ro_next: Default::default(),
            ro_valid: Default::default(),
            ro_swap: Default::default(),
            at_config: addr(&regmap::NTT_CONFIG),
            at_control: addr(&regmap::NTT_CONTROL),
            max_log_value: word(K as u64),
            latency_value: word(latency as u64),
            drain_cycles: Constant::new((timing::drain_cycles(pipeline_latency()) as u64).into()),
            ctl_start: word(ntt_control::START as u64),
            st_idle: word(ntt_status::IDLE as u64),
            st_loading: word(ntt_status::LOADING as u64),
            st_computing: word(ntt_status::COMPUTING as u64),
            st_output: word(ntt_status::OUTPUT as u64),
            st_config_error: word(ntt_status::CONFIG_ERROR as u64),
            s_idle: Constant::new(IDLE.into()),
            s_loading: Constant::new(LOADING.into()),
            s_computing: Constant::new(COMPUTING.into()),
            s_output: Constant::new(OUTPUT.into()),
            k_bits: Constant::new((K as u64).into()),
            max_log: Constant::new((K as u64).into()),
            one: Constant::new(1.into()),
            log_n: Default::default(),
            log_field: Default::default(),
            inverse: Default::default(),
            coset: Default::default(),
            half: Default::default(),
            shift_down: Default::default(),
            last_beat: Default::default(),
            half_r: Default::default(),
            shift_down_r: Default::default(),
            last_beat_r: Default::default(),
            idle: Default::default(),
            status_value: Default::default(),
            guarded: Default::default(),
            refused: Default::default(),
            start: Default::default(),
            load_fire: Default::default(),
            load_i0: Default::default(),
            load_a0: Default::default(),
            load_a1: Default::default(),
            load_swap: Default::default(),
            const_addr: Default::default(),
            issue_word: Default::default(),
            rd_word: Default::default(),
            rd_lo: Default::default(),
            rd_hi: Default::default(),
            rd_lo_swap: Default::default(),
            wr_tag: Default::default(),
            wr_lo: Default::default(),
            wr_hi: Default::default(),
            wr_swap: Default::default(),
            ro_present: Default::default(),
            ro_advance: Default::default(),
            ro_cur_i0: Default::default(),
            ro_next_i0: Default::default(),
            ro_cur_b0: Default::default(),
            ro_next_b0: Default::default(),
            ro_cur_parity: Default::default(),
            ro_next_parity: Default::default(),
            ro_b0: Default::default(),
            ro_b1: Default::default(),
            ro_next_swap: Default::default(),
            ro_e0: Default::default(),
            ro_e1: Default::default(),
        }
    }
}

impl Logic for NttUnit {
    #[hdl_gen]
    fn update(&mut self) {
        self.bank0.read_clock.next = self.clock.val();
        self.bank0.write_clock.next = self.clock.val();
        self.bank1.read_clock.next = self.clock.val();
        self.bank1.write_clock.next = self.clock.val();
        self.twiddles.clock.next = self.clock.val();
        self.constants.clock.next = self.clock.val();
        self.core.clock.next = self.clock.val();
        self.agen.clock.next = self.clock.val();
        self.agen.reset.next = self.reset.val();
        self.issue_delay.clock.next = self.clock.val();
        self.job_config.clock.next = self.clock.val();
        self.state.clock.next = self.clock.val();
        self.config_error.clock.next = self.clock.val();
        self.butterflies.clock.next = self.clock.val();
        self.issue_cycles.clock.next = self.clock.val();
        self.job_cycles.clock.next = self.clock.val();
        self.beat.clock.next = self.clock.val();
        self.drain.clock.next = self.clock.val();
        self.rd_valid.clock.next = self.clock.val();
        self.rd_tag.clock.next = self.clock.val();
        self.rd_swap.clock.next = self.clock.val();
        self.ro_cur.clock.next = self.clock.val();
        self.ro_next.clock.next = self.clock.val();
        self.ro_valid.clock.next = self.clock.val();
        self.ro_swap.clock.next = self.clock.val();

        // The job.
        self.log_field.next = self.job_config.q.val().get_bits::<5>(0);
        self.log_n.next = self.job_config.q.val().get_bits::<4>(0);
        self.inverse.next = self.job_config.q.val().get_bit(8);
        self.coset.next = self.job_config.q.val().get_bit(9);
        self.half_r.clock.next = self.clock.val();
        self.shift_down_r.clock.next = self.clock.val();
        self.last_beat_r.clock.next = self.clock.val();
        self.half_r.d.next = self.one.val() << (self.log_n.val() - 1);
        self.last_beat_r.d.next = (self.one.val() << (self.log_n.val() - 1)) - 1;
        self.shift_down_r.d.next = self.k_bits.val() - self.log_n.val();
        self.half.next = self.half_r.q.val();
        self.shift_down.next = self.shift_down_r.q.val();
        self.last_beat.next = self.last_beat_r.q.val();
        self.idle.next = self.state.q.val() == self.s_idle.val();
        self.active.next = !self.idle.val();

        // Register reads.
        self.status_value.next = bits::<32>(0);
        if self.state.q.val() == self.s_idle.val() {
            self.status_value.next = self.st_idle.val();
        }
        if self.state.q.val() == self.s_loading.val() {
            self.status_value.next = self.st_loading.val();
        }
        if self.state.q.val() == self.s_computing.val() {
            self.status_value.next = self.st_computing.val();
        }
        if self.state.q.val() == self.s_output.val() {
            self.status_value.next = self.st_output.val();
        }
        if self.config_error.q.val() {
            self.status_value.next = self.status_value.val() | self.st_config_error.val();
        }
        // Read values in the decode's order (NTT_CONTROL reads 0).
        self.decode.raddr.next = self.reg_raddr.val();
        self.decode.waddr.next = self.reg_waddr.val();
        self.decode.values.next = bit_cast::<256, 10>(self.job_config.q.val())
            | (bit_cast::<256, 32>(self.status_value.val()) << 64)
            | (bit_cast::<256, 32>(self.butterflies.q.val()) << 96)
            | (bit_cast::<256, 32>(self.issue_cycles.q.val()) << 128)
            | (bit_cast::<256, 32>(self.job_cycles.q.val()) << 160)
            | (bit_cast::<256, 32>(self.max_log_value.val()) << 192)
            | (bit_cast::<256, 32>(self.latency_value.val()) << 224);
        self.reg_rdata.next = self.decode.rdata.val();
        self.reg_rhit.next = self.decode.rhit.val();
        // NTT_CONFIG and NTT_CONTROL are refused (SLVERR) while a job runs.
        self.guarded.next = (self.reg_waddr.val() == self.at_config.val())
            | (self.reg_waddr.val() == self.at_control.val());
        self.refused.next = self.guarded.val() & (!self.idle.val());
        self.reg_whit.next = self.guarded.val() & (!self.refused.val());
        self.reg_wro.next = self.refused.val() | self.decode.wro.val();

        // Register state.
        self.job_config.d.next = self.job_config.q.val();
        self.state.d.next = self.state.q.val();
        self.config_error.d.next = self.config_error.q.val();
        self.butterflies.d.next = self.butterflies.q.val();
        self.issue_cycles.d.next = self.issue_cycles.q.val();
        self.job_cycles.d.next = self.job_cycles.q.val();
        self.beat.d.next = self.beat.q.val();
        self.drain.d.next = self.drain.q.val();
        self.start.next = false;
        if self.reg_write.val() {
            if self.reg_waddr.val() == self.at_config.val() {
                self.job_config.d.next = bit_cast::<10, 32>(
                    (bit_cast::<32, 10>(self.job_config.q.val()) & (!self.reg_wmask.val()))
                        | self.reg_wdata.val(),
                );
            } else if self.reg_waddr.val() == self.at_control.val() {
                self.start.next = (self.reg_wdata.val() & self.ctl_start.val()).any();
            }
        }
        if self.start.val() {
            if (self.log_field.val() == 0) | (self.log_field.val() > self.max_log.val()) {
                self.config_error.d.next = true;
            } else {
                self.config_error.d.next = false;
                self.state.d.next = self.s_loading.val();
                self.beat.d.next = 0.into();
                self.drain.d.next = 0.into();
                self.butterflies.d.next = 0.into();
                self.issue_cycles.d.next = 0.into();
                self.job_cycles.d.next = 0.into();
            }
        }
        if !self.idle.val() {
            self.job_cycles.d.next = self.job_cycles.q.val() + 1;
        }

        // Load: beat m holds elements 2m and 2m + 1.
        self.s_tready.next = self.state.q.val() == self.s_loading.val();
        self.load_fire.next = self.s_tvalid.val() & (self.state.q.val() == self.s_loading.val());
        self.load_i0.next = self.beat.q.val() << 1;
        self.load_reverse.d.next = self.load_i0.val();
        self.load_a0.next = self.load_reverse.q.val() >> self.shift_down.val();
        self.load_a1.next = self.load_a0.val() | self.half.val();
        if self.inverse.val() {
            self.load_a0.next = self.load_i0.val();
            self.load_a1.next = self.load_i0.val() | self.one.val();
        }
        // The bank of a0: its parity, which is the parity of the beat's low
        // log2(n) − 1 bits in both orders (no shifter before it; see the readout).
        self.load_swap.next = (self.beat.q.val() & self.last_beat.val()).xor();
        self.agen.start.next = false;
        if self.load_fire.val() {
            self.beat.d.next = self.beat.q.val() + 1;
            if self.beat.q.val() == self.last_beat.val() {
                self.state.d.next = self.s_computing.val();
                self.agen.start.next = true;
            }
        }

        // Compute: issue (address generator), twiddle, read, butterfly, write.
        self.agen.log_n.next = self.log_n.val();
        self.agen.inverse.next = self.inverse.val();
        self.twiddles.address.next = self.agen.twiddle_index.val();
        self.const_addr.next =
            bit_cast::<STAGE_CONST_ADDR_BITS, 4>(self.agen.constant_exponent.val());
        if self.coset.val() {
            self.const_addr.next = self.const_addr.val() | 16;
        }
        if self.inverse.val() {
            self.const_addr.next = self.const_addr.val() | 32;
        }
        self.constants.address.next = self.const_addr.val();
        self.core.tw_const.next = self.constants.data.val();
        self.core.tw_value.next = self.twiddles.data.val();
        self.issue_word.next = bit_cast::<ISSUE, K>(self.agen.lo.val())
            | (bit_cast::<ISSUE, K>(self.agen.hi.val()) << 12);
        if self.agen.valid.val() & (self.state.q.val() == self.s_computing.val()) {
            self.issue_word.next = self.issue_word.val() | (bits::<ISSUE>(1) << 24);
        }
        self.issue_delay.d.next = self.issue_word.val();
        self.rd_word.next = self.issue_delay.q.val();
        self.rd_lo.next = self.rd_word.val().get_bits::<K>(0);
        self.rd_hi.next = self.rd_word.val().get_bits::<K>(12);
        self.rd_lo_swap.next = self.rd_lo.val().xor();
        self.rd_valid.d.next = self.rd_word.val().get_bit(24);
        self.rd_tag.d.next = self.rd_word.val().get_bits::<TAG>(0);
        self.rd_swap.d.next = self.rd_lo_swap.val();
        self.core.bf_a.next = self.bank0.read_data.val();
        self.core.bf_b.next = self.bank1.read_data.val();
        if self.rd_swap.q.val() {
            self.core.bf_a.next = self.bank1.read_data.val();
            self.core.bf_b.next = self.bank0.read_data.val();
        }
        self.core.bf_w.next = self.core.twiddle.val();
        self.core.bf_gs.next = self.inverse.val();
        self.core.bf_valid.next = self.rd_valid.q.val();
        self.core.bf_tag.next = self.rd_tag.q.val();
        self.wr_tag.next = self.core.bf_out_tag.val();
        self.wr_lo.next = self.wr_tag.val().get_bits::<K>(0);
        self.wr_hi.next = self.wr_tag.val().get_bits::<K>(12);
        self.wr_swap.next = self.wr_lo.val().xor();
        if self.agen.valid.val() {
            self.butterflies.d.next = self.butterflies.q.val() + 1;
        }
        if self.agen.busy.val() {
            self.issue_cycles.d.next = self.issue_cycles.q.val() + 1;
        }
        if (self.state.q.val() == self.s_computing.val()) & (!self.agen.busy.val()) {
            self.drain.d.next = self.drain.q.val() + 1;
            if self.drain.q.val() == self.drain_cycles.val() {
                self.state.d.next = self.s_output.val();
            }
        }

        // Bank write ports: the loader, or the butterfly's results.
        self.bank0.write_enable.next = false;
        self.bank1.write_enable.next = false;
        if self.state.q.val() == self.s_loading.val() {
            self.bank0.write_enable.next = self.load_fire.val();
            self.bank1.write_enable.next = self.load_fire.val();
            if self.load_swap.val() {
                self.bank0.write_address.next = self.load_a1.val().get_bits::<BA>(1);
                self.bank0.write_data.next = self.s_tdata.val().get_bits::<256>(256);
                self.bank1.write_address.next = self.load_a0.val().get_bits::<BA>(1);
                self.bank1.write_data.next = self.s_tdata.val().get_bits::<256>(0);
            } else {
                self.bank0.write_address.next = self.load_a0.val().get_bits::<BA>(1);
                self.bank0.write_data.next = self.s_tdata.val().get_bits::<256>(0);
                self.bank1.write_address.next = self.load_a1.val().get_bits::<BA>(1);
                self.bank1.write_data.next = self.s_tdata.val().get_bits::<256>(256);
            }
        } else {
            if self.state.q.val() == self.s_computing.val() {
                self.bank0.write_enable.next = self.core.bf_out_valid.val();
                self.bank1.write_enable.next = self.core.bf_out_valid.val();
            }
            if self.wr_swap.val() {
                self.bank0.write_address.next = self.wr_hi.val().get_bits::<BA>(1);
                self.bank0.write_data.next = self.core.bf_y.val();
                self.bank1.write_address.next = self.wr_lo.val().get_bits::<BA>(1);
                self.bank1.write_data.next = self.core.bf_x.val();
            } else {
                self.bank0.write_address.next = self.wr_lo.val().get_bits::<BA>(1);
                self.bank0.write_data.next = self.core.bf_x.val();
                self.bank1.write_address.next = self.wr_hi.val().get_bits::<BA>(1);
                self.bank1.write_data.next = self.core.bf_y.val();
            }
        }

        // Output: the beat whose address is presented this cycle shows next cycle;
        // a stalled beat is presented again, so the bank outputs hold it.
        self.ro_cur.d.next = self.ro_cur.q.val();
        self.ro_valid.d.next = self.ro_valid.q.val();
        self.ro_swap.d.next = self.ro_swap.q.val();
        self.ro_next.d.next = self.ro_next.q.val();
        self.ro_advance.next = self.ro_valid.q.val() & self.m_tready.val();
        self.ro_present.next = self.ro_cur.q.val();
        if self.ro_advance.val() {
            self.ro_present.next = self.ro_next.q.val();
        }
        // The bank addresses of beat c (b0 even element, b1 = b0's partner) and which
        // bank holds b0: the parity of b0, which is the parity of c's low log2(n) − 1
        // bits in both orders (b0 is c << 1, or those bits reversed), so it needs no
        // shifter. Computed for ro_cur and ro_next alike; m_tready picks one.
        self.ro_cur_i0.next = self.ro_cur.q.val() << 1;
        self.ro_next_i0.next = self.ro_next.q.val() << 1;
        self.output_reverse.d.next = self.ro_cur_i0.val();
        self.next_reverse.d.next = self.ro_next_i0.val();
        self.ro_cur_b0.next = self.ro_cur_i0.val();
        self.ro_next_b0.next = self.ro_next_i0.val();
        if self.inverse.val() {
            self.ro_cur_b0.next = self.output_reverse.q.val() >> self.shift_down.val();
            self.ro_next_b0.next = self.next_reverse.q.val() >> self.shift_down.val();
        }
        self.ro_cur_parity.next = (self.ro_cur.q.val() & self.last_beat.val()).xor();
        self.ro_next_parity.next = (self.ro_next.q.val() & self.last_beat.val()).xor();
        self.ro_b0.next = self.ro_cur_b0.val();
        self.ro_next_swap.next = self.ro_cur_parity.val();
        if self.ro_advance.val() {
            self.ro_b0.next = self.ro_next_b0.val();
            self.ro_next_swap.next = self.ro_next_parity.val();
        }
        self.ro_b1.next = self.ro_b0.val() | self.one.val();
        if self.inverse.val() {
            self.ro_b1.next = self.ro_b0.val() | self.half.val();
        }
        self.ro_e0.next = self.bank0.read_data.val();
        self.ro_e1.next = self.bank1.read_data.val();
        if self.ro_swap.q.val() {
            self.ro_e0.next = self.bank1.read_data.val();
            self.ro_e1.next = self.bank0.read_data.val();
        }
        self.m_tdata.next = bit_cast::<512, 256>(self.ro_e0.val())
            | (bit_cast::<512, 256>(self.ro_e1.val()) << 256);
        self.m_tvalid.next = self.ro_valid.q.val() & (self.state.q.val() == self.s_output.val());
        self.m_tlast.next = self.ro_cur.q.val() == self.last_beat.val();

        // Bank read ports: the delayed issue (compute) or the readout.
        if self.state.q.val() == self.s_output.val() {
            if self.ro_next_swap.val() {
                self.bank0.read_address.next = self.ro_b1.val().get_bits::<BA>(1);
                self.bank1.read_address.next = self.ro_b0.val().get_bits::<BA>(1);
            } else {
                self.bank0.read_address.next = self.ro_b0.val().get_bits::<BA>(1);
                self.bank1.read_address.next = self.ro_b1.val().get_bits::<BA>(1);
            }
            self.ro_cur.d.next = self.ro_present.val();
            self.ro_next.d.next = self.ro_present.val() + 1;
            self.ro_swap.d.next = self.ro_next_swap.val();
            self.ro_valid.d.next = self.ro_present.val() != self.half.val();
            if self.ro_present.val() == self.half.val() {
                self.state.d.next = self.s_idle.val();
            }
        } else {
            if self.rd_lo_swap.val() {
                self.bank0.read_address.next = self.rd_hi.val().get_bits::<BA>(1);
                self.bank1.read_address.next = self.rd_lo.val().get_bits::<BA>(1);
            } else {
                self.bank0.read_address.next = self.rd_lo.val().get_bits::<BA>(1);
                self.bank1.read_address.next = self.rd_hi.val().get_bits::<BA>(1);
            }
            self.ro_cur.d.next = 0.into();
            self.ro_next.d.next = 1.into();
            self.ro_valid.d.next = false;
        }

        if self.reset.val() {
            self.job_config.d.next = 0.into();
            self.state.d.next = self.s_idle.val();
            self.config_error.d.next = false;
            self.butterflies.d.next = 0.into();
            self.issue_cycles.d.next = 0.into();
            self.job_cycles.d.next = 0.into();
            self.ro_valid.d.next = false;
            self.agen.start.next = false;
        }
    }
}
