# Records that fail are named with their line and reason, skipped, and the
# rest still counted; exit status 1. --dry-run reports per format and node.
p=2::edacda0778c0af8ec3f0a1795c0b26d78d2b3a57eb76fceaf37b4b3bed2b8eab
{
  printf '"session:%s" 5000 "\\x04\\bi\\x06"\n' $p
  printf 'garbage line\n'
  printf '"session:%s" 5000 "\\x00\\x11\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\xf0\\x7f\\x00\\x00\\x00\\x00\\x04\\bi\\x06"\n' $p
  printf '"session:%s" 0 "\\x04\\bi\\x06"\n' $p
  printf '"session:2::zz" 5000 "\\x04\\bi\\x06"\n'
  printf '"session:%s" 5000 "\\x04\\b{"\n' $p
  printf '"session:%s" 5000 (nil)\n' $p
  printf '"other:%s" 5000 "\\x04\\bi\\x06"\n' $p
  printf '"session:%s" -1 "\\x04\\b[\\x00"\n' 2::ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb
} | "$RSESS" migrate --from redis-store --to cache --from-namespace session --to-namespace myapp \
    --cluster-nodes tests/fixtures/cluster/nodes.txt --delete-old --dry-run
