"$RSESS" locate --masters tests/fixtures/cluster/shards.txt
