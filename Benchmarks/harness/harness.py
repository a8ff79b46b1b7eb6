#!/usr/bin/env python3
"""The reminder crash harness (issue #5): reminders fall due while workers are SIGKILLed and
PostgreSQL is stopped with `pg_ctl stop -m immediate`; a fake gateway records every request on
its own, and the numbers are worked out from its log and the database.

Run it through Benchmarks/reminder-harness.sh. Python 3 standard library only; the database is
reached through `psql`.

Steps: a throwaway cluster; `linli migrate`; a community, a duty service with one 120-minute
reminder lead, N volunteers and N one-person slots whose reminders fall due across the run, and
a published roster, all by SQL; `linli reminders plan`; the gateway and two `linli-worker`
processes with a short lease. Then, while the reminders fall due: SIGKILL a random worker at
random moments (it is started again), stop PostgreSQL immediately and start it again, cancel
about 5 % of the slots by SQL close to their reminder's due time (the time each cancellation
committed is recorded), and change the community's quiet hours to a one-minute window in the
middle of the run, so reminders due around it must wait for its end. When no reminder job is
pending or running, count:

  due            reminder jobs planned
  delivered      distinct idempotency keys the gateway answered 2xx
  lost           reminders of slots never cancelled that were never delivered   (must be 0)
  duplicates     2xx requests beyond the first per key; two different keys for one
                 recipient and text                                             (must be 0)
  quiet hours    requests received inside the quiet window, 2xx or not          (must be 0)
  cancelled      requests built (signed) after their slot's cancellation committed (must be 0)
  durability     acknowledged cancellations missing from the database at the end (must be 0)
  delay          p50/p99 from due time (slot start - lead) to the first 2xx, apart for
                 reminders the quiet window deferred

Exits 1 when a must-be-0 number is not 0, when the run timed out, or when a step failed.
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from zoneinfo import ZoneInfo

# lead_in: seconds from seeding to the first due time (planning and starting the workers);
# quiet_at: the quiet window starts 0-30 s later than this many seconds after the first due time
# (it is minute-aligned). Reminders due from 30 s before the window to its end wait for its end.
PROFILES = {
    # CI: under 3 minutes in all; about half of the reminders wait for the quiet window.
    "short": dict(reminders=300, spread=60, kills=4, pg_restarts=1, lead_in=6, quiet_at=35, timeout=120),
    # On demand: the numbers; about a third wait for the quiet window.
    "long": dict(reminders=2000, spread=240, kills=20, pg_restarts=3, lead_in=15, quiet_at=120, timeout=240),
}
LEAD_MINUTES = 120
ZONE = ZoneInfo("Asia/Shanghai")
COMMUNITY = "harness"
# The sender holds back a message whose arrival (now + 30 s) would fall inside quiet hours.
DELIVERY_ALLOWANCE = 30
SECRET = "harness-secret-" + uuid.uuid4().hex


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def message_key(unique_key: str) -> str:
    """ReminderSender.messageKey: linli- and the first 40 hex digits of SHA-256 of the job's key."""
    return "linli-" + hashlib.sha256(unique_key.encode()).hexdigest()[:40]


def local_hhmm(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, ZONE).strftime("%H:%M")


