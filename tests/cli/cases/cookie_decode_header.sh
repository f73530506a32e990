# a whole Cookie header, the name picks the session; Ruby's JSON.generate of what Rails read
"$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --now 1795824000 --to json tests/fixtures/cookies/cli/gcm.cookie | diff - tests/fixtures/cookies/cli/gcm.json
