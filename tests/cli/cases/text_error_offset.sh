# a text-form error names its offset once
printf '"ab\\x"' | "$RSESS" decode
printf 'abz' | "$RSESS" decode --in hex
