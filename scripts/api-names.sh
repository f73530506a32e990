#!/bin/sh
# The public functions declared in include/rsess.h, one per line.
sed -n 's/^RSESS_API [^(]*[ *]\(rsess_[a-z0-9_]*\)(.*/\1/p' "${1:-include/rsess.h}"
