printf "\004\010i\006\n" | "$RSESS" decode --in raw
