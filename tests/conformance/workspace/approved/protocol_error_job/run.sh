#!/bin/sh
# A crash, not an error exit: the shell kills itself with SIGSEGV.
kill -SEGV $$
