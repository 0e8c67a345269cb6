//! A board's health over the process's life: jobs, failures, resets, and whether it
//! is still in service. Repeated failures take a board out of service (with the last
//! reason); the jobs it would have run complete on the CPU.

/// Consecutive failed jobs (errors or failed checks) that take a board out of service.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 3;

/// What happened on one board.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BoardHealth {
    pub device: String,
    /// Jobs sent to the board (attempts, including retries).
    pub jobs: u64,
    /// Jobs that failed: an error from the board or a result that failed its check.
    pub failures: u64,
    /// Recoveries (soft reset and identification, or a function reset).
    pub resets: u64,
    pub consecutive_failures: u32,
    /// Why the board takes no more work, once it does not.
    pub out_of_service: Option<String>,
}

impl BoardHealth {
    pub fn new(device: String) -> Self {
        BoardHealth {
            device,
            ..Default::default()
        }
    }

    pub fn in_service(&self) -> bool {
        self.out_of_service.is_none()
    }

    /// A job is about to run on the board.
    pub fn started(&mut self) {
        self.jobs += 1;
    }

    /// The job's result passed its check (or needed none).
    pub fn succeeded(&mut self) {
        self.consecutive_failures = 0;
    }

    /// The job failed for `reason`; the board leaves service after
    /// [`MAX_CONSECUTIVE_FAILURES`] in a row.
    pub fn failed(&mut self, reason: &str) {
        self.failures += 1;
        self.consecutive_failures += 1;
        if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES && self.in_service() {
            self.out_of_service = Some(format!(
                "{} failures in a row, the last: {reason}",
                self.consecutive_failures
            ));
        }
    }

    /// The board was reset; `Err(reason)` if it did not come back.
    pub fn reset(&mut self, outcome: Result<(), String>) {
        self.resets += 1;
        if let Err(reason) = outcome {
            self.out_of_service = Some(format!("did not come back after a reset: {reason}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_failures_in_a_row_take_a_board_out_of_service() {
        let mut h = BoardHealth::new("sim".into());
        h.failed("a");
        h.failed("b");
        h.succeeded();
        h.failed("c");
        h.failed("d");
        assert!(h.in_service());
        h.failed("e");
        assert_eq!(
            h.out_of_service.as_deref(),
            Some("3 failures in a row, the last: e")
        );
        assert_eq!(h.failures, 5);
    }

    #[test]
    fn a_board_that_does_not_come_back_is_out_of_service() {
        let mut h = BoardHealth::new("sim".into());
        h.reset(Ok(()));
        assert!(h.in_service());
        h.reset(Err("no card at BAR0".into()));
        assert_eq!(h.resets, 2);
        assert!(h.out_of_service.unwrap().contains("no card at BAR0"));
    }
}
