while IFS="$(printf '\t')" read -r key want; do
  for f in nodes shards shards-raw; do
    got=$("$RSESS" locate "$key" tests/fixtures/cluster/$f.txt) || exit 1
    [ "$got" = "$want" ] || { echo "$f: $key: $got, want $want"; exit 1; }
  done
done < tests/fixtures/cluster/locate.tsv
echo ok
