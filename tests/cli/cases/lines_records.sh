# --lines with records ("KEY" PTTL "VALUE", KEY<TAB>VALUE) keeps the keys;
# redis-cli's other reply forms each say what to do
printf '%s\n' '(nil)' '(integer) 5' '(error) MOVED 1234 127.0.0.1:7001' '1) "\x04\bi\x06"' '2) (nil)' \
  '"k1" 500 "\x04\bi\x07"' '"k2"	"\x04\b[\x00"' 'sess:1	"\x04\b0"' '"k3" 5 (nil)' '"\xff" -1 "\x04\bT"' > "${TMPDIR:-/tmp}/lines_records.$$"
"$RSESS" decode --lines --to json "${TMPDIR:-/tmp}/lines_records.$$"
s=$?
"$RSESS" decode --lines "${TMPDIR:-/tmp}/lines_records.$$"
"$RSESS" info --lines "${TMPDIR:-/tmp}/lines_records.$$" | cut -c1-80
rm -f "${TMPDIR:-/tmp}/lines_records.$$"
exit $s
