//! The Python package (python/) through its own tests, so that `cargo test` runs them:
//! a venv under ~/.cache/flowhound (made when missing, or FLOWHOUND_VENV), the package
//! built into it in debug mode with maturin, then pytest comparing it with the flowhound
//! binary cargo just built. Needs python3 and the package registry (PyPI) the first time.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cache() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".cache")
}

fn run(what: &str, cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn python_package_tests_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = std::env::var_os("FLOWHOUND_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache().join("flowhound/venv"));
    let python = venv.join("bin").join("python");
    if !python.exists() {
        run("python3 -m venv", Command::new("python3").arg("-m").arg("venv").arg(&venv));
    }
    let pip_cache = cache().join("pip");
    run(
        "pip install -r python/requirements-test.txt",
        Command::new(&python)
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(root.join("python/requirements-test.txt"))
            .env("PIP_CACHE_DIR", &pip_cache),
    );
    // Cargo releases its build lock before running tests, so maturin builds in the same
    // target folder and reuses the core crate's compiled dependencies.
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    run(
        "maturin develop",
        Command::new(venv.join("bin").join("maturin"))
            .args(["develop", "--quiet"])
            .current_dir(root.join("python"))
            .env("VIRTUAL_ENV", &venv)
            .env("CARGO_TARGET_DIR", &target)
            .env("PIP_CACHE_DIR", &pip_cache),
    );
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "python/tests"])
        .current_dir(root)
        .env("FLOWHOUND_BIN", env!("CARGO_BIN_EXE_flowhound"))
        .output()
        .expect("pytest starts");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{report}");
    assert!(out.status.success(), "the Python package's tests failed:\n{report}");
    assert!(report.contains(" passed"), "pytest ran no tests:\n{report}");
}
