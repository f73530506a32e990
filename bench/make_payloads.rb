# Writes the benchmark payloads with real Ruby (Marshal.dump):
#   ruby bench/make_payloads.rb bench/payloads     (make fixtures runs it)
require "fileutils"
require "securerandom"
out = ARGV[0] || File.join(__dir__, "payloads")
FileUtils.mkdir_p(out)
rng = Random.new(8)
hex = ->(n) { rng.bytes(n).unpack1("H*") }
b64 = ->(n) { [rng.bytes(n)].pack("m0").tr("+/", "-_").delete("=") }

hello = {"message".encode("US-ASCII") => "hello"}
typical = {
  "session_id" => hex.(16),
  "_csrf_token".encode("US-ASCII") => b64.(32).encode("US-ASCII"),
  "warden.user.user.key" => [[1234567], "$2a$12$" + b64.(16)[0, 22]],
  "warden.user.user.session" => {"last_request_at" => 1769693054},
  "flash" => {"discard" => ["notice".encode("US-ASCII")], "flashes" => {"notice".encode("US-ASCII") => "Signed in successfully."}},
  "locale".encode("US-ASCII") => "en",
  "user_return_to" => "/accounts/1234567/settings/notifications?tab=email",
  "last_seen_ratio" => 0.7342,
  "feature_flags" => {"new_dashboard" => true, "beta_search" => false},
}
cart = typical.merge("cart" => (1..40).map do |i|
  {"sku" => "SKU-%06d" % (i * 37), "name" => "Product number #{i}", "qty" => i % 4 + 1,
   "price" => (i * 3.75).round(2), "added_at" => 1769690000 + i * 61}
end)
strings = typical.merge("notes" => (1..64).map { |i| "Note #{i}: " + ("lorem ipsum dolor sit amet " * 36)[0, 990] },
                        "draft" => "x" * 2000)
many = (1..10_000).map { |i| {"id" => i, "name" => "item #{i}", "email" => "u#{i}@example.com", "ok" => i.odd?, "score" => i * 0.25} }
# the sixth (issue 15): random floats, symbols, a time stamp; Kernel#rand from
# a fixed srand (the other payloads use rng above, so they do not change)
srand(15)
records = (0...10_000).map do |i|
  {"id" => i, "user" => "user#{i}", "score" => rand * 1000, "active" => true,
   "roles" => [:admin, :editor], "ts" => 1769433600 + i}
end
payloads = {"hello" => hello, "typical" => typical, "cart" => cart, "strings" => strings, "many_hashes" => many,
            "records" => records}
payloads.each do |name, v|
  data = Marshal.dump(v)
  File.binwrite(File.join(out, "#{name}.bin"), data)
  puts "#{name}: #{data.bytesize} bytes"
end

# Each payload inside a compressed Rails 7.1 cache entry, NAME.e71 (Rails 6.1,
# the Debian ActiveSupport, cannot write these): the Coder's 15-byte header
# (shared/reference/formats.md 4.2: "\x00\x11", then pack("CEl<") of the type
# 0x01 object dump | 0x80 compressed, expires_at as a little-endian double and
# version length -1 = none) around Zlib.deflate(Marshal.dump(value)).
# Compressed even where deflate makes it larger (hello): Rails' writer would
# keep that one plain, its loader inflates whatever carries the flag, and the
# benchmark measures inflate included. Checked here: Ruby's inflate + load of
# the entry gives back the value (rsess-bench --check checks rsess's decode).
require "zlib"
expires_at = 1769693054.4480495
payloads.each do |name, v|
  inner = Marshal.dump(v)
  entry = "\x00\x11".b + [0x01 | 0x80, expires_at, -1].pack("CEl<") + Zlib::Deflate.deflate(inner)
  type, exp, vlen = entry.unpack("CEl<", offset: 2)
  raise "#{name}: entry header" unless type == 0x81 && exp == expires_at && vlen == -1
  raise "#{name}: entry value" unless Marshal.load(Zlib::Inflate.inflate(entry.byteslice(15..))) == v
  File.binwrite(File.join(out, "#{name}.e71"), entry)
  puts "#{name}.e71: #{entry.bytesize} bytes"
end
