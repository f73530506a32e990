# Marshal.load ignores bytes after the value; --allow-trailing does too
# (expected text: Ruby 3.1's p of Marshal.load of the same bytes)
printf '\004\010i\006\000\001' | "$RSESS" decode --in raw --allow-trailing
printf '\004\010[\006I"\006a\006:\006ETxyz' | "$RSESS" decode --allow-trailing --in raw
printf '\004\010[\006I"\006a\006:\006ETxyz' | "$RSESS" explain --allow-trailing --in raw | tail -1
