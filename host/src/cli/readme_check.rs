//! Keeps the README's command list and `--help` in step: every command and option the
//! binary has is in the README's "The command line" block, and everything that block
//! names exists.

use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};

/// Leaf commands ("msm", "bench msm", ...) with their long options (without help and
/// version).
fn commands() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            let opts = cmd
                .get_arguments()
                .filter_map(|a| a.get_long())
                .filter(|l| *l != "help" && *l != "version")
                .map(|l| format!("--{l}"))
                .collect();
            out.insert(path.trim().to_string(), opts);
        }
        for s in subs {
            walk(s, &format!("{path} {}", s.get_name()), out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&crate::Cli::command(), "", &mut out);
    out
}

/// The README's command block: each `zkaccel ...` line (with its indented
/// continuation lines) as (command path, options).
fn readme_commands(readme: &str) -> BTreeMap<String, BTreeSet<String>> {
    let section = readme
        .split("## The command line")
        .nth(1)
        .expect("README has a \"## The command line\" section");
    let block = section
        .split("```")
        .nth(1)
        .expect("the section starts with a code block");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in block.lines() {
        let text = line.split('#').next().unwrap_or("");
        if let Some(rest) = text.strip_prefix("zkaccel ") {
            let path: Vec<&str> = rest
                .split_whitespace()
                .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
                .filter(|w| !w.starts_with('-'))
                .collect();
            let path = path.join(" ");
            out.entry(path.clone()).or_default();
            current = Some(path);
        } else if !line.starts_with(' ') {
            current = None;
        }
        if let Some(c) = &current {
            for w in text.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == '|') {
                if w.starts_with("--") {
                    let opt: String = w
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    out.get_mut(c).expect("entry").insert(opt);
                }
            }
        }
    }
    out
}

#[test]
fn readme_lists_every_command_and_option() {
    let readme = include_str!("../../../README.md");
    let documented = readme_commands(readme);
    let actual = commands();
    for (cmd, opts) in &actual {
        let doc = documented
            .get(cmd)
            .unwrap_or_else(|| panic!("`zkaccel {cmd}` is missing from the README's command list"));
        for o in opts {
            assert!(doc.contains(o), "README: `zkaccel {cmd}` does not show {o}");
        }
    }
    for (cmd, opts) in &documented {
        if cmd.is_empty() {
            continue; // `zkaccel --help`
        }
        let real = actual
            .get(cmd)
            .unwrap_or_else(|| panic!("the README lists `zkaccel {cmd}`, which does not exist"));
        for o in opts {
            assert!(
                real.contains(o),
                "README: `zkaccel {cmd}` shows {o}, which it does not take"
            );
        }
    }
}

#[test]
fn the_check_sees_a_missing_command_and_a_stale_option() {
    let readme = "## The command line\n```sh\nzkaccel msm --points P --frobnicate\n            [--json]\n```\n";
    let d = readme_commands(readme);
    assert_eq!(d.len(), 1);
    let msm = &d["msm"];
    assert!(msm.contains("--points") && msm.contains("--json") && msm.contains("--frobnicate"));
    assert!(!commands()["msm"].contains("--frobnicate"));
    assert!(!d.contains_key("ntt"));
}
