$RSESS decode --in raw --ruby-version 4.0 tests/fixtures/types/set.bin && $RSESS decode --in raw --ruby-version=3.4 tests/fixtures/types/set.bin
