"""An OIDC issuer on loopback for workload identity tests: serves its
discovery document and key set, and signs tokens on request (as GitHub
Actions or a Kubernetes API server would) with an RSA (RS256) or an EC
P-256 (ES256) key, via Authlib's JOSE.
  GET  /.well-known/openid-configuration   {"issuer", "jwks_uri"}
  GET  /jwks                               the public keys (counted: GET /_standin/fetches)
  POST /_standin/sign {"claims", "alg"?: "RS256"|"ES256", "kid"?, "header"?}  -> {"token"}
  POST /_standin/rotate                    adds a new RSA key (kid "rsa-2"), keeps the old
  POST /_standin/drop {"kid"}              removes a key from the set
Prints one JSON line: {"issuer"}. Usage: oidc_issuer.py PORT
"""
import json
import sys
import threading
import time
import warnings
from http.server import ThreadingHTTPServer

warnings.filterwarnings("ignore")
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402

from standin import JsonHandler  # noqa: E402

PORT = int(sys.argv[1])
ISSUER = f"http://127.0.0.1:{PORT}"
lock = threading.Lock()
keys = {
    "rsa-1": JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "rsa-1"}),
    "ec-1": JsonWebKey.generate_key("EC", "P-256", is_private=True, options={"kid": "ec-1"}),
}
# delay: seconds each key-set answer waits (set by rotate), so that
# requests arriving together overlap one fetch.
state = {"fetches": 0, "delay": 0.0}


def public_set():
    out = []
    for kid, k in keys.items():
        jwk = k.as_dict(is_private=False)
        jwk.update({"kid": kid, "use": "sig", "alg": "RS256" if jwk["kty"] == "RSA" else "ES256"})
        out.append(jwk)
    return {"keys": out}


class Handler(JsonHandler):
    def do_GET(self):
        if self.path == "/.well-known/openid-configuration":
            return self.answer(200, {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"})
        if self.path == "/jwks":
            with lock:
                state["fetches"] += 1
                delay, answer = state["delay"], public_set()
            time.sleep(delay)
            return self.answer(200, answer)
        if self.path == "/_standin/fetches":
            return self.answer(200, {"fetches": state["fetches"]})
        self.answer(404, {})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with lock:
            if self.path == "/_standin/sign":
                alg = body.get("alg", "RS256")
                kid = body.get("kid") or ("rsa-1" if alg == "RS256" else "ec-1")
                header = {"alg": alg, "kid": kid, "typ": "JWT", **body.get("header", {})}
                token = JsonWebToken([alg]).encode(header, body["claims"], keys[kid]).decode()
                return self.answer(200, {"token": token})
            if self.path == "/_standin/rotate":
                keys["rsa-2"] = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "rsa-2"})
                state["delay"] = body.get("delayMs", 0) / 1000
                return self.answer(200, {"kid": "rsa-2"})
            if self.path == "/_standin/drop":
                keys.pop(body["kid"], None)
                return self.answer(200, {})
        self.answer(404, {})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(json.dumps({"issuer": ISSUER}), flush=True)
server.serve_forever()
