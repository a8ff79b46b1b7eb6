#!/usr/bin/env python3
"""Hostile input against a running linli-server on the demo data (issue #9). Run it through
Benchmarks/hostile-input.sh, which starts the server and hands over, in the environment:

  LINLI_HOSTILE_BASE      the server's root URL
  LINLI_HOSTILE_ADMIN     an administrator's bearer token
  LINLI_HOSTILE_OTHER     a bearer token of a coordinator of another community only
  LINLI_HOSTILE_SECRET    the replies webhook's HMAC secret
  LINLI_HOSTILE_VICTIM    a login whose password the brute-force check guesses at
  LINLI_HOSTILE_PROFILE   short or long

What it tries, and what must hold (each check prints one line; any failure exits 1):

  stored as data    SQL, script, template, formula and odd Unicode strings in every text field
                    of volunteers, residents and teams come back byte for byte; a name with a
                    control character (tab, line break) is refused with a 422 naming the field
  rendered escaped  an assigned volunteer renamed to each string: the printable sheet holds it
                    only escaped (no live tag); CSV cells starting with = + - @ get a leading
                    apostrophe, XLSX keeps the text and marks the cell quotePrefix (no <f>);
                    JSON holds it exactly
  bodies            oversized (413), malformed, deeply nested, invalid UTF-8, NUL, a wrong
                    content type, out-of-range numbers: 4xx with a problem document, never 5xx
  paths             traversal in the week, the feed token and the path: 400 or 404, never a file
  webhook           a forged signature, a stale timestamp (replayed later): 401; a replay inside
                    the window changes nothing
  communities       another community's coordinator: 403 on every community route of the demo
  brute force       wrong passwords: throttled (429 with Retry-After); then even the right one
  server            ready at the end, and no 5xx in the whole run

Python 3 standard library only.
"""

import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import io
import re

BASE = os.environ["LINLI_HOSTILE_BASE"]
ADMIN = os.environ["LINLI_HOSTILE_ADMIN"]
OTHER = os.environ["LINLI_HOSTILE_OTHER"]
SECRET = os.environ["LINLI_HOSTILE_SECRET"]
VICTIM = os.environ["LINLI_HOSTILE_VICTIM"]
PROFILE = os.environ.get("LINLI_HOSTILE_PROFILE", "short")
COMMUNITY = BASE + "/api/v1/communities/demo"

# Strings that have broken other systems. All fit the 50-character name limit.
PAYLOADS = [
    "'); DROP TABLE volunteers;--",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "{{t.signIn}}{{{css}}}",
    "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "+cmd|'/C calc'!A0",
    "@SUM(1+1)*cmd",
    "-2+3",
    "王\u202e芳gnp.exe",
    "𠮷野家 🧧 ‍👩‍👩‍👧",
    "%00%0d%0aSet-Cookie: x=1",
    "../../../../etc/passwd",
    "\\u0000 \\x00 $(reboot) `id`",
]
LONG_PAYLOADS = [
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "<!--#exec cmd=\"id\"-->",
    "${7*7}#{7*7}<%= 7*7 %>",
    "'; COPY (SELECT '') TO PROGRAM 'id';--",
    "\t=1+1",
    "\r\n=1+1",
    "Ω≈ç√∫˜µ≤≥÷",
    "ゼロ　全角スペース",
    "\u200b\u200c\u200d\ufeff",
    "A" * 50,
    "𝕿𝖍𝖊 𝖖𝖚𝖎𝖈𝖐",
    "<a href=\"//evil.example\">社区通知</a>",
    "%s%s%s%n",
]

results = []
server_errors = []


def check(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail and not ok else ''}", flush=True)


