"$RSESS" decode --to json < examples/data/redis-store-value.txt
