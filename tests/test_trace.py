"""The Chrome/Perfetto trace export (issue 6): valid Trace Event JSON, built from the log.

``check_trace`` applies the rules Perfetto's JSON importer applies: complete slices
on one track are nested or disjoint (a slice ends where the next begins is fine),
every flow has a start and an end, and each flow end lies inside a slice of its
track (that is the slice the arrow binds to).
"""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from typing import Any

from support import cli, run_scenario

from reactor_repl.views.trace import build, write_trace

SCENARIO = """\
later 1 t1 do fire d1 ok
deferred d1
addCallback d1 block 0.3
thread j1 0.5
every 0.25 l1 delayed times 3
fromthread h1 do note hi
later 0.1 t2
block 0.3
wait 2
"""


def trace_of(events: list[Any]) -> dict[str, Any]:
    out = io.StringIO()
    n = write_trace(events, out)
    doc = json.loads(out.getvalue())
    assert len(doc["traceEvents"]) == n
    return doc


def check_trace(doc: dict[str, Any]) -> None:
    """Fail if Perfetto would drop or misplace anything."""
    slices: dict[int, list[dict[str, Any]]] = defaultdict(list)
    flows: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for te in doc["traceEvents"]:
        assert te["ph"] in ("X", "M", "C", "s", "f"), te
        assert te["pid"] == 1
        if te["ph"] == "X":
            assert isinstance(te["ts"], int) and isinstance(te["dur"], int)
            assert te["dur"] >= 0, te
            slices[te["tid"]].append(te)
        elif te["ph"] in ("s", "f"):
            assert te["ph"] not in flows[te["id"]], f"flow {te['id']} has two {te['ph']}"
            flows[te["id"]][te["ph"]] = te
    for tid, sls in slices.items():
        stack: list[dict[str, Any]] = []
        for sl in sorted(sls, key=lambda s: (s["ts"], -s["dur"])):
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= sl["ts"]:
                stack.pop()
            if stack:
                parent = stack[-1]
                assert sl["ts"] + sl["dur"] <= parent["ts"] + parent["dur"], \
                    f"{sl['name']} overlaps the end of {parent['name']} on track {tid}"
            stack.append(sl)
    for fid, ends in flows.items():
        assert set(ends) == {"s", "f"}, f"flow {fid} has only {set(ends)}"
        for end in ends.values():
            assert any(s["ts"] <= end["ts"] < s["ts"] + s["dur"] for s in slices[end["tid"]]), \
                f"flow {fid} {end['ph']} is in no slice of its track"
    assert doc["traceEvents"], "an empty trace"


def enclosing(doc: dict[str, Any], te: dict[str, Any]) -> dict[str, Any]:
    """The innermost slice of the flow event's track containing it (what Perfetto binds)."""
    inside = [s for s in doc["traceEvents"] if s["ph"] == "X" and s["tid"] == te["tid"]
              and s["ts"] <= te["ts"] < s["ts"] + s["dur"]]
    return min(inside, key=lambda s: s["dur"])


