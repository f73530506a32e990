printf "%s" "{\"hash\":[[{\"str\":\"message\",\"enc\":\"US-ASCII\"},\"hello\"]]}" | "$RSESS" encode --to quoted
