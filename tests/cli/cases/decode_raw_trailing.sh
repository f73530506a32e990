printf "\004\010i\006\n\n" | "$RSESS" decode --in raw
