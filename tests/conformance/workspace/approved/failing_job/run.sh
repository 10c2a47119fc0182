#!/bin/sh
sleep 1
echo "failing_job: this job always fails" >&2
exit 1
