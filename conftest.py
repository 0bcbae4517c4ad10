"""Every pytest run here (tests/, `pytest chapters --nbval-lax`, the browser tests) keeps the exercise
passes its checks record in a temporary file, never in the user's ~/.backprop_course/progress.json
(backprop_lib.progress). Kernels and servers the tests start inherit the variable. A run that sets
BACKPROP_PROGRESS_FILE itself keeps its choice."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

if not os.environ.get("BACKPROP_PROGRESS_FILE"):
    _folder = tempfile.mkdtemp(prefix="backprop-progress-")
    os.environ["BACKPROP_PROGRESS_FILE"] = os.path.join(_folder, "progress.json")
    atexit.register(shutil.rmtree, _folder, True)
