#!/usr/bin/python3
"""CI: the FastAPI integration's example gateway (integrations/fastapi/example) under uvicorn on a
free loopback port, driven by cutoverctl: status, routes, a route and a flag change, rollback
engage and release, audit, and `logs --follow` across a restart of the gateway on the same port
(a new instance whose log ids start again at 1).

Usage: fastapi_session.py <integrations/fastapi folder>; $CUTOVERCTL is the cutoverctl binary.
Stdlib only; every check fails the test with what it saw. Tokens go to cutoverctl through token
files (mode 600) and CUTOVER_TOKEN, never on its command line.

More sessions against the same gateway (e.g. `cutoverctl conformance`) are one more function
taking the running Gateway and the Session, added to STEPS.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import List, Optional

PYTHON = "/usr/bin/python3"  # Debian's python3-fastapi, -uvicorn, -prometheus-client, -httpx


class Failure(Exception):
    pass


def check(condition: bool, what: str, seen: str = "") -> None:
    if not condition:
        raise Failure(what + (f"\n--- seen ---\n{seen}" if seen else ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, token: Optional[str] = None, headers: Optional[dict] = None,
         body: Optional[bytes] = None, timeout: float = 5.0):
    """(status, headers, body) of one request; HTTP errors are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Gateway:
    """The example gateway as a uvicorn process; restartable on the same port."""

    def __init__(self, app_dir: str, work: str, port: int, tokens_file: str, viewer: str):
        self.app_dir, self.work, self.port, self.tokens_file, self.viewer = app_dir, work, port, tokens_file, viewer
        self.url = f"http://127.0.0.1:{port}"
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    def start(self) -> str:
        """Start it, wait until it answers, return its instance id."""
        self.starts += 1
        log = open(os.path.join(self.work, f"gateway-{self.starts}.log"), "wb")
        env = dict(os.environ, CUTOVER_TOKENS_FILE=self.tokens_file, EXAMPLE_HEALTH_INTERVAL_S="2", EXAMPLE_TEST_GATEWAY="1",
                   EXAMPLE_STATE_FILE=os.path.join(self.work, "routing-state.json"))
        self.proc = subprocess.Popen([PYTHON, "-m", "uvicorn", "example.gateway:app", "--app-dir", self.app_dir,
                                      "--host", "127.0.0.1", "--port", str(self.port)],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            check(self.proc.poll() is None, f"the gateway exited with {self.proc.returncode} at start",
                  self.log_text())
            try:
                status, _, body = http("GET", self.url + "/admin/info", self.viewer, timeout=1)
                if status == 200:
                    return json.loads(body)["gateway"]["instance"]
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure("the gateway did not answer within 20 s\n" + self.log_text())

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, as a service manager would; it must end on its own even with a log stream open."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure(f"the gateway did not stop within {timeout} s of SIGTERM\n" + self.log_text())

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_text(self) -> str:
        path = os.path.join(self.work, f"gateway-{self.starts}.log")
        return open(path, errors="replace").read()[-4000:] if os.path.exists(path) else ""

    def traffic(self, path: str, count: int = 1, user: Optional[str] = None) -> List[dict]:
        out = []
        for _ in range(count):
            status, _, body = http("GET", self.url + path, headers={"X-User-ID": user} if user else None)
            check(status == 200, f"GET {path} through the gateway answered {status}", body.decode(errors="replace"))
            out.append(json.loads(body))
        return out


class Session:
    """cutoverctl against the gateway, with a private config folder and tokens in files."""

    def __init__(self, ctl: str, work: str, gateway: Gateway, tokens: dict):
        self.ctl, self.work, self.gateway = ctl, work, gateway
        self.token_files = {}
        for role, token in tokens.items():
            path = os.path.join(work, f"{role}.token")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, (token + "\n").encode())
            os.close(fd)
            self.token_files[role] = path
        self.tokens = tokens
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"), HOME=os.path.join(work, "home"),
                        QT_QPA_PLATFORM="offscreen")
        self.env.pop("CUTOVER_TOKEN", None)

    def argv(self, args: List[str], role: str, token_by_env: bool) -> tuple:
        env = dict(self.env)
        argv = [self.ctl] + args + ["--gateway", self.gateway.url]
        if token_by_env:
            env["CUTOVER_TOKEN"] = self.tokens[role]
        else:
            argv += ["--token-file", self.token_files[role]]
        for token in self.tokens.values():
            assert token not in " ".join(argv)
        return argv, env

    def run(self, args: List[str], expect: int, role: str = "operator", token_by_env: bool = False) -> str:
        argv, env = self.argv(args, role, token_by_env)
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        check(p.returncode == expect, f"`cutoverctl {' '.join(args)}` exited {p.returncode}, expected {expect}",
              f"stdout:\n{out}\nstderr:\n{err}")
        for token in self.tokens.values():
            check(token not in out and token not in err, f"`cutoverctl {' '.join(args)}` printed a token")
        return out + err

    def api(self, path: str) -> dict:
        status, _, body = http("GET", self.gateway.url + path, self.tokens["viewer"])
        check(status == 200, f"GET {path} answered {status}", body.decode(errors="replace"))
        return json.loads(body)


