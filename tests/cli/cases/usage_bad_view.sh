"$RSESS" decode --to yaml x
