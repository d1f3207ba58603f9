//! Registry addresses: Docker Hub (many spellings, one server key) or a
//! private registry (`host[:port]`, optional scheme and path).

use std::fmt;

use crate::name::SecretName;

/// The key Docker and kubelet use for Docker Hub in `auths`.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";
/// Where Docker Hub's registry API actually answers.
pub const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";

const DOCKER_HUB_HOSTS: [&str; 3] = ["docker.io", "index.docker.io", "registry-1.docker.io"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registry {
    DockerHub,
    Private(PrivateRegistry),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateRegistry {
    scheme: Option<Scheme>,
    host: String,
    port: Option<u16>,
    path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    Empty,
    Whitespace {
        position: usize,
    },
    BadScheme {
        scheme: String,
    },
    EmptyHost,
    BadHostChar {
        ch: char,
        position: usize,
    },
    BadPort {
        port: String,
    },
    /// `user:password@host`: never echoed, it may hold a password.
    UserInfo,
    /// A `?query` or `#fragment` starting at `position`.
    QueryOrFragment {
        ch: char,
        position: usize,
    },
    /// A label (between dots) longer than [`MAX_LABEL`]; `start` is its first character.
    LongLabel {
        start: String,
        len: usize,
    },
    /// A host name longer than [`MAX_HOST`].
    LongHost {
        len: usize,
    },
}

/// The most characters one DNS label holds (RFC 1035).
pub const MAX_LABEL: usize = 63;
/// The most characters a host name holds, dots included (RFC 1035).
pub const MAX_HOST: usize = 253;

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Empty => f.write_str(
                "the registry address is empty; give host[:port] such as registry.example.com:5000",
            ),
            RegistryError::Whitespace { position } => write!(
                f,
                "the registry address has a space at position {}; remove it",
                position + 1
            ),
            RegistryError::BadScheme { scheme } => write!(
                f,
                "the registry address uses the scheme '{scheme}://'; use https:// or http://, or leave it out"
            ),
            RegistryError::EmptyHost => f.write_str(
                "the registry address has no host name; write it as host[:port], e.g. registry.example.com",
            ),
            RegistryError::BadHostChar { ch, position } => write!(
                f,
                "the registry host has '{ch}' at position {}; a host has only letters, digits, '.' and '-' (or an [IPv6] address)",
                position + 1
            ),
            RegistryError::BadPort { port } => write!(
                f,
                "the registry port '{port}' is not a number from 1 to 65535"
            ),
            RegistryError::UserInfo => f.write_str(
                "a registry address cannot carry a username or password; give them with --username/--password (in the console, the Username and Password fields) and write the registry as host[:port]",
            ),
            RegistryError::QueryOrFragment { ch, position } => write!(
                f,
                "the registry address has a {} ('{ch}' at position {}); a registry address is host[:port] with an optional /path, without '?' or '#': remove it",
                if *ch == '?' { "query" } else { "fragment" },
                position + 1
            ),
            RegistryError::LongLabel { start, len } => write!(
                f,
                "the registry host has a label of {len} characters ('{start}…'); a label (the part between two dots) has at most {MAX_LABEL}"
            ),
            RegistryError::LongHost { len } => write!(
                f,
                "the registry host is {len} characters long; a host name has at most {MAX_HOST}"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

impl Registry {
    /// Parses what a user typed or what a `config.json` key holds.
    pub fn parse(input: &str) -> Result<Registry, RegistryError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(RegistryError::Empty);
        }
        let offset = input.len() - input.trim_start().len();
        if let Some(pos) = trimmed.chars().position(char::is_whitespace) {
            return Err(RegistryError::Whitespace {
                position: offset + pos,
            });
        }
        // A "://" later on (in a query, say) is not a scheme.
        let scheme_part = trimmed.split_once("://").filter(|(s, _)| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        let (scheme, rest) = match scheme_part {
            Some((s, rest)) => match s.to_ascii_lowercase().as_str() {
                "https" => (Some(Scheme::Https), rest),
                "http" => (Some(Scheme::Http), rest),
                _ => {
                    return Err(RegistryError::BadScheme {
                        scheme: s.to_owned(),
                    })
                }
            },
            None => (None, trimmed),
        };
        let host_start = trimmed.len() - rest.len();
        // First, and anywhere: `user:pw@host` would read as a port, and a
        // password may hold '/', '?' or '#'. It is never echoed.
        if rest.contains('@') {
            return Err(RegistryError::UserInfo);
        }
        // Docker and kubelet match registries by host and path; a query or
        // fragment is never part of a key they would look up.
        if let Some((i, ch)) = rest.char_indices().find(|(_, c)| matches!(c, '?' | '#')) {
            return Err(RegistryError::QueryOrFragment {
                ch,
                position: offset + host_start + rest[..i].chars().count(),
            });
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (host, port) = split_host_port(authority)?;
        check_host(host, offset + host_start)?;
        let host = host.to_ascii_lowercase();
        if DOCKER_HUB_HOSTS.contains(&host.as_str()) && port.is_none() && hub_path(path) {
            return Ok(Registry::DockerHub);
        }
        Ok(Registry::Private(PrivateRegistry {
            scheme,
            host,
            port,
            path: path.trim_end_matches('/').to_owned(),
        }))
    }

    /// The key under `auths` in a `.dockerconfigjson`.
    pub fn server_key(&self) -> String {
        match self {
            Registry::DockerHub => DOCKER_HUB_SERVER.to_owned(),
            Registry::Private(p) => p.to_string(),
        }
    }

    /// Base URL of the registry's HTTP API (`.../v2/` is appended by callers).
    /// Without a scheme, https is assumed, as Docker does.
    pub fn api_base(&self) -> String {
        match self {
            Registry::DockerHub => format!("https://{DOCKER_HUB_API_HOST}"),
            Registry::Private(p) => {
                let scheme = match p.scheme {
                    Some(Scheme::Http) => "http",
                    _ => "https",
                };
                format!("{scheme}://{}", p.authority())
            }
        }
    }

    /// A short name a user would pick for a secret for this registry.
    pub fn suggested_name(&self) -> SecretName {
        match self {
            Registry::DockerHub => SecretName::suggest("docker-hub"),
            Registry::Private(p) => SecretName::suggest(&p.authority()),
        }
    }

    pub fn is_docker_hub(&self) -> bool {
        matches!(self, Registry::DockerHub)
    }

    /// Whether both name the registry a puller would ask for: Docker Hub
    /// matches Docker Hub whatever the spelling; private registries match on
    /// host and port (the host is lowercased by `parse`), ignoring scheme
    /// and path, because a credential helper is given only the host. So a
    /// Docker Hub host with a path (`docker.io/library`, private to `parse`)
    /// is Docker Hub here. True exactly when the [`host_key`](Self::host_key)s are equal.
    pub fn same_registry(&self, other: &Registry) -> bool {
        self.host_key() == other.host_key()
    }

    /// `docker.io` for Docker Hub, else `host[:port]`: the key of a kubelet
    /// `CredentialProviderResponse`'s `auth` map.
    pub fn host_key(&self) -> String {
        match self {
            Registry::Private(p) if p.port.is_some() || !DOCKER_HUB_HOSTS.contains(&p.host()) => {
                p.authority()
            }
            _ => "docker.io".to_owned(),
        }
    }
}

/// Docker Hub spellings carry no path, or the legacy `/v1` one.
fn hub_path(path: &str) -> bool {
    matches!(path, "" | "/" | "/v1" | "/v1/")
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), RegistryError> {
    let (host, port) = if let Some(end) = authority.strip_prefix('[').and_then(|a| a.find(']')) {
        // [IPv6]:port — `end` indexes the text after '['.
        let host = &authority[..end + 2];
        let rest = &authority[end + 2..];
        match rest.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if rest.is_empty() => (host, None),
            None => {
                return Err(RegistryError::BadHostChar {
                    ch: rest.chars().next().unwrap_or(']'),
                    position: end + 2,
                })
            }
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(RegistryError::BadPort { port: p.to_owned() }),
        },
    };
    Ok((host, port))
}

fn check_host(host: &str, offset: usize) -> Result<(), RegistryError> {
    if host.is_empty() || host == "[]" {
        return Err(RegistryError::EmptyHost);
    }
    let ipv6 = host.starts_with('[');
    for (i, ch) in host.chars().enumerate() {
        // kubelet matches `*.example.com` keys, so a wildcard label is allowed.
        let ok = ch.is_ascii_alphanumeric()
            || matches!(ch, '.' | '-' | '*')
            || (ipv6 && matches!(ch, '[' | ']' | ':'));
        if !ok {
            return Err(RegistryError::BadHostChar {
                ch,
                position: offset + i,
            });
        }
    }
    if ipv6 {
        return Ok(());
    }
    // Only ASCII is left, so bytes are characters.
    if let Some(label) = host.split('.').find(|l| l.len() > MAX_LABEL) {
        return Err(RegistryError::LongLabel {
            start: label[..16].to_owned(),
            len: label.len(),
        });
    }
    if host.trim_end_matches('.').len() > MAX_HOST {
        return Err(RegistryError::LongHost { len: host.len() });
    }
    Ok(())
}

impl PrivateRegistry {
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    pub fn scheme(&self) -> Option<Scheme> {
        self.scheme
    }

    fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for PrivateRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            Some(Scheme::Https) => f.write_str("https://")?,
            Some(Scheme::Http) => f.write_str("http://")?,
            None => {}
        }
        write!(f, "{}{}", self.authority(), self.path)
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.server_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_spellings_are_one_registry() {
        for s in [
            "docker.io",
            "index.docker.io",
            "registry-1.docker.io",
            "https://index.docker.io",
            "https://index.docker.io/v1/",
            "HTTPS://Index.Docker.IO/v1",
            " docker.io ",
        ] {
            assert_eq!(Registry::parse(s), Ok(Registry::DockerHub), "{s}");
        }
        assert_eq!(Registry::DockerHub.server_key(), DOCKER_HUB_SERVER);
        assert_eq!(
            Registry::DockerHub.api_base(),
            "https://registry-1.docker.io"
        );
    }

    #[test]
    fn private_registries_keep_their_address() {
        let cases = [
            (
                "registry.example.com",
                "registry.example.com",
                "https://registry.example.com",
            ),
            (
                "Registry.Example.com:5000",
                "registry.example.com:5000",
                "https://registry.example.com:5000",
            ),
            (
                "http://127.0.0.1:5000/",
                "http://127.0.0.1:5000",
                "http://127.0.0.1:5000",
            ),
            (
                "https://ghcr.io/team/",
                "https://ghcr.io/team",
                "https://ghcr.io",
            ),
            ("[::1]:5000", "[::1]:5000", "https://[::1]:5000"),
            ("*.gcr.io", "*.gcr.io", "https://*.gcr.io"),
        ];
        for (input, key, api) in cases {
            let r = Registry::parse(input).unwrap();
            assert_eq!(r.server_key(), key, "{input}");
            assert_eq!(r.api_base(), api, "{input}");
        }
    }

    #[test]
    fn rejects_bad_addresses_with_the_reason() {
        assert_eq!(Registry::parse("  "), Err(RegistryError::Empty));
        assert_eq!(
            Registry::parse("my registry"),
            Err(RegistryError::Whitespace { position: 2 })
        );
        assert_eq!(Registry::parse("https://"), Err(RegistryError::EmptyHost));
        assert_eq!(Registry::parse(":5000"), Err(RegistryError::EmptyHost));
        assert_eq!(
            Registry::parse("ftp://x.io"),
            Err(RegistryError::BadScheme {
                scheme: "ftp".into()
            })
        );
        for port in ["0", "65536", "abc", "", "+5"] {
            assert_eq!(
                Registry::parse(&format!("x.io:{port}")),
                Err(RegistryError::BadPort { port: port.into() }),
                "{port}"
            );
        }
        assert_eq!(
            Registry::parse("x_y.io"),
            Err(RegistryError::BadHostChar {
                ch: '_',
                position: 1
            })
        );
    }

    #[test]
    fn refuses_userinfo_queries_and_oversized_hosts() {
        for input in [
            "https://user:pw@ghcr.io",
            "user@ghcr.io",
            "https://user:p/w?x#y@ghcr.io:443",
        ] {
            let err = Registry::parse(input).unwrap_err();
            assert_eq!(err, RegistryError::UserInfo, "{input}");
            let shown = err.to_string();
            assert!(
                shown.contains("cannot carry a username or password"),
                "{shown}"
            );
            assert!(!shown.contains("pw") && !shown.contains("p/w"), "{shown}");
        }
        assert_eq!(
            Registry::parse("ghcr.io/path?x=1"),
            Err(RegistryError::QueryOrFragment {
                ch: '?',
                position: 12
            })
        );
        assert_eq!(
            Registry::parse("https://ghcr.io#top"),
            Err(RegistryError::QueryOrFragment {
                ch: '#',
                position: 15
            })
        );
        // "://" inside a query is not a scheme.
        assert!(matches!(
            Registry::parse("ghcr.io/p?u=https://x"),
            Err(RegistryError::QueryOrFragment { ch: '?', .. })
        ));
        let label = "a".repeat(300);
        let err = Registry::parse(&format!("{label}.example.com")).unwrap_err();
        assert_eq!(
            err,
            RegistryError::LongLabel {
                start: "a".repeat(16),
                len: 300
            }
        );
        assert!(err.to_string().contains("at most 63"), "{err}");
        assert!(Registry::parse(&format!("{}.io", "a".repeat(MAX_LABEL))).is_ok());
        // Five labels of 63 and four dots: 319 characters.
        let long = vec!["b".repeat(MAX_LABEL); 5].join(".");
        let err = Registry::parse(&format!("{long}:5000")).unwrap_err();
        assert_eq!(err, RegistryError::LongHost { len: 319 });
        assert!(err.to_string().contains("at most 253"), "{err}");
        let longest = vec!["c".repeat(MAX_LABEL); 4].join(".")[..MAX_HOST].to_owned();
        assert!(Registry::parse(&longest).is_ok());
        // IPv6 addresses are not labels.
        assert!(Registry::parse("[2001:db8::1]:5000").is_ok());
    }

    #[test]
    fn docker_hub_with_port_or_path_is_private() {
        assert!(!Registry::parse("docker.io:443").unwrap().is_docker_hub());
        assert!(!Registry::parse("docker.io/library")
            .unwrap()
            .is_docker_hub());
    }

    #[test]
    fn docker_hub_is_one_registry_to_a_puller() {
        let spellings = [
            "https://index.docker.io/v1/",
            "docker.io",
            "registry-1.docker.io",
            "index.docker.io",
            "HTTPS://Index.Docker.IO",
        ];
        for a in spellings {
            for b in spellings {
                let (ra, rb) = (Registry::parse(a).unwrap(), Registry::parse(b).unwrap());
                assert!(ra.same_registry(&rb), "{a} vs {b}");
            }
            assert_eq!(Registry::parse(a).unwrap().host_key(), "docker.io", "{a}");
        }
        let private = Registry::parse("docker.io:443").unwrap();
        assert!(!Registry::DockerHub.same_registry(&private));
        assert!(!private.same_registry(&Registry::DockerHub));
    }

    #[test]
    fn private_registries_match_on_host_and_port() {
        let r = |s: &str| Registry::parse(s).unwrap();
        let same = [
            ("127.0.0.1:5000", "http://127.0.0.1:5000/"),
            ("127.0.0.1:5000", "https://127.0.0.1:5000/v2/team"),
            ("Registry.Example.com", "https://registry.example.com"),
            ("ghcr.io", "https://ghcr.io/team/"),
            ("[::1]:5000", "http://[::1]:5000"),
            // A credential helper sees only the host.
            ("docker.io/library", "https://index.docker.io/v1/"),
        ];
        for (a, b) in same {
            assert!(r(a).same_registry(&r(b)), "{a} vs {b}");
            assert!(r(b).same_registry(&r(a)), "{b} vs {a}");
        }
        let different = [
            ("127.0.0.1:5000", "127.0.0.1:5001"),
            ("127.0.0.1:5000", "127.0.0.1"),
            ("registry.example.com", "registry.example.com:443"),
            ("ghcr.io", "gcr.io"),
            ("docker.io:443", "docker.io"),
        ];
        for (a, b) in different {
            assert!(!r(a).same_registry(&r(b)), "{a} vs {b}");
            assert!(!r(b).same_registry(&r(a)), "{b} vs {a}");
        }
        assert_eq!(r("http://127.0.0.1:5000/").host_key(), "127.0.0.1:5000");
        assert_eq!(r("https://Ghcr.IO/team/").host_key(), "ghcr.io");
        assert_eq!(r("[::1]:5000").host_key(), "[::1]:5000");
        assert_eq!(r("docker.io:443").host_key(), "docker.io:443");
        assert_eq!(r("index.docker.io/library").host_key(), "docker.io");
    }

    #[test]
    fn suggested_names() {
        assert_eq!(Registry::DockerHub.suggested_name().as_str(), "docker-hub");
        let r = Registry::parse("https://registry.example.com:5000/x").unwrap();
        assert_eq!(r.suggested_name().as_str(), "registry-example-com-5000");
    }
}
