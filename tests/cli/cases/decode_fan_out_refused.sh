# 164 bytes whose Ruby and JSON text would be 2^40 paths long (each level
# of an Array holds the next twice): refused at the views' output cap, in
# well under a second (the bytes are Marshal.dump of a = []; 40.times { a = [a, a] }
# in Ruby 3.1); typed JSON keeps the links and gives the same bytes back
f=$(mktemp)
{
  printf '\004\010'
  i=0; while [ $i -lt 40 ]; do printf '[\007'; i=$((i + 1)); done
  printf '[\000'
  k=40; while [ $k -ge 1 ]; do printf "@\\$(printf '%03o' $((k + 5)))"; k=$((k - 1)); done
} > "$f"
"$RSESS" decode "$f"; echo "ruby: $?"
"$RSESS" decode --to json "$f"; echo "json: $?"
"$RSESS" decode --to typed "$f" | "$RSESS" encode --from typed | cmp - "$f" && echo "typed: the same bytes back"
rm -f "$f"