def step_status(gw: Gateway, s: Session) -> None:
    gw.traffic("/api/posts/feed", 3)
    out = s.run(["status", "--window", "0.5"], 0, role="viewer", token_by_env=True)
    check("example-gateway" in out and gw.instance in out and "API 1.1" in out, "status names the gateway", out)
    check("grafana (viewer)" in out, "status names the viewer", out)
    for service in ("monolith", "post-service", "payment-service"):
        check(service in out, f"status lists {service}", out)
    out = s.run(["routes"], 0, role="viewer")
    check("payments" in out and "/api/payments" in out, "routes lists payments", out)


def step_routes_and_flags(gw: Gateway, s: Session) -> None:
    out = s.run(["route", "set", "payments", "25", "--reason", "error rate flat for 24 h"], 0)
    check("0 % -> 25 %" in out, "route set reports the change", out)
    check(s.api("/admin/routes/payments")["microservice_percent"] == 25, "the gateway routes 25 % of payments")
    s.run(["route", "set", "payments", "50", "--reason", "viewer tries"], 3, role="viewer")
    s.run(["route", "set", "nosuchroute", "50", "--reason", "typo"], 6)
    s.run(["route", "set", "payments", "50"], 2)  # a change needs a reason: usage error, nothing sent

    out = s.run(["flag", "set", "use_payment_microservice", "--on", "--percent", "10", "--allow", "u-00042",
                 "--reason", "payments beta"], 0)
    check("on, rollout 10 %" in out, "flag set reports the change", out)
    flag = s.api("/admin/flags/use_payment_microservice")
    check(flag["enabled"] and flag["rollout_percent"] == 10 and flag["allow_users"] == ["u-00042"],
          "the flag changed", json.dumps(flag))
    # The gateway routes with the same flag: u-00042 is allow-listed, u-00101 (bucket 93) is not in.
    check(all(r["served_by"] == "payment-service" for r in gw.traffic("/api/payments/create", 5, "u-00042")),
          "an allow-listed user reaches payment-service")


def step_rollback(gw: Gateway, s: Session) -> None:
    out = s.run(["rollback", "engage", "--reason", "payment-service 5xx spike"], 0)
    check("Rollback ENGAGED" in out, "engage reports it", out)
    check(all(r["served_by"] == "monolith" for r in gw.traffic("/api/posts/feed", 5, "u-00042")),
          "USE_MONOLITH sends posts to the monolith while engaged")
    check(all(r["served_by"] == "monolith" for r in gw.traffic("/api/payments/create", 3, "u-00042")),
          "USE_MONOLITH beats the flag")
    s.run(["route", "set", "payments", "50", "--reason", "during the rollback"], 4)  # 409
    s.run(["rollback", "engage", "--reason", "twice"], 4)  # already engaged: 409
    out = s.run(["rollback", "release", "--reason", "hotfix 0.9.1 deployed"], 0)
    check("route percentages restored" in out, "release restores the routes", out)
    check(s.api("/admin/routes/payments")["microservice_percent"] == 25, "payments is back at 25 %")
    check(all(r["served_by"] == "post-service" for r in gw.traffic("/api/posts/feed", 3)), "posts back on post-service")


def step_audit(gw: Gateway, s: Session) -> None:
    out = s.run(["audit"], 0, role="viewer")
    for action, reason in (("route.update", "error rate flat for 24 h"), ("flag.update", "payments beta"),
                           ("rollback.engage", "payment-service 5xx spike"),
                           ("rollback.release", "hotfix 0.9.1 deployed")):
        check(action in out and reason in out, f"audit shows {action} with its reason", out)
    page = s.api("/admin/audit")
    check([e["action"] for e in page["entries"]] == ["route.update", "flag.update", "rollback.engage",
                                                     "rollback.release"]
          and page["latest_id"] == 4 and page["instance"] == gw.instance,
          "the audit holds exactly the four changes, with the instance", json.dumps(page))
    check(all(e["actor"] == "alice" and e["role"] == "operator" for e in page["entries"]), "alice made them")


