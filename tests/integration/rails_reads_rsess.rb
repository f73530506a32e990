# Rails 6.1's own cookie jars (and Rack 2.2's cookie store) read the
# cookies `rsess cookie encode` writes: every format, digest and
# serializer, with purpose and expiry; and refuse them under another name
# or after their expiry. Usage: ruby rails_reads_rsess.rb path/to/rsess
require "json"
require "open3"
require "rack"
require "rack/session/cookie"
require_relative "../fixtures/cookie_helpers"

RSESS = ARGV.fetch(0)
SKB = OpenSSL::Random.random_bytes(64).unpack1("H*") # a fresh secret each run
TOKEN = "integration-secret-token-" + OpenSSL::Random.random_bytes(16).unpack1("H*")
SESSION = { "session_id" => "6b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d", "user_id" => 42, "flash" => { "notice" => "<hi> & \u2028 caf\u00e9" },
            "list" => [1, 2.5, nil, true, "x"], "big" => 2**80 }.freeze
$failed = 0
$passed = 0

def encode(*args, input: JSON.generate(SESSION))
  out, err, st = Open3.capture3({ "RSESS_SECRET_KEY_BASE" => SKB, "RSESS_SECRET_TOKEN" => TOKEN }, RSESS, "cookie",
                                "encode", *args, stdin_data: input)
  raise "rsess cookie encode #{args.join(" ")}: #{err}" unless st.success?
  out.chomp
end

def check(what, got, want)
  if got == want
    $passed += 1
  else
    $failed += 1
    warn "FAIL #{what}: Rails read #{got.inspect}, want #{want.inspect}"
  end
end

def jar_read(value, name:, kind:, **req)
  r = rails_request(skb: SKB, cookie: "#{name}=#{value}", **req)
  (kind == :signed ? r.cookie_jar.signed : r.cookie_jar.encrypted)[name]
end

future = (Time.now + 3600).to_i
[["gcm", :encrypted, {}, %w[--digest sha1]],
 ["gcm", :encrypted, { kdf: "SHA256" }, %w[--digest sha256]],
 ["gcm", :encrypted, { cipher: "aes-128-gcm" }, %w[--digest sha1 --cipher aes-128-gcm]],
 ["gcm", :encrypted, { cipher: "aes-192-gcm", kdf: "SHA256" }, %w[--digest sha256 --cipher aes-192-gcm]],
 ["cbc", :encrypted, { gcm: false }, %w[--digest sha1]],
 ["cbc", :encrypted, { gcm: false, kdf: "SHA256" }, %w[--digest sha256]],
 ["signed", :signed, {}, %w[--digest sha1]],
 ["signed", :signed, { signed_digest: "SHA256" }, %w[--digest sha1 --hmac-digest sha256]],
 ["signed", :signed, { signed_digest: "SHA512", kdf: "SHA256" }, %w[--digest sha256 --hmac-digest sha512]]].each do |fmt, kind, req, args|
  what = "#{fmt} #{args.join(" ")}"
  base = ["--format", fmt, *args]
  # JSON, with purpose and expiry, read by :json and :hybrid jars
  v = encode(*base, "--name", "_app_session", "--expires-at", future.to_s)
  check("#{what} json", jar_read(v, name: "_app_session", kind: kind, **req), JSON.parse(JSON.generate(SESSION)))
  check("#{what} json (hybrid jar)", jar_read(v, name: "_app_session", kind: kind, serializer: :hybrid, **req),
        JSON.parse(JSON.generate(SESSION)))
  # without a purpose (5.2 style), read by a 5.2-style jar and a 6.1 one
  v = encode(*base)
  check("#{what} no purpose", jar_read(v, name: "x", kind: kind, metadata: false, **req), JSON.parse(JSON.generate(SESSION)))
  check("#{what} no purpose, 6.1 jar", jar_read(v, name: "x", kind: kind, **req), JSON.parse(JSON.generate(SESSION)))
  # Marshal, read by :marshal and :hybrid jars
  v = encode(*base, "--serializer", "marshal", "--name", "s", "--from", "json")
  check("#{what} marshal", jar_read(v, name: "s", kind: kind, serializer: :marshal, **req), JSON.parse(JSON.generate(SESSION)))
  check("#{what} marshal (hybrid jar)", jar_read(v, name: "s", kind: kind, serializer: :hybrid, **req),
        JSON.parse(JSON.generate(SESSION)))
  # refused: another cookie's name, an expired cookie
  v = encode(*base, "--name", "a")
  check("#{what} wrong purpose", jar_read(v, name: "b", kind: kind, **req), nil)
  v = encode(*base, "--name", "_app_session", "--expires-at", (Time.now - 5).to_i.to_s)
  check("#{what} expired", jar_read(v, name: "_app_session", kind: kind, **req), nil)
end

# Rails 2.3/3.x: MessageVerifier over the raw secret_token, Marshal
v = encode("--format", "rails3")
check("rails3", ActiveSupport::MessageVerifier.new(TOKEN).verified(Rack::Utils.unescape(v)), JSON.parse(JSON.generate(SESSION)))

# Rack's own cookie store, Marshal and JSON coders
{ "marshal" => Rack::Session::Cookie::Base64::Marshal, "json" => Rack::Session::Cookie::Base64::JSON }.each do |ser, coder|
  v = encode("--format", "rack", "--serializer", ser)
  seen = nil
  app = Rack::Session::Cookie.new(->(env) { seen = env["rack.session"].to_hash; [200, {}, []] }, secret: TOKEN, coder: coder.new)
  app.call(Rack::MockRequest.env_for("/", "HTTP_COOKIE" => "rack.session=#{v}"))
  check("rack #{ser}", seen, JSON.parse(JSON.generate(SESSION)))
end

puts "cookies: Rails 6.1 / Rack 2.2 read #{$passed} rsess cookies as expected, #{$failed} failed"
exit($failed.zero? ? 0 : 1)
