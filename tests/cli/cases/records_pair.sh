# redis-cli --no-raw replies to ECHO, PTTL, GET (three lines a key) paired
# into records; a key that vanished is named and skipped (exit 0 for it);
# a MOVED error says which node to ask; a WRONGTYPE key is a failure.
printf '%s\n' '"session:2::a"' '(integer) 5400000' '"\x04\bi\x06"' \
  '"session:2::b"' '(integer) -2' '(nil)' \
  '-> Redirected to slot [1234] located at 127.0.0.1:7001' \
  '"we\"ird\\key"' '(integer) -1' '"\x04\b[\x00"' \
  '"session:2::c"' '(error) MOVED 1234 127.0.0.1:7001' '(error) MOVED 1234 127.0.0.1:7001' \
  '"session:2::d"' '(integer) -1' '(error) WRONGTYPE Operation against a key holding the wrong kind of value' |
  "$RSESS" records
