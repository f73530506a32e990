"$RSESS" decode --in raw tests/fixtures/hostile/as71_bomb_300mb.bin
