"$RSESS" decode --in hex - <<X
04 08 5b 07 69 06 66 08 31 65 32
X
