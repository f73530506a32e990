# the limits are options of every reading command
"$RSESS" decode --max-depth 2 --in raw tests/fixtures/marshal/hash_nested.bin
"$RSESS" info --max-input=10 --in raw tests/fixtures/marshal/session_typical.bin
"$RSESS" decode --max-inflated 1K --in raw tests/fixtures/entries/as71_big_compressed.bin
"$RSESS" decode --max-inflated 64K --in raw tests/fixtures/entries/as71_big_compressed.bin > /dev/null && echo "64K is enough"
"$RSESS" decode --max-depth x y
