"""What every stand-in's HTTP handler shares: no access log on stderr (the
tests read it for errors), JSON answers with a length, and every answer
saying `Connection: close`: the server speaks HTTP/1.0 and closes after
each answer, and a client that pools connections (workerd) must not send
its next request down the closed one ("Network connection lost")."""
import json
from http.server import BaseHTTPRequestHandler


class JsonHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Connection", "close")
        super().end_headers()

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
