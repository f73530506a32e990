# migrate's RESP stream, checked against frames built here from Rails'
# own bytes (tests/fixtures/entries: Rails writes as71_small.bin around
# as71_small.value.bin, as61/as70 likewise): the key of a private id and of
# a legacy public id (Rack's private id from tests/fixtures/keys), PX from
# PTTL, no PX for -1, each cache entry format back to bare Marshal.
t=$(mktemp -d)
E=tests/fixtures/entries
priv=2::edacda0778c0af8ec3f0a1795c0b26d78d2b3a57eb76fceaf37b4b3bed2b8eab
quoted() { printf '"%s"' "$(od -An -v -tx1 "$1" | tr -d ' \n' | sed 's/../\\x&/g')"; }
arg() { printf '$%s\r\n' "$(printf %s "$1" | wc -c)"; printf %s "$1"; printf '\r\n'; }
argf() { printf '$%s\r\n' "$(wc -c < "$1")"; cat "$1"; printf '\r\n'; }
v=$(quoted $E/as71_small.value.bin)
# redis-store -> cache 7.1, no TTL: exactly Rails' 7.1 entry
printf '"session:%s" -1 %s\n' "$priv" "$v" > $t/a.rec
"$RSESS" migrate --from redis-store --to cache --to-namespace myapp $t/a.rec > $t/a.out
{ printf '*3\r\n'; arg SET; arg "myapp:_session_id:$priv"; argf $E/as71_small.bin; } > $t/a.want
cmp $t/a.out $t/a.want && echo "7.1 entry ok"
# 7.0 likewise
"$RSESS" migrate --from redis-store --to cache --entry 7.0 --to-namespace myapp $t/a.rec > $t/b.out
{ printf '*3\r\n'; arg SET; arg "myapp:_session_id:$priv"; argf $E/as70_small.bin; } > $t/b.want
cmp $t/b.out $t/b.want && echo "7.0 entry ok"
# a legacy public-id key, a PTTL, redis-store -> redis-store in another namespace
printf '"session:36334d75885e1c87c38636160d0058aa" 5000 %s\n' "$v" > $t/c.rec
"$RSESS" migrate --from redis-store --to redis-store --to-namespace s2 $t/c.rec > $t/c.out
{ printf '*5\r\n'; arg SET; arg "s2:$priv"; argf $E/as71_small.value.bin; arg PX; arg 5000; } > $t/c.want
cmp $t/c.out $t/c.want && echo "legacy key ok"
# every cache format back to the bare value; --expires-in overrides the PTTL
for f in as71_small as70_small as61_small; do
  printf '"myapp:_session_id:%s" 7000 %s\n' "$priv" "$(quoted $E/$f.bin)"
done > $t/d.rec
"$RSESS" migrate --from cache --to redis-store --expires-in 60.5 $t/d.rec > $t/d.out
for f in as71_small as70_small as61_small; do
  printf '*5\r\n'; arg SET; arg "myapp:$priv"; argf $E/$f.value.bin; arg PX; arg 60500
done > $t/d.want
cmp $t/d.out $t/d.want && echo "cache formats ok"
rm -rf $t
