"$RSESS" slot --in hex "" 666f6f 007bff7d01
