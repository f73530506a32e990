echo "not cluster output" | "$RSESS" locate foo
