$RSESS decode --in raw --ruby-version 3.3 tests/fixtures/types/set.bin
