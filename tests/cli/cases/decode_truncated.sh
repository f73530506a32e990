printf "%s" "\"\\x04\\b{\\x06I\\\"\\x0cmessage\\x06:\\x06EFI\\\"\\x0ahel\"" | "$RSESS" decode
