printf "BAhbB2kGZggxZTI=" | "$RSESS" decode --in base64
