# the session id from a jar curl wrote (its *_session cookie, or the one
# named); a value that is no Rails id is warned about
"$RSESS" key --namespace myapp --cookie-jar tests/fixtures/curl/cookie-jar.txt
"$RSESS" key --store redis-store --cookie-jar tests/fixtures/curl/cookie-jar.txt --cookie-name locale
"$RSESS" key --cookie-jar tests/fixtures/curl/cookie-jar.txt --cookie-name nope
"$RSESS" key 'BAh7BkkiD3Nlc3Npb25faWQGOgZFVA--0123abcd'
