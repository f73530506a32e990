"$RSESS" decode --to typed examples/data/redis-store-value.txt
