# keys from redis-cli --scan (raw) and --no-raw --scan (quoted) to the
# ECHO/PTTL/GET stream, each key quoted as redis-cli reads it back
printf '%s\n' 'session:2::a' '"we\"ird\\key\x01"' '' 'sp ace' | "$RSESS" records --commands
