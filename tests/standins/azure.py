"""Azure's stand-in, written from Microsoft's documented protocol, in front
of a real docker-registry:
  POST /<tenant>/oauth2/v2.0/token   Entra ID's client-credentials grant
                                     (client id and secret checked; the
                                     access token is a JWT naming the tenant)
  POST /oauth2/exchange              ACR's exchange of that access token for
                                     a refresh token (a JWT whose `exp` is
                                     LIFE seconds away)
  anything else                      proxied to the registry; Basic auth with
                                     user 00000000-0000-0000-0000-000000000000
                                     and a valid refresh token is replaced by
                                     the registry's own htpasswd login
Prints one JSON line: tenant, client id, client secret. GET /_standin/mints
counts exchanges.
Usage: azure.py PORT REGISTRY_ORIGIN REGISTRY_USER REGISTRY_PASSWORD LIFE
"""
import base64
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

from authlib.jose import JoseError, JsonWebToken

from standin import JsonHandler  # noqa: E402

PORT, UPSTREAM, REG_USER, REG_PASSWORD, LIFE = (
    int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4], int(sys.argv[5]))
TENANT, CLIENT_ID, CLIENT_SECRET = "regcred-tenant", "regcred-client", secrets.token_urlsafe(24)
ACR_USER = "00000000-0000-0000-0000-000000000000"
SIGNING = secrets.token_bytes(32)
jwt = JsonWebToken(["HS256"])
lock = threading.Lock()
exchanges = 0


def issue(claims, seconds):
    now = int(time.time())
    return jwt.encode({"alg": "HS256"}, {**claims, "iat": now, "exp": now + seconds}, SIGNING).decode()


def valid(token, **expected):
    try:
        claims = jwt.decode(token, SIGNING)
        claims.validate()
    except (JoseError, ValueError):
        return False
    return all(claims.get(k) == v for k, v in expected.items())


class Handler(JsonHandler):
    protocol_version = "HTTP/1.1"

    def form(self):
        length = int(self.headers.get("Content-Length", 0))
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def do_POST(self):
        global exchanges
        if self.path == f"/{TENANT}/oauth2/v2.0/token":
            f = self.form()
            if f.get("grant_type") != "client_credentials" or "scope" not in f:
                return self.answer(400, {"error": "invalid_request"})
            if f.get("client_id") != CLIENT_ID or f.get("client_secret") != CLIENT_SECRET:
                return self.answer(401, {"error": "invalid_client", "error_description":
                                         "AADSTS7000215: Invalid client secret provided."})
            token = issue({"tid": TENANT, "appid": CLIENT_ID, "aud": "https://management.azure.com"}, 3600)
            return self.answer(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token})
        if self.path == "/oauth2/exchange":
            f = self.form()
            if f.get("grant_type") != "access_token" or not valid(f.get("access_token", ""), tid=f.get("tenant")):
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "the access token is not valid"}]})
            with lock:
                exchanges += 1
            return self.answer(200, {"refresh_token": issue({"grant_type": "refresh_token", "service": f.get("service")}, LIFE)})
        self.proxy()

    def do_GET(self):
        if self.path == "/_standin/mints":
            return self.answer(200, {"mints": exchanges})
        self.proxy()

    do_HEAD = do_GET
    do_PUT = do_POST
    do_PATCH = do_POST

    def proxy(self):
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else None
        # Repeated headers (a client's several Accept lines) are joined, as HTTP allows.
        headers = {}
        for k, v in self.headers.items():
            if k.lower() not in ("host", "authorization", "connection"):
                headers[k] = f"{headers[k]}, {v}" if k in headers else v
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            if user == ACR_USER and valid(password, grant_type="refresh_token"):
                real = base64.b64encode(f"{REG_USER}:{REG_PASSWORD}".encode()).decode()
                headers["Authorization"] = f"Basic {real}"
        req = urllib.request.Request(UPSTREAM + self.path, data=body, headers=headers, method=self.command)
        try:
            resp = urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as e:
            resp = e
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(json.dumps({"tenantId": TENANT, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}), flush=True)
server.serve_forever()
