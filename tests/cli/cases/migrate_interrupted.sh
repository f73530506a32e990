# An interrupted migrate --out-dir (SIGINT, SIGTERM, SIGHUP) removes its
# temporary streams: nothing is left that looks like a stream, complete or
# not; the status is the signal's. Records come through a FIFO kept open, so
# the run is still going when the signal comes (the streams are set up
# before the input is opened); 20,000 records went through first. A run
# that ends normally renames its streams into place.
t=$(mktemp -d)
P=2::edacda0778c0af8ec3f0a1795c0b26d78d2b3a57eb76fceaf37b4b3bed2b8eab
rec="\"session:$P\" 5000 \"\\x04\\b[\\ai\\x06I\\\"\\x0fsession_id\\x06:\\x06ET\""
mkfifo $t/in
for sig in INT TERM HUP; do
  rm -rf $t/out
  # sh starts background jobs with SIGINT ignored, and a run under nohup
  # ignores SIGHUP (the CLI keeps an ignored signal ignored, and would wait
  # on the FIFO for ever): give the three their defaults
  env --default-signal=INT,TERM,HUP "$RSESS" migrate --from redis-store --to cache --out-dir $t/out \
    --cluster-nodes tests/fixtures/cluster/nodes.txt --delete-old $t/in 2> $t/err &
  pid=$!
  exec 3> $t/in
  yes "$rec" | head -n 20000 >&3
  before=$(ls $t/out | grep -c '\.resp\.tmp$')
  kill -s $sig $pid
  { wait $pid; } 2> /dev/null
  st=$?
  exec 3>&-
  echo "SIG$sig: status $st; $before temporary streams before, left: [$(cd $t/out && ls -A . delete | tr '\n' ' ')]"
done
# the same records in a run that ends: the streams are renamed into place
yes "$rec" | head -n 20000 > $t/all
rm -rf $t/out
"$RSESS" migrate --from redis-store --to cache --out-dir $t/out --cluster-nodes tests/fixtures/cluster/nodes.txt \
  --delete-old $t/all 2> /dev/null
echo "a whole run: status $?, $(ls $t/out $t/out/delete | grep -c '\.resp$') streams, $(ls $t/out $t/out/delete | grep -c '\.tmp$') temporary"
rm -rf $t
