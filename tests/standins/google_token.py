"""Google's token endpoint's stand-in (RFC 7523, the JWT bearer grant), its
assertion checked with Authlib: the RS256 signature against the public key
of the service account the header's `kid` names, `iss`, `aud` (this
endpoint), `scope`, `iat` and `exp` (at most an hour). It makes two service
accounts and prints one JSON line: `known` (a key file this endpoint
trusts) and `unknown` (a key file it has never seen). Every grant answers
ACCESS_TOKEN living LIFE seconds; GET /mints counts the grants.
Each grant is answered after DELAY_MS (default 300), so that pulls arriving
together overlap one mint.
Usage: google_token.py PORT LIFE ACCESS_TOKEN [DELAY_MS]
"""
import json
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

from authlib.jose import JoseError, JsonWebToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from standin import JsonHandler  # noqa: E402

PORT, LIFE, ACCESS_TOKEN = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
DELAY = int(sys.argv[4]) / 1000 if len(sys.argv) > 4 else 0.3
TOKEN_URI = f"http://127.0.0.1:{PORT}/token"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
jwt = JsonWebToken(["RS256"])


def service_account(name, kid):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    email = f"{name}@regcred-test.iam.gserviceaccount.com"
    key_file = {"type": "service_account", "project_id": "regcred-test", "private_key_id": kid,
                "private_key": pem, "client_email": email, "client_id": "1",
                "token_uri": TOKEN_URI}
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return key_file, public


known, known_public = service_account("puller", "kid-known")
unknown, _ = service_account("stranger", "kid-unknown")
TRUSTED = {known["private_key_id"]: (known["client_email"], known_public)}
lock = threading.Lock()
mints = 0


def header_of(assertion):
    import base64
    head = assertion.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


class Handler(JsonHandler):
    def do_GET(self):
        if self.path == "/mints":
            return self.answer(200, {"mints": mints})
        self.answer(404, {"error": "not_found"})

    def do_POST(self):
        global mints
        if self.path != "/token":
            return self.answer(404, {"error": "not_found"})
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        if form.get("grant_type") != [GRANT] or len(form.get("assertion", [])) != 1:
            return self.answer(400, {"error": "unsupported_grant_type"})
        assertion = form["assertion"][0]
        try:
            kid = header_of(assertion).get("kid")
            if kid not in TRUSTED:
                raise JoseError("unknown key")
            email, public = TRUSTED[kid]
            claims = jwt.decode(assertion, public, claims_options={
                "iss": {"essential": True, "value": email},
                "aud": {"essential": True, "value": TOKEN_URI},
                "exp": {"essential": True}, "iat": {"essential": True}})
            claims.validate(leeway=30)
            if claims["exp"] - claims["iat"] > 3600 or SCOPE not in claims.get("scope", "").split():
                raise JoseError("bad claims")
        except (JoseError, ValueError) as e:
            return self.answer(400, {"error": "invalid_grant",
                                     "error_description": f"Invalid JWT Signature. ({type(e).__name__})"})
        with lock:
            mints += 1
        time.sleep(DELAY)
        self.answer(200, {"access_token": ACCESS_TOKEN, "expires_in": LIFE, "token_type": "Bearer"})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(json.dumps({"known": known, "unknown": unknown}), flush=True)
server.serve_forever()
