echo "{\"link\": 0}" | "$RSESS" encode
