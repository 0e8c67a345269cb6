//! The `zkaccel` commands, one module each: arguments, the library calls, and the
//! human or `--json` output. Library code never calls into here.

pub mod bench;
pub mod bench_boards;
pub mod demo;
pub mod devices;
pub mod hdl;
pub mod kzg;
pub mod msm;
pub mod ntt;
pub mod prove;
pub mod selftest;
pub mod sim;
pub mod verify;
pub mod zkey;

#[cfg(test)]
mod readme_check;

/// The error for a command this build leaves out.
#[allow(dead_code)] // used only in builds without some features
pub fn not_in_this_build(command: &str, feature: &str, needs: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "`zkaccel {command}` is not in this build: it was built without the `{feature}` feature \
         ({needs}). Build the full CLI with `cargo build -p zkaccel-host` (default features)."
    )
}

/// Prints each failure an accelerator recorded (a board error or a failed check, and
/// where the job ran next) as a warning on stderr.
pub fn warn_failures(failures: &[zkaccel_host::kernel_check::Failure]) {
    for f in failures {
        eprintln!(
            "warning: {} on {}: {}; {}",
            f.step, f.backend, f.reason, f.then
        );
    }
}

/// A progress bar on stderr for `len` steps: drawn only on a terminal, never with
/// `quiet` (stdout, and so `--json`, is untouched).
#[allow(dead_code)] // used by `bench faults`, which builds without `sim` as a stub
pub fn progress_bar(len: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A spinner with the elapsed time on stderr while a job of unknown length runs:
/// drawn only on a terminal, never with `quiet`; stdout (and `--json`) is untouched.
pub fn spinner(what: String, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("a valid template"),
    );
    bar.set_message(what);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Prints a report as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(report: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(report)?);
    Ok(())
}