def request(method, url, token=ADMIN, body=None, headers=None, raw=None):
    """Returns (status, headers, body bytes). Never raises on an HTTP status."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = {"Accept": "application/json"}
    if body is not None and raw is None:
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=60) as r:
            status, hdrs, content = r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, content = e.code, dict(e.headers), e.read()
    if status >= 500:
        server_errors.append(f"{method} {url} -> {status} {content[:200]!r}")
    return status, hdrs, content


def problem(content: bytes) -> bool:
    try:
        return "code" in json.loads(content)
    except ValueError:
        return False


def control(p: str) -> bool:
    """Names refuse control characters (tab, line breaks): a 422 naming the field is the answer."""
    return any(ord(c) < 32 for c in p)


def handled_as_control(p: str, s: int, b: bytes, what: str, bad: list) -> bool:
    """True when `p` holds a control character; then the answer must be that 422."""
    if not control(p):
        return False
    if not (s == 422 and b"invalid_characters" in b):
        bad.append(f"{what} {p!r}: {s}, not refused for its characters")
    return True


def stored_as_data(payloads, round_number):
    bad = []
    for i, p in enumerate(payloads):
        s, h, b = request("POST", COMMUNITY + "/volunteers", body={"name": p, "sex": "female"})
        if handled_as_control(p, s, b, "volunteer", bad):
            continue
        if s != 201:
            bad.append(f"volunteer {p!r}: {s} {b[:120]!r}")
            continue
        vid = json.loads(b)["id"]
        s, _, b = request("GET", f"{COMMUNITY}/volunteers/{vid}")
        if s != 200 or json.loads(b)["name"] != p:
            bad.append(f"volunteer {p!r} read back as {b[:120]!r}")
        s, _, b = request("POST", COMMUNITY + "/residents", body={"name": p, "sex": "male", "address": p})
        if s != 201:
            bad.append(f"resident {p!r}: {s} {b[:120]!r}")
        else:
            rid = json.loads(b)["id"]
            s, _, b = request("GET", f"{COMMUNITY}/residents/{rid}")
            got = json.loads(b) if s == 200 else {}
            if got.get("name") != p or got.get("address") != p:
                bad.append(f"resident {p!r} read back as {b[:160]!r}")
        team = f"{round_number}{i:02d}{p}"[:50]
        s, _, b = request("POST", COMMUNITY + "/teams", body={"name": team})
        if s != 201:
            bad.append(f"team {p!r}: {s} {b[:120]!r}")
        elif json.loads(b).get("name") != team:
            bad.append(f"team {p!r} came back as {b[:120]!r}")
    # A search with each string finds, and breaks, nothing.
    for p in payloads:
        s, _, b = request("GET", COMMUNITY + "/volunteers?" + urllib.parse.urlencode({"q": p}))
        if s != 200 and not (control(p) and s == 400 and problem(b)):
            bad.append(f"search {p!r}: {s}")
    check(f"stored as data: {len(payloads)} strings x volunteers, residents, teams, search", not bad, "; ".join(bad[:3]))


def current_week():
    """A week of the demo with a published roster, and one live assignment's volunteer."""
    for week in (time.strftime("%Y-%m-%d"), time.strftime("%Y-%m-%d", time.localtime(time.time() - 7 * 86400))):
        s, _, b = request("GET", f"{COMMUNITY}/rosters?week={week}")
        if s != 200:
            continue
        for v in json.loads(b)["items"]:
            if v["state"] == "published" and v["assignments"] > 0:
                s, _, b = request("GET", f"{COMMUNITY}/rosters/{v['id']}/assignments?limit=1")
                items = json.loads(b)["items"] if s == 200 else []
                if items:
                    return week, items[0]["volunteer_id"]
    return None, None


