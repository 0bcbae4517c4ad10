"""The browser latency tool's reading of one key press (tests/e2e/latency.py, `analyse`), without a browser."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "e2e"))
import latency  # noqa: E402


def _press(players):
    """A slider press while a view plays: a Play tick goes out 0.1 ms after the key, the slider's message
    0.5 ms later; the kernel answers the tick with nothing (a tick it drops) and the slider with a PNG."""
    msgs = [
        {"dir": "send", "type": "comm_msg", "comm": "play", "id": "tick", "t": 100.1},
        {"dir": "send", "type": "comm_msg", "comm": "slider", "id": "slide", "t": 100.6},
        {"dir": "recv", "type": "status", "state": "busy", "parent": "tick", "t": 101.0},
        {"dir": "recv", "type": "status", "state": "idle", "parent": "tick", "t": 105.0},
        {"dir": "recv", "type": "status", "state": "busy", "parent": "slide", "t": 106.0},
        {"dir": "recv", "type": "comm_msg", "method": "update", "nbuf": 1, "buf_bytes": 30000, "parent": "slide", "t": 140.0,
         "size": 30000},
        {"dir": "recv", "type": "status", "state": "idle", "parent": "slide", "t": 141.0},
    ]
    imgs = [{"changed": True, "t_src": 142.0, "t_dec": 146.0, "t_raf": 150.0, "same_cell": True, "source": "kernel",
             "w": 712, "h": 208}]
    return {"reason": "done", "t0": 100.0, "t_listener": 100.0, "msgs": msgs, "imgs": imgs, "players": players}


def test_a_play_tick_sent_with_the_key_press_is_not_taken_for_the_slider():
    out = latency.analyse(_press(players=["play"]))
    assert out["status"] == "ok" and out["tick_msgs"] == 1 and out["key_to_send"] == 0.6
    assert out["send_to_busy"] == 5.4 and out["by_tick"] is False
    # without knowing the Play widget's comm the tick is taken for the slider's message (and in the page
    # the wait then ends with the tick's answer, before the slider's picture came: a "silent" press)
    wrong = latency.analyse(_press(players=[]))
    assert wrong["key_to_send"] == 0.1 and wrong["by_tick"] is True
