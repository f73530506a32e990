# Output that cannot be written: to /dev/full every command says so once
# ("cannot write the output") and exits 1, with no other message; a reader
# that goes away (| head -1) ends rsess quietly, killed by SIGPIPE (status
# 141), even when the parent ignores SIGPIPE.
t=$(mktemp -d)
C=tests/fixtures/cookies/cli
M=tests/fixtures/marshal/session_typical.bin
P=2::edacda0778c0af8ec3f0a1795c0b26d78d2b3a57eb76fceaf37b4b3bed2b8eab
printf '"session:%s" 5000 "\\x04\\bi\\x06"\n' $P > $t/rec
printf '%s\n' '"session:2::a"' '(integer) 5400000' '"\x04\bi\x06"' > $t/replies
"$RSESS" decode --in raw --to typed $M > $t/typed
full() {
  name=$1
  shift
  "$@" > /dev/full 2> $t/err
  st=$?
  echo "$name: status $st, $(grep -c 'cannot write the output' $t/err) write error, $(grep -vc 'cannot write the output' $t/err) other"
}
full "decode" "$RSESS" decode --in raw $M
full "decode --to json --pretty" "$RSESS" decode --in raw --to json --pretty $M
full "info" "$RSESS" info --in raw $M
full "explain" "$RSESS" explain --in raw $M
full "encode" "$RSESS" encode --to hex $t/typed
full "encode --entry" "$RSESS" encode --entry 7.1 --to raw $t/typed
full "id" "$RSESS" id
full "key" "$RSESS" key 36334d75885e1c87c38636160d0058aa
full "slot" "$RSESS" slot a b c
full "locate" "$RSESS" locate foo tests/fixtures/cluster/nodes.txt
full "locate --masters" "$RSESS" locate --masters tests/fixtures/cluster/nodes.txt
full "records --commands" "$RSESS" records --commands $t/rec
full "records" "$RSESS" records $t/replies
full "migrate" "$RSESS" migrate --from redis-store --to cache $t/rec
full "migrate --dry-run" "$RSESS" migrate --from redis-store --to cache --dry-run $t/rec
full "cookie decode" "$RSESS" cookie decode --secret-key-base-file $C/secret_key_base.txt --name _app_session --now 1795824000 $C/gcm.cookie
full "cookie info" "$RSESS" cookie info --secret-key-base-file $C/secret_key_base.txt --name _app_session --now 1795824000 $C/gcm.cookie
full "cookie encode" "$RSESS" cookie encode --format signed --secret-key-base-file $C/secret_key_base.txt --name _app_session $C/json-session.json
full "--help" "$RSESS" --help
full "--version" "$RSESS" --version
# 200,000 values, 400 KB of output: far more than a pipe holds
yes '"\x04\bi\x06"' | head -n 200000 > $t/big
full "decode --lines" "$RSESS" decode --lines $t/big
full "info --lines" "$RSESS" info --lines $t/big
{ "$RSESS" decode --lines $t/big 2> $t/err; echo $? > $t/st; } | head -1
echo "decode --lines | head -1: status $(cat $t/st), $(wc -c < $t/err | tr -d ' ') bytes on stderr"
(
  trap '' PIPE
  { "$RSESS" decode --lines $t/big 2> $t/err; echo $? > $t/st; } | head -1
)
echo "the same with SIGPIPE ignored: status $(cat $t/st), $(wc -c < $t/err | tr -d ' ') bytes on stderr"
{ "$RSESS" info --lines $t/big 2> $t/err; echo $? > $t/st; } | head -c 10 > /dev/null
echo "info --lines | head -c 10: status $(cat $t/st), $(wc -c < $t/err | tr -d ' ') bytes on stderr"
rm -rf $t