def rendered_escaped(payloads):
    week, volunteer = current_week()
    if week is None:
        check("rendered escaped", False, "the demo has no published roster this week or last")
        return
    bad = []
    for p in payloads:
        s, h, b = request("GET", f"{COMMUNITY}/volunteers/{volunteer}")
        etag = h.get("ETag") or h.get("Etag") or ""
        s, _, b = request("PATCH", f"{COMMUNITY}/volunteers/{volunteer}", body={"name": p}, headers={"If-Match": etag})
        if handled_as_control(p, s, b, "rename to", bad):
            continue
        if s != 200:
            bad.append(f"rename to {p!r}: {s} {b[:120]!r}")
            continue
        s, h, page = request("GET", f"{COMMUNITY}/exports/roster/print?week={week}&lang=zh-CN")
        html = page.decode("utf-8", "replace")
        escaped = p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        if s != 200 or "script-src" in h.get("Content-Security-Policy", "script-src"):
            bad.append(f"print page {s}, CSP {h.get('Content-Security-Policy')!r}")
        if ("<" in p or '"' in p) and p in html:
            bad.append(f"print page holds {p!r} unescaped")
        if "<" in p and escaped not in html and p.replace("<", "&lt;").replace(">", "&gt;") not in html:
            bad.append(f"print page lacks the escaped {p!r}")
        if "{{" in p and "登录" in html and "登录" not in p:
            bad.append(f"print page ran the template in {p!r}")
        s, _, csv = request("GET", f"{COMMUNITY}/exports/roster?week={week}&format=csv")
        text = csv.decode("utf-8-sig", "replace")
        formula = p[:1] in "=+-@\t\r"
        cells = [c.strip('"') for line in text.splitlines() for c in line.split(",")]
        if formula and any(c.startswith(p[:6]) for c in cells):
            bad.append(f"CSV cell starts with the formula {p!r}")
        s, _, x = request("GET", f"{COMMUNITY}/exports/roster?week={week}&format=xlsx")
        try:
            with zipfile.ZipFile(io.BytesIO(x)) as z:
                sheets = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
                styles = z.read("xl/styles.xml").decode("utf-8")
            if "<f>" in sheets or "<f " in sheets:
                bad.append(f"XLSX holds a formula for {p!r}")
            xml_text = p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            cells = re.findall(r'<c r="[A-Z]+[0-9]+"(?: s="([0-9]+)")? t="inlineStr"><is><t[^>]*>([^<]*)</t>', sheets)
            quoted = [i for i, xf in enumerate(re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1]))
                      if 'quotePrefix="1"' in xf]
            mine = [style for style, text in cells if text.replace("&quot;", '"') == xml_text.replace("&quot;", '"')]
            if not mine:
                bad.append(f"XLSX lacks the cell {p!r}")
            elif formula and not all(style and int(style) in quoted for style in mine):
                bad.append(f"XLSX cell {p!r} is not marked quotePrefix")
        except (zipfile.BadZipFile, KeyError, IndexError) as error:
            bad.append(f"XLSX export unreadable ({s}): {error}")
        s, _, j = request("GET", f"{COMMUNITY}/exports/roster?week={week}&format=json")
        rows = json.loads(j) if s == 200 else []
        if not any(v == p for row in rows for v in row.values()):
            bad.append(f"JSON export lacks {p!r} as data")
    check(f"rendered escaped: {len(payloads)} names in the print page, CSV, XLSX and JSON of {week}", not bad,
          "; ".join(bad[:3]))


def bodies():
    bad = []
    url = COMMUNITY + "/volunteers"
    cases = [
        ("oversized (3 MB)", {"Content-Type": "application/json"}, b'{"name":"' + b"x" * (3 << 20) + b'","sex":"male"}', {413}),
        ("not JSON", {"Content-Type": "application/json"}, b"{name: 'x'", {400}),
        ("nested 50,000 deep", {"Content-Type": "application/json"}, b"[" * 50000 + b"]" * 50000, {400, 413, 422}),
        ("invalid UTF-8", {"Content-Type": "application/json"}, b'{"name":"\xff\xfe\xc3","sex":"male"}', {400, 422}),
        ("NUL in a name", {"Content-Type": "application/json"}, b'{"name":"a\\u0000b","sex":"male"}', {400, 422}),
        ("wrong content type", {"Content-Type": "text/plain"}, b'{"name":"a","sex":"male"}', {415}),
        ("number out of range", {"Content-Type": "application/json"}, b'{"name":"a","sex":"male","birth_year":1e400}', {400, 422}),
        ("unknown field", {"Content-Type": "application/json"}, b'{"name":"a","sex":"male","is_admin":true}', {400, 422}),
        ("empty body", {"Content-Type": "application/json"}, b"", {400, 422}),
        ("duplicate keys", {"Content-Type": "application/json"}, b'{"name":"a","name":"b","sex":"male"}', {201, 400, 422}),
    ]
    for name, headers, raw, expected in cases:
        s, _, b = request("POST", url, raw=raw, headers=headers)
        if s not in expected or (s >= 400 and not problem(b)):
            bad.append(f"{name}: {s} {b[:100]!r}")
    s, _, _ = request("GET", COMMUNITY + "/volunteers?q=" + "x" * 100_000)
    if s not in (200, 400, 414, 431):
        bad.append(f"100 KB query string: {s}")
    check(f"bodies: {len(cases) + 1} malformed requests answered 4xx with a problem", not bad, "; ".join(bad[:3]))


def paths():
    bad = []
    for url, expected in [
        (COMMUNITY + "/exports/roster?week=../../etc/passwd&format=csv", {400}),
        (COMMUNITY + "/exports/roster?week=2026-W48&format=../../etc/passwd", {400}),
        (BASE + "/feeds/..%2F..%2Fetc%2Fpasswd.ics", {404}),
        (BASE + "/feeds/%2e%2e/%2e%2e/etc/passwd.ics", {404}),
        (BASE + "/api/v1/communities/..%2Fdemo/volunteers", {403, 404}),
        (BASE + "/api/v1/communities/demo/../../../etc/passwd", {404}),
    ]:
        s, _, b = request("GET", url)
        if s not in expected or b"root:" in b:
            bad.append(f"{url[len(BASE):]}: {s}")
    s, h, _ = request("GET", COMMUNITY + "/exports/roster?week=2026-W48&format=csv")
    disposition = h.get("Content-Disposition", "")
    if s == 200 and any(x in disposition for x in ("/", "\\", "..")):
        bad.append(f"Content-Disposition {disposition!r}")
    check("paths: traversal in week, format, feed token and path", not bad, "; ".join(bad[:3]))


