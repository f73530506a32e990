"$RSESS" migrate --help | head -1
"$RSESS" help records | head -1
"$RSESS" key -h | head -1
