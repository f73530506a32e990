"$RSESS" decode examples/data/redis-store-value.txt
