# Rails' side of tests/integration/migrate.sh, over a real Redis Cluster:
# sessions written and read through Rails' own stores (Debian's
# ruby-actionpack 6.1 ActionDispatch::Session::CacheStore over ActiveSupport
# 6.1's RedisCacheStore, and ruby-redis-actionpack's
# ActionDispatch::Session::RedisStore), both on the redis 4.8 gem's cluster
# client.
#
#   write STORE NS COUNT PORTS          writes COUNT sessions as a request would;
#                                       prints "public id <TAB> JSON of the session"
#   check-rails STORE NS TSV PORTS      reads each session of TSV back through the
#                                       store; prints "N equal of M" (and the first misses)
#   check-json STORE NS TSV JSONL       compares `rsess decode --lines --to json` of the
#                                       records of those keys with the sessions
# STORE: redis-store | cache; PORTS: comma-separated cluster ports.
require "json"
require "securerandom"
require "action_dispatch"
require "action_dispatch/middleware/session/cache_store"
require "action_dispatch/middleware/session/redis_store"
require "active_support/cache/redis_cache_store"
require "rack/mock"

APP = ->(_env) { [200, {}, []] }

def store(kind, ns, ports)
  nodes = ports.split(",").map { |p| "redis://127.0.0.1:#{p}" }
  if kind == "cache"
    cache = ActiveSupport::Cache::RedisCacheStore.new(redis: Redis.new(cluster: nodes), namespace: ns)
    ActionDispatch::Session::CacheStore.new(APP, cache: cache)
  else
    ActionDispatch::Session::RedisStore.new(APP, redis_server: {cluster: nodes, namespace: ns})
  end
end

def request(st)
  req = ActionDispatch::Request.new(Rack::MockRequest.env_for("/"))
  ActionDispatch::Request::Session.create(st, req, {})
  req
end

def key_of(kind, ns, pub)
  priv = Rack::Session::SessionId.new(pub).private_id
  kind == "cache" ? "#{ns}:_session_id:#{priv}" : "#{ns}:#{priv}"
end

def session(i)
  s = {"user_id" => i, "_csrf_token" => SecureRandom.urlsafe_base64(32),
       "flash" => {"discard" => [], "flashes" => {"notice" => "Bonjour é #{i}"}},
       "last_request_at" => 1769693054 + i, "ratio" => i / 8.0, "tags" => %w[a b c].take(i % 4)}
  # every 10th one is big enough for the cache store to deflate it
  s["cart"] = (1..60).map { |k| {"sku" => "SKU-%05d" % k, "qty" => k % 3 + 1, "price" => k * 1.25} } if i % 10 == 0
  s
end

def expected(tsv)
  File.readlines(tsv, chomp: true).map { |l| pub, json = l.split("\t", 2); [pub, JSON.parse(json)] }
end

case ARGV.shift
when "write"
  kind, ns, count, ports = ARGV
  st = store(kind, ns, ports)
  req = request(st)
  Integer(count).times do |i|
    s = session(i)
    pub = SecureRandom.hex(16)
    # expire_after varies so that TTLs can be told apart: whole seconds for
    # redis-store (SETEX), fractions for the cache store (PX)
    ttl = kind == "cache" ? 3000.25 + i % 500 : 3000 + i % 500
    st.send(:write_session, req, Rack::Session::SessionId.new(pub), s, {expire_after: ttl})
    puts [pub, JSON.generate(s)].join("\t")
  end
when "check-rails"
  kind, ns, tsv, ports = ARGV
  st = store(kind, ns, ports)
  want = expected(tsv)
  bad = want.reject do |pub, s|
    got = st.send(:find_session, request(st), Rack::Session::SessionId.new(pub))[1]
    JSON.parse(JSON.generate(got)) == s
  end
  bad.first(3).each { |pub, s| warn "not equal: #{pub}: want #{JSON.generate(s)[0, 120]}" }
  puts "#{want.size - bad.size} equal of #{want.size}"
when "check-json"
  kind, ns, tsv, jsonl = ARGV
  got = {}
  File.foreach(jsonl) do |l|
    r = JSON.parse(l)
    got[r["key"]] = r["value"] if r
  end
  want = expected(tsv)
  bad = want.reject { |pub, s| got[key_of(kind, ns, pub)] == s }
  bad.first(3).each { |pub, _| warn "not equal: #{key_of(kind, ns, pub)}: #{got[key_of(kind, ns, pub)].inspect[0, 120]}" }
  puts "#{want.size - bad.size} equal of #{want.size}"
else
  abort "usage: ruby migrate_sessions.rb write|check-rails|check-json ..."
end
