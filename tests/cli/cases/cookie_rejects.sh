# each rejection: exit 1, the reason on stderr, nothing on stdout
"$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --now 1795824000 tests/fixtures/cookies/cli/expired.cookie; echo "status $?"
"$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --now 1795824000 tests/fixtures/cookies/cli/bad-tag.cookie; echo "status $?"
"$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name other --now 1795824000 tests/fixtures/cookies/cli/gcm-sha256.cookie; echo "status $?"
"$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --digest sha1 --now 1795824000 tests/fixtures/cookies/cli/gcm-sha256.cookie; echo "status $?"
"$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name _app_session --serializer json --now 1795824000 tests/fixtures/cookies/cli/cbc-marshal.cookie; echo "status $?"
echo 'abc--def--ghi' | "$RSESS" cookie decode --secret-key-base-file tests/fixtures/cookies/cli/secret_key_base.txt --name n; echo "status $?"
echo '0123456789abcdef0123456789abcdef' | "$RSESS" cookie info --name _session_id; echo "status $?"
