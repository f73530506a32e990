"$RSESS" explain examples/data/cache-entry-hello.txt
