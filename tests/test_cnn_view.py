"""Chapter 8's CNNView: the controls drive the model and the picture; the chapter's instructions hold."""
from __future__ import annotations

import numpy as np

from backprop_lib.widgets import CNNView


def test_step_trains_and_redraws_and_the_digit_slider_changes_the_picture():
    view = CNNView(lr=0.1)
    png0 = view.view.image.value
    assert view.trainer.epoch == 0 and view.trainer.history["batch_loss"] == []
    view.step_button.click()
    assert len(view.trainer.history["batch_loss"]) == view.batches_per_frame
    assert view.view.image.value != png0
    png1 = view.view.image.value
    view.digit.value = 5
    assert view.view.image.value != png1 and str(view.y_test[5]) in view.ax_in.get_title()


def test_the_chapter_instructions_default_learns_and_lr_1_falls_to_chance():
    """Section 8: Play at lr 0.1 learns; at lr 1, after a few steps, the test accuracy is below 20%."""
    view = CNNView(lr=0.1)
    steps = -(-80 // view.batches_per_frame)     # 80 mini-batches (10 frames of 8 before frames were 4)
    for _ in range(steps):
        view.step()
    assert view.accuracy() > 0.8           # measured: about 0.96 after 80 mini-batches (0.79 to 0.96 from 24 on)
    view.lr.value = 1.0                    # a new learning rate restarts from the same weights, one frame at once
    assert len(view.trainer.history["batch_loss"]) == view.batches_per_frame
    for _ in range(steps // 2):
        view.step()
    assert view.accuracy() < 0.2 and np.isfinite(view.trainer.history["batch_loss"]).all()
