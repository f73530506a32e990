"$RSESS" decode /nonexistent/file
