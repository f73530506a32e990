"$RSESS" cookie info --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --now 1795824000 tests/fixtures/cookies/cli/gcm.cookie
"$RSESS" cookie info --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --now 1795824000 tests/fixtures/cookies/cli/signed-sha512.cookie
"$RSESS" cookie info --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --now 1795824000 tests/fixtures/cookies/cli/cbc-marshal.cookie
