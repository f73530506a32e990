"$RSESS" decode ../shared/samples/cache-entry-hello.txt 2>/dev/null || "$RSESS" decode examples/data/cache-entry-hello.txt
