"$RSESS" decode examples/data/cache-entry-world.txt
