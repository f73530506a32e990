# issue 19: explain stopped a UTF-16LE symbol's name at its first NUL (":h").
# The listing keeps every byte of the name (NULs escaped). Prints nothing when right.
"$RSESS" explain --in raw tests/fixtures/repros/values/sym_utf16le.bin | grep -qF ':h\x00i\x00' ||
  echo "explain does not show the UTF-16LE symbol's bytes"
