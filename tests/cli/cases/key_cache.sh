"$RSESS" key --namespace session_redis5 36334d75885e1c87c38636160d0058aa
