"""Every notebook runs top to bottom headless within its budget, and its cells show what the prose claims.

Timing margins are for a busy 2-core machine: the drift notebook's original design drifts by about 1 ms a tick
on an idle one (more when busy), ours stays within a few ms of the grid.
"""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import pytest
from notebook_support import NOTEBOOK_BUDGET_S, Executed, NotebookRunner


def _ran_clean(run: Executed) -> None:
    assert not run.errors, f"{run.name} raised:\n{run.errors[0]}"
    assert run.seconds < NOTEBOOK_BUDGET_S, f"{run.name} took {run.seconds:.1f} s"
    assert run.values, f"{run.name}: the values cell did not run"


# --- 1. the handshake ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def handshake(run_notebook: NotebookRunner) -> Executed:
    return run_notebook(
        "01-handshake.ipynb",
        {
            "accept_rfc": "accept_rfc",
            "accept_expected": "accept_expected",
            "accept_server": "accept_server",
            "status": "response.status",
            "refusals": "refusals",
            "origins": "origins",
        },
    )


def test_handshake_notebook_computes_and_checks_the_accept_key(handshake: Executed) -> None:
    _ran_clean(handshake)
    v = handshake.values
    assert v["accept_rfc"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert v["status"] == 101
    assert v["accept_expected"] == v["accept_server"] and len(v["accept_server"]) == 28
    assert "match: True" in handshake.text()


def test_handshake_notebook_shows_the_failing_handshakes(handshake: Executed) -> None:
    refusals = handshake.values["refusals"]
    assert refusals["a good handshake"] == 101
    assert refusals["wrong version (8)"] == 426
    assert refusals["missing key"] == 400
    assert refusals["cross-site Origin"] == 403
    assert refusals["Origin: null (file://)"] == 101
    assert refusals["bad timer name"] == 400
    origins = handshake.values["origins"]
    assert origins["http://evil.example"] == 403 and origins["None"] == 101 and origins["null"] == 101


# --- 2. frames -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames(run_notebook: NotebookRunner) -> Executed:
    return run_notebook(
        "02-frames.ipynb",
        {
            "first": "[first_header.fin, first_header.opcode, first_header.masked, first_header.length_form]",
            "state_type": "state['type']",
            "tick": "[tick_header.opcode, tick_header.masked, tick_header.length_form, frame.opcode]",
            "big": "[big_header.length, big_header.length_form, big_header.header_size]",
            "masked": "[rfc6455.decode_header(masked_frame).masked, masked_frame[6:] != command.encode()]",
            "paused_status": "paused_status",
            "unmasked": "unmasked_answer['timer']['status']",
            "fragmented_status": "fragmented_status",
            "pong_payload": "pong_payload.decode()",
            "close_echo": "list(close_echo)",
            "too_big_close": "list(too_big_close)",
            "shutdown_close": "list(shutdown_close)",
        },
    )


def test_frames_notebook_decodes_the_servers_frames(frames: Executed) -> None:
    _ran_clean(frames)
    v = frames.values
    assert v["first"] == [True, 1, False, "16-bit"] and v["state_type"] == "state"
    assert v["tick"][:2] == [1, False] and v["tick"][2] in ("7-bit", "16-bit")
    assert v["big"] == [70_000, "64-bit", 10]
    assert "length = 126 -> the next 2 bytes hold it" in frames.text()


def test_frames_notebook_sends_frames_it_built(frames: Executed) -> None:
    v = frames.values
    assert v["masked"] == [True, True], "the command went out masked"
    assert v["paused_status"] == "paused", "the hand-built masked pause reached the server"
    assert v["unmasked"] == "running", "what Tornado does with an unmasked client frame, shown as it is"
    assert v["fragmented_status"] == "paused", "a message in two fragments was reassembled"
    assert v["pong_payload"] == "are you there?"
    assert v["close_echo"][0] == 1000
    assert v["too_big_close"] == [1009, "message too big"]
    assert v["shutdown_close"][0] == 1001


# --- 3. full duplex ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def duplex(run_notebook: NotebookRunner) -> Executed:
    return run_notebook(
        "03-full-duplex.ipynb",
        {
            "ticks_between_sends": "ticks_between_sends",
            "states": "states",
            "sent": "len(sent)",
            "samples": "len(samples)",
            "best_rtts": "[s.rtt for s in best]",
            "all_rtts": "[s.rtt for s in samples]",
            "estimate": "[estimate.offset, estimate.rtt, estimate.error_bound]",
            "skewed": "[skewed_estimate.offset, skewed_estimate.error_bound]",
            "poll": "[poll_requests, poll_bytes_up, poll_bytes_down, poll_lateness_ms]",
            "ws": "[ws_bytes, ws_lateness_ms, len(ws_frames)]",
        },
    )


def test_duplex_notebook_sends_while_ticks_flow(duplex: Executed) -> None:
    _ran_clean(duplex)
    v = duplex.values
    assert v["sent"] == 6 and v["states"] == 4
    assert v["ticks_between_sends"] >= 3, "ticks kept arriving while the client was sending"
    assert duplex.images() == 2, "the timeline and the ping samples are plotted"


def test_duplex_notebook_estimates_rtt_and_offset(duplex: Executed) -> None:
    v = duplex.values
    assert v["samples"] == 20
    assert v["best_rtts"] == sorted(v["all_rtts"])[:3], "the kept samples are the lowest round trips"
    offset, _rtt, bound = v["estimate"]
    assert abs(offset) <= bound + 1.0 + 5.0, "same machine: the offset is about zero (whole-ms server times)"
    skew, skew_bound = v["skewed"]
    assert abs(skew - 250.0) <= skew_bound + 1.0 + 10.0, "the deliberate 250 ms error was found"


def test_duplex_notebook_contrasts_polling(duplex: Executed) -> None:
    requests, up, down, poll_late = duplex.values["poll"]
    ws_bytes, ws_late, _ = duplex.values["ws"]
    assert requests >= 8 and up > 0
    assert down > 2 * ws_bytes, "polling moves more bytes for the same timer"
    assert 0 <= ws_late < 150, "the WebSocket saw the change at once"
    assert poll_late >= 100 and poll_late > ws_late, "polling saw it at the next poll"


# --- 4. drift ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drift(run_notebook: NotebookRunner) -> Executed:
    return run_notebook(
        "04-drift.ipynb",
        {
            "naive": "naive_drift",
            "ours": "our_drift",
            "naive_slope": "naive_slope",
            "pc_calls": "call_ms",
            "pc_late": "pc_late",
            "pc_missed": "pc_missed",
            "seq_jump": "seq_jump",
            "after": "[t['seq'] for t in after]",
        },
    )


def test_drift_notebook_naive_drifts_and_ours_does_not(drift: Executed) -> None:
    _ran_clean(drift)
    naive: list[float] = drift.values["naive"]
    ours: list[float] = drift.values["ours"]
    assert len(naive) >= 40 and len(ours) >= 40, "a few seconds of ticks at 50 ms"
    assert all(b >= a - 1 for a, b in itertools.pairwise(naive)), "sleep-after-send only ever adds"
    assert naive[-1] >= 10 and drift.values["naive_slope"] >= 0.1, "the original falls behind, steadily"
    ours_tail = statistics.median(abs(d) for d in ours[-5:])
    ours_head = statistics.median(abs(d) for d in ours[:5])
    assert ours_tail <= 25, f"ours stays on the grid (last ticks {ours[-5:]})"
    assert ours_tail - ours_head <= 20, "ours does not accumulate"
    assert naive[-1] > ours_tail + 5, "the difference is visible"
    assert drift.images() == 1


def test_drift_notebook_shows_the_skip_rule(drift: Executed) -> None:
    v = drift.values
    calls: list[int] = v["pc_calls"]
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert max(gaps) >= 350, f"the 400 ms stall shows as one long gap: {calls}"
    assert len(calls) <= calls[-1] // 100 - 2, f"missed calls are skipped, not run in a catch-up burst: {calls}"
    after = calls[gaps.index(max(gaps)) + 2 :]  # the calls after the late one
    off_grid = statistics.median(abs(ms - round(ms / 100) * 100) for ms in after)
    assert off_grid <= 25, f"after the stall the calls are back on the 100 ms grid: {calls}"
    assert v["seq_jump"] >= 3, f"our server's seq jumps over the stall: {v['after']}"


# --- 5. many clients -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many(run_notebook: NotebookRunner) -> Executed:
    return run_notebook(
        "05-many-clients.ipynb",
        {
            "same_text": "same_text",
            "common": "len(common)",
            "gardener_ticks": "len(ticks(gardener))",
            "late_first_type": "late_first_type",
            "seen_after_ms": "seen_after_ms",
            "garden_status": "garden_status",
            "error_codes": "error_codes",
            "unchanged": "unchanged",
            "others_got_errors": "others_got_errors",
            "carol_connected": "carol_connected",
            "oversize_close": "oversize_close",
            "bad_name_status": "bad_name_status",
        },
    )


def test_many_clients_notebook_broadcasts(many: Executed) -> None:
    _ran_clean(many)
    v = many.values
    assert v["same_text"] is True and v["common"] >= 2
    assert v["gardener_ticks"] == 0 and v["garden_status"] == "idle", "another timer is separate"
    assert v["late_first_type"] == "state"
    seen: dict[str, float] = v["seen_after_ms"]
    assert set(seen) == {"alice", "bob", "carol", "dave"} and max(seen.values()) < 250


def test_many_clients_notebook_shows_bad_input_errors(many: Executed) -> None:
    codes: dict[str, Any] = many.values["error_codes"]
    assert codes["not JSON"] == "invalid_json"
    assert codes["JSON, not an object"] == "invalid_message"
    assert codes["no type"] == "unknown_type" and codes["unknown type"] == "unknown_type"
    assert codes["a typo in a field"] == "invalid_message" and codes["negative duration"] == "invalid_message"
    assert codes["NaN"] == "invalid_json" and codes["nested too deep"] == "invalid_json"
    assert codes["interval too small"] == "invalid_message"
    assert codes["illegal now"] == "invalid_state" and codes["binary frame"] == "binary_frame"
    v = many.values
    assert v["unchanged"] is True and v["others_got_errors"] == [] and v["carol_connected"] is True
    assert v["oversize_close"] == 1009 and v["bad_name_status"] == 400


# --- 6. the widget -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def widget(run_notebook: NotebookRunner) -> Executed:
    return run_notebook(
        "06-widget.ipynb",
        {
            "display_changed": "display_changed",
            "shown": "shown",
            "refused": "refused",
            "both_paused": "both_paused",
            "same_display": "same_display",
            "closed_code": "closed_code",
            "extra_status": "extra.client.status.value",
            "lost_status": "lost_status",
            "recovered_status": "recovered_status",
            "reconnections": "timer.client.connections",
            "final": "[timer.client.timer_status, timer.progress.layout.visibility, timer.time_display.value]",
            "buttons": "{k: b.disabled for k, b in timer.buttons.items()}",
        },
    )


def test_widget_notebook_is_live_and_its_buttons_work(widget: Executed) -> None:
    _ran_clean(widget)
    v = widget.values
    assert v["display_changed"] is True, f"the display moved: {v['shown']}"
    assert v["refused"].startswith("invalid_state"), "a refused command shows its error"
    assert v["both_paused"] is True and v["same_display"] is True, "two widgets on one timer agree"
    views = widget.outputs("display_data")
    assert sum("application/vnd.jupyter.widget-view+json" in o.data for o in views) == 3
    assert any("text/html" in o.data and "<iframe" in o.data["text/html"] for o in widget.outputs("execute_result"))


def test_widget_notebook_closes_and_recovers(widget: Executed) -> None:
    v = widget.values
    assert v["closed_code"] == 1000 and v["extra_status"] == "closed"
    assert "(last known) | connection lost, reconnecting" in v["lost_status"]
    assert v["recovered_status"].endswith("| connected") and v["reconnections"] == 2
    status, progress, shown = v["final"]
    assert status == "running" and progress == "visible" and shown.startswith("09:")
    assert v["buttons"] == {"start": True, "pause": False, "resume": True, "reset": False}
