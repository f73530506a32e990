$RSESS decode --in raw tests/fixtures/types/twz_berlin.bin && $RSESS decode --in raw tests/fixtures/types/twz_tokyo.bin
