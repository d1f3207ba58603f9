//! Where the login check may send a request, decided on the text of the URL
//! alone: no I/O and no DNS (a worker cannot resolve a name before `fetch`).
//!
//! - A host is parsed the way `fetch`'s URL parser (WHATWG) reads it, so
//!   `2130706433`, `0x7f.1` and `127.1` are all 127.0.0.1 here too, and
//!   `127.evil.example` is a name, not loopback.
//! - Loopback (127.0.0.0/8, ::1) is reached only when the deployment allows
//!   it (`REGCRED_ALLOW_HTTP_LOOPBACK`, local development). Private,
//!   shared, link-local, metadata and reserved addresses never are.
//! - Names that cannot be public are refused: `localhost` and `*.localhost`
//!   (loopback is decided on the address, never the name), single labels,
//!   special-use and private-use domains (`.local`, `.internal`, ...) and
//!   names that begin with a number (`127.evil.example`, `10.0.0.1.nip.io`),
//!   which read as an address but resolve to whatever their owner likes.
//!   Any other name is public as far as a worker can tell; see the README.
//! - Plain http only to loopback (when allowed).
//! - A Bearer realm gets the credentials only on the registry's own site:
//!   [`realm_allowed`].

use std::fmt;
// `core::net`: address values and their parsing, no sockets.
use core::net::{Ipv4Addr, Ipv6Addr};

/// A host as `fetch` will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    /// Lowercase, without a trailing dot.
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
            Host::Name(n) => f.write_str(n),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// What kind of place a host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Public,
    Loopback,
    /// RFC 1918, shared address space (100.64.0.0/10), unique local IPv6.
    Private,
    LinkLocal,
    /// Cloud instance metadata services.
    Metadata,
    /// Unspecified, documentation, benchmarking, multicast, reserved and
    /// other ranges that are no registry's address.
    Reserved,
    /// A name that can only mean something on a local network.
    LocalName,
    /// A name that begins with a number, so it reads as an address.
    NumericName,
}

impl Kind {
    /// The name the vectors and messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Public => "public",
            Kind::Loopback => "loopback",
            Kind::Private => "private",
            Kind::LinkLocal => "link-local",
            Kind::Metadata => "metadata",
            Kind::Reserved => "reserved",
            Kind::LocalName => "local-name",
            Kind::NumericName => "numeric-name",
        }
    }
}

/// A host's kind and the range or rule that decided it (e.g. `10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    pub kind: Kind,
    pub why: &'static str,
}

/// Scheme, host and port of a URL the check would fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    pub host: Host,
    /// The port `fetch` connects to (443 or 80 when the URL has none).
    pub port: u16,
}

impl Target {
    /// `https://host[:port]`, the default port left out: safe to show (no
    /// path, no query, no credentials).
    pub fn origin(&self) -> String {
        let (scheme, default) = match self.scheme {
            Scheme::Https => ("https", 443),
            Scheme::Http => ("http", 80),
        };
        if self.port == default {
            format!("{scheme}://{}", self.host)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// Why a URL is not one the check sends anything to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn refuse(message: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
    }
}

/// Parses a host the way the WHATWG URL parser does for http(s), refusing
/// what it would rewrite behind our back (percent escapes, non-ASCII).
pub fn parse_host(text: &str) -> Result<Host, Refusal> {
    let bad = || refuse(format!("'{text}' is not a host name or IP address"));
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or_else(bad)?;
        return inner.parse::<Ipv6Addr>().map(Host::V6).map_err(|_| bad());
    }
    let lower = text.to_ascii_lowercase();
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if name.contains('*') {
        return Err(refuse(format!(
            "'{text}' is a wildcard, which names many hosts; check one registry by its own name"
        )));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        || name.split('.').any(str::is_empty)
    {
        return Err(bad());
    }
    let labels: Vec<&str> = name.split('.').collect();
    let last = labels[labels.len() - 1];
    let ends_in_number = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if ends_in_number {
        return ipv4_of(&labels).map(Host::V4).ok_or_else(bad);
    }
    Ok(Host::Name(name.to_owned()))
}

/// WHATWG's IPv4 parser: 1 to 4 parts, each decimal, `0x` hex or
/// leading-`0` octal; the last part fills the remaining bytes.
fn ipv4_of(labels: &[&str]) -> Option<Ipv4Addr> {
    if labels.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(labels.len());
    for part in labels {
        let (digits, radix) = if let Some(hex) = part.strip_prefix("0x") {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (*part, 10)
        };
        let n = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        numbers.push(n);
    }
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - labels.len() as u32) {
        return None;
    }
    let mut value = *last;
    for (i, n) in init.iter().enumerate() {
        value += n << (8 * (3 - i));
    }
    Some(Ipv4Addr::from(u32::try_from(value).ok()?))
}

