#!/bin/sh
# Installs the Debian packages a make target needs, if they are missing.
# Usage: scripts/install-deps.sh build|test|fixtures|bench|fuzz|coverage
# Says what it installs; does nothing when everything is present.
set -e
build="gcc make pkg-config libsodium-dev zlib1g-dev libssl-dev"
# the integration tests write sessions through Rails' own stores (Ruby)
rails="ruby ruby-activesupport ruby-actionpack ruby-rack ruby-redis ruby-redis-actionpack ruby-redis-rack ruby-redis-store"
test_="$build g++ binutils check libjansson-dev man-db tzdata redis-server redis-tools libhiredis-dev $rails"
# Ruby 3.4 and 4.0 for the fixtures run as WebAssembly under Node (tests/fixtures/ruby-wasm)
# (a node/npm already on PATH, e.g. NodeSource's, is used as it is)
node_=""
command -v node >/dev/null 2>&1 || node_="nodejs"
command -v npm >/dev/null 2>&1 || node_="$node_ npm"
fixtures="$rails redis-server redis-tools unicode-data tzdata $node_"
case "$1" in
  build) want="$build" ;;
  test) want="$test_" ;;
  fixtures) want="$build $fixtures" ;;
  bench) want="$build ruby valgrind" ;;
  fuzz) want="$build clang libclang-rt-14-dev" ;;
  # make coverage: gcc --coverage, summed per file by gcovr
  coverage) want="$test_ gcovr" ;;
  *) echo "usage: $0 build|test|fixtures|bench|fuzz|coverage" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "rsess: installing Debian packages:$missing"
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "rsess: need root (or sudo) to install:$missing" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "rsess: installed:$missing"
