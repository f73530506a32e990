"$RSESS" info examples/data/cache-entry-hello.txt