fn in_v4(a: Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    u32::from(a) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in_v6(a: Ipv6Addr, net: [u16; 8], bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    u128::from(a) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

const fn class(kind: Kind, why: &'static str) -> Class {
    Class { kind, why }
}

const V4_RANGES: &[([u8; 4], u32, Class)] = &[
    (
        [169, 254, 169, 254],
        32,
        class(
            Kind::Metadata,
            "169.254.169.254, the cloud metadata service",
        ),
    ),
    (
        [169, 254, 170, 2],
        32,
        class(
            Kind::Metadata,
            "169.254.170.2, the container metadata service",
        ),
    ),
    (
        [100, 100, 100, 200],
        32,
        class(Kind::Metadata, "100.100.100.200, a cloud metadata service"),
    ),
    ([127, 0, 0, 0], 8, class(Kind::Loopback, "127.0.0.0/8")),
    (
        [0, 0, 0, 0],
        8,
        class(Kind::Reserved, "0.0.0.0/8, 'this network'"),
    ),
    ([10, 0, 0, 0], 8, class(Kind::Private, "10.0.0.0/8")),
    (
        [100, 64, 0, 0],
        10,
        class(Kind::Private, "100.64.0.0/10, shared address space"),
    ),
    (
        [169, 254, 0, 0],
        16,
        class(Kind::LinkLocal, "169.254.0.0/16"),
    ),
    ([172, 16, 0, 0], 12, class(Kind::Private, "172.16.0.0/12")),
    (
        [192, 0, 0, 0],
        24,
        class(Kind::Reserved, "192.0.0.0/24, IETF protocol assignments"),
    ),
    (
        [192, 0, 2, 0],
        24,
        class(Kind::Reserved, "192.0.2.0/24, documentation"),
    ),
    (
        [192, 88, 99, 0],
        24,
        class(Kind::Reserved, "192.88.99.0/24, 6to4 relays"),
    ),
    ([192, 168, 0, 0], 16, class(Kind::Private, "192.168.0.0/16")),
    (
        [198, 18, 0, 0],
        15,
        class(Kind::Reserved, "198.18.0.0/15, benchmarking"),
    ),
    (
        [198, 51, 100, 0],
        24,
        class(Kind::Reserved, "198.51.100.0/24, documentation"),
    ),
    (
        [203, 0, 113, 0],
        24,
        class(Kind::Reserved, "203.0.113.0/24, documentation"),
    ),
    (
        [224, 0, 0, 0],
        4,
        class(Kind::Reserved, "224.0.0.0/4, multicast"),
    ),
    (
        [240, 0, 0, 0],
        4,
        class(Kind::Reserved, "240.0.0.0/4, reserved"),
    ),
];

const PUBLIC: Class = class(Kind::Public, "a public address");

pub fn classify_v4(a: Ipv4Addr) -> Class {
    V4_RANGES
        .iter()
        .find(|(net, bits, _)| in_v4(a, *net, *bits))
        .map_or(PUBLIC, |(_, _, c)| *c)
}

/// The IPv4 address an IPv6 address carries in its low 32 bits.
fn low_v4(a: Ipv6Addr) -> Ipv4Addr {
    Ipv4Addr::from(u128::from(a) as u32)
}

/// An address embedded in another is what it embeds, except that a
/// translated loopback (NAT64, 6to4) is not this machine.
fn embedded(v4: Ipv4Addr, translated: bool) -> Class {
    let c = classify_v4(v4);
    if translated && c.kind == Kind::Loopback {
        class(Kind::Reserved, "an IPv6 translation of a loopback address")
    } else {
        c
    }
}

pub fn classify_v6(a: Ipv6Addr) -> Class {
    let v6 = |net: [u16; 8], bits| in_v6(a, net, bits);
    if a == Ipv6Addr::LOCALHOST {
        return class(Kind::Loopback, "::1");
    }
    if a == Ipv6Addr::UNSPECIFIED {
        return class(Kind::Reserved, "::, the unspecified address");
    }
    if a == Ipv6Addr::from([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]) {
        return class(Kind::Metadata, "fd00:ec2::254, the cloud metadata service");
    }
    if v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96) {
        // ::ffff:a.b.c.d is the IPv4 address itself.
        return embedded(low_v4(a), false);
    }
    if v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        return embedded(low_v4(a), true);
    }
    if v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        let v4 = Ipv4Addr::from((u128::from(a) >> 80) as u32);
        return embedded(v4, true);
    }
    const RANGES: &[([u16; 8], u32, Class)] = &[
        (
            [0, 0, 0, 0, 0, 0, 0, 0],
            96,
            class(Kind::Reserved, "::/96, IPv4-compatible (deprecated)"),
        ),
        (
            [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
            48,
            class(Kind::Reserved, "64:ff9b:1::/48, local-use translation"),
        ),
        (
            [0x100, 0, 0, 0, 0, 0, 0, 0],
            64,
            class(Kind::Reserved, "100::/64, discard-only"),
        ),
        (
            [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
            32,
            class(Kind::Reserved, "2001:db8::/32, documentation"),
        ),
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            23,
            class(
                Kind::Reserved,
                "2001::/23, IETF protocol assignments (Teredo, ORCHID, ...)",
            ),
        ),
        (
            [0x3fff, 0, 0, 0, 0, 0, 0, 0],
            20,
            class(Kind::Reserved, "3fff::/20, documentation"),
        ),
        (
            [0xfc00, 0, 0, 0, 0, 0, 0, 0],
            7,
            class(Kind::Private, "fc00::/7, unique local"),
        ),
        (
            [0xfe80, 0, 0, 0, 0, 0, 0, 0],
            10,
            class(Kind::LinkLocal, "fe80::/10"),
        ),
        (
            [0xfec0, 0, 0, 0, 0, 0, 0, 0],
            10,
            class(Kind::Private, "fec0::/10, site-local (deprecated)"),
        ),
        (
            [0xff00, 0, 0, 0, 0, 0, 0, 0],
            8,
            class(Kind::Reserved, "ff00::/8, multicast"),
        ),
    ];
    RANGES
        .iter()
        .find(|(net, bits, _)| v6(*net, *bits))
        .map_or(PUBLIC, |(_, _, c)| *c)
}