def arrows(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, from slice, to slice) for every flow, in the order they start."""
    by_id: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for te in doc["traceEvents"]:
        if te["ph"] in ("s", "f"):
            by_id[te["id"]][te["ph"]] = te
    rows = sorted(by_id.values(), key=lambda e: e["s"]["ts"])
    return [(e["s"]["name"], enclosing(doc, e["s"])["name"], enclosing(doc, e["f"])["name"])
            for e in rows]


def named(doc: dict[str, Any], name: str) -> dict[str, Any]:
    hits = [te for te in doc["traceEvents"] if te["ph"] == "X" and te["name"] == name]
    assert len(hits) == 1, (name, hits)
    return hits[0]


def tids(doc: dict[str, Any]) -> dict[str, int]:
    return {te["args"]["name"]: te["tid"] for te in doc["traceEvents"]
            if te["ph"] == "M" and te["name"] == "thread_name"}


def test_virtual_trace_is_valid_with_tracks_and_arrows():
    doc = trace_of(run_scenario(SCENARIO))
    check_trace(doc)
    threads = tids(doc)
    assert sorted(threads) == ["helper-h1", "pool-1", "prompt", "reactor"]
    assert threads["reactor"] == 1  # the reactor's track comes first
    assert arrows(doc) == [
        ("scheduled", "timer.schedule t1", "timer.fire t1"),
        ("deferToThread", "thread.queue j1", "thread.start j1"),
        ("scheduled", "loop.start l1", "loop.call l1"),
        ("callFromThread", "threadcall.queue h1", "threadcall.run h1"),
        ("scheduled", "timer.schedule t2", "timer.fire t2"),
        ("scheduled", "loop.call l1", "loop.call l1"),
        ("hand-back", "thread.end j1", "thread.result j1"),
        ("scheduled", "loop.call l1", "loop.call l1"),
    ]


def test_callbacks_nest_in_their_loop_pass_and_blocks_take_their_virtual_time():
    events = run_scenario(SCENARIO)
    doc = trace_of(events)
    fire = named(doc, "timer.fire t1")
    assert fire["tid"] == tids(doc)["reactor"]
    # the Deferred step that blocks 0.3 s runs inside the timer's callback
    assert fire["dur"] >= 300_000
    for inner in ("deferred.fire d1", "deferred.step d1", "warn.slow d1"):
        sl = named(doc, inner)
        assert fire["ts"] < sl["ts"] and sl["ts"] + sl["dur"] <= fire["ts"] + fire["dur"], inner
    tick = named(doc, f"tick {fire['args']['tick']}")
    assert tick["ts"] <= fire["ts"] and fire["ts"] + fire["dur"] <= tick["ts"] + tick["dur"]
    # every reactor callback lies in the slice of the loop pass it ran in
    passes = {te["args"]["tick"]: te for te in doc["traceEvents"]
              if te["ph"] == "X" and te["name"].startswith("tick ")}
    for te in doc["traceEvents"]:
        if te["ph"] == "X" and te["tid"] == 1 and "seq" in te["args"] and te["args"]["tick"]:
            p = passes[te["args"]["tick"]]
            assert p["ts"] <= te["ts"] and te["ts"] + te["dur"] <= p["ts"] + p["dur"], te["name"]
    # the typed block: a 0.3 s "block" slice on the reactor's track
    blocks = [te for te in doc["traceEvents"] if te["ph"] == "X" and te["name"] == "block"]
    # (each event at least 1 us after the one before: a few us of the first block are
    # taken by the events laid out before it at virtual time 0)
    assert [(b["tid"], abs(b["dur"] - 300_000) < 100) for b in blocks] == [(1, True), (1, True)]


def test_jobs_on_their_worker_track_and_waits_as_slices():
    doc = trace_of(run_scenario(SCENARIO))
    job = named(doc, "job j1")
    assert job["tid"] == tids(doc)["pool-1"]
    assert abs(job["dur"] - 500_000) < 100  # a 0.5 s job on the virtual clock
    assert named(doc, "thread.start j1")["tid"] == job["tid"]
    assert named(doc, "thread.result j1")["tid"] == tids(doc)["reactor"]
    waits = [te for te in doc["traceEvents"] if te["ph"] == "X" and te["cat"] == "wait"]
    assert waits and all(w["tid"] == 1 and w["name"] == "wait (clock jumps)" for w in waits)
    # the loop's waits and its blocks: from 0.3 (the typed block ends) to 2.3 the loop
    # waited, except 0.3 s blocked in t1's step
    assert abs(sum(w["dur"] for w in waits) - 1_700_000) < 100


def test_loop_lag_counter_reads_how_late_timers_ran():
    doc = trace_of(run_scenario(SCENARIO))
    lag = [(te["ts"], te["args"]["ms"]) for te in doc["traceEvents"] if te["ph"] == "C"]
    # the loop was blocked until 0.3: t2 (due 0.1) and l1's first call (due 0.25) ran
    # late; l1's next two calls and t1 ran on time
    assert [ms for _, ms in lag] == [200.0, 50.0, 0.0, 0.0, 0.0]
    assert named(doc, "timer.fire t2")["ts"] == lag[0][0]


def test_same_scenario_same_trace():
    assert trace_of(run_scenario(SCENARIO)) == trace_of(run_scenario(SCENARIO))


def test_a_ring_that_dropped_events_draws_no_half_arrows():
    events = run_scenario("later 5 t1\nevery 0.01 l1 delayed times 300\nwait 6\n", log_size=100)
    assert len(events) == 100
    doc = trace_of(events)
    check_trace(doc)
    names = [a[1:] for a in arrows(doc)]
    assert ("timer.schedule t1", "timer.fire t1") not in names  # its schedule left the ring
    # two events a call (loop.call, clock.advance): ~50 calls left, each after the next
    assert names.count(("loop.call l1", "loop.call l1")) >= 45


def test_live_trace_has_poller_waits_and_real_durations():
    events = run_scenario("later 0.02 t1 do block 0.05\nwait 0.2\n", clock="live")
    doc = trace_of(events)
    check_trace(doc)
    waits = [te for te in doc["traceEvents"] if te["ph"] == "X" and te["cat"] == "wait"]
    assert waits and {w["name"] for w in waits} == {"wait (poller)"}
    fire = named(doc, "timer.fire t1")
    assert fire["dur"] >= 50_000
    assert doc["otherData"]["clock"] == "live"


def test_a_timer_made_by_python_code_is_named_and_its_arrow_starts_where_it_was_made():
    events = run_scenario("py reactor.callLater(0.5, print)\nwait 1\n")
    doc = trace_of(events)
    check_trace(doc)
    assert arrows(doc) == [("scheduled", "timer.schedule t1", "timer.fire t1")]
    schedule = [e for e in events if e.kind == "timer.schedule"][0]
    assert schedule.data["site"] == "<py>:1"


def test_run_trace_and_export_write_files(tmp_path):
    scenario = tmp_path / "s.rr"
    scenario.write_text(SCENARIO + f"export {tmp_path / 'exported.json'}\n")
    out = tmp_path / "out.json"
    res = cli("run", str(scenario), "--quiet", "--trace", str(out), "--allow-writes")
    assert res.returncode == 0, res.stderr
    for path in (out, tmp_path / "exported.json"):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        check_trace(doc)
        assert doc["otherData"]["clock"] == "virtual"
    assert os.path.getsize(out) > os.path.getsize(tmp_path / "exported.json")


def test_empty_input_is_an_empty_trace():
    assert build([]) == []


def test_a_factory_that_builds_through_a_private_function_is_named_by_its_class():
    """twisted.web's Site builds through _genericHTTPChannelProtocolFactory: the listen
    said that private function's name, where "Site" says what it is."""
    from twisted.internet import protocol
    from twisted.web import resource, server

    from reactor_repl.engine.recorder.base import _protocol_name

    assert _protocol_name(server.Site(resource.Resource())) == "Site"
    assert _protocol_name(protocol.Factory.forProtocol(protocol.Protocol)) == "Protocol"


def test_a_connection_the_factory_refuses_is_not_left_connecting(tmp_path):
    """buildProtocol returning None refuses a client (Twisted closes the socket): the
    connection named for it stayed "connecting" to the end (session.end listed it)."""
    prog = tmp_path / "refuse.py"
    prog.write_text(
        "from twisted.internet import protocol, reactor\n"
        "class Refuse(protocol.ServerFactory):\n"
        "    def buildProtocol(self, addr):\n        return None\n"
        "class Client(protocol.Protocol):\n"
        "    def connectionLost(self, reason):\n        reactor.stop()\n"
        "port = reactor.listenTCP(0, Refuse(), interface='127.0.0.1')\n"
        "protocol.ClientCreator(reactor, Client).connectTCP('127.0.0.1', port.getHost().port)\n"
        "reactor.run()\n", encoding="utf-8")
    out = tmp_path / "e.jsonl"
    r = cli("trace", "--events", str(out), str(prog))
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["name"] for e in events if e["kind"] == "tcp.build"] == ["s1.1", "c1"]
    end = [e for e in events if e["kind"] == "session.end"][0]
    assert not [p for p in end["data"].get("pending", []) if p.startswith("s1.1")], end
