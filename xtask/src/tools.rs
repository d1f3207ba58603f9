//! Installs what is missing, at pinned versions, and only when missing:
//! a second run costs a few version checks. Why these versions, and what
//! must not download: xtask/README.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{self, output, status, step};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// (crate, version, binary, extra `cargo install` flags). wasm-bindgen-cli must
/// equal the wasm-bindgen crate in Cargo.lock; `--locked` fails for it.
const CARGO_TOOLS: [(&str, &str, &str, &[&str]); 3] = [
    ("wasm-bindgen-cli", "0.2.130", "wasm-bindgen", &[]),
    ("worker-build", "0.8.7", "worker-build", &["--locked"]),
    ("trunk", "0.21.14", "trunk", &["--locked"]),
];
/// Debian packages the tests need: a browser for the console tests, a real
/// registry and htpasswd for the login-check tests, a real credential store
/// (pass, gnupg, docker-credential-pass) and a real pull client (skopeo)
/// for the CLI tests.
const APT_PACKAGES: [(&str, &str); 9] = [
    ("/usr/bin/chromium", "chromium"),
    ("/usr/bin/chromedriver", "chromium-driver"),
    ("/usr/bin/docker-registry", "docker-registry"),
    ("/usr/bin/htpasswd", "apache2-utils"),
    ("/usr/bin/wrk", "wrk"),
    ("/usr/bin/pass", "pass"),
    ("/usr/bin/gpg", "gnupg"),
    (
        "/usr/bin/docker-credential-pass",
        "golang-docker-credential-helpers",
    ),
    ("/usr/bin/skopeo", "skopeo"),
];

/// Where every tool is; commands built from here carry the offline switches.
pub struct Tools {
    pub root: PathBuf,
    pub cargo_bin: PathBuf,
}

impl Tools {
    /// Finds tools without installing anything.
    pub fn locate() -> Result<Tools, String> {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or("neither CARGO_HOME nor HOME is set")?;
        Ok(Tools {
            root: run::root(),
            cargo_bin: cargo_home.join("bin"),
        })
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.cargo_bin.join(name)
    }

    pub fn node_bin(&self) -> PathBuf {
        self.root.join("node_modules/.bin")
    }

    /// PATH with node_modules/.bin (binaryen's wasm-opt) and cargo's bin first.
    pub fn path_env(&self) -> std::ffi::OsString {
        let mut parts = vec![self.node_bin(), self.cargo_bin.clone()];
        if let Some(p) = std::env::var_os("PATH") {
            parts.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(parts).unwrap_or_default()
    }

    /// A command that finds our pinned tools first and never downloads.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root)
            .env("PATH", self.path_env())
            .env("WASM_BINDGEN_BIN", self.bin("wasm-bindgen"))
            .env("WASM_OPT_BIN", self.node_bin().join("wasm-opt"))
            .env(
                "ESBUILD_BIN",
                self.root
                    .join("node_modules/@esbuild/linux-x64/bin/esbuild"),
            )
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("WRANGLER_LOG_PATH", self.root.join("target/wrangler-logs"));
        cmd
    }

    pub fn wrangler_dev(&self, ip: &str, port: u16) -> Command {
        let mut cmd = self.command(self.node_bin().join("wrangler"));
        cmd.args(["dev", "--local", "--ip", ip, "--port", &port.to_string()])
            .arg("--show-interactive-dev-session=false");
        cmd
    }
}

/// Everything `dev` and `build` need.
pub fn ensure_build_tools() -> Result<Tools, String> {
    let tools = Tools::locate()?;
    ensure_wasm_target()?;
    for (krate, version, bin, flags) in CARGO_TOOLS {
        ensure_cargo_tool(&tools, krate, version, bin, flags)?;
    }
    ensure_npm(&tools)?;
    Ok(tools)
}

/// Everything `test` needs: the build tools plus a browser, a registry and
/// schemathesis.
pub fn ensure_test_tools() -> Result<Tools, String> {
    let tools = ensure_build_tools()?;
    ensure_apt()?;
    ensure_pypi()?;
    Ok(tools)
}

const SCHEMATHESIS: &str = "4.32.5";