/// Well-known names of metadata services.
const METADATA_NAMES: &[&str] = &[
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Special-use (RFC 6761, 6762, 8375, 9476) and never-delegated top-level
/// domains: no public registry lives under them.
const LOCAL_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "home.arpa",
    "test",
    "invalid",
    "example",
    "onion",
    "alt",
];

pub fn classify_name(name: &str) -> Class {
    if METADATA_NAMES.contains(&name) {
        return class(Kind::Metadata, "a cloud metadata service's name");
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return class(
            Kind::LocalName,
            "loopback is decided on the address, not the name; write 127.0.0.1 or [::1]",
        );
    }
    let first = name.split('.').next().unwrap_or_default();
    if first.bytes().all(|b| b.is_ascii_digit())
        || (first.starts_with("0x") && first[2..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return class(
            Kind::NumericName,
            "it begins with a number, so it reads as an IP address, yet it is a name that may point anywhere; write the address itself, or a name that does not begin with a number",
        );
    }
    if !name.contains('.') {
        return class(
            Kind::LocalName,
            "a single-label name only means something on a local network",
        );
    }
    if LOCAL_SUFFIXES
        .iter()
        .any(|s| name.ends_with(&format!(".{s}")))
    {
        return class(
            Kind::LocalName,
            "names under special-use or private-use domains (.local, .internal, .lan, .test, ...) only mean something on a local network",
        );
    }
    class(Kind::Public, "a public name as far as the worker can tell")
}

pub fn classify(host: &Host) -> Class {
    match host {
        Host::V4(a) => classify_v4(*a),
        Host::V6(a) => classify_v6(*a),
        Host::Name(n) => classify_name(n),
    }
}

/// Scheme, host and port of an absolute http(s) URL. Refused: other
/// schemes, user info (`https://user@host`), backslashes, whitespace and
/// control characters (the WHATWG parser rewrites or drops them, so what
/// we check would not be what `fetch` reads), percent escapes in the host,
/// a fragment, and a bad port.
pub fn parse_url(url: &str) -> Result<(Target, &str), Refusal> {
    let shown = || url.chars().take(80).collect::<String>();
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(refuse(format!(
            "the URL '{}' holds a space, control character or backslash",
            shown().escape_default()
        )));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(refuse(format!(
            "'{}' is not an absolute http(s) URL",
            shown()
        )));
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        other => {
            return Err(refuse(format!(
                "the URL uses the scheme '{other}'; only https (or http on loopback) is fetched"
            )))
        }
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if tail.contains('#') {
        return Err(refuse("the URL has a fragment ('#')"));
    }
    if authority.contains('@') {
        return Err(refuse(
            "the URL carries user information ('user@host'); credentials never travel in a URL",
        ));
    }
    if authority.contains('%') {
        return Err(refuse("the URL's host is percent-encoded"));
    }
    let (host_text, port_text) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => {
                let rest = &authority[i + 1..];
                match rest.strip_prefix(':') {
                    Some(p) => (&authority[..=i], Some(p)),
                    None if rest.is_empty() => (authority, None),
                    None => return Err(refuse(format!("'{authority}' is not host[:port]"))),
                }
            }
            None => return Err(refuse(format!("'{authority}' is not host[:port]"))),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port_text {
        None => match scheme {
            Scheme::Https => 443,
            Scheme::Http => 80,
        },
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|n| *n > 0 && p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| refuse(format!("the port '{p}' is not a number from 1 to 65535")))?,
    };
    let host = parse_host(host_text)?;
    Ok((Target { scheme, host, port }, tail))
}

