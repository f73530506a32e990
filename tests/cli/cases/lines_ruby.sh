"$RSESS" decode --lines tests/fixtures/lines/values.txt
