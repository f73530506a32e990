"$RSESS" key --store redis-store --namespace session 36334d75885e1c87c38636160d0058aa