class Cluster:
    """A throwaway PostgreSQL cluster made by deploy/local-postgres.sh."""

    def __init__(self, root: str, folder: str, port: int):
        self.root = root
        self.folder = folder
        self.script = os.path.join(root, "deploy", "local-postgres.sh")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
        self.env.update(LINLI_PG_DIR=folder, LINLI_PG_PORT=str(port), LINLI_PG_DB="linli", LINLI_PG_THROWAWAY="1")
        self.client_env = {}
        self.lock = threading.Lock()
        self.down_intervals = []

    def start(self) -> None:
        subprocess.run([self.script, "start"], env=self.env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        out = subprocess.run([self.script, "env"], env=self.env, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            self.client_env[name] = value.strip("'")

    def bindir(self) -> str:
        """The server's own binaries (pg_ctl, psql), as local-postgres.sh picks them."""
        with open(os.path.join(self.folder, "data", "PG_VERSION")) as f:
            return f"/usr/lib/postgresql/{f.read().strip()}/bin"

    def stop_immediately(self) -> None:
        data = os.path.join(self.folder, "data")
        command = [os.path.join(self.bindir(), "pg_ctl"), "stop", "-D", data, "-m", "immediate", "-w", "-s"]
        if os.geteuid() == 0:  # local-postgres.sh runs the server as linli-pg when started by root
            command = ["runuser", "-u", self.env.get("LINLI_PG_OS_USER", "linli-pg"), "--"] + command
        subprocess.run(command, check=True, cwd="/")

    def destroy(self) -> None:
        subprocess.run([self.script, "destroy"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def psql(self, sql: str, retry_until: float = 0.0) -> str:
        """Runs SQL as the cluster's superuser; with retry_until, retries (PostgreSQL may be
        restarting) until that time."""
        env = dict(self.env, **self.client_env)
        psql = os.path.join(self.bindir(), "psql")
        if not os.access(psql, os.X_OK):
            psql = "psql"
        while True:
            result = subprocess.run([psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"], input=sql, env=env,
                                    capture_output=True, text=True)
            if result.returncode == 0:
                return result.stdout.strip()
            if time.time() >= retry_until:
                raise RuntimeError(f"psql failed: {result.stderr.strip()}\n{sql[:400]}")
            time.sleep(0.2)


class Worker:
    """One linli-worker process, started again after each kill."""

    def __init__(self, name: str, binary: str, env: dict, log_path: str, cwd: str):
        self.name, self.binary, self.env, self.log_path, self.cwd = name, binary, env, log_path, cwd
        self.process = None
        self.starts = 0

    def start(self) -> None:
        with open(self.log_path, "a") as out:
            out.write(f"--- start {self.starts + 1} at {time.time():.3f}\n")
            out.flush()
            self.process = subprocess.Popen([self.binary], env=self.env, cwd=self.cwd, stdout=out,
                                            stderr=subprocess.STDOUT)
        self.starts += 1

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL after the runner's grace period."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.kill()


def seed_sql(community: str, n: int, t0: float, spread: float, quiet: tuple) -> str:
    cid, place, service, roster = (str(uuid.uuid4()) for _ in range(4))
    return f"""
BEGIN;
INSERT INTO communities (id, code, name, phone, time_zone, quiet_hours_start, quiet_hours_end, daily_message_cap)
VALUES ('{cid}', '{community}', '压力测试社区', '010-12345678', 'Asia/Shanghai', '{quiet[0]}', '{quiet[1]}', 100);
INSERT INTO places (id, community_id, kind, name, address)
VALUES ('{place}', '{cid}', 'service_station', '社区服务站', '幸福路1号');
INSERT INTO service_types (id, community_id, code, name_zh, name_en, kind, default_minutes, reminder_lead_minutes)
VALUES ('{service}', '{cid}', 'harness_duty', '服务站值守', 'Service desk duty', 'duty', 60, '{{{LEAD_MINUTES}}}');
INSERT INTO volunteers (community_id, external_id, name, phone, sex)
SELECT '{cid}', 'H' || lpad(i::text, 5, '0'), '志愿者' || lpad(i::text, 5, '0'), '139' || lpad(i::text, 8, '0'),
       (CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END)::sex
FROM generate_series(1, {n}) i;
-- Slot i's reminder falls due at t0 + spread * (i - 0.5) / n.
INSERT INTO slots (community_id, service_type_id, place_id, starts_at, ends_at, headcount_min, headcount_max, note)
SELECT '{cid}', '{service}', '{place}',
       to_timestamp({t0} + {spread} * (i - 0.5) / {n}) + interval '{LEAD_MINUTES} minutes',
       to_timestamp({t0} + {spread} * (i - 0.5) / {n}) + interval '{LEAD_MINUTES + 60} minutes', 1, 1, 'harness ' || i
FROM generate_series(1, {n}) i;
INSERT INTO rosters (id, community_id, week_start, version, state, published_at)
VALUES ('{roster}', '{cid}', date_trunc('week', now() AT TIME ZONE 'Asia/Shanghai')::date, 1, 'published', now());
INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, is_live)
SELECT '{roster}', '{cid}', s.id, v.id, true
FROM (SELECT id, row_number() OVER (ORDER BY starts_at, id) AS rn FROM slots WHERE community_id = '{cid}') s
JOIN (SELECT id, row_number() OVER (ORDER BY external_id) AS rn FROM volunteers WHERE community_id = '{cid}') v
  USING (rn);
COMMIT;
SELECT '{cid}';
"""


def spaced_times(rng: random.Random, count: int, start: float, end: float, gap: float) -> list:
    """`count` random moments in [start, end], at least `gap` apart (fewer gaps if they don't fit)."""
    gap = min(gap, (end - start) / max(count, 1) * 0.9)
    free = (end - start) - gap * (count - 1)
    points = sorted(rng.uniform(0, free) for _ in range(count))
    return [start + p + i * gap for i, p in enumerate(points)]



def log_stopped(error):
    """Says why a harness run stopped early, with a failed command's stderr."""
    log(f"harness stopped: {error}")
    if isinstance(error, subprocess.CalledProcessError) and error.stderr:
        log(error.stderr if isinstance(error.stderr, str) else error.stderr.decode(errors="replace"))


def stop_gateway(gateway):
    """Kills the fake gateway's process if it was started and still runs."""
    if gateway and gateway.poll() is None:
        gateway.kill()


def keep_or_remove(work, keep):
    """Keeps the work folder (saying where) with --keep, else removes it."""
    if keep:
        log(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)

def main() -> int:
    parser = argparse.ArgumentParser(description="Reminder crash harness (issue #5).")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="short")
    parser.add_argument("--bin", required=True, help="folder with linli and linli-worker")
    parser.add_argument("--root", required=True, help="the checkout (deploy/, sql/)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, gateway log)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--fail-every", type=int, default=10, help="the gateway answers 503 to every Nth request")
    parser.add_argument("--lease", type=int, default=5, help="LINLI_JOB_LEASE_SECONDS of the workers")
    parser.add_argument("--concurrency", type=int, default=8, help="LINLI_WORKER_CONCURRENCY of each worker")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    n, spread = profile["reminders"], profile["spread"]

    work = tempfile.mkdtemp(prefix="linli-harness.")
    os.chmod(work, 0o755)  # PostgreSQL runs as another user when we are root
    port = int(os.environ.get("LINLI_HARNESS_PG_PORT") or free_port())
    cluster = Cluster(args.root, os.path.join(work, "postgres"), port)
    workers: list = []
    gateway = None
    stopping = threading.Event()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = time.time()
    try:
        log(f"profile {args.profile}: {n} reminders over {spread} s, {profile['kills']} SIGKILLs, "
            f"{profile['pg_restarts']} PostgreSQL immediate stops; seed {seed}; work folder {work}")
        cluster.start()
        # The run counts on every acknowledged commit surviving an immediate stop (the
        # cancellations above all): asynchronous commits would lose the last ones.
        if cluster.psql("SHOW synchronous_commit") == "off":
            raise RuntimeError("the test cluster runs with synchronous_commit = off, so an immediate stop loses "
                               "acknowledged commits; deploy/local-postgres.sh must leave it on")
        cli_env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LINLI_")) and k != "DATABASE_URL"}
        cli_env.update(DATABASE_URL=cluster.client_env["DATABASE_URL"], LINLI_LOG_LEVEL="warning")
        linli = os.path.join(args.bin, "linli")
        subprocess.run([linli, "migrate"], env=cli_env, cwd=args.root, check=True, stdout=subprocess.DEVNULL)

        # The quiet window [quiet_start, quiet_start + 60 s) is minute-aligned (quiet hours are
        # whole minutes) and starts quiet_at to quiet_at + 30 s after the first due time t0; t0
        # waits (at most 30 s) when the next minute would come too late.
        earliest = time.time() + profile["lead_in"]
        quiet_start = math.ceil((earliest + profile["quiet_at"]) / 60) * 60
        t0 = max(earliest, quiet_start - profile["quiet_at"] - 30)
        quiet_end = quiet_start + 60
        far = time.time() + 10 * 3600  # the seeded quiet hours: far from the run
        seed_quiet = (local_hhmm(far), local_hhmm(far + 3600))
        community_id = cluster.psql(seed_sql(COMMUNITY, n, t0, spread, seed_quiet)).splitlines()[-1]
        planned = subprocess.run([linli, "reminders", "plan", "--community", COMMUNITY], env=cli_env, cwd=args.root,
                                 check=True, capture_output=True, text=True).stdout.strip()
        jobs_planned = int(cluster.psql("SELECT count(*) FROM jobs WHERE kind = 'reminder.send'"))
        log(f"seeded and planned: {planned} ({jobs_planned} jobs)")
        if jobs_planned != n:
            raise RuntimeError(f"expected {n} reminder jobs, the planner made {jobs_planned}")
        slots = json.loads(cluster.psql(
            "SELECT json_agg(json_build_object('id', id, 'due', extract(epoch FROM starts_at) - "
            f"{LEAD_MINUTES * 60})) FROM slots WHERE community_id = '{community_id}'"))

        gateway_port = free_port()
        gateway_log = os.path.join(work, "gateway.jsonl")
        gateway = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gateway.py"), "--port",
             str(gateway_port), "--log", gateway_log, "--secret", SECRET, "--fail-every", str(args.fail_every)],
            stderr=open(os.path.join(work, "gateway.err"), "w"))
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
        for attempt in range(100):
            try:
                direct.open(f"http://127.0.0.1:{gateway_port}/", timeout=1)
                break
            except OSError:
                if attempt == 99:
                    raise RuntimeError("the fake gateway did not start (see gateway.err with --keep)")
                time.sleep(0.05)

        worker_env = dict(cli_env)
        worker_env.update(
            LINLI_SMS_WEBHOOK_URL=f"http://127.0.0.1:{gateway_port}/sms", LINLI_SMS_WEBHOOK_SECRET=SECRET,
            LINLI_WORKER_CONCURRENCY=str(args.concurrency), LINLI_JOB_LEASE_SECONDS=str(args.lease),
            LINLI_DATABASE_POOL_SIZE=str(args.concurrency + 4), LINLI_WECOM_WEBHOOK_URL="off",
            LINLI_LOG_LEVEL="info", LINLI_CHANNEL_TIMEOUT_SECONDS="5")
        for name in ("a", "b"):
            env = dict(worker_env, LINLI_INSTANCE_NAME=f"harness-{name}")
            workers.append(Worker(name, os.path.join(args.bin, "linli-worker"), env,
                                  os.path.join(work, f"worker-{name}.log"), args.root))
        for w in workers:
            w.start()
        if time.time() > t0:
            log(f"warning: set-up ran {time.time() - t0:.1f} s past the first due time; delays include it")
        log(f"due times {local_hhmm(t0)}:{int(t0) % 60:02d} + {spread} s; quiet window "
            f"{local_hhmm(quiet_start)}–{local_hhmm(quiet_end)} (Asia/Shanghai)")

        # ---- chaos
        run_end = t0 + spread
        kill_times = spaced_times(rng, profile["kills"], t0 + 1, run_end + 10, 3)
        pg_times = spaced_times(rng, profile["pg_restarts"], t0 + 5, run_end - 5, 20)
        cancel_count = max(1, round(n * 0.05))
        cancelled_slots = rng.sample(slots, cancel_count)
        cancels = sorted(((max(time.time() + 1, s["due"] + rng.uniform(-4, 2)), s["id"]) for s in cancelled_slots))
        cancel_times: dict = {}
        kills_done: list = []
        pg_done: list = []
        quiet_changed: list = []
        errors: list = []

        def guarded(body):
            def run():
                try:
                    body()
                except Exception as error:  # reported, and the run fails
                    errors.append(f"{body.__name__}: {error}")
                    log(f"error in {body.__name__}: {error}")
            return run

        def sleep_until(moment: float) -> bool:
            while time.time() < moment:
                if stopping.wait(min(0.2, moment - time.time())):
                    return False
            return True

        def killer():
            for moment in kill_times:
                if not sleep_until(moment):
                    return
                victim = rng.choice(workers)
                victim.kill()
                kills_done.append((time.time(), victim.name))
                time.sleep(rng.uniform(0.5, 2.0))
                victim.start()

        def postgres_chaos():
            for moment in pg_times:
                if not sleep_until(moment):
                    return
                down = time.time()
                with cluster.lock:
                    cluster.stop_immediately()
                    time.sleep(2)
                    cluster.start()
                pg_done.append((down, time.time()))
                log(f"PostgreSQL stopped (immediate) and started again in {time.time() - down:.1f} s")

        def canceller():
            for moment, slot in cancels:
                if not sleep_until(moment):
                    return
                at = cluster.psql(
                    f"UPDATE slots SET status = 'cancelled', version = version + 1 WHERE id = '{slot}' "
                    "RETURNING extract(epoch FROM clock_timestamp())", retry_until=time.time() + 60)
                cancel_times[slot] = float(at)

        def quiet_changer():
            if not sleep_until(quiet_start - 40):
                return
            cluster.psql(
                f"UPDATE communities SET quiet_hours_start = '{local_hhmm(quiet_start)}', "
                f"quiet_hours_end = '{local_hhmm(quiet_end)}' WHERE id = '{community_id}'",
                retry_until=time.time() + 60)
            quiet_changed.append(time.time())
            log(f"quiet hours now {local_hhmm(quiet_start)}–{local_hhmm(quiet_end)}")

        threads = [threading.Thread(target=guarded(f), daemon=True)
                   for f in (killer, postgres_chaos, canceller, quiet_changer)]
        for thread in threads:
            thread.start()

        # ---- wait until every reminder job has finished
        deadline = run_end + profile["timeout"]
        timed_out = False
        while True:
            time.sleep(2)
            if time.time() < max(run_end, quiet_end):
                continue
            try:
                open_jobs = int(cluster.psql(
                    "SELECT count(*) FROM jobs WHERE kind = 'reminder.send' AND state IN ('pending', 'running')"))
            except RuntimeError:
                open_jobs = -1  # PostgreSQL restarting
            if open_jobs == 0 and not any(t.is_alive() for t in threads[1:]):
                break
            if time.time() > deadline:
                timed_out = True
                log(f"timed out with {open_jobs} reminder jobs pending or running")
                break
        stopping.set()
        for thread in threads:
            thread.join(timeout=30)
        for w in workers:
            w.stop()
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=10)
        finished = time.time()

        # ---- count
        jobs = json.loads(cluster.psql(
            "SELECT coalesce(json_agg(json_build_object('key', j.unique_key, 'state', j.state, 'attempts', j.attempts,"
            " 'slot', s.id, 'due', extract(epoch FROM s.starts_at) - (j.payload->>'leadMinutes')::int * 60)), '[]')"
            " FROM jobs j JOIN slots s ON s.id = (j.payload->>'slot')::uuid WHERE j.kind = 'reminder.send'"))
        # Every cancellation psql saw committed must still be there after the immediate stops.
        still_open = int(cluster.psql(
            "SELECT count(*) FROM slots WHERE status <> 'cancelled' AND id = ANY ('{"
            + ",".join(cancel_times) + "}'::uuid[])")) if cancel_times else 0
        db_sent = int(cluster.psql(
            f"SELECT count(*) FROM messages WHERE community_id = '{community_id}' AND state = 'sent'"))
        requests = []
        with open(gateway_log, encoding="utf-8") as f:
            for line in f:
                requests.append(json.loads(line))
        by_key: dict = {}
        for r in requests:
            by_key.setdefault(r["key"], []).append(r)
        jobs_by_key = {message_key(j["key"]): j for j in jobs}

        first_ok: dict = {}
        for r in sorted(requests, key=lambda r: r["t"]):
            if 200 <= r["status"] < 300 and r["key"] not in first_ok:
                first_ok[r["key"]] = r
        ok_requests = [r for r in requests if 200 <= r["status"] < 300]
        delivered = len(first_ok)
        duplicates = len(ok_requests) - delivered
        unknown_keys = sorted(k for k in by_key if k not in jobs_by_key)
        key_mismatch = sum(1 for r in requests if r["key"] != r["body_key"])
        bad_signatures = sum(1 for r in requests if not r["signature_ok"])
        keys_per_message: dict = {}
        for r in ok_requests:
            keys_per_message.setdefault((r["to"], r["text"]), set()).add(r["key"])
        different_keys = sum(len(keys) - 1 for keys in keys_per_message.values())
        # Any request inside the window counts (the worker must not even try); 2xx apart.
        in_quiet = sum(1 for r in requests if quiet_start <= r["t"] < quiet_end)
        in_quiet_ok = sum(1 for r in ok_requests if quiet_start <= r["t"] < quiet_end)
        # A request counts against the worker when it was built after the cancellation committed:
        # its signed timestamp (whole seconds, so up to 1 s of leniency) is past the commit. One
        # built before but received after was in flight while PostgreSQL was stopped: the slot
        # lock it held died with the session, and the cancellation could commit before the
        # gateway read the request. Those are reported apart.
        def cancelled_before(r, built):
            job = jobs_by_key.get(r["key"])
            if job is None or job["slot"] not in cancel_times:
                return False
            moment = r.get("signed") if built else r["t"]
            return moment is not None and moment > cancel_times[job["slot"]]
        after_cancel = [r for r in requests if cancelled_before(r, built=True)]
        in_flight_at_cancel = [r for r in requests if cancelled_before(r, built=False) and not cancelled_before(r, built=True)]
        lost = [k for k, j in jobs_by_key.items() if j["slot"] not in cancel_times and k not in first_ok]
        cancelled_undelivered = sum(1 for k, j in jobs_by_key.items() if j["slot"] in cancel_times and k not in first_ok)
        cancelled_delivered = sum(1 for k, j in jobs_by_key.items() if j["slot"] in cancel_times and k in first_ok)
        states: dict = {}
        for j in jobs:
            states[j["state"]] = states.get(j["state"], 0) + 1

        deferred_from = quiet_start - DELIVERY_ALLOWANCE
        delays, deferred_delays = [], []
        for key, r in first_ok.items():
            job = jobs_by_key.get(key)
            if job is None:
                continue
            delay = r["t"] - job["due"]
            # Held back by the quiet window: due within it (or within the delivery allowance
            # before it), or due earlier but retried into it (so first delivered after its end).
            deferred = deferred_from <= job["due"] < quiet_end or job["due"] < quiet_end <= r["t"]
            (deferred_delays if deferred else delays).append(delay)
        delays.sort()
        deferred_delays.sort()

        def fmt(v):
            return "-" if v is None else f"{v:.2f}"

        must_be_zero = {
            "lost": len(lost), "different keys for one recipient and text": different_keys,
            "sent in quiet hours": in_quiet, "sent for cancelled assignments": len(after_cancel),
            "header key differs from body key": key_mismatch, "bad signatures": bad_signatures,
            "keys that match no job": len(unknown_keys),
            "acknowledged cancellations the database lost": still_open,
        }
        rows = [
            ("reminders due", n, ""),
            ("delivered (distinct keys answered 2xx)", delivered, ""),
            ("cancelled, not delivered", cancelled_undelivered, f"of {len(cancel_times)} slots cancelled"),
            ("received after their slot's cancellation, built before it", len(in_flight_at_cancel),
             "in flight when the lock's session died"),
            ("cancelled after their reminder was delivered", cancelled_delivered, ""),
            ("acknowledged cancellations the database lost", still_open, "must be 0"),
            ("lost", len(lost), "must be 0"),
            ("duplicate deliveries (2xx beyond the first, same key)", duplicates, "each carries the first's key"),
            ("different keys for one recipient and text", different_keys, "must be 0"),
            ("sent in quiet hours", in_quiet, f"must be 0 (requests of any answer; {in_quiet_ok} answered 2xx)"),
            ("sent for cancelled assignments", len(after_cancel), "must be 0"),
            ("header key differs from body key / bad signatures", f"{key_mismatch} / {bad_signatures}", "must be 0"),
            ("delay due -> delivery p50 / p99 (s)", f"{fmt(percentile(delays, 0.5))} / {fmt(percentile(delays, 0.99))}",
             f"n={len(delays)}, max {fmt(delays[-1] if delays else None)}"),
            ("  deferred by quiet hours p50 / p99 (s)",
             f"{fmt(percentile(deferred_delays, 0.5))} / {fmt(percentile(deferred_delays, 0.99))}",
             f"n={len(deferred_delays)}, due {local_hhmm(deferred_from)}:{int(deferred_from) % 60:02d}"
             f"–{local_hhmm(quiet_end)}"),
            ("gateway requests / answered 503", f"{len(requests)} / {sum(1 for r in requests if r['status'] == 503)}", ""),
            ("messages marked sent in the database", db_sent, "(kills and restarts roll some back; they are re-sent)"),
            ("jobs by state", ", ".join(f"{k} {v}" for k, v in sorted(states.items())), ""),
            ("worker SIGKILLs / PostgreSQL immediate stops", f"{len(kills_done)} / {len(pg_done)}",
             f"2 workers x {args.concurrency} jobs, lease {args.lease} s"),
        ]
        width = max(len(r[0]) for r in rows)
        value_width = max(len(str(r[1])) for r in rows)
        print(f"reminder crash harness, profile {args.profile} (seed {seed}, {finished - started:.0f} s)")
        for label, value, note in rows:
            print(f"  {label:<{width}}  {str(value):>{value_width}}  {note}".rstrip())
        if timed_out:
            print("  TIMED OUT: reminder jobs were still pending or running")
        failures = [f"{k} = {v}" for k, v in must_be_zero.items() if v]
        if lost:
            print("  lost keys: " + ", ".join(sorted(lost)[:10]))
        if errors:
            print("  harness errors: " + "; ".join(errors))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"profile": args.profile, "seed": seed, "due": n, "delivered": delivered,
                           "lost": len(lost), "duplicates": duplicates, "must_be_zero": must_be_zero,
                           "delay_p50": percentile(delays, 0.5), "delay_p99": percentile(delays, 0.99),
                           "deferred_delay_p50": percentile(deferred_delays, 0.5),
                           "deferred_delay_p99": percentile(deferred_delays, 0.99),
                           "kills": len(kills_done), "pg_restarts": len(pg_done), "timed_out": timed_out}, f, indent=2)
        if failures or timed_out or errors:
            print("FAILED: " + "; ".join(failures + (["timed out"] if timed_out else []) + errors))
            return 1
        print("passed: every must-be-0 number is 0")
        return 0
    except (KeyboardInterrupt, subprocess.CalledProcessError, RuntimeError) as error:
        log_stopped(error)
        return 1
    finally:
        stopping.set()
        for w in workers:
            w.kill()
        stop_gateway(gateway)
        cluster.destroy()
        keep_or_remove(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
