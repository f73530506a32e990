"$RSESS" encode --expires-in 5 < /dev/null
