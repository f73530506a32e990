# JSON Lines of typed values; each line encodes back to what its redis-cli line holds
"$RSESS" decode --lines --to typed tests/fixtures/lines/values.txt 2>/dev/null > "${TMPDIR:-/tmp}/typed.$$"
echo "status $?"
n=0
while IFS= read -r line; do
  n=$((n + 1))
  [ "$line" = null ] && { echo "line $n: null"; continue; }
  printf '%s' "$line" | "$RSESS" encode --to hex > /dev/null && echo "line $n: encodes"
done < "${TMPDIR:-/tmp}/typed.$$"
rm -f "${TMPDIR:-/tmp}/typed.$$"
