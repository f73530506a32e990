"$RSESS" --version
