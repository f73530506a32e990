# --entry 7.2, 8.0 and 8.1 write the 7.1 format (Rails' bytes); others are refused
for v in 7.2 8.0 8.1; do
  "$RSESS" decode --in raw --to typed tests/fixtures/entries/as71_small.value.bin |
    "$RSESS" encode --entry $v | cmp -s - tests/fixtures/entries/as71_small.bin && echo "$v writes 7.1"
done
echo '1' | "$RSESS" encode --from json --entry 5.2