def step_follow_across_restart(gw: Gateway, s: Session) -> None:
    argv, env = s.argv(["logs", "--follow", "--json", "--limit", "3"], "viewer", False)
    out_path, err_path = os.path.join(s.work, "follow.out"), os.path.join(s.work, "follow.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        follow = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    try:
        def records() -> List[dict]:
            return [json.loads(line) for line in open(out_path).read().splitlines() if line.strip()]

        def wait_for(what: str, found, feed, timeout: float = 30) -> List[dict]:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                check(follow.poll() is None, f"logs --follow exited with {follow.returncode}",
                      open(out_path).read() + open(err_path).read())
                feed()
                seen = records()
                if found(seen):
                    return seen
                time.sleep(0.3)
            raise Failure(f"logs --follow: {what} within {timeout} s",
                          open(out_path).read() + "\n--- stderr ---\n" + open(err_path).read())

        def has_path(path: str):
            return lambda seen: any(r.get("type") == "log" and r["path"] == path for r in seen)

        old = gw.instance
        wait_for("a live line before the restart", has_path("/api/posts/before-restart"),
                 lambda: gw.traffic("/api/posts/before-restart"))
        before_ids = [r["id"] for r in records() if r.get("type") == "log"]

        check(gw.stop() == 0, "the gateway exits 0 on SIGTERM", gw.log_text())
        gw.instance = gw.start()
        check(gw.instance != old, "a restarted gateway is a new instance", gw.instance)
        seen = wait_for("a line of the new instance after the restart", has_path("/api/posts/after-restart"),
                        lambda: gw.traffic("/api/posts/after-restart"))

        restarts = [i for i, r in enumerate(seen) if r.get("type") == "restart"]
        check(len(restarts) == 1, "exactly one restart reported", "\n".join(map(json.dumps, seen)))
        description = seen[restarts[0]]["description"]
        check(f"instance {old} is now {gw.instance}" in description,
              "the restart is told by the instance change", description)
        after = [r for r in seen[restarts[0] + 1:] if r.get("type") == "log"]
        check(after and after[0]["id"] == 1, "the new instance's lines follow from its first id (1)",
              "\n".join(map(json.dumps, seen)))
        check(after[0]["id"] < max(before_ids), "the ids went back, and the new lines were shown anyway",
              "\n".join(map(json.dumps, seen)))
        check(all(r["path"] in ("/api/posts/after-restart",) for r in after),
              "only the new instance's lines after the restart", "\n".join(map(json.dumps, after)))
        # The routing the operator set survives the restart (the state file); the audit starts again.
        check(s.api("/admin/routes/payments")["microservice_percent"] == 25, "payments is still at 25 % after the restart")
        check(s.api("/admin/flags/use_payment_microservice")["allow_users"] == ["u-00042"], "the flag survives the restart")
        check(s.api("/admin/audit")["latest_id"] == 0, "a new instance has its own audit")
        err_text = open(err_path).read()
        check(f"the gateway restarted (instance {old} is now {gw.instance})" in err_text,
              "stderr says the gateway restarted", err_text)
    finally:
        if follow.poll() is None:
            follow.send_signal(signal.SIGINT)
            try:
                follow.wait(timeout=10)
            except subprocess.TimeoutExpired:
                follow.kill()
                follow.wait()
    check(follow.returncode == 0, f"logs --follow ends with 0 on Ctrl-C, not {follow.returncode}",
          open(err_path).read())


def step_conformance(gw: Gateway, s: Session) -> None:
    """`cutoverctl conformance`: read-only, then with --mutating (the example says gateway.test)."""
    out = s.run(["conformance"], expect=0)
    check(" 0 failed" in out and "info.shape" in out, "a read-only conformance run with no failure", out)
    out = s.run(["conformance", "--mutating", "--viewer-token-file", s.token_files["viewer"], "--json"], expect=0)
    report = json.loads(out[:out.rindex("}") + 1])
    bad = [c for c in report["checks"] if c["status"] != "pass"]
    check(report["mutating"] and report["test_gateway"] and not bad, "every conformance check passes, mutating included",
          json.dumps(bad, indent=1))
    check(s.api("/admin/rollback")["engaged"] is False, "the conformance run left the rollback released")


STEPS = [step_status, step_routes_and_flags, step_rollback, step_audit, step_follow_across_restart, step_conformance]


def main() -> int:
    if len(sys.argv) != 2 or not os.environ.get("CUTOVERCTL"):
        print("usage: CUTOVERCTL=/path/to/cutoverctl fastapi_session.py <integrations/fastapi>", file=sys.stderr)
        return 2
    app_dir, ctl = os.path.abspath(sys.argv[1]), os.environ["CUTOVERCTL"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cutover-fastapi-") as work:
        tokens = {role: secrets.token_hex(16) for role in ("viewer", "operator")}
        tokens_file = os.path.join(work, "gateway-tokens")
        fd = os.open(tokens_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, f"# token subject role\n{tokens['viewer']} grafana viewer\n{tokens['operator']} alice operator\n"
                 .encode())
        os.close(fd)
        gw = Gateway(app_dir, work, free_port(), tokens_file, tokens["viewer"])
        session = Session(ctl, work, gw, tokens)
        try:
            gw.instance = gw.start()
            for step in STEPS:
                t = time.monotonic()
                step(gw, session)
                print(f"ok   {step.__name__} ({time.monotonic() - t:.1f} s)", flush=True)
            for n in range(1, gw.starts + 1):  # never a token in the gateway's own log
                text = open(os.path.join(work, f"gateway-{n}.log"), errors="replace").read()
                check(all(t not in text for t in tokens.values()), f"gateway log {n} holds no token")
        except Failure as e:
            print(f"FAIL {e}", file=sys.stderr)
            print("--- gateway log ---\n" + gw.log_text(), file=sys.stderr)
            return 1
        finally:
            gw.kill()
    print(f"all steps passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