/// PyPI packages the tests run, (distribution, requirement): the API
/// fuzzer, and the clouds' stand-ins (moto's server for Amazon ECR with
/// SigV4 and IAM checks, Authlib for Google's RFC 7523 token endpoint,
/// `standardwebhooks` to verify webhooks).
const PYPI: [(&str, &str); 4] = [
    ("schemathesis", "schemathesis==4.32.5"),
    ("moto", "moto[server]==5.2.5"),
    ("authlib", "authlib==1.9.6"),
    ("standardwebhooks", "standardwebhooks==1.1.0"),
];

/// The schemathesis script of the machine's Python, installed from PyPI at
/// the pinned version when missing.
pub fn schemathesis_bin() -> Result<PathBuf, String> {
    let scripts = output(Command::new("python3").args([
        "-c",
        "import sysconfig; print(sysconfig.get_path('scripts'))",
    ]))
    .ok_or("python3 is needed for schemathesis (the API fuzzer) and the cloud stand-ins")?;
    Ok(PathBuf::from(scripts.trim()).join("schemathesis"))
}

/// Installs the [`PYPI`] packages whose installed version is not the pinned
/// one, in one pip run; one Python start when all are present.
fn ensure_pypi() -> Result<(), String> {
    let names: Vec<&str> = PYPI.iter().map(|(d, _)| *d).collect();
    let probe = format!(
        "import importlib.metadata as m\nfor d in {names:?}:\n    try: print(d, m.version(d))\n    except Exception: print(d, '-')"
    );
    let found = output(Command::new("python3").args(["-c", &probe])).unwrap_or_default();
    let missing: Vec<&str> = PYPI
        .iter()
        .filter(|(dist, req)| {
            let want = req.rsplit("==").next().unwrap_or_default();
            !found.lines().any(|l| l == format!("{dist} {want}"))
        })
        .map(|(_, req)| *req)
        .collect();
    if missing.is_empty() {
        step(&format!(
            "PyPI packages (schemathesis {SCHEMATHESIS}, moto, authlib, standardwebhooks): present"
        ));
        return Ok(());
    }
    step(&format!(
        "PyPI packages {}: installing with pip",
        missing.join(" ")
    ));
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .args(&missing);
    status(&mut cmd, "pip install")
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        step(&format!("{WASM_TARGET} target: present"));
        return Ok(());
    }
    step(&format!("{WASM_TARGET} target: installing with rustup"));
    status(
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
        "rustup target add",
    )
}

fn ensure_cargo_tool(
    tools: &Tools,
    krate: &str,
    version: &str,
    bin: &str,
    flags: &[&str],
) -> Result<(), String> {
    let path = tools.bin(bin);
    let found = output(Command::new(&path).arg("--version")).unwrap_or_default();
    if found.split_whitespace().any(|w| w == version) {
        step(&format!("{bin} {version}: present"));
        return Ok(());
    }
    step(&format!(
        "{bin} {version}: installing with cargo install (a few minutes, once)"
    ));
    let mut cmd = Command::new("cargo");
    cmd.arg("install")
        .args(flags)
        .arg(format!("{krate}@{version}"));
    status(&mut cmd, &format!("cargo install {krate}"))
}

/// `npm ci` when node_modules does not match package-lock.json.
fn ensure_npm(tools: &Tools) -> Result<(), String> {
    let lock = std::fs::read(tools.root.join("package-lock.json"))
        .map_err(|e| format!("package-lock.json: {e}"))?;
    let want = format!("{:016x}", fnv1a(&lock));
    let marker = tools.root.join("node_modules/.regcred-lock");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(want.as_str()) {
        step("npm packages (wrangler, binaryen, playwright-core): present");
        return Ok(());
    }
    step("npm packages (wrangler, binaryen, playwright-core): npm ci");
    let mut cmd = tools.command("npm");
    cmd.args(["ci", "--no-audit", "--no-fund"]);
    status(&mut cmd, "npm ci")?;
    std::fs::write(&marker, want).map_err(|e| format!("{}: {e}", marker.display()))
}

fn ensure_apt() -> Result<(), String> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        step("Debian packages (chromium, docker-registry, apache2-utils, wrk, pass, gnupg, docker-credential-pass, skopeo): present");
        return Ok(());
    }
    step(&format!(
        "Debian packages {}: installing with apt-get",
        missing.join(" ")
    ));
    let root = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    status(&mut apt(&["update", "-q"]), "apt-get update")?;
    let mut install = apt(&["install", "-y", "-q"]);
    install.args(&missing);
    status(&mut install, "apt-get install")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}
