echo "[1, {\"float\":\"1e2\"}]" | "$RSESS" encode --to base64
