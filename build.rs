//! Build script: records `git describe` of the checkout being built (if any) as
//! MITRALSIM_GIT_DESCRIBE, for the provenance in metrics.json. Outside a git checkout, or
//! without git, it records nothing and the provenance says null.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let in_checkout = Path::new(".git").exists();
    if !in_checkout {
        return;
    }
    // Describe again when HEAD moves or a ref (branch, tag) changes.
    // (Only paths that exist: Cargo reruns the script on every build for a missing one.)
    let watch = |path: String| {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    };
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        watch(format!("{dir}/HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        watch(format!("{common}/refs"));
        watch(format!("{common}/packed-refs"));
    }
    if let Some(describe) = git(&["describe", "--tags", "--always"]) {
        println!("cargo:rustc-env=MITRALSIM_GIT_DESCRIBE={describe}");
    }
}