/// Whether the check may connect to `target` at all: its host's kind, and
/// plain http only to loopback. `allow_loopback` is
/// `REGCRED_ALLOW_HTTP_LOOPBACK`.
pub fn vet(target: &Target, allow_loopback: bool) -> Result<(), Refusal> {
    let Class { kind, why } = classify(&target.host);
    let host = &target.host;
    match kind {
        Kind::Public => {}
        Kind::Loopback if allow_loopback => {}
        Kind::Loopback => {
            return Err(refuse(format!(
                "{host} is a loopback address ({why}); the login check reaches loopback only in local development (REGCRED_ALLOW_HTTP_LOOPBACK=true)"
            )))
        }
        Kind::Private | Kind::LinkLocal | Kind::Metadata | Kind::Reserved => {
            return Err(refuse(format!(
                "{host} is a {} address ({why}); the login check never connects to private, link-local, metadata or reserved addresses",
                kind.as_str()
            )))
        }
        Kind::LocalName | Kind::NumericName => {
            return Err(refuse(format!("{host} is refused: {why}")))
        }
    }
    if target.scheme == Scheme::Http && kind != Kind::Loopback {
        return Err(refuse(format!(
            "plain http is allowed only for a loopback address in local development; use https for {host}"
        )));
    }
    Ok(())
}

