#!/bin/sh
# The include graph of lib/: prints one "file -> header" line per
# #include "..." and checks that
#  - the graph has no cycles (tsort);
#  - the base layer (lib/base.h and its .c files) includes nothing of lib/
#    but base.h, and lib/text.h / lib/text.c nothing but base.h and text.h:
#    the two bottom layers know nothing above them;
#  - no file of lib/ includes a .c file.
# Usage: scripts/include-graph.sh [-q]   (-q: the checks only, no graph)
# Exit status 0 when every check holds.
set -u
cd "$(dirname "$0")/.." || exit 2
quiet=${1:-}
BASE="lib/base.h lib/alloc.c lib/buf.c lib/err.c lib/map.c lib/version.c"
TEXT="lib/text.h lib/text.c"
edges=$(for f in lib/*.c lib/*.h; do
  sed -n 's/^#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f" | while read -r h; do
    case $h in */*) to=$h ;; rsess.h) to=include/rsess.h ;; *) to=lib/$h ;; esac
    echo "$f $to"
  done
done)
[ "$quiet" = -q ] || echo "$edges" | awk '{print $1 " -> " $2}'
status=0
if ! echo "$edges" | tsort > /dev/null 2> /tmp/include-graph.$$; then
  echo "include-graph: a cycle:"; cat /tmp/include-graph.$$; status=1
fi
rm -f /tmp/include-graph.$$
allowed() { # file, allowed headers...
  f=$1; shift
  echo "$edges" | awk -v f="$f" '$1 == f {print $2}' | while read -r to; do
    ok=0
    for a in "$@"; do [ "$to" = "$a" ] && ok=1; done
    [ $ok = 1 ] || echo "include-graph: $f includes $to, which is above its layer"
  done
}
bad=$(for f in $BASE; do allowed "$f" lib/base.h include/rsess.h; done
      for f in $TEXT; do allowed "$f" lib/base.h lib/text.h; done
      echo "$edges" | awk '$2 ~ /\.c$/ {print "include-graph: " $1 " includes a .c file, " $2}')
if [ -n "$bad" ]; then echo "$bad"; status=1; fi
for f in $BASE $TEXT; do [ -f "$f" ] || { echo "include-graph: $f is missing"; status=1; }; done
[ $status = 0 ] && [ "$quiet" != -q ] && echo "include-graph: no cycles; base.h and text.h include nothing above them"
exit $status
