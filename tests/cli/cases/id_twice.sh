a=$("$RSESS" id) && b=$("$RSESS" id) || exit 1
echo "$a" | grep -Eq '^[0-9a-f]{32} 2::[0-9a-f]{64}$' || { echo "bad id: $a"; exit 1; }
echo "$b" | grep -Eq '^[0-9a-f]{32} 2::[0-9a-f]{64}$' || { echo "bad id: $b"; exit 1; }
[ "$a" != "$b" ] || { echo "the same id twice"; exit 1; }
c=$("$RSESS" id --rack) && echo "$c" | grep -Eq '^[0-9a-f]{64} 2::[0-9a-f]{64}$' || { echo "bad rack id: $c"; exit 1; }
echo ok
