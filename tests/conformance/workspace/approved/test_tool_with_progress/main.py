"""Report progress 0, 50 and 100 of 100, then answer.

Progress goes as JSON lines to the file descriptor toolbench names in TOOLBENCH_PROGRESS_FD;
run where there is none, the tool only waits as it would. The reports are 150 ms apart (the
suite's fixture waits 50 ms): toolbench passes on at most one report per 100 ms, the newest,
and the suite counts three.
"""

import json
import os
import time

fd = os.environ.get("TOOLBENCH_PROGRESS_FD")


def progress(done: int, message: str) -> None:
    if fd:
        line = json.dumps({"progress": done, "total": 100, "message": message}) + "\n"
        os.write(int(fd), line.encode())


progress(0, "started")
time.sleep(0.15)
progress(50, "halfway")
time.sleep(0.15)
progress(100, "done")
print("Progress reported: 0, 50 and 100 of 100.")
