"$RSESS" decode --lines --to json < tests/fixtures/lines/values.txt
