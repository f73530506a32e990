# Writes sessions into a real redis-server through Rails' own session stores
# (Debian's ruby-actionpack 6.1 ActionDispatch::Session::CacheStore over
# ActiveSupport 6.1's RedisCacheStore, and ruby-redis-actionpack's
# ActionDispatch::Session::RedisStore, i.e. redis-store), the way a request
# would. Prints one line per session:
#   store <TAB> public id <TAB> Marshal.dump(session) as hex <TAB> expire_after
# Usage: ruby rails_sessions.rb PORT
require "securerandom"
require "action_dispatch"
require "action_dispatch/middleware/session/cache_store"
require "action_dispatch/middleware/session/redis_store"
require "active_support/cache/redis_cache_store"
require "rack/mock"

port = Integer(ARGV.fetch(0))
app = ->(_env) { [200, {}, []] }
req = ActionDispatch::Request.new(Rack::MockRequest.env_for("/"))
cache = ActiveSupport::Cache::RedisCacheStore.new(url: "redis://127.0.0.1:#{port}/0", namespace: "myapp")
stores = {
  "cache" => [ActionDispatch::Session::CacheStore.new(app, cache: cache), 300.5],
  "redis-store" => [ActionDispatch::Session::RedisStore.new(app, servers: ["redis://127.0.0.1:#{port}/0/session"]), 300],
}
sessions = [
  {"message".encode("US-ASCII") => "hello"},
  {"session_id" => SecureRandom.hex(16), "_csrf_token".encode("US-ASCII") => SecureRandom.urlsafe_base64(32),
   "warden.user.user.key" => [[42], "$2a$12$abcdefghijklmnopqrstuv"],
   "flash" => {"discard" => [], "flashes" => {"notice".encode("US-ASCII") => "Signed in."}},
   "last_request_at" => 1769693054, "ratio" => 0.25, "when" => Time.utc(2026, 1, 29, 13, 24, 14)},
  {"cart" => (1..60).map { |i| {"sku" => "SKU-%05d" % i, "qty" => i % 3 + 1, "price" => i * 1.25} }}, # compressed
]
stores.each do |name, (store, expire_after)|
  sessions.each do |s|
    sid = Rack::Session::SessionId.new(SecureRandom.hex(16))
    store.send(:write_session, req, sid, s, {expire_after: expire_after})
    puts [name, sid.public_id, Marshal.dump(s).unpack1("H*"), expire_after].join("\t")
  end
end
