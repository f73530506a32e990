"$RSESS" frobnicate