/// [`parse_url`] then [`vet`]: the one question to ask before any fetch.
pub fn vet_url(url: &str, allow_loopback: bool) -> Result<Target, Refusal> {
    let (target, _) = parse_url(url)?;
    vet(&target, allow_loopback)?;
    Ok(target)
}

/// Two-label public suffixes (`co.uk`) are guessed from their shape; these
/// shared hosting domains, where every customer has a subdomain, are listed
/// (the relevant part of the Public Suffix List's private section).
const SHARED_DOMAINS: &[&str] = &[
    "azurecr.io",
    "pkg.dev",
    "jfrog.io",
    "amazonaws.com",
    "cloudfront.net",
    "azurewebsites.net",
    "cloudapp.net",
    "appspot.com",
    "herokuapp.com",
    "github.io",
    "gitlab.io",
    "workers.dev",
    "pages.dev",
    "ngrok.io",
    "ngrok-free.app",
    "nip.io",
    "sslip.io",
    "duckdns.org",
];

/// Second-level labels that make `xx.cc` a public suffix (`co.uk`, `com.au`).
const SECOND_LEVEL: &[&str] = &[
    "co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go",
];

/// The registrable domain of a name, as far as it can be told without the
/// Public Suffix List: the last two labels, or three when the last two are
/// a public suffix.
pub fn site(name: &str) -> &str {
    let labels: Vec<&str> = name.split('.').collect();
    let n = labels.len();
    let suffix = n >= 2 && {
        let last_two = labels[n - 2..].join(".");
        SHARED_DOMAINS.contains(&last_two.as_str())
            || (labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]))
    };
    let keep = if suffix { 3 } else { 2 };
    if n <= keep {
        return name;
    }
    let skip: usize = labels[..n - keep].iter().map(|l| l.len() + 1).sum();
    &name[skip..]
}

/// Registry hosts whose token service lives on another site, by name.
const TOKEN_SERVICES: &[(&[&str], &str)] = &[
    (
        &["registry-1.docker.io", "index.docker.io", "docker.io"],
        "auth.docker.io",
    ),
    (&["nvcr.io"], "authn.nvidia.com"),
];

/// Whether `realm` is on the registry's own site: the same IP address; or
/// the same name, or the same registrable domain ([`site`]); or a token
/// service the registry is known to use (Docker Hub's `auth.docker.io`).
pub fn same_site(registry: &Host, realm: &Host) -> bool {
    match (registry, realm) {
        (Host::Name(r), Host::Name(t)) => {
            r == t
                || site(r) == site(t)
                || TOKEN_SERVICES
                    .iter()
                    .any(|(hosts, service)| hosts.contains(&r.as_str()) && t == service)
        }
        (a, b) => a == b,
    }
}

