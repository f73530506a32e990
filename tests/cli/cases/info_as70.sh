"$RSESS" info --in raw tests/fixtures/entries/as70_big_compressed.bin
