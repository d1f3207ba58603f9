//! Amazon ECR's `GetAuthorizationToken`: the signed request and its answer
//! (CONTRACT §8). AWS answers errors as JSON `{"__type", "message"}`; some
//! stand-ins (moto) answer XML: both are read leniently.

use base64::Engine;
use serde_json::Value;

use crate::auth::B64;
use crate::mint::{MintError, MintRequest, Minted};
use crate::sigv4::{self, Signer, Unsigned};
use crate::source::{EcrSource, SourceType};
use crate::time::Timestamp;

pub const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

fn refused(code: &str, message: &str) -> MintError {
    MintError::new(SourceType::AwsEcr, code, message)
}

/// The request, signed for `amz_date` (`X-Amz-Date`): `host`, `x-amz-date`,
/// `x-amz-target` and `content-type` are signed, never `user-agent`.
pub fn request(src: &EcrSource, amz_date: &str) -> MintRequest {
    let host = src
        .endpoint
        .split_once("://")
        .map_or(src.endpoint.as_str(), |(_, h)| h)
        .trim_end_matches('/')
        .to_owned();
    let body = "{}";
    let headers = [
        ("content-type", CONTENT_TYPE),
        ("host", host.as_str()),
        ("x-amz-date", amz_date),
        ("x-amz-target", TARGET),
    ];
    let signer = Signer {
        access_key_id: &src.access_key_id,
        secret_access_key: &src.secret_access_key,
        region: &src.region,
        service: "ecr",
        amz_date,
    };
    let authorization = sigv4::authorization(
        &signer,
        &Unsigned {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: body.as_bytes(),
        },
    );
    let mut sent: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| *n != "host")
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    sent.push(("authorization".into(), authorization));
    MintRequest {
        method: "POST",
        url: format!("{}/", src.endpoint.trim_end_matches('/')),
        headers: sent,
        body: body.into(),
    }
}

/// The text between `<tag>` and `</tag>`, if any.
fn xml_field<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim())
}

/// An error answer: `{"__type": "...#Code", "message"}` or XML `<Code>`.
fn error_of(status: u16, body: &str) -> MintError {
    if let Ok(v) = serde_json::from_slice::<Value>(body.as_bytes()) {
        let kind = v["__type"].as_str().unwrap_or_default();
        let code = kind.rsplit('#').next().unwrap_or(kind);
        let message = v["message"]
            .as_str()
            .or_else(|| v["Message"].as_str())
            .unwrap_or_default();
        if !code.is_empty() {
            return refused(code, message);
        }
    }
    if let Some(code) = xml_field(body, "Code") {
        return refused(code, xml_field(body, "Message").unwrap_or_default());
    }
    refused(
        "unexpectedAnswer",
        &format!("HTTP {status} without an AWS error code"),
    )
}

/// Reads the answer: the credential, or why there is none.
pub fn parse_answer(status: u16, body: &str) -> Result<Minted, MintError> {
    if !(200..300).contains(&status) {
        return Err(error_of(status, body));
    }
    let v: Value = serde_json::from_slice(body.as_bytes())
        .map_err(|_| refused("unreadableAnswer", "the answer is not JSON"))?;
    let data = &v["authorizationData"][0];
    let token = data["authorizationToken"].as_str().ok_or_else(|| {
        refused(
            "unreadableAnswer",
            "no authorizationData[0].authorizationToken",
        )
    })?;
    let decoded = B64
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            refused(
                "unreadableAnswer",
                "the authorization token is not base64 text",
            )
        })?;
    let (username, password) = decoded.split_once(':').ok_or_else(|| {
        refused(
            "unreadableAnswer",
            "the authorization token is not user:password",
        )
    })?;
    let expires = data["expiresAt"]
        .as_f64()
        .ok_or_else(|| refused("unreadableAnswer", "no authorizationData[0].expiresAt"))?;
    Ok(Minted {
        username: username.to_owned(),
        password: password.to_owned(),
        expires_at: Timestamp::from_unix_seconds(expires as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> EcrSource {
        EcrSource {
            region: "us-east-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com".into(),
            endpoint: "https://api.ecr.us-east-1.amazonaws.com".into(),
        }
    }

    #[test]
    fn the_request_signs_what_aws_reads_and_nothing_else() {
        let r = request(&src(), "20150830T123600Z");
        assert_eq!(r.url, "https://api.ecr.us-east-1.amazonaws.com/");
        assert_eq!(r.body, "{}");
        let auth = &r
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .unwrap()
            .1;
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ecr/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
        ), "{auth}");
        assert!(!format!("{r:?}").contains("Signature"));
        assert!(!r.headers.iter().any(|(n, _)| n == "user-agent"));
    }

    #[test]
    fn answers_and_refusals_are_read_leniently() {
        let ok = r#"{"authorizationData":[{"authorizationToken":"QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu","expiresAt":1440939360.123,"proxyEndpoint":"https://123456789012.dkr.ecr.us-east-1.amazonaws.com"}]}"#;
        let m = parse_answer(200, ok).unwrap();
        assert_eq!(
            (m.username.as_str(), m.password.as_str()),
            ("AWS", "123456789012-auth-token")
        );
        assert_eq!(m.expires_at.to_string(), "2015-08-30T12:56:00Z");
        let json = r#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}"#;
        assert_eq!(
            parse_answer(400, json).unwrap_err().code,
            "UnrecognizedClientException"
        );
        let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>";
        let e = parse_answer(403, xml).unwrap_err();
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert!(e
            .to_string()
            .starts_with("Amazon ECR refused the mint: SignatureDoesNotMatch"));
        assert_eq!(
            parse_answer(500, "oops").unwrap_err().code,
            "unexpectedAnswer"
        );
        assert_eq!(
            parse_answer(200, "{}").unwrap_err().code,
            "unreadableAnswer"
        );
    }
}
