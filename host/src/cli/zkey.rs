//! `zkaccel zkey`: proving-key tools.

use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use zkaccel_host::codec::write_file;
use zkaccel_host::groth16::{json, zkey::Zkey};

#[derive(Subcommand)]
pub enum ZkeyCommand {
    /// Write the verification key of a snarkjs proving key, as snarkjs's
    /// `zkey export verificationkey` does.
    ExportVkey {
        /// The proving key (Groth16, BLS12-381).
        zkey: PathBuf,
        /// Where to write vkey.json.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: ZkeyCommand) -> Result<()> {
    match c {
        ZkeyCommand::ExportVkey { zkey, out } => {
            let key = Zkey::read(&zkey)?;
            let text = json::to_snarkjs_text(&json::vkey_json(&key));
            write_file(&out, text.as_bytes())
                .with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {} ({} public signals)", out.display(), key.n_public);
            Ok(())
        }
    }
}
