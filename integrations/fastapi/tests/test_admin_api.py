"""The admin API's rules, request by request, through FastAPI's TestClient (no network).

Run from integrations/fastapi/:  /usr/bin/python3 -m unittest discover -s tests -t .
The streaming endpoint is covered by tests/integrations/fastapi_session.py against uvicorn.
"""
from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import unittest

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from cutover_admin import Cutover, Flag, Route, Service, TokenFileError, bucket, fnv1a32, parse_token_file
from cutover_admin.logbuffer import SLOW_CONSUMER_BYTES, LogBuffer
from cutover_admin.metrics import BUCKETS
from cutover_admin.tokens import TokenFile

VIEWER, OPERATOR, ADMIN = "viewer-token-0123456789", "operator-token-0123456789", "admin-token-0123456789"


def write_tokens(folder: str, text: str, mode: int = 0o600) -> str:
    path = os.path.join(folder, "tokens")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def make_app(folder: str, log_capacity: int = 100, state_file=None):
    tokens = write_tokens(folder, f"# token subject role\n{VIEWER} grafana viewer\n{OPERATOR} alice operator\n"
                                  f"{ADMIN} root admin\n")
    cutover = Cutover(
        services=[Service("monolith", "http://127.0.0.1:9", "monolith"), Service("post-service", "http://127.0.0.1:9"),
                  Service("payment-service", "http://127.0.0.1:9")],
        routes=[Route("posts", "/api/posts", "post-service", 100), Route("payments", "/api/payments", "payment-service", 0)],
        flags=[Flag("use_post_microservice", True, 100, description="posts"),
               Flag("use_payment_microservice", False, 0, description="Payments beta users")],
        tokens_file=tokens, gateway_name="test-gateway", instance_prefix="test", log_capacity=log_capacity,
        health_interval_s=3600, state_file=state_file)
    app = FastAPI()
    cutover.install(app)

    @app.get("/api/{path:path}")
    async def proxied(request: Request, path: str):
        route = cutover.match(request.url.path)
        user = request.headers.get("x-user-id")
        backend = cutover.choose_backend(route, user)
        cutover.record(request, route, backend, user)
        return JSONResponse({"backend": backend}, status_code=int(request.query_params.get("status", "200")))

    return app, cutover


