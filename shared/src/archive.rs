//! The `docker.tar.gz` that the DC/OS URI form fetches. The console builds it
//! in the browser, so the credentials never leave the user's machine; that
//! rules out native archivers and, to keep the wasm small, compression crates.
//! A gzip of stored (uncompressed) deflate blocks is valid and tiny here.

use crate::dockerconfig::DockerConfig;
use crate::forms::docker_config_json;

/// One archive member. A `path` ending in `/` is a directory (and has no data):
/// ustar's own convention, so no extra field is needed for the one directory
/// the archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TarEntry<'a> {
    pub path: &'a str,
    pub mode: u32,
    pub data: &'a [u8],
    pub mtime: u64,
}

const BLOCK: usize = 512;
/// The largest value an 11-digit octal field (size, mtime) holds.
const MAX_OCTAL_11: u64 = 0o77_777_777_777;
/// Largest stored-block payload: LEN is 16 bits.
const MAX_STORED: usize = 0xFFFF;

const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}

/// The CRC gzip's trailer needs (IEEE 802.3, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// A ustar archive. Refuses what ustar cannot hold exactly (paths over 100
/// bytes, values too large for their octal fields) rather than writing an
/// archive that would extract to something else.
pub fn tar(entries: &[TarEntry]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&header(e)?);
        out.extend_from_slice(e.data);
        out.resize(out.len().next_multiple_of(BLOCK), 0);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    Ok(out)
}

fn header(e: &TarEntry) -> Result<[u8; BLOCK], String> {
    let path = e.path.as_bytes();
    if path.is_empty() || path.len() > 100 || path.contains(&0) {
        return Err(format!(
            "tar path {:?} must be 1 to 100 bytes without NUL",
            e.path
        ));
    }
    let dir = e.path.ends_with('/');
    if dir && !e.data.is_empty() {
        return Err(format!("tar directory {:?} cannot hold data", e.path));
    }
    let size = e.data.len() as u64;
    if size > MAX_OCTAL_11 || e.mtime > MAX_OCTAL_11 || e.mode > 0o7_777_777 {
        return Err(format!(
            "tar entry {:?}: size, mtime or mode too large for ustar",
            e.path
        ));
    }
    let mut h = [0u8; BLOCK];
    h[..path.len()].copy_from_slice(path);
    octal(&mut h[100..108], u64::from(e.mode));
    octal(&mut h[108..116], 0); // uid
    octal(&mut h[116..124], 0); // gid
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], e.mtime);
    h[156] = if dir { b'5' } else { b'0' };
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    // The checksum is summed with its own field read as spaces.
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    octal(&mut h[148..155], u64::from(sum));
    h[155] = b' ';
    Ok(h)
}

/// Zero-padded octal filling all but the field's last byte, which is NUL.
/// Callers have checked that the value fits.
fn octal(field: &mut [u8], mut value: u64) {
    let digits = field.len() - 1;
    for i in (0..digits).rev() {
        field[i] = b'0' + (value & 7) as u8;
        value >>= 3;
    }
    field[digits] = 0;
}

/// A gzip member whose deflate stream is stored blocks only: every gunzip
/// reads it, and it needs no compressor.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let blocks = data.len().div_ceil(MAX_STORED).max(1);
    let mut out = Vec::with_capacity(data.len() + blocks * 5 + 18);
    // ID1 ID2 CM FLG MTIME(4) XFL OS: no name, no timestamp, "unknown" OS,
    // so the same input always gives the same bytes.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    // `chunks` yields nothing for empty input, but deflate needs a final block.
    let mut chunks: Vec<&[u8]> = data.chunks(MAX_STORED).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.iter().enumerate() {
        // BFINAL in bit 0, BTYPE=00 in bits 1-2; the rest pads to the byte.
        out.push(u8::from(i == last));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32 by definition.
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// The archive DC/OS fetches into the sandbox, where Docker reads
/// `.docker/config.json`. Mode 0600 because the file holds credentials.
/// `mtime` (seconds) comes from the caller: `shared` has no clock. A value
/// past ustar's range (e.g. milliseconds) is clamped so the archive stays valid.
pub fn docker_tar_gz(config: &DockerConfig, mtime: u64) -> Vec<u8> {
    let mtime = mtime.min(MAX_OCTAL_11);
    let json = docker_config_json(config);
    let entries = [
        TarEntry {
            path: ".docker/",
            mode: 0o700,
            data: &[],
            mtime,
        },
        TarEntry {
            path: ".docker/config.json",
            mode: 0o600,
            data: json.as_bytes(),
            mtime,
        },
    ];
    // Cannot fail: fixed short paths, clamped mtime, and a config far below 8 GiB.
    gzip_stored(&tar(&entries).unwrap_or_default())
}
