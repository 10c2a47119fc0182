#!/bin/sh
# drop_tables: this tool is cost_tier = "prohibited" and must never run.
# Even if it is started by mistake it does nothing but refuse.
echo "drop_tables: refusing to run: dropping tables is prohibited; use a reviewed migration instead" >&2
exit 1
