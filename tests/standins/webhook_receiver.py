"""A webhook receiver for tests: verifies each delivery with PyPI's
`standardwebhooks` (the signature over "<id>.<timestamp>.<body>", and a
timestamp within 5 minutes) against the secret it was given, and records
what came. Its answers are scripted: POST /_standin/plan
{"statuses": [500, 500, 200], "hang": false} answers those statuses in
order (then 200), or never answers when "hang" is set.
  POST /_standin/secret {"secret": "whsec_..."}   the secret to verify with
  GET  /_standin/received                         [{"type", "verified", "id", "timestamp", "data", "at"}]
Prints one JSON line when it serves. Usage: webhook_receiver.py PORT
"""
import json
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

from standin import JsonHandler  # noqa: E402

PORT = int(sys.argv[1])
lock = threading.Lock()
state = {"secret": None, "statuses": [], "hang": False, "received": []}


class Handler(JsonHandler):
    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_GET(self):
        if self.path == "/_standin/received":
            with lock:
                return self.answer(200, state["received"])
        self.answer(404, {})

    def do_POST(self):
        raw = self.body()
        if self.path == "/_standin/secret":
            with lock:
                state["secret"] = json.loads(raw)["secret"]
            return self.answer(200, {})
        if self.path == "/_standin/plan":
            plan = json.loads(raw)
            with lock:
                state["statuses"] = list(plan.get("statuses", []))
                state["hang"] = bool(plan.get("hang", False))
            return self.answer(200, {})
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = Webhook(state["secret"]).verify(raw, headers)
            verified = True
        except Exception as e:  # noqa: BLE001 - any refusal is "not verified"
            payload, verified = {"error": str(e)}, False
        with lock:
            status = state["statuses"].pop(0) if state["statuses"] else 200
            hang = state["hang"]
            state["received"].append({
                "type": payload.get("type"), "verified": verified, "id": headers.get("webhook-id"),
                "timestamp": headers.get("webhook-timestamp"), "data": payload.get("data"),
                "status": status, "at": time.time(),
            })
        if hang:
            time.sleep(120)
            return
        self.answer(status, {"ok": status < 300})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(json.dumps({"ready": True}), flush=True)
server.serve_forever()
