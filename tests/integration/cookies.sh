#!/bin/sh
# Rails' own 6.1 classes read the cookies rsess writes (tests/integration/
# rails_reads_rsess.rb); the other direction (rsess reads Rails) is in the
# unit tests, from cookies Rails wrote. Usage: tests/integration/cookies.sh BUILD
set -eu
build=${1:-build}
cd "$(dirname "$0")/../.."
if ! command -v ruby >/dev/null 2>&1 || ! ruby -e 'require "action_dispatch"' 2>/dev/null; then
  echo "cookies: skipped: Ruby with ruby-actionpack is missing (scripts/install-deps.sh test)"
  exit 0
fi
ruby tests/integration/rails_reads_rsess.rb "$build/rsess"