/// Whether the credentials may go to a Bearer realm the registry named:
/// the realm passes [`vet`], speaks https when the registry did (plain
/// http only between loopback addresses, when allowed), and is on the
/// registry's site ([`same_site`]).
pub fn realm_allowed(
    registry: &Target,
    realm: &Target,
    allow_loopback: bool,
) -> Result<(), Refusal> {
    let origin = realm.origin();
    vet(realm, allow_loopback).map_err(|r| {
        refuse(format!(
            "the registry's token service {origin} gets no credentials: {r}"
        ))
    })?;
    if realm.scheme == Scheme::Http && registry.scheme == Scheme::Https {
        return Err(refuse(format!(
            "the registry's token service {origin} gets no credentials: it is plain http, and the registry itself speaks https"
        )));
    }
    if !same_site(&registry.host, &realm.host) {
        return Err(refuse(format!(
            "the registry's token service {origin} gets no credentials: it is not on the registry's site ({}); regcred sends credentials only to the registry's own host or domain",
            registry.host
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Host {
        parse_host(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn kind(s: &str) -> Kind {
        classify(&host(s)).kind
    }

    #[test]
    fn hosts_parse_as_fetch_reads_them() {
        for (text, want) in [
            ("127.0.0.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("127.0.0.1.", "127.0.0.1"),
            ("0x7F000001", "127.0.0.1"),
            ("10.0x10.0.1", "10.16.0.1"),
            ("[::1]", "[::1]"),
            ("[::FFFF:127.0.0.1]", "[::ffff:127.0.0.1]"),
            ("Registry.Example.COM.", "registry.example.com"),
        ] {
            assert_eq!(host(text).to_string(), want, "{text}");
        }
        for bad in [
            "",
            ".",
            "a..b",
            "1.2.3.256",
            "1.2.3.4.5",
            "08.1.1.1",
            "[::1",
            "[zz]",
            "a_b.io",
            "é.io",
            "a%2eb",
            "1.2.3.0x",
        ] {
            let r = parse_host(bad);
            // "1.2.3.0x" is 1.2.3.0 to WHATWG; anything else must fail.
            if bad == "1.2.3.0x" {
                assert_eq!(r.unwrap().to_string(), "1.2.3.0");
            } else {
                assert!(r.is_err(), "{bad}: {r:?}");
            }
        }
        assert!(parse_host("*.gcr.io")
            .unwrap_err()
            .message
            .contains("wildcard"));
    }

    #[test]
    fn kinds() {
        for (h, k) in [
            ("127.0.0.1", Kind::Loopback),
            ("127.255.0.9", Kind::Loopback),
            ("[::1]", Kind::Loopback),
            ("[::ffff:127.0.0.1]", Kind::Loopback),
            ("10.1.2.3", Kind::Private),
            ("172.16.0.1", Kind::Private),
            ("172.31.255.255", Kind::Private),
            ("172.32.0.1", Kind::Public),
            ("192.168.1.1", Kind::Private),
            ("100.64.0.1", Kind::Private),
            ("169.254.1.1", Kind::LinkLocal),
            ("169.254.169.254", Kind::Metadata),
            ("[fd00:ec2::254]", Kind::Metadata),
            ("[::ffff:169.254.169.254]", Kind::Metadata),
            ("0.0.0.0", Kind::Reserved),
            ("255.255.255.255", Kind::Reserved),
            ("224.0.0.1", Kind::Reserved),
            ("[fc00::1]", Kind::Private),
            ("[fdff::1]", Kind::Private),
            ("[fe80::1]", Kind::LinkLocal),
            ("[::]", Kind::Reserved),
            ("[64:ff9b::10.0.0.1]", Kind::Private),
            ("[64:ff9b::127.0.0.1]", Kind::Reserved),
            ("[64:ff9b::8.8.8.8]", Kind::Public),
            ("[2002:c0a8:0101::1]", Kind::Private),
            ("[2002:7f00:1::1]", Kind::Reserved),
            ("[2001:db8::1]", Kind::Reserved),
            ("[2606:4700::1111]", Kind::Public),
            ("8.8.8.8", Kind::Public),
            ("ghcr.io", Kind::Public),
            ("localhost", Kind::LocalName),
            ("registry.localhost", Kind::LocalName),
            ("registry", Kind::LocalName),
            ("registry.local", Kind::LocalName),
            ("registry.corp.internal", Kind::LocalName),
            ("metadata.google.internal", Kind::Metadata),
            ("127.evil.example", Kind::NumericName),
            ("10.0.0.1.nip.io", Kind::NumericName),
            ("0x7f.evil.example", Kind::NumericName),
            ("1password.com", Kind::Public),
        ] {
            assert_eq!(kind(h), k, "{h}");
        }
    }

    #[test]
    fn vetting() {
        let t = |u: &str, allow| vet_url(u, allow).map(|_| ()).map_err(|e| e.message);
        assert!(t("https://ghcr.io/v2/", false).is_ok());
        assert!(t("http://127.0.0.1:5000/v2/", true).is_ok());
        assert!(t("http://127.0.0.1:5000/v2/", false)
            .unwrap_err()
            .contains("REGCRED_ALLOW_HTTP_LOOPBACK"));
        assert!(t("https://127.0.0.1/v2/", false).is_err());
        assert!(t("http://ghcr.io/v2/", true)
            .unwrap_err()
            .contains("plain http"));
        assert!(t("http://127.evil.example/v2/", true)
            .unwrap_err()
            .contains("begins with a number"));
        assert!(t("https://10.0.0.1/v2/", true)
            .unwrap_err()
            .contains("private"));
        assert!(t("https://169.254.169.254/latest", true)
            .unwrap_err()
            .contains("metadata"));
        assert!(t("https://localhost/v2/", true)
            .unwrap_err()
            .contains("127.0.0.1"));
        assert!(t("https://u:p@ghcr.io/", true)
            .unwrap_err()
            .contains("user information"));
        assert!(t("https://ghcr.io\\@10.0.0.1/", true).is_err());
        assert!(t("https://gh\tcr.io/", true).is_err());
        assert!(t("ftp://ghcr.io/", true).is_err());
        assert!(t("https://ghcr.io:0/", true).is_err());
        assert!(t("https://ghcr.io/t#x", true).is_err());
        assert!(t("https://[::1]:5000/v2/", true).is_ok());
        let (target, tail) = parse_url("https://Auth.Docker.IO:443/token?x=1").unwrap();
        assert_eq!(target.origin(), "https://auth.docker.io");
        assert_eq!(tail, "/token?x=1");
        assert_eq!(
            parse_url("http://127.0.0.1:5000").unwrap().0.origin(),
            "http://127.0.0.1:5000"
        );
    }

    #[test]
    fn sites() {
        for (name, want) in [
            ("registry-1.docker.io", "docker.io"),
            ("docker.io", "docker.io"),
            ("registry.gitlab.com", "gitlab.com"),
            ("a.b.example.co.uk", "example.co.uk"),
            ("co.uk", "co.uk"),
            ("team.azurecr.io", "team.azurecr.io"),
            ("us-docker.pkg.dev", "us-docker.pkg.dev"),
            ("x.team.jfrog.io", "team.jfrog.io"),
        ] {
            assert_eq!(site(name), want, "{name}");
        }
        let t = |u: &str| parse_url(u).unwrap().0;
        let ok = |reg: &str, realm: &str, allow| realm_allowed(&t(reg), &t(realm), allow);
        assert!(ok(
            "https://registry-1.docker.io",
            "https://auth.docker.io/token",
            false
        )
        .is_ok());
        assert!(ok(
            "https://registry.gitlab.com",
            "https://gitlab.com/jwt/auth",
            false
        )
        .is_ok());
        assert!(ok("https://nvcr.io", "https://authn.nvidia.com/token", false).is_ok());
        assert!(ok("https://ghcr.io", "https://ghcr.io/token", false).is_ok());
        assert!(ok("https://ghcr.io", "https://evil.example.com/token", false).is_err());
        assert!(ok("https://a.azurecr.io", "https://b.azurecr.io/token", false).is_err());
        assert!(ok(
            "https://registry-1.docker.io",
            "http://auth.docker.io/token",
            true
        )
        .is_err());
        assert!(ok("http://127.0.0.1:5000", "http://127.0.0.1:5001/token", true).is_ok());
        assert!(ok(
            "https://127.0.0.1:5000",
            "http://127.0.0.1:5001/token",
            true
        )
        .is_err());
        assert!(ok(
            "https://127.0.0.1:5000",
            "https://127.0.0.2:5001/token",
            true
        )
        .is_err());
        assert!(ok(
            "https://127.0.0.1:5000",
            "https://127.0.0.1:5001/token",
            false
        )
        .is_err());
        assert!(ok("https://ghcr.io", "https://10.0.0.1/token", true).is_err());
    }
}
