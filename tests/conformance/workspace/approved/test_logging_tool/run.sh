#!/bin/sh
echo "Tool execution started" >&2
echo "Tool processing data" >&2
echo "Tool execution completed" >&2
echo "Logged three lines to stderr."
