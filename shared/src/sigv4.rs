//! AWS Signature Version 4, as pure steps: the canonical request, the string
//! to sign, the signing key and the `Authorization` header. Brokered ECR
//! credentials are minted with it (`GetAuthorizationToken`). No clock: the
//! caller passes the request's `X-Amz-Date`. Checked against AWS's published
//! test vectors (`tests/vectors/sigv4-*.json`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::login::query_escape;
use crate::time::Timestamp;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Who signs, where, and when.
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, the request's `X-Amz-Date`.
    pub amz_date: &'a str,
}

// Never shows the secret key.
impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("amz_date", &self.amz_date)
            .finish()
    }
}

/// The parts of a request that are signed.
#[derive(Debug, Clone, Copy)]
pub struct Unsigned<'a> {
    pub method: &'a str,
    /// The path as sent (already URI-encoded); empty is `/`.
    pub path: &'a str,
    /// The query as sent, without `?`; its pairs are sorted here.
    pub query: &'a str,
    /// Every header to sign, `host` and `x-amz-date` among them. Never a
    /// `user-agent`: clients and proxies rewrite it.
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
}

/// `X-Amz-Date` of a moment: `20150830T123600Z`.
pub fn amz_date(t: Timestamp) -> String {
    t.to_string().replace(['-', ':'], "")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::apitoken::hex(&Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query's pairs encoded the one way AWS wants and sorted.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                query_escape(&percent_decode(k)),
                query_escape(&percent_decode(v)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request and its `SignedHeaders`.
pub fn canonical_request(req: &Unsigned<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| {
            let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
            (n.to_ascii_lowercase(), value)
        })
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let path = if req.path.is_empty() { "/" } else { req.path };
    let text = format!(
        "{}\n{path}\n{}\n{canonical_headers}\n{signed}\n{}",
        req.method,
        canonical_query(req.query),
        sha256_hex(req.payload)
    );
    (text, signed)
}

/// `<date>/<region>/<service>/aws4_request`.
pub fn scope(s: &Signer<'_>) -> String {
    let date = s.amz_date.get(..8).unwrap_or(s.amz_date);
    format!("{date}/{}/{}/aws4_request", s.region, s.service)
}

pub fn string_to_sign(s: &Signer<'_>, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        s.amz_date,
        scope(s),
        sha256_hex(canonical.as_bytes())
    )
}

/// The key of the day, region and service, derived from the secret key.
pub fn signing_key(s: &Signer<'_>) -> [u8; 32] {
    let date = s.amz_date.get(..8).unwrap_or(s.amz_date);
    let k_secret = format!("AWS4{}", s.secret_access_key);
    let k_date = hmac(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, s.region.as_bytes());
    let k_service = hmac(&k_region, s.service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The `Authorization` header value for `req`.
pub fn authorization(s: &Signer<'_>, req: &Unsigned<'_>) -> String {
    let (canonical, signed) = canonical_request(req);
    let signature = hmac(&signing_key(s), string_to_sign(s, &canonical).as_bytes());
    format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={signed}, Signature={}",
        s.access_key_id,
        scope(s),
        crate::apitoken::hex(&signature)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_queries_take_aws_forms() {
        assert_eq!(
            amz_date(Timestamp::parse("2015-08-30T12:36:00Z").unwrap()),
            "20150830T123600Z"
        );
        assert_eq!(
            canonical_query("Param2=value2&Param1=value1&b=a%20b&a=~x"),
            "Param1=value1&Param2=value2&a=~x&b=a%20b"
        );
        let s = Signer {
            access_key_id: "AKID",
            secret_access_key: "very-secret",
            region: "eu-west-1",
            service: "ecr",
            amz_date: "20261206T000000Z",
        };
        assert!(!format!("{s:?}").contains("very-secret"));
        assert_eq!(scope(&s), "20261206/eu-west-1/ecr/aws4_request");
    }
}
