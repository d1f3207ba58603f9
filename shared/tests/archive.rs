//! The DC/OS archive, checked against the system's gzip and tar.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use shared::archive::{crc32, docker_tar_gz, gzip_stored, tar, TarEntry};
use shared::forms::docker_config_json;
use shared::{parse_dockerconfigjson, DockerConfig};

fn config() -> DockerConfig {
    parse_dockerconfigjson(
        r#"{"auths":{"registry.example.com:5000":{"username":"u","password":"p"}}}"#,
    )
    .unwrap()
    .config
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    // Write from another thread: gzip's output would otherwise fill the pipe.
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "gzip -dc failed");
    out.stdout
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("regcred-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn crc32_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn gzip_of_empty_input() {
    let gz = gzip_stored(b"");
    assert_eq!(gz.len(), 10 + 5 + 8);
    assert_eq!(gunzip(&gz), b"");
}

#[test]
fn gzip_of_several_blocks() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let gz = gzip_stored(&data);
    // 200_000 bytes need four stored blocks of at most 65_535 bytes.
    assert_eq!(gz.len(), 10 + 4 * 5 + data.len() + 8);
    assert_eq!(gunzip(&gz), data);
    let exact = vec![b'x'; 65_535];
    assert_eq!(gunzip(&gzip_stored(&exact)), exact);
}

#[test]
fn tar_refuses_long_paths() {
    let long = "a".repeat(101);
    let entry = |path| TarEntry {
        path,
        mode: 0o600,
        data: b"x",
        mtime: 0,
    };
    assert!(tar(&[entry(&long)]).is_err());
    assert!(tar(&[entry(&long[..100])]).is_ok());
    assert!(tar(&[entry("")]).is_err());
}

#[test]
fn tar_layout() {
    let out = tar(&[TarEntry {
        path: "f",
        mode: 0o644,
        data: b"hello",
        mtime: 1,
    }])
    .unwrap();
    assert_eq!(out.len(), 512 * 4);
    assert_eq!(&out[100..108], b"0000644\0");
    assert_eq!(&out[124..136], b"00000000005\0");
    assert_eq!(&out[257..265], b"ustar\x0000");
    assert_eq!(out[155], b' ');
    assert_eq!(&out[512..517], b"hello");
    assert!(out[517..].iter().all(|&b| b == 0));
}

#[test]
fn docker_tar_gz_extracts_with_system_tar() {
    let cfg = config();
    let dir = TempDir::new("archive");
    let file = dir.0.join("docker.tar.gz");
    std::fs::write(&file, docker_tar_gz(&cfg, 1_700_000_000)).unwrap();

    let list = Command::new("tar")
        .arg("-tvzf")
        .arg(&file)
        .output()
        .unwrap();
    assert!(list.status.success(), "{list:?}");
    let listing = String::from_utf8(list.stdout).unwrap();
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(
        lines[0].starts_with("drwx------") && lines[0].ends_with(".docker/"),
        "{listing}"
    );
    assert!(
        lines[1].starts_with("-rw-------") && lines[1].ends_with(".docker/config.json"),
        "{listing}"
    );
    assert!(lines[1].contains("root/root"), "{listing}");

    let out = dir.0.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&file)
        .arg("-C")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let extracted = out.join(".docker/config.json");
    assert_eq!(
        std::fs::read_to_string(&extracted).unwrap(),
        docker_config_json(&cfg)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&extracted).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn docker_tar_gz_is_deterministic_and_clamps_mtime() {
    let cfg = config();
    assert_eq!(docker_tar_gz(&cfg, 5), docker_tar_gz(&cfg, 5));
    // Milliseconds by mistake: still a valid archive.
    let gz = docker_tar_gz(&cfg, 1_700_000_000_000);
    let raw = gunzip(&gz);
    assert_eq!(&raw[136..148], b"77777777777\0");
}
