"$RSESS" slot 123456789 foo bar "{user1000}.following" "foo{}{bar}" "foo{{bar}}zap" "foo{bar}{zap}"
