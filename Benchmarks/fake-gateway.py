#!/usr/bin/env python3
"""A fake SMS gateway and WeCom robot endpoint for Linli's tests and crash harnesses.

Python 3 standard library only. It accepts POSTs and answers like the real services:
  * a path containing "webhook/send" (WeCom group robot): HTTP 200, {"errcode":0,"errmsg":"ok"}
  * any other path (the generic SMS webhook):              HTTP 200, {"id": "<n>"}
Every request received (before any delay or injected failure) is appended to --log as one JSON
line: {"time", "path", "idempotency_key", "signature_valid", "status", "body"}, where
signature_valid checks X-Linli-Signature = "sha256=" + hex HMAC-SHA256(secret,
"<X-Linli-Timestamp>.<body>") when --secret is given, and is null otherwise.

Options:
  --port N          port on 127.0.0.1 (0 = any free port); the port is printed on stdout when ready
  --log FILE        JSON-lines log of requests (appended to)
  --secret S        the shared HMAC secret used to check signatures
  --fail-every N    answer 503 to every Nth request (1 = all)
  --delay-ms MS     wait this long before answering each request

Example: python3 Benchmarks/fake-gateway.py --port 0 --log /tmp/gw.jsonl --secret s3cret --fail-every 3
"""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser(description="Fake SMS gateway / WeCom robot for Linli tests.")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--log", default=None)
parser.add_argument("--secret", default=None)
parser.add_argument("--fail-every", type=int, default=0)
parser.add_argument("--delay-ms", type=int, default=0)
options = parser.parse_args()

lock = threading.Lock()
counter = {"requests": 0}


def signature_valid(headers, body):
    if options.secret is None:
        return None
    timestamp = headers.get("X-Linli-Timestamp", "")
    expected = hmac.new(options.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, headers.get("X-Linli-Signature", ""))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
        with lock:
            counter["requests"] += 1
            number = counter["requests"]
        failing = options.fail_every > 0 and number % options.fail_every == 0
        status = 503 if failing else 200
        if options.log:
            entry = {
                "time": time.time(),
                "path": self.path,
                "idempotency_key": self.headers.get("Idempotency-Key"),
                "signature_valid": signature_valid(self.headers, body),
                "status": status,
                "body": body.decode("utf-8", errors="replace"),
            }
            with lock, open(options.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if options.delay_ms > 0:
            time.sleep(options.delay_ms / 1000)
        if failing:
            answer = {"error": "injected failure"}
        elif "webhook/send" in self.path:
            answer = {"errcode": 0, "errmsg": "ok"}
        else:
            answer = {"id": str(number)}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # keep stderr quiet; --log is the record
        pass


server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
finally:
    server.server_close()
    sys.stdout.flush()