def webhook():
    url = BASE + "/api/v1/hooks/replies"
    body = json.dumps({"from": "13800000000", "text": "1"}).encode()

    def signed(ts, secret=SECRET, data=body):
        mac = hmac.new(secret.encode(), f"{ts}.".encode() + data, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Linli-Timestamp": str(ts), "X-Linli-Signature": "sha256=" + mac}

    bad = []
    now = int(time.time())
    altered = json.dumps({"from": "13800000000", "text": "2"}).encode()
    for name, data, headers in [
        ("no signature", body, {"Content-Type": "application/json"}),
        ("forged (another secret)", body, signed(now, secret="not-the-secret")),
        ("stale: signed 10 minutes ago", body, signed(now - 600)),
        ("from the future", body, signed(now + 600)),
        ("another body under a good signature", altered, signed(now)),
    ]:
        s, _, _ = request("POST", url, token=None, raw=data, headers=headers)
        if s != 401:
            bad.append(f"{name}: {s}")
    first = request("POST", url, token=None, raw=body, headers=signed(now))
    again = request("POST", url, token=None, raw=body, headers=signed(now))
    if first[0] != 200 or again[0] != 200 or first[2] != again[2]:
        bad.append(f"replay inside the window: {first[0]} then {again[0]}")
    check("webhook: forged, stale and altered requests refused; a replay changes nothing", not bad, "; ".join(bad[:3]))


def communities():
    s, _, b = request("GET", BASE + "/openapi.yaml", token=None)
    routes = []
    for line in b.decode().splitlines():
        if line.startswith("  /api/v1/communities/{code}/") and "{id}" not in line and "{" not in line[30:]:
            routes.append(line.strip().rstrip(":").replace("{code}", "demo"))
    bad = []
    for route in routes:
        s, _, _ = request("GET", BASE + route, token=OTHER)
        if s not in (403, 404, 405):
            bad.append(f"{route}: {s}")
    s, _, b = request("GET", COMMUNITY + "/volunteers", token=OTHER)
    if b"name" in b and s == 200:
        bad.append("volunteers listed")
    check(f"communities: another community's coordinator on {len(routes)} demo routes", not bad and routes,
          "; ".join(bad[:3]) or "no routes")


def brute_force():
    bad = []
    statuses = []
    for i in range(15):
        s, h, _ = request("POST", BASE + "/api/v1/session", token=None,
                          body={"login": VICTIM, "password": f"guess-{i}-wrong-password"})
        statuses.append(s)
        if s == 429:
            if not h.get("Retry-After", "").isdigit():
                bad.append("429 without Retry-After")
            break
    if 429 not in statuses:
        bad.append(f"never throttled: {statuses}")
    right = os.environ.get("LINLI_HOSTILE_VICTIM_PASSWORD", "")
    s, _, _ = request("POST", BASE + "/api/v1/session", token=None, body={"login": VICTIM, "password": right})
    if s != 429:
        bad.append(f"the right password while throttled: {s}")
    check(f"brute force: throttled after {len(statuses) - 1} wrong passwords", not bad, "; ".join(bad[:3]))


def main() -> int:
    payloads = PAYLOADS + (LONG_PAYLOADS if PROFILE == "long" else [])
    rounds = 3 if PROFILE == "long" else 1
    started = time.time()
    print(f"hostile input, profile {PROFILE}: {len(payloads)} strings, {rounds} round(s)", flush=True)
    for round_number in range(rounds):
        stored_as_data(payloads, round_number)
        rendered_escaped(payloads)
        bodies()
        paths()
        webhook()
        communities()
    brute_force()
    s, _, _ = request("GET", BASE + "/readyz", token=None)
    check("server: ready at the end", s == 200, str(s))
    check("server: no 5xx answer in the whole run", not server_errors, "; ".join(server_errors[:3]))
    failed = [r for r in results if not r[1]]
    print(f"{len(results) - len(failed)} of {len(results)} checks passed in {time.time() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
