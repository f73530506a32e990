"$RSESS" info --in raw tests/fixtures/entries/as61_small_version.bin