def auth(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


class AdminApiTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.app, self.cutover = make_app(self.dir.name)
        self.client = TestClient(self.app)
        self.client.__enter__()

    def tearDown(self):
        self.client.__exit__(None, None, None)
        self.dir.cleanup()

    def assertError(self, r, status: int, code: str, field=None):
        self.assertEqual(r.status_code, status, r.text)
        body = r.json()["error"]
        self.assertEqual((body["status"], body["code"], body["field"]), (status, code, field), r.text)
        self.assertEqual(body["request_id"], r.headers["x-request-id"])
        self.assertIsInstance(body["message"], str)
        self.assertIsInstance(body["details"], dict)
        return body

    def put_route(self, body, if_match=None, token=OPERATOR, route="payments", raw=None):
        headers = auth(token, **{"Content-Type": "application/json"})
        if if_match is None:
            if_match = '"' + self.client.get(f"/admin/routes/{route}", headers=auth(VIEWER)).json()["version"] + '"'
        if if_match is not False:
            headers["If-Match"] = if_match
        return self.client.put(f"/admin/routes/{route}", headers=headers,
                               content=raw if raw is not None else json.dumps(body).encode())

    def rollback_version(self) -> str:
        return self.client.get("/admin/rollback", headers=auth(VIEWER)).json()["version"]

    def post_action(self, path, body, key, if_match=None, token=OPERATOR, raw=None):
        headers = auth(token)
        if key is not None:
            headers["Idempotency-Key"] = key
        headers["If-Match"] = if_match if if_match is not None else f'"{self.rollback_version()}"'
        return self.client.post(path, headers=headers, content=raw if raw is not None else json.dumps(body).encode())

    # --- §3 ----------------------------------------------------------------------------------
    def test_bucketing_matches_the_contracts_vectors(self):
        for text, h, b in [("a", 3826002220, 20), ("use_post_microservice:u-00017", 907969975, 75),
                           ("use_payment_microservice:u-00017", 176653605, 5),
                           ("use_payment_microservice:u-00042", 2677254311, 11),
                           ("use_payment_microservice:u-00101", 721699793, 93),
                           ("use_payment_microservice:ü-1", 1199459144, 44)]:
            self.assertEqual((fnv1a32(text), fnv1a32(text) % 100), (h, b), text)
        self.assertEqual(bucket("use_payment_microservice", "u-00042"), 11)

    def test_routing_model_switch_then_flag_then_percent(self):
        st = self.cutover.state
        payments = st.routes["payments"]
        flag = st.flags["use_payment_microservice"]
        flag.enabled, flag.rollout_percent, flag.allow_users = True, 10, ["u-00101"]
        self.assertEqual(self.cutover.choose_backend(payments, "u-00017"), "microservice")  # bucket 5 < 10
        self.assertEqual(self.cutover.choose_backend(payments, "u-00042"), "monolith")  # bucket 11, 0 %
        self.assertEqual(self.cutover.choose_backend(payments, "u-00101"), "microservice")  # allow-listed
        self.assertEqual(self.cutover.choose_backend(payments, None), "monolith")
        self.assertFalse(self.cutover.USE_MONOLITH)
        st.rollback.engaged = True
        self.assertTrue(self.cutover.USE_MONOLITH)
        self.assertEqual(self.cutover.choose_backend(payments, "u-00017"), "monolith")
        self.assertEqual(self.cutover.match("/api/payments/create").id, "payments")
        self.assertIsNone(self.cutover.match("/api/paymentsX"))

    # --- §2.2, §2.3, §2.9 ------------------------------------------------------------------
    def test_request_ids_are_echoed_or_generated(self):
        r = self.client.get("/health")
        self.assertEqual(r.status_code, 200)
        self.assertRegex(r.headers["x-request-id"], r"^req-[0-9a-f]{16}$")
        self.assertEqual(self.client.get("/health", headers={"X-Request-ID": "cutover-7f3a9c"}).headers["x-request-id"],
                         "cutover-7f3a9c")
        for bad in ("has space", "x" * 129, "semi;colon"):
            self.assertRegex(self.client.get("/health", headers={"X-Request-ID": bad}).headers["x-request-id"],
                             r"^req-[0-9a-f]{16}$")
        r = self.client.get("/admin/whoami", headers={"X-Request-ID": "cutover-1"})
        self.assertEqual(self.assertError(r, 401, "unauthorized")["request_id"], "cutover-1")

    def test_tokens_and_roles(self):
        for headers in ({}, auth("not-a-known-token-at-all"), {"Authorization": "Basic abc"},
                        {"Authorization": "Bearer"}):
            r = self.client.get("/admin/info", headers=headers)
            self.assertError(r, 401, "unauthorized")
            self.assertEqual(r.headers["www-authenticate"], 'Bearer realm="cutover"')
        self.assertEqual(self.client.get("/admin/whoami", headers=auth(VIEWER)).json(),
                         {"subject": "grafana", "role": "viewer", "permissions": ["read"]})
        self.assertEqual(self.client.get("/admin/whoami", headers=auth(ADMIN)).json()["permissions"],
                         ["read", "routes.write", "flags.write", "rollback", "sim.control"])
        self.assertError(self.put_route({"microservice_percent": 5, "reason": "x"}, token=VIEWER), 403, "forbidden")
        self.assertEqual(self.put_route({"microservice_percent": 5, "reason": "x"}, token=ADMIN).status_code, 200)

    def test_unknown_paths_and_methods(self):
        self.assertError(self.client.get("/admin/nothing", headers=auth(VIEWER)), 404, "not_found")
        self.assertError(self.client.get("/admin/routes/nothing", headers=auth(VIEWER)), 404, "not_found")
        self.assertError(self.client.get("/health/services/nothing", headers=auth(VIEWER)), 404, "not_found")
        self.assertError(self.client.get("/health/services/nothing/db", headers=auth(VIEWER)), 404, "not_found")
        self.assertError(self.client.get("/not/a/path"), 404, "not_found")  # the app's own 404, enveloped
        for method, path, allow in (("DELETE", "/admin/routes/posts", "GET, PUT"), ("POST", "/health", "GET"),
                                    ("GET", "/admin/rollback/release", "POST"), ("PUT", "/metrics", "GET"),
                                    ("PATCH", "/admin/rollback", "GET, POST")):
            r = self.client.request(method, path, headers=auth(OPERATOR))
            self.assertError(r, 405, "method_not_allowed")
            self.assertEqual(r.headers["allow"], allow)

    def test_info_is_1_1_with_the_instance(self):
        info = self.client.get("/admin/info", headers=auth(VIEWER)).json()
        self.assertEqual(info["api_version"], "1.1")
        self.assertEqual(info["gateway"]["instance"], self.cutover.instance)
        self.assertRegex(info["gateway"]["instance"], r"^test-[0-9a-f]{8}$")
        self.assertNotIn("simulator", info["capabilities"])

    # --- §2.1, §4.10, 1.1 F ---------------------------------------------------------------------
    def test_bodies_that_are_not_json_objects_are_400(self):
        for raw in (b"not json", b"[1,2]", b'"text"', b'{"microservice_percent": NaN, "reason": "x"}',
                    b"\xff\xfe{}", b"", b"[" * 100_000):
            self.assertError(self.put_route(None, raw=raw), 400, "bad_request")

    def test_percentages(self):
        r = self.put_route({"microservice_percent": 25.0, "reason": "step", "unknown_member": [1]})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["microservice_percent"], 25)
        self.assertIn('"microservice_percent":25,', r.text)  # sent as an integer
        self.assertEqual(r.headers["etag"], '"' + r.json()["version"] + '"')
        for bad in (25.5, "25", True, 101, -1, None):
            self.assertError(self.put_route({"microservice_percent": bad, "reason": "x"}), 422, "validation_failed",
                             "microservice_percent")
        self.assertError(self.put_route({"reason": "x"}), 422, "validation_failed", "microservice_percent")

    def test_reasons(self):
        for bad in ({}, {"reason": None}, {"reason": 5}, {"reason": " \t\r\n"}, {"reason": "x" * 501}):
            self.assertError(self.put_route({"microservice_percent": 5, **bad}), 422, "validation_failed", "reason")
        self.assertEqual(self.put_route({"microservice_percent": 5, "reason": "🚀" * 500}).status_code, 200)
        self.assertEqual(self.put_route({"microservice_percent": 5, "reason": "  é\n"}).status_code, 200)
        self.assertEqual(self.client.get("/admin/audit", headers=auth(VIEWER)).json()["entries"][-1]["reason"], "é")

    def test_if_match(self):
        v = self.client.get("/admin/routes/payments", headers=auth(VIEWER))
        self.assertEqual(v.headers["etag"], f'"{v.json()["version"]}"')
        version = v.json()["version"]
        body = {"microservice_percent": 5, "reason": "x"}
        self.assertError(self.put_route(body, if_match=False), 428, "precondition_required")
        self.assertError(self.put_route(body, if_match="*"), 428, "precondition_required")
        for stale in ('"999"', f'W/"{version}"', f'"{version}', '"998", "999"', f'{version} {version}'):
            err = self.assertError(self.put_route(body, if_match=stale), 412, "precondition_failed")
            self.assertEqual(err["details"]["current_version"], version)
            self.assertEqual(err["details"]["current"]["id"], "payments")
        r = self.put_route(body, if_match=f'"999", "{version}"')
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(self.put_route(body, if_match=r.json()["version"]).status_code, 200)  # unquoted: 1.0 leniency

    def test_route_changes_bump_versions_and_are_audited(self):
        before = self.client.get("/admin/routes", headers=auth(VIEWER)).json()["version"]
        r1 = self.put_route({"microservice_percent": 0, "reason": "same value still counts"})
        self.assertEqual(r1.status_code, 200)
        after = self.client.get("/admin/routes", headers=auth(VIEWER)).json()
        self.assertNotEqual(after["version"], before)
        self.assertEqual(self.client.get("/admin/flags", headers=auth(VIEWER)).json()["version"], after["version"])
        entry = self.client.get("/admin/audit", headers=auth(VIEWER)).json()["entries"][-1]
        self.assertEqual((entry["action"], entry["target"], entry["actor"], entry["role"], entry["idempotency_key"]),
                         ("route.update", "routes/payments", "alice", "operator", None))
        self.assertEqual(entry["request_id"], r1.headers["x-request-id"])

    def test_flags(self):
        def put(body):
            v = self.client.get("/admin/flags/use_payment_microservice", headers=auth(VIEWER)).json()["version"]
            return self.client.put("/admin/flags/use_payment_microservice", headers=auth(OPERATOR, **{"If-Match": f'"{v}"'}),
                                   content=json.dumps(body).encode())
        base = {"enabled": True, "rollout_percent": 10, "reason": "beta"}
        r = put({**base, "allow_users": ["u-00042"]})
        self.assertEqual(r.status_code, 200, r.text)
        f = r.json()
        self.assertEqual((f["description"], f["service"], f["routes"], f["allow_users"]),
                         ("Payments beta users", "payment-service", ["payments"], ["u-00042"]))
        self.assertEqual(put(base).json()["allow_users"], [])  # omitted: emptied
        self.assertEqual(put({**base, "description": ""}).json()["description"], "")  # "" clears
        self.assertEqual(put(base).json()["description"], "")  # omitted: kept
        for body, field in (({**base, "description": None}, "description"), ({**base, "description": "d" * 1001}, "description"),
                            ({**base, "enabled": "yes"}, "enabled"), ({"rollout_percent": 5, "reason": "x"}, "enabled"),
                            ({**base, "rollout_percent": 10.5}, "rollout_percent"),
                            ({**base, "allow_users": "u-1"}, "allow_users"), ({**base, "allow_users": [""]}, "allow_users"),
                            ({**base, "allow_users": ["u"] * 1001}, "allow_users"), ({**base, "allow_users": ["x" * 65]}, "allow_users")):
            self.assertError(put(body), 422, "validation_failed", field)
        self.assertError(self.client.put("/admin/flags/use_search_microservice", headers=auth(OPERATOR, **{"If-Match": '"1"'}),
                                         content=json.dumps(base).encode()), 404, "not_found")

    # --- §2.7, 1.1 B ------------------------------------------------------------------------
    def test_idempotency_keys_must_be_valid(self):
        for key in (None, "", "   ", "k" * 256, "caf\u00e9".encode("latin-1"), "a\x7fb"):
            headers = auth(OPERATOR, **{"If-Match": f'"{self.rollback_version()}"'})
            if key is not None:
                headers["Idempotency-Key"] = key
            self.assertError(self.client.post("/admin/rollback", headers=headers,
                                              content=json.dumps({"reason": "x"}).encode("utf-8")),
                             400, "bad_request", "Idempotency-Key")
        self.assertError(self.post_action("/admin/rollback", None, "k1", raw=b"nope"), 400, "bad_request")

    def test_engage_replay_and_release(self):
        v1 = self.rollback_version()
        r = self.post_action("/admin/rollback", {"reason": "spike", "extra": 1}, "key-1", if_match=f'"{v1}"')
        self.assertEqual(r.status_code, 200, r.text)
        state = r.json()
        self.assertTrue(state["engaged"])
        self.assertEqual(state["snapshot"], [{"route": "posts", "microservice_percent": 100},
                                             {"route": "payments", "microservice_percent": 0}])
        self.assertNotIn("idempotent-replayed", r.headers)
        audit_count = self.client.get("/admin/audit", headers=auth(VIEWER)).json()["latest_id"]
        # The lost answer's retry: same key, same body (other order, other spacing), the old If-Match.
        replay = self.post_action("/admin/rollback", None, "key-1", if_match=f'"{v1}"', raw=b'{ "extra":1,  "reason":"spike"}')
        self.assertEqual((replay.status_code, replay.headers.get("idempotent-replayed")), (200, "true"))
        self.assertEqual(replay.json(), state)
        self.assertEqual(replay.headers["etag"], r.headers["etag"])
        self.assertEqual(self.client.get("/admin/audit", headers=auth(VIEWER)).json()["latest_id"], audit_count)
        self.assertError(self.post_action("/admin/rollback", {"reason": "other"}, "key-1"), 422, "idempotency_key_reused",
                         "Idempotency-Key")
        # Another subject's key of the same name is its own.
        self.assertError(self.post_action("/admin/rollback", {"reason": "other"}, "key-1", token=ADMIN), 409, "conflict")
        self.assertError(self.post_action("/admin/rollback", {"reason": "again"}, "key-2"), 409, "conflict")
        self.assertError(self.put_route({"microservice_percent": 5, "reason": "x"}), 409, "conflict")
        self.assertEqual(self.client.get("/metrics", headers=auth(VIEWER)).text.count("rollback_engaged 1.0"), 1)
        # The same key on the release path is a different key (1.1 B): it runs.
        self.assertError(self.post_action("/admin/rollback/release", {"reason": "x", "keep_monolith": "no"}, "key-1"),
                         422, "validation_failed", "keep_monolith")
        self.assertError(self.post_action("/admin/rollback/release", {"reason": "fixed"}, "key-1", if_match='"0"'),
                         412, "precondition_failed")
        released = self.post_action("/admin/rollback/release", {"reason": "fixed"}, "key-1")  # failures are not kept
        self.assertEqual(released.status_code, 200, released.text)
        self.assertEqual({k: released.json()[k] for k in ("engaged", "engaged_by", "snapshot", "released_by")},
                         {"engaged": False, "engaged_by": None, "snapshot": None, "released_by": "alice"})
        entries = self.client.get("/admin/audit", headers=auth(VIEWER)).json()["entries"]
        self.assertEqual([(e["action"], e["idempotency_key"]) for e in entries],
                         [("rollback.engage", "key-1"), ("rollback.release", "key-1")])
        self.assertEqual(entries[1]["after"], {"posts": 100, "payments": 0, "keep_monolith": False})
        self.assertError(self.post_action("/admin/rollback/release", {"reason": "twice"}, "key-3"), 409, "conflict")

    # --- §4.17, §4.18, 1.1 A -----------------------------------------------------------------------
    def test_audit_paging(self):
        for n in range(5):
            self.put_route({"microservice_percent": n, "reason": f"step {n}"})
        page = self.client.get("/admin/audit?after=1&limit=2", headers=auth(VIEWER)).json()
        self.assertEqual(([e["id"] for e in page["entries"]], page["latest_id"], page["instance"]),
                         ([2, 3], 5, self.cutover.instance))
        self.assertEqual(self.client.get("/admin/audit?after=99", headers=auth(VIEWER)).json()["entries"], [])
        for query, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("after=-1", "after"), ("after=x", "after"),
                             ("after=1&after=2", "after"), ("limit=+5", "limit")):
            self.assertError(self.client.get(f"/admin/audit?{query}", headers=auth(VIEWER)), 422, "validation_failed", field)

    def test_log_page_ids_instance_and_gaps(self):
        empty = self.client.get("/admin/logs", headers=auth(VIEWER)).json()
        self.assertEqual(empty, {"lines": [], "first_id": 1, "last_id": 0, "gap": None, "instance": self.cutover.instance})
        self.client.get("/api/posts/a", headers={"X-User-ID": "u-1", "X-Request-ID": "cutover-a"})
        self.client.get("/api/posts/b?status=503")
        self.client.get("/api/posts/c?status=404")
        page = self.client.get("/admin/logs", headers=auth(VIEWER)).json()
        self.assertEqual([(l["id"], l["level"], l["status"]) for l in page["lines"]],
                         [(1, "info", 200), (2, "error", 503), (3, "warn", 404)])
        first = page["lines"][0]
        self.assertEqual({k: first[k] for k in ("service", "backend", "method", "path", "request_id", "user_id", "route")},
                         {"service": "post-service", "backend": "microservice", "method": "GET", "path": "/api/posts/a",
                          "request_id": "cutover-a", "user_id": "u-1", "route": "posts"})
        self.assertEqual([l["id"] for l in self.client.get("/admin/logs?after=1&limit=1", headers=auth(VIEWER)).json()["lines"]], [2])
        beyond = self.client.get("/admin/logs?after=50", headers=auth(VIEWER)).json()
        self.assertEqual((beyond["lines"], beyond["gap"], beyond["last_id"]), ([], None, 3))
        self.assertError(self.client.get("/admin/logs?limit=5001", headers=auth(VIEWER)), 422, "validation_failed", "limit")

    def test_metrics_families_and_formats(self):
        self.client.get("/api/posts/a")
        text = self.client.get("/metrics", headers=auth(VIEWER))
        self.assertEqual(text.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        for family, kind in (("requests_total", "counter"), ("request_duration_seconds", "histogram"),
                             ("upstream_up", "gauge"), ("rollback_engaged", "gauge"), ("config_version", "gauge"),
                             ("health_check_duration_seconds", "gauge")):
            self.assertIn(f"# TYPE {family} {kind}\n", text.text)
            self.assertIn(f"# HELP {family} ", text.text)
        self.assertNotIn("_created", text.text)
        bounds = re.findall(r'request_duration_seconds_bucket\{[^}]*le="([^"]+)"', text.text)
        self.assertEqual([float(b) for b in bounds], list(BUCKETS) + [float("inf")])
        self.assertRegex(text.text, r'requests_total\{(?=[^}]*route="posts")(?=[^}]*code="200")'
                                    r'(?=[^}]*backend="microservice")(?=[^}]*method="GET")[^}]*\} 1\.0')
        om = self.client.get("/metrics", headers=auth(VIEWER, Accept="application/openmetrics-text; version=1.0.0"))
        self.assertEqual(om.headers["content-type"], "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.assertTrue(om.text.endswith("# EOF\n"))
        self.assertIn("# TYPE requests counter", om.text)
        self.assertError(self.client.get("/metrics"), 401, "unauthorized")

    def test_health_db_status_codes(self):
        self.client.portal.call(self.cutover.health.stop)  # the checker must not overwrite what is set here
        h = self.cutover.health.health["post-service"]
        for status, code in (("healthy", 200), ("degraded", 200), ("unhealthy", 503), ("unknown", 503)):
            h.db = {"status": status, "latency_ms": None, "message": status}
            r = self.client.get("/health/services/post-service/db", headers=auth(VIEWER))
            self.assertEqual((r.status_code, r.json()), (code, h.db))
        services = self.client.get("/health/services", headers=auth(VIEWER)).json()
        self.assertEqual([s["name"] for s in services["services"]], ["monolith", "post-service", "payment-service"])
        self.assertEqual(services["gateway"]["kind"], "gateway")


class StateFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def engage(self, client, key="k"):
        v = client.get("/admin/rollback", headers=auth(VIEWER)).json()["version"]
        return client.post("/admin/rollback", headers=auth(OPERATOR, **{"If-Match": f'"{v}"', "Idempotency-Key": key}),
                           content=b'{"reason":"spike"}')

    def test_an_engaged_rollback_survives_a_restart(self):
        path = os.path.join(self.dir.name, "state.json")
        app, first = make_app(self.dir.name, state_file=path)
        with TestClient(app) as client:
            flag = client.get("/admin/flags/use_payment_microservice", headers=auth(VIEWER)).json()
            r = client.put("/admin/flags/use_payment_microservice",
                           headers=auth(OPERATOR, **{"If-Match": f'"{flag["version"]}"'}),
                           content=b'{"enabled":true,"rollout_percent":10,"allow_users":["u-1"],"reason":"beta"}')
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(self.engage(client).status_code, 200)
            routes = client.get("/admin/routes", headers=auth(VIEWER)).json()
        app, second = make_app(self.dir.name, state_file=path)
        self.assertNotEqual(second.instance, first.instance)
        self.assertTrue(second.USE_MONOLITH)
        with TestClient(app) as client:
            self.assertEqual(client.get("/admin/routes", headers=auth(VIEWER)).json(), routes)
            self.assertEqual(client.get("/admin/rollback", headers=auth(VIEWER)).json()["snapshot"],
                             [{"route": "posts", "microservice_percent": 100}, {"route": "payments", "microservice_percent": 0}])
            self.assertEqual(client.get("/admin/flags/use_payment_microservice", headers=auth(VIEWER)).json()["allow_users"],
                             ["u-1"])
            self.assertEqual(client.get("/admin/audit", headers=auth(VIEWER)).json()["latest_id"], 0)  # a new instance's audit

    def test_a_broken_state_file_stops_the_start(self):
        path = os.path.join(self.dir.name, "state.json")
        with open(path, "w") as f:
            f.write('{"format": 1, "routes": ')
        with self.assertRaises(RuntimeError) as e:
            make_app(self.dir.name, state_file=path)
        self.assertIn(path, str(e.exception))

    def test_a_change_that_cannot_be_saved_is_undone(self):
        app, cutover = make_app(self.dir.name, state_file=os.path.join(self.dir.name, "missing", "state.json"))
        with TestClient(app) as client:
            r = self.engage(client)
            self.assertEqual((r.status_code, r.json()["error"]["code"]), (503, "unavailable"))
            self.assertFalse(cutover.USE_MONOLITH)
            self.assertEqual(client.get("/admin/rollback", headers=auth(VIEWER)).json()["version"], "1")
            self.assertEqual(client.get("/admin/audit", headers=auth(VIEWER)).json()["latest_id"], 0)
            os.mkdir(os.path.join(self.dir.name, "missing"))
            self.assertEqual(self.engage(client).status_code, 200)  # the key was not kept for the failure


class LogBufferTest(unittest.TestCase):
    def line(self, n):
        return {"message": f"line {n}"}

    def test_resume_points(self):
        buf = LogBuffer("inst-1", capacity=3)
        self.assertEqual((buf.first_id, buf.last_id), (1, 0))
        for n in range(5):
            buf.append(self.line(n))
        self.assertEqual((buf.first_id, buf.last_id), (3, 5))
        page = buf.page(1, 10)
        self.assertEqual(([l["id"] for l in page["lines"]], page["gap"]), ([3, 4, 5], {"from": 2, "to": 2, "missed": 1}))
        _, backlog = buf.subscribe(9)  # above last_id: another instance's id; everything, with the gap
        self.assertEqual(backlog[0], b'id: 2\nevent: gap\ndata: {"from":1,"to":2,"missed":2}\n\n')
        self.assertEqual(len(backlog), 4)
        _, backlog = buf.subscribe(4)
        self.assertEqual(backlog, [b'id: 5\nevent: log\ndata: {"id":5,"message":"line 4"}\n\n'])
        sub, backlog = buf.subscribe(None)
        self.assertEqual(backlog, [])
        buf.append(self.line(5))
        self.assertEqual(sub.take(), [b'id: 6\nevent: log\ndata: {"id":6,"message":"line 5"}\n\n'])

    def test_a_slow_subscriber_gets_a_gap_not_silence(self):
        buf = LogBuffer("inst-1")
        sub, _ = buf.subscribe(None)
        big = {"message": "x" * 100_000}
        n = SLOW_CONSUMER_BYTES // 100_000 + 5
        for _ in range(n):
            buf.append(big)
        events = sub.take()
        gap = json.loads(events[-1].split(b"data: ")[1])
        kept = len(events) - 1
        self.assertEqual(gap, {"from": kept + 1, "to": n, "missed": n - kept})
        self.assertTrue(events[-1].startswith(f"id: {n}\nevent: gap\n".encode()))


class TokenFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def test_format_errors_name_the_line_and_never_the_token(self):
        secret = "s3cr3t-token-value-123"
        for text, fragment in ((f"{secret} alice\n", "line 1"), (f"# c\n\n{secret} alice boss\n", "line 3"),
                               ("short alice viewer\n", "line 1"), ("# only comments\n", "no tokens"),
                               (f"{secret} a viewer\n{secret} b viewer\n", "line 2")):
            with self.assertRaises(TokenFileError) as e:
                parse_token_file(text, "f")
            self.assertIn(fragment, str(e.exception))
            self.assertNotIn(secret, str(e.exception))

    def test_permissions_and_reload(self):
        path = write_tokens(self.dir.name, f"{VIEWER} grafana viewer\n", 0o640)
        with self.assertRaises(TokenFileError):
            TokenFile(path)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        tokens = TokenFile(path)
        self.assertEqual(tokens.lookup(VIEWER).subject, "grafana")
        self.assertIsNone(tokens.lookup(OPERATOR))
        with open(path, "w") as f:
            f.write(f"{OPERATOR} alice operator\n")
        os.utime(path, ns=(1, 1))
        tokens._checked = 0
        self.assertIsNone(tokens.lookup(VIEWER))
        self.assertEqual(tokens.lookup(OPERATOR).role, "operator")
        with open(path, "w") as f:
            f.write("broken\n")
        os.utime(path, ns=(2, 2))
        tokens._checked = 0
        self.assertEqual(tokens.lookup(OPERATOR).role, "operator")  # a broken file keeps the previous tokens


if __name__ == "__main__":
    unittest.main()
