# the secret from the environment; a 7.0-style SHA256-keyed cookie; Marshal in CBC shown as Ruby's p
RSESS_SECRET_KEY_BASE=$(cat tests/fixtures/cookies/cli/secret_key_base.txt) "$RSESS" cookie decode --name _app_session --now 1795824000 --to json tests/fixtures/cookies/cli/gcm-sha256.cookie | diff - tests/fixtures/cookies/cli/gcm.json
RSESS_SECRET_KEY_BASE=$(cat tests/fixtures/cookies/cli/secret_key_base.txt) "$RSESS" cookie decode --name _app_session --now 1795824000 < tests/fixtures/cookies/cli/cbc-marshal.cookie | diff - tests/fixtures/cookies/cli/marshal.rb.txt
"$RSESS" cookie decode --secret-token-file tests/fixtures/cookies/cli/secret_token.txt --name _app_session tests/fixtures/cookies/cli/rails3.cookie | diff - tests/fixtures/cookies/cli/marshal.rb.txt
