#!/usr/bin/env python3
"""A fake SMS gateway for the reminder crash harness (Python 3 standard library only).

It accepts Linli's SMS webhook (POST JSON {"to", "text", "idempotency_key"} with the headers
Idempotency-Key, X-Linli-Timestamp and X-Linli-Signature) and appends one JSON line per request
to a log, flushed at once, so the harness can count what reached "the phone" independently of
Linli's own records:

    {"t": <receive time, Unix seconds>, "n": <request number>, "key": <Idempotency-Key header>,
     "body_key": <idempotency_key in the body>, "to": ..., "text": ..., "status": <answered>,
     "signature_ok": true|false}

Every Nth request (--fail-every N, 0: never) is answered 503, as a gateway under load does; a
request with a bad signature is answered 401. It listens on 127.0.0.1 only.

A test can make it fail for a while: `PUT /mode` with {"mode": "ok" | "error" | "hang",
"seconds": S} answers every request 500 ("error"), or holds each for S seconds before answering
504 ("hang", longer than the sender's timeout), until the mode is "ok" again. Such requests are
logged with the status answered (never 2xx): they did not reach the phone.

    gateway.py --port 8099 --log requests.jsonl --secret SECRET [--fail-every 10]
"""

import argparse
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True, help="file the JSON lines are appended to")
    parser.add_argument("--secret", required=True, help="the HMAC secret Linli signs with")
    parser.add_argument("--fail-every", type=int, default=0, help="answer 503 to every Nth request (0: never)")
    args = parser.parse_args()

    lock = threading.Lock()
    log = open(args.log, "a", encoding="utf-8")
    counter = [0]
    mode = {"mode": "ok", "seconds": 0.0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real gateways offer

        def log_message(self, format, *a):  # noqa: A002 - quiet: the JSON log is the record
            pass

        def answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # health check for the harness
            self.answer(200, {"ok": True})

        def do_PUT(self):  # the failure mode, set by a test
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                wanted = json.loads(raw.decode("utf-8"))
                if wanted.get("mode") not in ("ok", "error", "hang"):
                    raise ValueError(wanted)
            except ValueError:
                return self.answer(400, {"error": "mode must be ok, error or hang"})
            with lock:
                mode.update(mode=wanted["mode"], seconds=float(wanted.get("seconds") or 0))
            self.answer(200, dict(mode))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            received = time.time()
            if len(raw) < length:
                return  # the sender died mid-request: nothing reached the gateway
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = {}
            timestamp = self.headers.get("X-Linli-Timestamp", "")
            expected = "sha256=" + hmac.new(args.secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
            signature_ok = hmac.compare_digest(expected, self.headers.get("X-Linli-Signature", ""))
            with lock:
                counter[0] += 1
                n = counter[0]
                failing, hang = mode["mode"], mode["seconds"]
                if not signature_ok:
                    status = 401
                elif failing == "error":
                    status = 500
                elif failing == "hang":
                    status = 504
                elif args.fail_every > 0 and n % args.fail_every == 0:
                    status = 503
                else:
                    status = 200
                record = {
                    "t": received, "n": n, "key": self.headers.get("Idempotency-Key"),
                    # When the sender built and signed the request (whole seconds).
                    "signed": int(timestamp) if timestamp.isdigit() else None,
                    "body_key": body.get("idempotency_key"), "to": body.get("to"), "text": body.get("text"),
                    "status": status, "signature_ok": signature_ok,
                }
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
                log.flush()
            if status == 200:
                self.answer(200, {"id": f"fake-{n}"})
            elif status == 504:
                time.sleep(hang)  # the sender gives up first
                try:
                    self.answer(504, {"error": "upstream timed out"})
                except OSError:
                    pass
            else:
                self.answer(status, {"error": {401: "bad signature", 500: "internal error"}.get(status, "try again later")})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"fake gateway on http://127.0.0.1:{args.port}/sms, log {args.log}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        log.close()


if __name__ == "__main__":
    main()
