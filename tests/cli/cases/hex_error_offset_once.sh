# issue 19: --in hex errors name the offset twice ("at offset 6 at offset 6").
echo "04 08 zz" | "$RSESS" decode --in hex
