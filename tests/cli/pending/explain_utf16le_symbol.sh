# issue 19: explain stops a UTF-16LE symbol's name at its first NUL (":h").
# The listing must show the name as Ruby does (:"hi"). Prints nothing when right.
"$RSESS" explain --in raw tests/fixtures/repros/values/sym_utf16le.bin | grep -q ':"hi"' ||
  echo "explain does not show the UTF-16LE symbol as :\"hi\""
