echo "[1," | "$RSESS" encode
